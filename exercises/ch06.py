"""Chapter 6 exercises: optimizers, initial weights, dropout, batch norm, weight decay.

Fill in each method or function where it says `# your code here`, then check your work:

    python -m exercises check ch06          (or one exercise: check ch06.adam)

An optimizer's update(params, grads) changes the arrays in params in place
(params[key] -= ...): the network's layers hold those very arrays.
"""

import numpy as np  # noqa: F401  (your code will need it)


class SGD:
    """W <- W - lr * dL/dW."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        raise NotImplementedError  # your code here


class Momentum:
    """v <- momentum * v - lr * dL/dW;  W <- W + v.

    One v per parameter, zeros of its shape, made on the first update and kept.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        raise NotImplementedError  # your code here


class AdaGrad:
    """h <- h + g * g;  W <- W - lr * g / (sqrt(h) + 1e-7), with g = dL/dW.

    One h per parameter, made on the first update and kept; the 1e-7 avoids 0 / 0.
    """

    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        raise NotImplementedError  # your code here


class Adam:
    """Adam, as the book writes it (g = dL/dW, t = 1, 2, ... counts the updates):

    m <- m + (1 - beta1) (g - m),   v <- v + (1 - beta2) (g^2 - v)
    lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)          (the bias correction)
    W <- W - lr_t * m / (sqrt(v) + 1e-7)
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        raise NotImplementedError  # your code here


def he_scale(node_num):
    """The standard deviation of He's initial weights for a layer after node_num units:
    sqrt(2 / node_num) (for ReLU)."""
    raise NotImplementedError  # your code here


def xavier_scale(node_num):
    """The standard deviation of Xavier's initial weights for a layer after node_num units:
    sqrt(1 / node_num) (for sigmoid and tanh)."""
    raise NotImplementedError  # your code here


class Dropout:
    """Training (train_flg=True): keep each unit with probability 1 - dropout_ratio
    (mask = np.random.rand(*x.shape) > dropout_ratio, a new mask every forward),
    return x * mask; backward passes dout through the kept units only.
    Test (train_flg=False): keep every unit, scaled: x * (1 - dropout_ratio).
    """

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        raise NotImplementedError  # your code here


class BatchNormalization:
    """Normalise each feature over the batch, then scale and shift.

    x (N, D), or (N, C, H, W) treated as (N, C*H*W) features (reshape back at the end).
    Training: mu = mean(x, axis 0), xc = x - mu, var = mean(xc^2, axis 0) (divides by N),
              std = sqrt(var + 10e-7), xn = xc / std, y = gamma * xn + beta;
              running_mean = momentum * running_mean + (1 - momentum) * mu (same for var;
              both start as zeros of D on the first forward).
    Test:     xn = (x - running_mean) / sqrt(running_var + 10e-7).
    Backward (after a training forward), with dxn = gamma * dout:
        self.dbeta = sum(dout, axis 0),  self.dgamma = sum(xn * dout, axis 0),
        dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std    (means over axis 0).
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean = running_mean
        self.running_var = running_var
        self.batch_size = None
        self.xc = None
        self.xn = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        raise NotImplementedError  # your code here


def weight_decay_loss(params, weight_decay_lambda):
    """The L2 penalty added to the loss: 0.5 * lambda * sum over the weights of W^2.

    params: a dict W1, b1, W2, b2, ...; only the weights (keys starting with W) count.
    """
    raise NotImplementedError  # your code here


def weight_decay_gradient(grads, params, weight_decay_lambda):
    """The gradients with the penalty's added: dW + lambda * W for each weight W.

    Returns a new dict with the keys of grads; the biases' gradients are unchanged.
    """
    raise NotImplementedError  # your code here
