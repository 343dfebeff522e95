"""Optimizers (chapter 6): rules that turn gradients into parameter updates.

Each has ``update(params, grads)``, which changes the arrays in ``params`` in
place (so the layers holding them see the new values).  Per-parameter state
(velocity, squared-gradient sums) is created on the first call, shaped like the
parameter and on the same device.  Updates are written as in-place array
operations to avoid temporaries in the training loop.
"""
from common.backend import get_array_module


def _zeros_like_each(params):
    return {key: get_array_module(p).zeros_like(p) for key, p in params.items()}


class SGD:
    """W <- W - lr * dL/dW."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """v <- momentum * v - lr * g;  W <- W + v  (a ball rolling downhill with friction)."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            v = self.v[key]
            v *= self.momentum
            v -= self.lr * grads[key]
            params[key] += v


class Nesterov:
    """Nesterov's accelerated gradient: momentum that looks one step ahead.

    Written in the form that needs only the gradient at the current parameters
    (Bengio et al., 2012):  v <- momentum * v - lr * g;  W <- W + momentum * v - lr * g,
    with the new v; that is W + momentum^2 * v_old - (1 + momentum) * lr * g.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            v, g = self.v[key], grads[key]
            v *= self.momentum
            v -= self.lr * g
            params[key] += self.momentum * v
            params[key] -= self.lr * g


class AdaGrad:
    """h <- h + g^2;  W <- W - lr * g / (sqrt(h) + 1e-7): steps shrink where gradients were large."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            xp = get_array_module(params[key])
            g = grads[key]
            self.h[key] += g * g
            params[key] -= self.lr * g / (xp.sqrt(self.h[key]) + 1e-7)


class RMSprop:
    """Like AdaGrad, but h is a moving average, so old gradients are forgotten:
    h <- decay * h + (1 - decay) * g^2;  W <- W - lr * g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            xp = get_array_module(params[key])
            g, h = grads[key], self.h[key]
            h *= self.decay_rate
            h += (1 - self.decay_rate) * g * g
            params[key] -= self.lr * g / (xp.sqrt(h) + 1e-7)


class Adam:
    """Momentum plus RMSprop-style scaling, with bias correction (Kingma & Ba, 2015).

    m <- m + (1 - beta1) (g - m);  v <- v + (1 - beta2) (g^2 - v);
    W <- W - lr_t * m / (sqrt(v) + 1e-7),  lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = _zeros_like_each(params)
            self.v = _zeros_like_each(params)
        self.iter += 1
        lr_t = self.lr * (1.0 - self.beta2 ** self.iter) ** 0.5 / (1.0 - self.beta1 ** self.iter)
        for key in params:
            xp = get_array_module(params[key])
            g, m, v = grads[key], self.m[key], self.v[key]
            m += (1 - self.beta1) * (g - m)
            v += (1 - self.beta2) * (g * g - v)
            params[key] -= lr_t * m / (xp.sqrt(v) + 1e-7)


#: Optimizer classes by the lower-case names the Trainer and scripts accept.
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov,
              "adagrad": AdaGrad, "rmsprop": RMSprop, "adam": Adam}
