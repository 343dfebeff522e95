"""Layers with a forward and a backward pass (chapters 5 to 7).

Every layer follows the same contract:

* ``forward(x)`` computes the output and keeps what ``backward`` will need;
* ``backward(dout)`` takes dL/d(output) and returns dL/d(input), storing the
  gradients of its own parameters (``dW``, ``db``, ``dgamma``, ``dbeta``).

Inputs are checked where a mistake would otherwise give a silent wrong answer
or an error from deep inside NumPy; the error names the layer, what it expected
and what came.  Shapes and dtypes are checked everywhere (that costs nothing);
values (a non-finite batch in BatchNormalization, labels in SoftmaxWithLoss)
only for NumPy arrays, because on a GPU each such check would wait for the device.
"""

import math

import numpy as np

from common.backend import get_array_module
from common.functions import *  # noqa: F403  (the book's surface, handed on: see __all__)
from common.functions import __all__ as _functions_names
from common.functions import _as_batch, log_softmax, sigmoid
from common.util import col2im, im2col

# The names ``from common.layers import *`` hands on.  The book's module has no
# __all__: a star import of it passes on ``np``, every function of
# common.functions (it star-imports them) and im2col/col2im, and the book's
# scripts use those names after ``from common.layers import *``.  This list is
# that surface plus this module's additions (log_softmax, mean_squared_error).
__all__ = [
    *_functions_names,
    "im2col",
    "col2im",
    "Relu",
    "Sigmoid",
    "Affine",
    "SoftmaxWithLoss",
    "Dropout",
    "BatchNormalization",
    "Convolution",
    "Pooling",
]


def _check_array(layer, x, what="x"):
    """An array of numbers (NumPy or CuPy), else a TypeError naming the layer."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind not in "biuf":
        got = f"an array of dtype {dtype}" if dtype is not None else type(x).__name__
        raise TypeError(f"{layer}: {what} must be a NumPy/CuPy array of numbers, got {got}")


def _check_shape(layer, what, expected, actual):
    if tuple(expected) != tuple(actual):
        raise ValueError(f"{layer}: {what} has shape {tuple(actual)}, expected {tuple(expected)}")


def _require_forward(layer, saved):
    if saved is None:
        raise RuntimeError(f"{layer}: backward called before forward")


def _check_ratio(layer, name, value):
    """A real number in [0, 1); NaN is refused (every comparison with it is False)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{layer}: {name} must be a number, got {type(value).__name__}")
    if not 0 <= value < 1:
        raise ValueError(f"{layer}: {name} must be in [0, 1), got {value}")


