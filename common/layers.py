"""Layers with a forward and a backward pass (chapters 5 to 7).

Every layer follows the same contract:

* ``forward(x, train_flg=True)`` computes the output and keeps what ``backward``
  needs; ``train_flg`` matters only to Dropout and BatchNormalization, and the
  other layers accept it so that a network calls every layer the same way;
* ``backward(dout)`` takes dL/d(output) and returns dL/d(input), storing the
  gradients of the layer's own parameters (``dW``, ``db``, ``dgamma``, ``dbeta``).

Each reads like the book's.  Data are checked at the networks' doors
(``common.checks``), not here; constructors check their settings, and
``SoftmaxWithLoss`` checks its labels (NumPy would read -1 as the last class).
"""

import math

from common import checks
from common.backend import get_array_module
from common.functions import *  # noqa: F403  (the book's surface, handed on: see __all__)
from common.functions import __all__ as _functions_names
from common.functions import log_softmax, sigmoid
from common.util import col2im, im2col

# The names ``from common.layers import *`` hands on: the book's module has no
# __all__, so its star import passes on np, the functions and im2col/col2im, and
# the book's scripts use them.  This list is that surface plus the layers.
__all__ = (
    _functions_names
    + """
    im2col col2im Relu Sigmoid Affine SoftmaxWithLoss Dropout BatchNormalization Convolution Pooling
""".split()
)


class Relu:
    """y = max(0, x).  dy/dx is 1 where x > 0, else 0."""

    def __init__(self):
        self.mask = None

    def forward(self, x, train_flg=True):
        self.mask = x <= 0  # those positions pass no gradient back
        return get_array_module(x).maximum(x, 0)

    def backward(self, dout):
        return dout * ~self.mask


