"""Optimizers (chapter 6): rules that move the parameters W a step down the gradient g = dL/dW.

Each has ``update(params, grads)``, which changes the arrays of ``params`` in place,
so the layers holding them see the new values (``lr`` is the learning rate):

    SGD       W <- W - lr g
    Momentum  v <- momentum v - lr g;               W <- W + v
    Nesterov  v <- momentum v - lr g;               W <- W + momentum v - lr g
    AdaGrad   h <- h + g g;                         W <- W - lr g / (sqrt(h) + 1e-7)
    RMSprop   h <- decay h + (1 - decay) g g;       W <- W - lr g / (sqrt(h) + 1e-7)
    Adam      m <- m + (1 - beta1) (g - m);  v <- v + (1 - beta2) (g g - v);
              W <- W - lr_t m / (sqrt(v) + 1e-7),   lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)

The state (v, h, m) starts as zeros shaped like each parameter, on its device, at
the first update; an optimizer then belongs to those parameters.  ``np.sqrt`` and
``np.zeros_like`` work on CuPy arrays too (NumPy hands them on to CuPy).
"""

import math

from common import checks

import numpy as np

# The names ``from common.optimizer import *`` hands on: the book's module has no
# __all__, so its star import passes on ``np`` too, which the book's scripts use.
__all__ = ["np", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "OPTIMIZERS"]


class SGD:
    """Stochastic gradient descent: W <- W - lr g."""

    def __init__(self, lr=0.01):
        self.lr = checks.positive_number("SGD", "lr", lr)

    def update(self, params, grads):
        checks.update_fits("SGD", params, grads)
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """A ball rolling downhill with friction: v <- momentum v - lr g;  W <- W + v."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = checks.positive_number("Momentum", "lr", lr)
        self.momentum = checks.number_in("Momentum", "momentum", momentum, 0, 1)
        self.v = None

    def update(self, params, grads):
        checks.update_fits("Momentum", params, grads, self.v)
        if self.v is None:
            self.v = zeros_like_each(params)
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.v[key]


class Nesterov:
    """Nesterov's accelerated gradient: momentum that looks one step ahead.

    In the form that needs only the gradient at the current parameters (Bengio et
    al., 2012, arXiv:1212.0901):  v <- momentum v - lr g;  W <- W + momentum v - lr g
    with the new v, that is W + momentum^2 v_old - (1 + momentum) lr g, as the book's.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = checks.positive_number("Nesterov", "lr", lr)
        self.momentum = checks.number_in("Nesterov", "momentum", momentum, 0, 1)
        self.v = None

    def update(self, params, grads):
        checks.update_fits("Nesterov", params, grads, self.v)
        if self.v is None:
            self.v = zeros_like_each(params)
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.momentum * self.v[key]
            params[key] -= self.lr * grads[key]


class AdaGrad:
    """Steps shrink where gradients were big: h <- h + g g;  W <- W - lr g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr=0.01):
        self.lr = checks.positive_number("AdaGrad", "lr", lr)
        self.h = None

    def update(self, params, grads):
        checks.update_fits("AdaGrad", params, grads, self.h)
        if self.h is None:
            self.h = zeros_like_each(params)
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class RMSprop:
    """AdaGrad with h a moving average, so old gradients are forgotten:
    h <- decay h + (1 - decay) g g;  W <- W - lr g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = checks.positive_number("RMSprop", "lr", lr)
        self.decay_rate = checks.number_in("RMSprop", "decay_rate", decay_rate, 0, 1)
        self.h = None

    def update(self, params, grads):
        checks.update_fits("RMSprop", params, grads, self.h)
        if self.h is None:
            self.h = zeros_like_each(params)
        for key in params:
            self.h[key] *= self.decay_rate
            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class Adam:
    """Momentum plus RMSprop's scaling, with bias correction (Kingma & Ba, arXiv:1412.6980).

    m and v are moving averages of g and g g; they start at zero, so early on they
    are too small by the factors (1 - beta1^t) and (1 - beta2^t): lr_t undoes that.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = checks.positive_number("Adam", "lr", lr)
        self.beta1 = checks.number_in("Adam", "beta1", beta1, 0, 1)
        self.beta2 = checks.number_in("Adam", "beta2", beta2, 0, 1)
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        checks.update_fits("Adam", params, grads, self.m)
        if self.m is None:
            self.m, self.v = zeros_like_each(params), zeros_like_each(params)
        self.iter += 1
        # a Python float: a NumPy float64 here would make every float32 update float64
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] * grads[key] - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)


#: Optimizer classes by the lower-case names the Trainer and scripts accept.
OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def zeros_like_each(params):
    """The optimizer's state: a zero array shaped like each parameter, on its device."""
    return {key: np.zeros_like(param) for key, param in params.items()}