class Relu:
    """y = max(0, x).  dy/dx is 1 where x > 0, else 0."""

    def __init__(self):
        self.mask = None  # True where x <= 0: those positions pass no gradient

    def forward(self, x):
        _check_array("Relu", x)
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
        _check_array("Sigmoid", x)
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
        _check_array("Affine", W, "W")
        _check_array("Affine", b, "b")
        if W.ndim != 2:
            raise ValueError(f"Affine: W must be 2-D (inputs, outputs), got shape {tuple(W.shape)}")
        _check_shape("Affine", "b", (W.shape[1],), b.shape)
        self.W = W
        self.b = b
        self.compute_dx = compute_dx
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        _check_array("Affine", x)
        in_features = self.W.shape[0]
        if x.ndim == 0 or x.size != x.shape[0] * in_features:
            raise ValueError(
                f"Affine: input of shape {tuple(x.shape)} does not match W of shape "
                f"{tuple(self.W.shape)}: expected (N, {in_features}) "
                f"(or N-D input with {in_features} values per example)"
            )
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

    forward(x, t): x are scores (N, C), or one example (C,); t are class indices
    (N,) or one-hot / probability rows (N, C).  The loss is computed from
    log_softmax (log-sum-exp), so it is exact for any scores: the book's
    log(y + 1e-7) caps it near 16.1.

    backward: dL/dx = (softmax(x) - t) / N, with t as one-hot rows.

    Labels are checked (shape and integer dtype always; 0 <= t < C for NumPy
    arrays only, see the module docstring), and an empty batch is refused.
    """

    def __init__(self):
        self.loss = None
        self.y = None  # softmax output
        self.t = None  # labels as given

    def forward(self, x, t):
        _check_array("SoftmaxWithLoss", x, "scores x")
        xp = get_array_module(x)
        x, t, one_hot = _as_batch("SoftmaxWithLoss", x, t)
        batch_size = x.shape[0]
        logp = log_softmax(x)
        if one_hot:
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
        _check_ratio("Dropout", "dropout_ratio", dropout_ratio)
        self.dropout_ratio = dropout_ratio
        self.mask = None
        self.keep_mask = False

    def forward(self, x, train_flg=True):
        _check_array("Dropout", x)
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

    Training:  mu = mean(x), xc = x - mu, var = mean(xc^2), std = sqrt(var + eps),
               xn = xc / std, y = gamma * xn + beta; running statistics are updated as
               running = momentum * running + (1 - momentum) * batch statistic.
    Test:      the same with the running mean and variance.

    eps is the book's 10e-7 (that is 1e-6, not 1e-7): at tiny weight scales the
    variance of a feature is of that order, so the value changes the results.

    Backward, with dxn = gamma * dout:
        dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std
    (the mean and variance depend on every x, which gives the two subtracted terms).
    4-D input (N, C, H, W) is treated as (N, C*H*W) features, as in the book.

    The attributes are the book's: ``xc``, ``xn``, ``std``, ``batch_size`` of the
    last training pass, ``running_mean``, ``running_var``, ``momentum``,
    ``input_shape``, and the gradients ``dgamma`` and ``dbeta``.

    A training batch with a NaN or an infinity (in NumPy arrays; see the module
    docstring) is refused: it would make running_mean and running_var NaN for good.
    """

    eps = 10e-7  # the book's value: 1e-6

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None, eps=None):
        _check_array("BatchNormalization", gamma, "gamma")
        _check_array("BatchNormalization", beta, "beta")
        _check_shape("BatchNormalization", "beta", gamma.shape, beta.shape)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.number)):
            raise TypeError(f"BatchNormalization: momentum must be a number, got {momentum!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum}")
        if eps is not None:
            if not (isinstance(eps, (int, float, np.number)) and math.isfinite(eps) and eps > 0):
                raise ValueError(
                    f"BatchNormalization: eps must be a finite number > 0, got {eps!r}"
                )
            self.eps = eps
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None  # 2-D after an Affine layer, 4-D after a convolution

        # used at test time
        self.running_mean = running_mean
        self.running_var = running_var

        # kept by a training-mode forward for backward
        self.batch_size = None
        self.xc = None
        self.xn = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        _check_array("BatchNormalization", x)
        if x.ndim == 0:
            raise ValueError(
                "BatchNormalization: input must be a batch (N, features), got a scalar"
            )
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], math.prod(x.shape[1:]))  # (N, features); -1 fails for N = 0
        _check_shape(
            "BatchNormalization", "input (N, features)", (x.shape[0], self.gamma.size), x.shape
        )
        xp = get_array_module(x)
        if self.running_mean is None:
            self.running_mean = xp.zeros(
                x.shape[1], dtype=x.dtype if x.dtype.kind == "f" else float
            )
            self.running_var = xp.zeros_like(self.running_mean)

        if train_flg:
            if x.shape[0] == 0:
                raise ValueError(
                    "BatchNormalization: the training batch is empty; "
                    "its mean and variance are undefined"
                )
            if xp is np:
                # A NaN or an infinity anywhere in a column makes that column's variance
                # non-finite, so checking `var` (one value per feature) checks all of x.
                # NumPy's warnings on the way (inf - inf) would only repeat the error below.
                with np.errstate(invalid="ignore", over="ignore"):
                    mu, xc, var = self._statistics(x)
                finite = np.isfinite(var).all()
            else:  # on a device: no check (it would wait for the device at every step)
                mu, xc, var = self._statistics(x)
                finite = True
            if not finite:
                raise ValueError(
                    "BatchNormalization: the training batch contains NaN or infinite values "
                    f"(in {int((~np.isfinite(var)).sum())} of {var.size} features); they would "
                    "make running_mean and running_var NaN for good. "
                    "Check the data and the learning rate."
                )
            self.std = xp.sqrt(var + self.eps)
            self.xc = xc
            self.xn = xc / self.std
            self.batch_size = x.shape[0]
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
            xn = self.xn
        else:
            # backward needs a training-mode forward: never reuse stale batch statistics
            self.xn = None
            xn = (x - self.running_mean) / xp.sqrt(self.running_var + self.eps)
        out = self.gamma * xn + self.beta
        return out.reshape(self.input_shape)

    @staticmethod
    def _statistics(x):
        """The batch mean, the centred batch and the (biased) batch variance, per feature."""
        mu = x.mean(axis=0)
        xc = x - mu
        return mu, xc, (xc**2).mean(axis=0)

    def backward(self, dout):
        _require_forward("BatchNormalization (in training mode, train_flg=True)", self.xn)
        dout = dout.reshape(dout.shape[0], math.prod(dout.shape[1:]))
        _check_shape("BatchNormalization", "dout", self.xn.shape, dout.shape)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (self.xn * dout).sum(axis=0)
        dxn = self.gamma * dout
        dx = (dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0)) / self.std
        return dx.reshape(self.input_shape)


