"""Optimizers (chapter 6): rules that turn gradients into parameter updates.

Each has ``update(params, grads)``, which changes the arrays in ``params`` in
place (so the layers holding them see the new values).  Per-parameter state
(velocity, squared-gradient sums) is created on the first call, shaped like the
parameter and on the same device.  Updates are written as in-place array
operations to avoid temporaries in the training loop.

Hyperparameters are checked when the optimizer is made (a learning rate must be
a finite number > 0, a decay rate in [0, 1)), and every update checks that each
parameter has a gradient of its own shape: NumPy would otherwise broadcast a
wrong-shaped gradient into the parameter without a word.  Those checks look at
shapes only, never at values, so they cost nothing and never wait for a GPU.
"""

import math
import numbers

import numpy as np

from common.backend import get_array_module

# The names ``from common.optimizer import *`` hands on.  The book's module has
# no __all__, so a star import of it passes on ``np`` as well as the classes,
# and the book's chapter 6 scripts use ``np`` after that import.  This list is
# that surface plus OPTIMIZERS.
__all__ = ["np", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "OPTIMIZERS"]


def _check_rate(owner, name, value, high=None):
    """``value`` must be a finite real number > 0 (``high=None``) or in [0, high)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}")
    if high is None:
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value}")
    elif not 0 <= value < high:  # False for NaN too
        raise ValueError(f"{owner}: {name} must be in [0, {high:g}), got {value}")
    return value


def _check_gradients(owner, params, grads):
    """Check that every parameter has a gradient it can take; raise a clear error if not.

    Only types and shapes are looked at (no array is read), so this costs about
    half a microsecond a parameter and never waits for a GPU.  The
    common case (float arrays with gradients of their own shape and type) is
    one comparison chain per parameter; anything else goes to ``_diagnose``,
    which raises the precise error or lets the unusual-but-fine cases through.
    """
    try:
        for key, param in params.items():
            grad = grads[key]
            if not (
                type(grad) is type(param)
                and grad.shape == param.shape
                and param.dtype.kind == "f"
                and grad.dtype.kind in _NUMBERS
            ):
                _diagnose(owner, key, param, grad)
    except (AttributeError, KeyError, TypeError):
        _diagnose_all(owner, params, grads)


_NUMBERS = "biuf"


def _diagnose_all(owner, params, grads):
    if not hasattr(params, "items") or not hasattr(grads, "get"):
        raise TypeError(
            f"{owner}.update: params and grads must be dicts of arrays, got "
            f"{type(params).__name__} and {type(grads).__name__}"
        ) from None
    for key, param in params.items():
        if key not in grads:
            raise ValueError(
                f"{owner}.update: no gradient for parameter {key!r} "
                f"(grads has {sorted(grads)}, params has {sorted(params)})"
            ) from None
        _diagnose(owner, key, param, grads[key])


def _diagnose(owner, key, param, grad):
    """The precise error for one (parameter, gradient) pair, or nothing if the pair is fine.

    Fine too: a parameter that is a plain number (as in the book's optimizer
    comparison on f(x, y): the update replaces it in the dict, as the book's
    ``params[key] -= ...`` does), and a gradient that is a NumPy scalar or a
    number for a 0-d parameter.
    """
    if grad is None:
        raise ValueError(f"{owner}.update: no gradient for parameter {key!r} (it is None)")
    shape = getattr(param, "shape", None)
    if shape is None:  # a plain number
        if isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise TypeError(
                f"{owner}.update: params[{key!r}] must be a float array or a number, "
                f"got {type(param).__name__}"
            )
        shape = ()
    elif getattr(param, "dtype", None) is None or param.dtype.kind != "f":
        raise TypeError(
            f"{owner}.update: params[{key!r}] has dtype {getattr(param, 'dtype', None)}; it must "
            "be a float array (an integer array cannot take a fractional step in place)"
        )
    grad_shape = getattr(grad, "shape", None)
    if grad_shape is None and isinstance(grad, numbers.Real) and not isinstance(grad, bool):
        grad_shape = ()
    elif (
        grad_shape is None
        or getattr(grad, "dtype", None) is None
        or (grad.dtype.kind not in _NUMBERS)
    ):
        raise TypeError(
            f"{owner}.update: the gradient of {key!r} must be an array of numbers, "
            f"got {type(grad).__name__}"
            + (f" of dtype {grad.dtype}" if hasattr(grad, "dtype") else "")
        )
    if tuple(grad_shape) != tuple(shape):
        raise ValueError(
            f"{owner}.update: the gradient of {key!r} has shape {tuple(grad_shape)}, "
            f"but the parameter has shape {tuple(shape)}"
        )
    if get_array_module(grad) is not get_array_module(param):
        raise TypeError(
            f"{owner}.update: the gradient of {key!r} is a {type(grad).__name__} but the "
            f"parameter is a {type(param).__name__}: both must be on the same device"
        )


def _zeros_like_each(params):
    return {key: get_array_module(p).zeros_like(p) for key, p in params.items()}


class SGD:
    """W <- W - lr * dL/dW."""

    def __init__(self, lr=0.01):
        self.lr = _check_rate("SGD", "lr", lr)

    def update(self, params, grads):
        _check_gradients("SGD", params, grads)
        for key in params:
            grad = grads[key]
            params[key] -= self.lr * grad


class Momentum:
    """v <- momentum * v - lr * g;  W <- W + v  (a ball rolling downhill with friction)."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = _check_rate("Momentum", "lr", lr)
        self.momentum = _check_rate("Momentum", "momentum", momentum, high=1)
        self.v = None

    def update(self, params, grads):
        _check_gradients("Momentum", params, grads)
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            grad = grads[key]
            v = self.v[key]
            v *= self.momentum
            v -= self.lr * grad
            params[key] += v


