"""Activation and loss functions (chapters 3 and 4).

Each function works on NumPy or CuPy arrays alike: it asks its input which
module it belongs to (``get_array_module``) instead of calling NumPy directly.

Where the book's version is numerically fragile this one is not, and says why:
``sigmoid`` never overflows in ``exp``, ``softmax`` subtracts the row maximum, and
``softmax_loss`` uses log-sum-exp so the loss is exact even for huge logits.
"""
from common.backend import get_array_module


def identity_function(x):
    """The output layer of a regression network: y = x."""
    return x


def step_function(x):
    """1 where x > 0, else 0 (as integers, as in the book)."""
    return (x > 0).astype(int)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow.

    The direct formula overflows ``exp(-x)`` for x < -709 (float64) and warns.
    With e = exp(-|x|), which is always in (0, 1]:
    sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
    """
    xp = get_array_module(x)
    x = xp.asarray(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x))."""
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x):
    """max(0, x)."""
    xp = get_array_module(x)
    return xp.maximum(0, x)


def relu_grad(x):
    """1 where x > 0, else 0 (the subgradient at 0 is taken as 0)."""
    return (x > 0).astype(x.dtype)


def log_softmax(x):
    """log(softmax(x)) along the last axis, computed as x - logsumexp(x).

    Subtracting the maximum first keeps every ``exp`` argument <= 0, so nothing
    overflows, and taking the log here (not of a rounded probability) keeps it exact.
    """
    xp = get_array_module(x)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    """exp(x_k) / sum_i exp(x_i) along the last axis: a vector or a batch of rows."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=-1, keepdims=True)  # same result, no overflow
    e = xp.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def sum_squared_error(y, t):
    """0.5 * sum((y - t)^2): the book's "mean squared error" (summed, not averaged)."""
    xp = get_array_module(y)
    return 0.5 * xp.sum((y - t) ** 2)


#: The name the book's text uses for sum_squared_error.
mean_squared_error = sum_squared_error


def _as_batch(y, t):
    """Reshape a single example to a batch of one, and one-hot labels to indices."""
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    if t.size == y.size:  # one-hot rows -> the index of the 1
        t = t.argmax(axis=1)
    return y, t


def cross_entropy_error(y, t):
    """-mean over the batch of log y[t], for probabilities ``y`` (the book's version).

    ``y``: one example (1-D) or a batch (2-D) of probabilities; ``t``: class indices
    or one-hot rows.  The book adds 1e-7 inside the log so that log(0) is finite;
    that also caps the loss near 16.1.  Networks should use ``softmax_loss`` (or
    ``SoftmaxWithLoss``) on the raw scores instead, which needs no such fudge.
    """
    xp = get_array_module(y)
    y, t = _as_batch(y, t)
    batch_size = y.shape[0]
    return -xp.sum(xp.log(y[xp.arange(batch_size), t] + 1e-7)) / batch_size


def softmax_loss(x, t):
    """Cross-entropy of softmax(x) against labels ``t`` (indices or one-hot), exactly.

    Uses log_softmax, so logits of +-1000 give the true (large, finite) loss.
    One-hot (or any probability) rows are used as weights: -sum(t * log_softmax(x)).
    """
    xp = get_array_module(x)
    x2 = x.reshape(1, -1) if x.ndim == 1 else x
    logp = log_softmax(x2)
    batch_size = x2.shape[0]
    if t.size == x2.size:
        return -xp.sum(t.reshape(x2.shape) * logp) / batch_size
    return -xp.sum(logp[xp.arange(batch_size), t.reshape(-1)]) / batch_size
