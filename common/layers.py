"""Layers with a forward and a backward pass (chapters 5 and 6).

Every layer follows the same contract:

* ``forward(x)`` computes the output and keeps what ``backward`` will need;
* ``backward(dout)`` takes dL/d(output) and returns dL/d(input), storing the
  gradients of its own parameters (``dW``, ``db``, ``dgamma``, ``dbeta``).

Shapes are checked where a mistake would otherwise give a silent wrong answer
or a broadcast deep inside NumPy; the error names the layer and both shapes.
"""
from common.backend import get_array_module
from common.functions import log_softmax, sigmoid


def _check_shape(layer, what, expected, actual):
    if tuple(expected) != tuple(actual):
        raise ValueError(f"{layer}: {what} has shape {tuple(actual)}, expected {tuple(expected)}")


def _require_forward(layer, saved):
    if saved is None:
        raise RuntimeError(f"{layer}: backward called before forward")


class Relu:
    """y = max(0, x).  dy/dx is 1 where x > 0, else 0."""

    def __init__(self):
        self.mask = None  # True where x <= 0: those positions pass no gradient

    def forward(self, x):
        self.mask = x <= 0
        return get_array_module(x).maximum(x, 0)

    def backward(self, dout):
        _require_forward("Relu", self.mask)
        _check_shape("Relu", "dout", self.mask.shape, dout.shape)
        return dout * ~self.mask  # zero where the input was <= 0


