"""Activation and loss functions (chapters 3 and 4).

Each function works on NumPy or CuPy arrays alike: it asks its input which
module it belongs to (``get_array_module``) instead of calling NumPy directly.
Like the book's versions, each also takes Python numbers and lists (which
become NumPy arrays): ``step_function(3.0)`` and ``softmax([1, 2, 3])`` work.

Where the book's version is numerically fragile this one is not, and says why:
``sigmoid`` never overflows in ``exp``, ``softmax`` subtracts the row maximum, and
``softmax_loss`` uses log-sum-exp so the loss is exact even for huge logits.

Labels are checked before they are used as indices, because NumPy would
otherwise give a silent wrong answer (label -1 picks the last class) or an
IndexError from deep inside.  Their shape and dtype are checked everywhere (free);
their values (0 <= t < classes) only for NumPy arrays: on a GPU that check
would wait for the device at every call.
"""

import numpy as np

from common.backend import get_array_module

# The names ``from common.functions import *`` hands on.  The book's module has
# no __all__, so a star import of it passes on everything it defines and
# imports, ``np`` included, and the book's scripts rely on that (they use ``np``
# after ``from common.functions import *``).  This list is that surface plus
# this module's additions; anything else here stays private.
__all__ = [
    "np",
    "identity_function",
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "softmax",
    "sum_squared_error",
    "cross_entropy_error",
    "softmax_loss",
    # additions of this course
    "log_softmax",
    "mean_squared_error",
]


def _as_array(name, x, booleans_as_numbers=False):
    """``x`` as an array of its own module: arrays unchanged, numbers and lists as NumPy.

    Anything but real numbers (strings, objects, complex numbers, None) is a
    TypeError naming the function ``name``.  With ``booleans_as_numbers`` a
    boolean array becomes 0.0 and 1.0 (NumPy has no minus for booleans).
    """
    x = get_array_module(x).asarray(x)
    kind = x.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"{name}: x must be real numbers, got dtype {x.dtype}")
    if kind == "b" and booleans_as_numbers:
        x = x.astype(float)
    return x


def identity_function(x):
    """The output layer of a regression network: y = x."""
    return x


def step_function(x):
    """1 where x > 0, else 0 (as integers, as in the book)."""
    x = _as_array("step_function", x)
    return get_array_module(x).asarray(x > 0, dtype=int)  # an array even for one number


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow.

    The direct formula overflows ``exp(-x)`` for x < -709 (float64) and warns.
    With e = exp(-|x|), which is always in (0, 1]:
    sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0.
    """
    x = _as_array("sigmoid", x, booleans_as_numbers=True)
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x))."""
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x):
    """max(0, x)."""
    x = _as_array("relu", x)
    return get_array_module(x).maximum(0, x)


def relu_grad(x):
    """1 where x >= 0, else 0, in the dtype of ``x`` (as the book's version).

    ReLU has no derivative at 0; any value in [0, 1] is a valid subgradient.
    This function takes 1 there, as the book's does; the ``Relu`` layer's
    backward pass (also as in the book) passes no gradient at 0.  The two agree
    everywhere else.
    """
    x = _as_array("relu_grad", x)
    return get_array_module(x).asarray(x >= 0, dtype=x.dtype)  # an array even for one number


def _as_vector_or_rows(name, x):
    x = _as_array(name, x, booleans_as_numbers=True)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(
            f"{name}: x has shape {x.shape}; it needs scores along its last axis "
            "(a vector, or one row per example)"
        )
    return x


def log_softmax(x):
    """log(softmax(x)) along the last axis, computed as x - logsumexp(x).

    Subtracting the maximum first keeps every ``exp`` argument <= 0, so nothing
    overflows, and taking the log here (not of a rounded probability) keeps it exact.
    """
    x = _as_vector_or_rows("log_softmax", x)
    xp = get_array_module(x)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    """exp(x_k) / sum_i exp(x_i) along the last axis: a vector or a batch of rows."""
    x = _as_vector_or_rows("softmax", x)
    xp = get_array_module(x)
    shifted = x - x.max(axis=-1, keepdims=True)  # same result, no overflow
    e = xp.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def sum_squared_error(y, t):
    """0.5 * sum((y - t)^2): the book's "mean squared error" (summed, not averaged).

    ``y`` and ``t`` must have the same shape: NumPy would broadcast a (10, 10)
    batch against one (10,) label vector and return a number that means nothing.
    """
    y, t = _as_array("sum_squared_error", y), _as_array("sum_squared_error", t)
    if y.shape != t.shape:
        raise ValueError(
            f"sum_squared_error: y has shape {y.shape} and t has shape {t.shape}; "
            "they must be the same (one target per output)"
        )
    return 0.5 * get_array_module(y).sum((y - t) ** 2)


