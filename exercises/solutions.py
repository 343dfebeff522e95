"""Reference answers for the exercises that have no function of their own in the course.

Everything else is checked against ``common`` (and the chapter scripts).  These are
written inline there or with another signature: ``MultiLayerNet.loss`` and ``gradient``
add the weight decay, ``ch03/neuralnet_mnist.predict`` is the forward pass with a softmax
at the end, ``init_scale`` computes both scales, and ``ch04/gradient_method.py``'s
``gradient_descent`` also returns the path.  The checker compares with those where it
can; the tests check that these agree with them.
"""

from common.functions import identity_function, sigmoid
from common.gradient import numerical_gradient
from common.multi_layer_net import init_scale

import numpy as np


def forward(network, x):
    """The book's three-layer network (section 3.4.3): sigmoid, sigmoid, identity."""
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]
    z1 = sigmoid(x @ W1 + b1)
    z2 = sigmoid(z1 @ W2 + b2)
    return identity_function(z2 @ W3 + b3)


def _weight_keys(params):
    return [key for key in params if key.startswith("W")]


def weight_decay_loss(params, weight_decay_lambda):
    """0.5 * lambda * (sum of W^2 over every weight matrix W1, W2, ...; biases excluded)."""
    return 0.5 * weight_decay_lambda * sum(np.sum(params[k] ** 2) for k in _weight_keys(params))


def weight_decay_gradient(grads, params, weight_decay_lambda):
    """A new dict of gradients: dW + lambda * W for every weight, the others as they were."""
    decayed = dict(grads)
    for key in _weight_keys(params):
        decayed[key] = grads[key] + weight_decay_lambda * params[key]
    return decayed


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """step_num steps of x <- x - lr * grad f(x) from a copy of init_x; returns the last x."""
    x = np.array(init_x, dtype=np.float64)  # a copy: the caller's init_x stays as it was
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
    return x


def he_scale(node_num):
    """sqrt(2 / node_num): He's standard deviation for weights feeding ReLU units."""
    return init_scale("he", node_num)


def xavier_scale(node_num):
    """sqrt(1 / node_num): Xavier's standard deviation for weights feeding sigmoid units."""
    return init_scale("xavier", node_num)