class Sigmoid:
    """y = 1 / (1 + exp(-x)).  dy/dx = y (1 - y), so only y is kept."""

    def __init__(self):
        self.out = None

    def forward(self, x, train_flg=True):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    """y = x W + b for a batch of rows x (N-D input is flattened to (N, -1)).

    dL/dx = dout W^T (in x's original shape), dL/dW = x^T dout, dL/db = sum_n dout[n].

    ``compute_dx=False`` skips dL/dx (``backward`` returns None): a network's first
    layer sees the data, whose gradient nobody uses, and that product is a third
    of the layer's backward cost.
    """

    def __init__(self, W, b, compute_dx=True):
        checks.shape("Affine", "b", b.shape, W.shape[1:])
        self.W = W
        self.b = b
        self.compute_dx = compute_dx
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x, train_flg=True):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        if not self.compute_dx:
            return None
        return (dout @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss, as one layer.

    forward(x, t): scores x (N, C) or one example (C,); labels t, class indices (N,)
    or one-hot rows (N, C).  The loss, -(1/N) sum_n log softmax(x)[n, t_n], comes from
    log_softmax, so it is exact for any scores (the book's log(y + 1e-7) caps it
    near 16.1).

    backward: dL/dx = (softmax(x) - t) / N, with t as one-hot rows, times dout.  Rows of
    other weights (not summing to 1) are taken exactly: (softmax(x) * sum(t) - t) / N.
    """

    def __init__(self):
        self.loss = None
        self.y = None  # softmax output
        self.t = None  # labels, as a batch

    def forward(self, x, t, train_flg=True):
        x, t, one_hot = checks.scores_and_labels("SoftmaxWithLoss", x, t)
        xp = get_array_module(x)
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
        xp = get_array_module(self.y)
        batch_size = self.y.shape[0]
        if self.t.ndim == 2:  # one-hot rows: y - t (y * sum(t) - t: right for any weight rows)
            dx = self.y * self.t.sum(axis=1, keepdims=True) - self.t
        else:
            dx = self.y.copy()
            dx[xp.arange(batch_size), self.t] -= 1
        dx *= dout / batch_size
        return dx


class Dropout:
    """Randomly drop units while training (chapter 6).

    Training: each unit is kept with probability 1 - dropout_ratio (a fresh mask
    per forward pass) and the gradient flows only through kept units.
    Test: every unit is kept and scaled by 1 - dropout_ratio, as in the book, so
    the expected activation matches training.

    Set ``keep_mask = True`` to reuse the last mask (a gradient check needs f to be
    the same function at every evaluation).
    """

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = checks.number_in("Dropout", "dropout_ratio", dropout_ratio, 0, 1)
        self.mask = None
        self.keep_mask = False

    def forward(self, x, train_flg=True):
        if not train_flg:
            return x * (1.0 - self.dropout_ratio)
        if not (self.keep_mask and self.mask is not None and self.mask.shape == x.shape):
            self.mask = get_array_module(x).random.random_sample(x.shape) > self.dropout_ratio
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class BatchNormalization:
    """Normalize each feature over the batch, then scale and shift (chapter 6).

    Training:  mu = mean(x), xc = x - mu, var = mean(xc^2), std = sqrt(var + eps),
               xn = xc / std, y = gamma * xn + beta; the running statistics follow
               running = momentum * running + (1 - momentum) * batch statistic.
    Test:      the same with the running mean and variance.

    Backward, with dxn = gamma * dout (the mean and variance depend on every x,
    which gives the two subtracted terms):
        dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std

    4-D input (N, C, H, W) is treated as (N, C*H*W) features, as in the book.
    eps is the book's 10e-7 (that is 1e-6): at tiny weight scales a feature's
    variance is of that order, so the value matters.
    """

    eps = 10e-7

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        checks.shape("BatchNormalization", "beta", beta.shape, gamma.shape)
        self.gamma = gamma
        self.beta = beta
        self.momentum = checks.number_in("BatchNormalization", "momentum", momentum, 0, 1, False)
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
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], math.prod(x.shape[1:]))
        xp = get_array_module(x)
        if self.running_mean is None:
            self.running_mean = xp.zeros(x.shape[1], dtype=x.dtype)
            self.running_var = xp.zeros(x.shape[1], dtype=x.dtype)

        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = (xc**2).mean(axis=0)
            std = xp.sqrt(var + self.eps)
            xn = xc / std

            self.batch_size = x.shape[0]
            self.xc, self.xn, self.std = xc, xn, std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xn = (x - self.running_mean) / xp.sqrt(self.running_var + self.eps)

        out = self.gamma * xn + self.beta
        return out.reshape(self.input_shape)

    def backward(self, dout):
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (self.xn * dout).sum(axis=0)
        dxn = self.gamma * dout
        dx = (dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0)) / self.std
        return dx.reshape(self.input_shape)


class Convolution:
    """A convolution layer (chapter 7): FN filters of shape (C, FH, FW), sliding with a stride.

    W: (FN, C, FH, FW), b: (FN,).  forward(x) with x (N, C, H, W) returns
    (N, FN, out_h, out_w), out_h = (H + 2 pad - FH) // stride + 1 (likewise the width).

    im2col turns every patch into a row, so the convolution is one product
    col @ W_col + b with W_col = W.reshape(FN, -1).T; backward is then an Affine
    layer's (dW = col^T dout, db = column sums, dcol = dout W_col^T), and col2im adds
    each patch's gradient back onto the pixels it came from.
    """

    def __init__(self, W, b, stride=1, pad=0):
        checks.shape("Convolution", "b", b.shape, W.shape[:1])
        self.W = W
        self.b = b
        self.stride = checks.whole_number("Convolution", "stride", stride)
        self.pad = checks.whole_number("Convolution", "pad", pad, low=0)
        self.x = None
        self.col = None
        self.col_W = None
        self.dW = None
        self.db = None

    def forward(self, x, train_flg=True):
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = (H + 2 * self.pad - FH) // self.stride + 1
        out_w = (W + 2 * self.pad - FW) // self.stride + 1

        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = col @ col_W + self.b  # one row per output position (n, i, j)

        self.x, self.col, self.col_W = x, col, col_W
        return out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(FN, C, FH, FW)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling (chapter 7): the largest value of each pool_h x pool_w window, per channel.

    forward(x) with x (N, C, H, W) returns (N, C, out_h, out_w).  Backward sends each
    output's gradient to the input that was the window's maximum (the first, where
    several tie); the others get 0.  The default stride is the book's, 2.
    """

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h = checks.whole_number("Pooling", "pool_h", pool_h)
        self.pool_w = checks.whole_number("Pooling", "pool_w", pool_w)
        self.stride = checks.whole_number("Pooling", "stride", stride)
        self.pad = checks.whole_number("Pooling", "pad", pad, low=0)
        self.x = None
        self.arg_max = None

    def forward(self, x, train_flg=True):
        N, C, H, W = x.shape
        out_h = (H + 2 * self.pad - self.pool_h) // self.stride + 1
        out_w = (W + 2 * self.pad - self.pool_w) // self.stride + 1

        # im2col's rows are positions (n, i, j), its columns (channel, dy, dx):
        # splitting each row per channel gives one window per row.
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)

        self.x = x
        self.arg_max = col.argmax(axis=1)
        out = col.max(axis=1)
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        xp = get_array_module(dout)
        pool_size = self.pool_h * self.pool_w
        dout = dout.transpose(0, 2, 3, 1)  # ordered like the windows: (n, i, j, c)

        dmax = xp.zeros((dout.size, pool_size), dtype=dout.dtype)
        dmax[xp.arange(dout.size), self.arg_max] = dout.reshape(-1)

        dcol = dmax.reshape(-1, self.x.shape[1] * pool_size)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