#: The name the book's text uses for sum_squared_error.
mean_squared_error = sum_squared_error


def _bad_label_values(t, classes):
    """True if some integer label is outside 0..classes-1 (one reduction, NumPy only).

    Viewed as unsigned, a negative label becomes a huge number, so the largest
    value alone tells whether every label is in range.
    """
    if t.dtype.kind == "i":
        t = t.view(t.dtype.str.replace("i", "u"))
    return int(t.max()) >= classes


def _check_labels(name, t, shape):
    """Check labels ``t`` against scores of ``shape`` (N, C); return True for one-hot rows.

    ``t`` is either N class indices (integers in 0..C-1) or an (N, C) array of
    one-hot (or probability) rows.  Anything else raises ValueError/TypeError
    naming ``name``.  The values of index labels are checked only on the CPU.
    """
    n, classes = shape
    if t.shape == (n, classes):
        if t.dtype.kind not in "biuf":
            raise TypeError(f"{name}: one-hot labels t must be numbers, got dtype {t.dtype}")
        return True
    if t.shape != (n,):
        raise ValueError(
            f"{name}: labels t have shape {t.shape}, expected ({n},) class indices "
            f"or ({n}, {classes}) one-hot rows for scores of shape {tuple(shape)}"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class-index labels t must be integers, got dtype {t.dtype} "
            f"(one-hot labels have shape ({n}, {classes}))"
        )
    if n and get_array_module(t) is np and _bad_label_values(t, classes):
        raise ValueError(
            f"{name}: labels must be class indices in 0..{classes - 1} for {classes} "
            f"classes, got values from {int(t.min())} to {int(t.max())}"
        )
    return False


def _check_scores(name, x, what="scores"):
    """A batch of rows must have numbers in it and at least one row."""
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must be numbers, got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(
            f"{name}: {what} have shape {x.shape}, expected one example (C,) or a batch (N, C)"
        )
    if x.shape[0] == 0:
        raise ValueError(
            f"{name}: the batch is empty ({what} of shape {x.shape}); "
            "a mean over 0 examples is undefined"
        )


def _as_batch(name, y, t):
    """Arrays of a batch of scores or probabilities (N, C) and of its labels.

    A single example (C,) becomes a batch of one, with its label given as a
    number, a (1,) array or a (C,) one-hot row.
    """
    xp = get_array_module(y)
    y, t = xp.asarray(y), xp.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.shape[1] and t.size > 1 else t.reshape(-1)
    _check_scores(name, y)
    return y, t, _check_labels(name, t, y.shape)


def cross_entropy_error(y, t):
    """-mean over the batch of log y[t], for probabilities ``y`` (the book's version).

    ``y``: one example (1-D) or a batch (2-D) of probabilities; ``t``: class indices
    or one-hot rows.  The book adds 1e-7 inside the log so that log(0) is finite;
    that also caps the loss near 16.1.  Networks should use ``softmax_loss`` (or
    ``SoftmaxWithLoss``) on the raw scores instead, which needs no such fudge.
    """
    y, t, one_hot = _as_batch("cross_entropy_error", y, t)
    xp = get_array_module(y)
    if one_hot:  # one-hot rows -> the index of the 1, as in the book
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -xp.sum(xp.log(y[xp.arange(batch_size), t] + 1e-7)) / batch_size


def softmax_loss(x, t):
    """Cross-entropy of softmax(x) against labels ``t`` (indices or one-hot), exactly.

    Uses log_softmax, so logits of +-1000 give the true (large, finite) loss;
    the book computes cross_entropy_error(softmax(x), t), which adds 1e-7 to
    every probability.  One-hot (or any probability) rows are used as weights:
    -sum(t * log_softmax(x)) / N.
    """
    x, t, one_hot = _as_batch("softmax_loss", x, t)
    xp = get_array_module(x)
    logp = log_softmax(x)
    batch_size = x.shape[0]
    if one_hot:
        return -xp.sum(t * logp) / batch_size
    return -xp.sum(logp[xp.arange(batch_size), t]) / batch_size