class Nesterov:
    """Nesterov's accelerated gradient: momentum that looks one step ahead.

    Written in the form that needs only the gradient at the current parameters
    (Bengio et al., 2012):  v <- momentum * v - lr * g;  W <- W + momentum * v - lr * g,
    with the new v; that is W + momentum^2 * v_old - (1 + momentum) * lr * g.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = _check_rate("Nesterov", "lr", lr)
        self.momentum = _check_rate("Nesterov", "momentum", momentum, high=1)
        self.v = None

    def update(self, params, grads):
        _check_gradients("Nesterov", params, grads)
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            g = grads[key]
            v = self.v[key]
            v *= self.momentum
            v -= self.lr * g
            params[key] += self.momentum * v
            params[key] -= self.lr * g


class AdaGrad:
    """h <- h + g^2;  W <- W - lr * g / (sqrt(h) + 1e-7): steps shrink where gradients were big."""

    def __init__(self, lr=0.01):
        self.lr = _check_rate("AdaGrad", "lr", lr)
        self.h = None

    def update(self, params, grads):
        _check_gradients("AdaGrad", params, grads)
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            g = grads[key]
            h = self.h[key]
            h += g * g
            params[key] -= self.lr * g / (get_array_module(h).sqrt(h) + 1e-7)


class RMSprop:
    """Like AdaGrad, but h is a moving average, so old gradients are forgotten:
    h <- decay * h + (1 - decay) * g^2;  W <- W - lr * g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = _check_rate("RMSprop", "lr", lr)
        self.decay_rate = _check_rate("RMSprop", "decay_rate", decay_rate, high=1)
        self.h = None

    def update(self, params, grads):
        _check_gradients("RMSprop", params, grads)
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            g = grads[key]
            h = self.h[key]
            h *= self.decay_rate
            h += (1 - self.decay_rate) * g * g
            params[key] -= self.lr * g / (get_array_module(h).sqrt(h) + 1e-7)


class Adam:
    """Momentum plus RMSprop-style scaling, with bias correction (Kingma & Ba, 2015).

    m <- m + (1 - beta1) (g - m);  v <- v + (1 - beta2) (g^2 - v);
    W <- W - lr_t * m / (sqrt(v) + 1e-7),  lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = _check_rate("Adam", "lr", lr)
        self.beta1 = _check_rate("Adam", "beta1", beta1, high=1)
        self.beta2 = _check_rate("Adam", "beta2", beta2, high=1)
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        _check_gradients("Adam", params, grads)
        if self.m is None:
            self.m = _zeros_like_each(params)
            self.v = _zeros_like_each(params)
        self.iter += 1
        lr_t = self.lr * (1.0 - self.beta2**self.iter) ** 0.5 / (1.0 - self.beta1**self.iter)
        for key in params:
            g = grads[key]
            m, v = self.m[key], self.v[key]
            m += (1 - self.beta1) * (g - m)
            v += (1 - self.beta2) * (g * g - v)
            params[key] -= lr_t * m / (get_array_module(v).sqrt(v) + 1e-7)


#: Optimizer classes by the lower-case names the Trainer and scripts accept.
OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}