def _check_window(layer, least, **values):
    """Window sizes, strides and pads: whole numbers of at least ``least[name]`` (default 1)."""
    for name, value in values.items():
        low = least.get(name, 1)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{layer}: {name} must be a whole number >= {low}, got {value!r}")


def _check_images(layer, x, channels=None):
    _check_array(layer, x)
    if x.ndim != 4:
        raise ValueError(f"{layer}: input must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")
    if x.shape[0] == 0:  # im2col's reshape(N, -1) cannot infer a width from 0 rows
        raise ValueError(f"{layer}: the batch is empty (input of shape {tuple(x.shape)})")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{layer}: input has {x.shape[1]} channels (shape {tuple(x.shape)}), "
            f"the filters expect {channels}"
        )


class Convolution:
    """A convolution layer (chapter 7): FN filters of shape (C, FH, FW), sliding with a stride.

    W: (FN, C, FH, FW), b: (FN,).  forward(x) with x (N, C, H, W) returns
    (N, FN, out_h, out_w), out = (H + 2 pad - FH) // stride + 1 (likewise for the width).

    im2col turns every patch into a row, so the convolution is one product
    col @ W_col + b with W_col = W.reshape(FN, -1).T; backward is then an Affine
    layer's (dW = col^T dout, db = column sums, dcol = dout W_col^T), with col2im
    adding each patch's gradient back onto the pixels it came from.
    """

    def __init__(self, W, b, stride=1, pad=0):
        _check_array("Convolution", W, "W")
        _check_array("Convolution", b, "b")
        if W.ndim != 4:
            raise ValueError(
                f"Convolution: W must be 4-D (FN, C, FH, FW), got shape {tuple(W.shape)}"
            )
        _check_shape("Convolution", "b", (W.shape[0],), b.shape)
        _check_window("Convolution", {"pad": 0}, stride=stride, pad=pad)
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x = None
        self.col = None
        self.col_W = None
        self._out_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        n_filters, channels, filter_h, filter_w = self.W.shape
        _check_images("Convolution", x, channels)
        col = im2col(x, filter_h, filter_w, self.stride, self.pad)
        col_W = self.W.reshape(n_filters, -1).T
        out_h = (x.shape[2] + 2 * self.pad - filter_h) // self.stride + 1
        out_w = (x.shape[3] + 2 * self.pad - filter_w) // self.stride + 1
        out = col @ col_W + self.b  # one row per output position (n, i, j)
        self.x, self.col, self.col_W = x, col, col_W
        self._out_shape = (x.shape[0], n_filters, out_h, out_w)
        return out.reshape(x.shape[0], out_h, out_w, n_filters).transpose(0, 3, 1, 2)

    def backward(self, dout):
        _require_forward("Convolution", self.x)
        n_filters, channels, filter_h, filter_w = self.W.shape
        _check_shape("Convolution", "dout", self._out_shape, dout.shape)
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, n_filters)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(n_filters, channels, filter_h, filter_w)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, filter_h, filter_w, self.stride, self.pad)


class Pooling:
    """Max pooling (chapter 7): the largest value of each pool_h x pool_w window, per channel.

    forward(x) with x (N, C, H, W) returns (N, C, out_h, out_w).  Backward sends
    each output's gradient to the one input that was the maximum (the first one,
    where several tie); the others get 0.
    """

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        _check_window("Pooling", {"pad": 0}, pool_h=pool_h, pool_w=pool_w, stride=stride, pad=pad)
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x = None
        self.arg_max = None
        self._out_shape = None

    def forward(self, x):
        _check_images("Pooling", x)
        n, channels, height, width = x.shape
        out_h = (height + 2 * self.pad - self.pool_h) // self.stride + 1
        out_w = (width + 2 * self.pad - self.pool_w) // self.stride + 1
        # im2col's rows are positions (n, i, j), its columns (channel, dy, dx):
        # splitting each row per channel gives one window per row.
        windows = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        windows = windows.reshape(-1, self.pool_h * self.pool_w)
        self.arg_max = windows.argmax(axis=1)
        self.x = x
        self._out_shape = (n, channels, out_h, out_w)
        out = windows.max(axis=1)
        return out.reshape(n, out_h, out_w, channels).transpose(0, 3, 1, 2)

    def backward(self, dout):
        _require_forward("Pooling", self.x)
        _check_shape("Pooling", "dout", self._out_shape, dout.shape)
        xp = get_array_module(dout)
        window = self.pool_h * self.pool_w
        flat = dout.transpose(0, 2, 3, 1).reshape(-1)  # ordered like the windows: (n, i, j, c)
        dwindows = xp.zeros((flat.size, window), dtype=dout.dtype)
        dwindows[xp.arange(flat.size), self.arg_max] = flat
        dcol = dwindows.reshape(-1, self.x.shape[1] * window)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