class Sigmoid:
    """y = 1 / (1 + exp(-x)).  dy/dx = y (1 - y), so only y is kept."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        _require_forward("Sigmoid", self.out)
        _check_shape("Sigmoid", "dout", self.out.shape, dout.shape)
        return dout * (1.0 - self.out) * self.out


class Affine:
    """y = x W + b, for a batch of rows x (N-D input is flattened to (N, -1)).

    dL/dx = dout W^T (returned in x's original shape), dL/dW = x^T dout,
    dL/db = the column sums of dout.

    ``compute_dx=False`` skips dL/dx (``backward`` returns None): a network's first
    layer sees the data, whose gradient nobody uses, and that product is a third
    of the layer's backward cost.
    """

    def __init__(self, W, b, compute_dx=True):
        self.W = W
        self.b = b
        self.compute_dx = compute_dx
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        in_features = self.W.shape[0]
        if x.ndim == 0 or x.size != x.shape[0] * in_features:
            raise ValueError(
                f"Affine: input of shape {tuple(x.shape)} does not match W of shape "
                f"{tuple(self.W.shape)}: expected (N, {in_features}) "
                f"(or N-D input with {in_features} values per example)")
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], in_features)
        return self.x @ self.W + self.b

    def backward(self, dout):
        _require_forward("Affine", self.x)
        _check_shape("Affine", "dout", (self.x.shape[0], self.W.shape[1]), dout.shape)
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        if not self.compute_dx:
            return None
        return (dout @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss, as one layer.

    forward(x, t): x are scores (N, C); t are class indices (N,) or one-hot /
    probability rows (N, C).  The loss is computed from log_softmax (log-sum-exp),
    so it is exact for any scores: the book's log(y + 1e-7) caps it near 16.1.

    backward: dL/dx = (softmax(x) - t) / N, with t as one-hot rows.
    """

    def __init__(self):
        self.loss = None
        self.y = None  # softmax output
        self.t = None  # labels as given

    def forward(self, x, t):
        xp = get_array_module(x)
        if x.ndim == 1:  # a single example
            x = x.reshape(1, -1)
            t = t.reshape(1, -1) if t.size == x.size and t.size > 1 else t.reshape(1)
        self._check_labels(x, t, xp)
        batch_size = x.shape[0]
        logp = log_softmax(x)
        if t.ndim == 2:
            self.loss = -(t * logp).sum() / batch_size
        else:
            self.loss = -logp[xp.arange(batch_size), t].sum() / batch_size
        self.y = xp.exp(logp)
        self.t = t
        return self.loss

    def backward(self, dout=1):
        _require_forward("SoftmaxWithLoss", self.y)
        xp = get_array_module(self.y)
        batch_size = self.y.shape[0]
        if self.t.ndim == 2:
            dx = self.y - self.t
        else:
            dx = self.y.copy()
            dx[xp.arange(batch_size), self.t] -= 1
        dx *= dout / batch_size
        return dx

    @staticmethod
    def _check_labels(x, t, xp):
        n, classes = x.shape
        if t.ndim == 2:
            _check_shape("SoftmaxWithLoss", "one-hot labels t", x.shape, t.shape)
            return
        if t.ndim != 1 or t.shape[0] != n:
            raise ValueError(f"SoftmaxWithLoss: labels t have shape {tuple(t.shape)}, expected ({n},) "
                             f"class indices or ({n}, {classes}) one-hot rows for scores of shape {x.shape}")
        if t.dtype.kind not in "iu":
            raise ValueError(f"SoftmaxWithLoss: class-index labels must be integers, got dtype {t.dtype}")
        if n and (bool((t < 0).any()) or bool((t >= classes).any())):
            raise ValueError(f"SoftmaxWithLoss: labels must be in 0..{classes - 1} for {classes} classes, "
                             f"got values from {int(t.min())} to {int(t.max())}")


class Dropout:
    """Randomly drop units while training (chapter 6).

    Training: each unit is kept with probability 1 - dropout_ratio (a fresh random
    mask per forward pass) and the gradient flows only through kept units.
    Test: every unit is kept and scaled by 1 - dropout_ratio, as in the book, so
    the expected activation matches training.

    Set ``keep_mask = True`` to reuse the last mask (gradient checks need f to be
    the same function at every evaluation).
    """

    def __init__(self, dropout_ratio=0.5):
        if not 0 <= dropout_ratio < 1:
            raise ValueError(f"Dropout: dropout_ratio must be in [0, 1), got {dropout_ratio}")
        self.dropout_ratio = dropout_ratio
        self.mask = None
        self.keep_mask = False

    def forward(self, x, train_flg=True):
        if not train_flg:
            self.mask = None  # a backward now would use a stale mask: make it fail instead
            return x * (1.0 - self.dropout_ratio)
        if not (self.keep_mask and self.mask is not None and self.mask.shape == x.shape):
            xp = get_array_module(x)
            self.mask = xp.random.random_sample(x.shape) > self.dropout_ratio
        return x * self.mask

    def backward(self, dout):
        _require_forward("Dropout (in training mode, train_flg=True)", self.mask)
        _check_shape("Dropout", "dout", self.mask.shape, dout.shape)
        return dout * self.mask


class BatchNormalization:
    """Normalize each feature over the batch, then scale and shift (chapter 6).

    Training:  mu = mean(x), var = mean((x - mu)^2), xn = (x - mu) / sqrt(var + eps),
               y = gamma * xn + beta; running statistics are updated as
               running = momentum * running + (1 - momentum) * batch statistic.
    Test:      the same with the running mean and variance.

    Backward, with dxn = gamma * dout and std = sqrt(var + eps):
        dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std
    (the mean and variance depend on every x, which gives the two subtracted terms).
    4-D input (N, C, H, W) is treated as (N, C*H*W) features, as in the book.
    """

    eps = 1e-7

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean = running_mean
        self.running_var = running_var
        self.batch_size = None
        self.xn = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        _check_shape("BatchNormalization", "input (N, features)", (x.shape[0], self.gamma.size), x.shape)
        xp = get_array_module(x)
        if self.running_mean is None:
            self.running_mean = xp.zeros(x.shape[1], dtype=x.dtype)
            self.running_var = xp.zeros(x.shape[1], dtype=x.dtype)

        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = (xc ** 2).mean(axis=0)
            self.std = xp.sqrt(var + self.eps)
            self.xn = xc / self.std
            self.batch_size = x.shape[0]
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
            xn = self.xn
        else:
            self.xn = None  # backward needs a training-mode forward; never reuse stale batch statistics
            xn = (x - self.running_mean) / xp.sqrt(self.running_var + self.eps)
        out = self.gamma * xn + self.beta
        return out.reshape(self.input_shape)

    def backward(self, dout):
        _require_forward("BatchNormalization (in training mode, train_flg=True)", self.xn)
        dout = dout.reshape(dout.shape[0], -1)
        _check_shape("BatchNormalization", "dout", self.xn.shape, dout.shape)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (self.xn * dout).sum(axis=0)
        dxn = self.gamma * dout
        dx = (dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0)) / self.std
        return dx.reshape(self.input_shape)
