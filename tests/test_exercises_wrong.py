"""The checker must be able to fail: wrong versions of every exercise, the mistakes learners make.

Each entry is (exercise, the hint the checker must give or None for an unnamed mistake,
the wrong code).  The code is run through the same check as a learner's file, in this
process (tests/test_exercises.py covers the child processes).
"""

import textwrap
from collections import Counter

from exercises import runner
from exercises.checker import HINTS

import numpy as np
import pytest

# Shared pieces of the wrong versions, so that each shows only its mistake.
LAYER_OK = {
    "relu": "self.mask = x <= 0\n        return np.maximum(x, 0)",
    "sigmoid": "self.out = 1 / (1 + np.exp(-x))\n        return self.out",
}

WRONG = [
    # ---- chapter 3
    ("ch03.step_function", "at_zero", "def step_function(x):\n    return (x >= 0).astype(int)"),
    ("ch03.step_function", "step_sign", "def step_function(x):\n    return np.sign(x)"),
    ("ch03.step_function", "ambiguous", "def step_function(x):\n    return 1 if x > 0 else 0"),
    (
        "ch03.step_function",
        "in_place",
        "def step_function(x):\n    x[x <= 0] = 0\n    x[x > 0] = 1\n    return x",
    ),
    ("ch03.sigmoid", "sign", "def sigmoid(x):\n    return 1 / (1 + np.exp(x))"),
    ("ch03.sigmoid", "precedence", "def sigmoid(x):\n    return 1 / 1 + np.exp(-x)"),
    ("ch03.sigmoid", "in_place", "def sigmoid(x):\n    x *= -1\n    return 1 / (1 + np.exp(x))"),
    ("ch03.sigmoid", None, "def sigmoid(x):\n    return np.tanh(x)"),
    ("ch03.relu", "np_max", "def relu(x):\n    return np.max(0, x)"),
    ("ch03.relu", "min_max", "def relu(x):\n    return np.minimum(0, x)"),
    ("ch03.relu", "in_place", "def relu(x):\n    x[x < 0] = 0\n    return x"),
    ("ch03.relu", "sign", "def relu(x):\n    return np.maximum(0, -x)"),
    (
        "ch03.softmax",
        "overflow",
        "def softmax(a):\n    e = np.exp(a)\n    return e / e.sum(axis=-1, keepdims=True)",
    ),
    (
        "ch03.softmax",
        "axis",
        "def softmax(a):\n    e = np.exp(a - np.max(a))\n    return e / np.sum(e)",
    ),
    (
        "ch03.softmax",
        "axis",
        "def softmax(a):\n    e = np.exp(a - a.max(axis=0))\n    return e / e.sum(axis=0)",
    ),
    ("ch03.softmax", None, "def softmax(a):\n    return a / a.sum(axis=-1, keepdims=True)"),
    (
        "ch03.softmax",
        "in_place",
        """
def softmax(a):
    a -= a.max(axis=-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)""",
    ),
    (
        "ch03.forward",
        "output_activation",
        """
def forward(network, x):
    z1 = sigmoid(x @ network["W1"] + network["b1"])
    z2 = sigmoid(z1 @ network["W2"] + network["b2"])
    return sigmoid(z2 @ network["W3"] + network["b3"])""",
    ),
    (
        "ch03.forward",
        "missing_bias",
        """
def forward(network, x):
    z1 = sigmoid(x @ network["W1"])
    z2 = sigmoid(z1 @ network["W2"] + network["b2"])
    return z2 @ network["W3"] + network["b3"]""",
    ),
    (
        "ch03.forward",
        "hidden_activation",
        """
def forward(network, x):
    z1 = np.maximum(0, x @ network["W1"] + network["b1"])
    z2 = np.maximum(0, z1 @ network["W2"] + network["b2"])
    return z2 @ network["W3"] + network["b3"]""",
    ),
    (
        "ch03.forward",
        None,
        """
def forward(network, x):
    z1 = sigmoid(network["W1"] @ x + network["b1"])
    return z1""",
    ),
    # ---- chapter 4
    (
        "ch04.numerical_diff",
        "forward_difference",
        "def numerical_diff(f, x):\n    h = 1e-4\n    return (f(x + h) - f(x)) / h",
    ),
    (
        "ch04.numerical_diff",
        "divided_by_h",
        "def numerical_diff(f, x):\n    h = 1e-4\n    return (f(x + h) - f(x - h)) / h",
    ),
    (
        "ch04.numerical_diff",
        "h_too_small",
        "def numerical_diff(f, x):\n    h = 1e-50\n    return (f(x + h) - f(x - h)) / (2 * h)",
    ),
    (
        "ch04.numerical_diff",
        "sign",
        "def numerical_diff(f, x):\n    h = 1e-4\n    return (f(x - h) - f(x + h)) / (2 * h)",
    ),
    (
        "ch04.numerical_gradient",
        "not_restored",
        """
def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        v = flat[i]
        flat[i] = v + h
        f1 = f(x)
        flat[i] = v - h
        out[i] = (f1 - f(x)) / (2 * h)
    return grad""",
    ),
    (
        "ch04.numerical_gradient",
        "forward_difference",
        """
def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        v = flat[i]
        f0 = f(x)
        flat[i] = v + h
        out[i] = (f(x) - f0) / h
        flat[i] = v
    return grad""",
    ),
    (
        "ch04.numerical_gradient",
        "divided_by_h",
        """
def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        v = flat[i]
        flat[i] = v + h
        f1 = f(x)
        flat[i] = v - h
        out[i] = (f1 - f(x)) / h
        flat[i] = v
    return grad""",
    ),
    (
        "ch04.numerical_gradient",
        None,
        """
def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        v = x[i]
        x[i] = v + h
        f1 = f(x)
        x[i] = v - h
        grad[i] = (f1 - f(x)) / (2 * h)
        x[i] = v
    return grad""",
    ),
    (
        "ch04.numerical_gradient_2d",
        "whole_batch",
        """
def numerical_gradient_2d(f, X):
    h = 1e-4
    grad = np.zeros_like(X)
    for i in np.ndindex(*X.shape):
        v = X[i]
        X[i] = v + h
        f1 = f(X)
        X[i] = v - h
        grad[i] = (f1 - f(X)) / (2 * h)
        X[i] = v
    return grad""",
    ),
    (
        "ch04.numerical_gradient_2d",
        "divided_by_h",
        """
def _one(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for i in range(x.size):
        v = x[i]
        x[i] = v + h
        f1 = f(x)
        x[i] = v - h
        grad[i] = (f1 - f(x)) / h
        x[i] = v
    return grad
def numerical_gradient_2d(f, X):
    if X.ndim == 1:
        return _one(f, X)
    return np.array([_one(f, row) for row in X])""",
    ),
    (
        "ch04.numerical_gradient_2d",
        None,
        """
def numerical_gradient_2d(f, X):
    return np.zeros_like(X)""",
    ),
    (
        "ch04.numerical_gradient_2d",
        "not_restored",
        """
def numerical_gradient_2d(f, X):
    h = 1e-4
    grad = np.zeros_like(X)
    for row, g in zip(np.atleast_2d(X), np.atleast_2d(grad)):
        for i in range(row.size):
            v = row[i]
            row[i] = v + h
            f1 = f(row)
            row[i] = v - h
            g[i] = (f1 - f(row)) / (2 * h)
    return grad""",
    ),
    (
        "ch04.gradient_descent",
        "ascent",
        """
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x += lr * numerical_gradient(f, x)
    return x""",
    ),
    (
        "ch04.gradient_descent",
        "step_count",
        """
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num + 1):
        x -= lr * numerical_gradient(f, x)
    return x""",
    ),
    (
        "ch04.gradient_descent",
        "in_place",
        """
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
    return x""",
    ),
    (
        "ch04.gradient_descent",
        "no_lr",
        """
def gradient_descent(f, init_x, lr=0.01, step_num=100):
    x = init_x.copy()
    for _ in range(step_num):
        x -= numerical_gradient(f, x)
    return x""",
    ),
    (
        "ch04.cross_entropy_error",
        "missing_1/N",
        """
def cross_entropy_error(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7))""",
    ),
    (
        "ch04.cross_entropy_error",
        "no_delta",
        """
def cross_entropy_error(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t])) / y.shape[0]""",
    ),
    (
        "ch04.cross_entropy_error",
        "labels",
        """
def cross_entropy_error(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]""",
    ),
    (
        "ch04.cross_entropy_error",
        "one_example_batch",
        """
def cross_entropy_error(y, t):
    if t.size == y.size:
        t = t.argmax(axis=-1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size""",
    ),
    (
        "ch04.cross_entropy_error",
        "sign",
        """
def cross_entropy_error(y, t):
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7)) / y.shape[0]""",
    ),
    # ---- chapter 5
    (
        "ch05.mul_layer",
        "no_swap",
        """
class MulLayer:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y
    def backward(self, dout):
        return dout * self.x, dout * self.y""",
    ),
    (
        "ch05.mul_layer",
        "forgot_dout",
        """
class MulLayer:
    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y
    def backward(self, dout):
        return self.y, self.x""",
    ),
    (
        "ch05.mul_layer",
        "not_kept",
        """
class MulLayer:
    def forward(self, x, y):
        return x * y
    def backward(self, dout):
        return dout * self.y, dout * self.x""",
    ),
    (
        "ch05.mul_layer",
        "stale",
        """
class MulLayer:
    def __init__(self):
        self.x = None
    def forward(self, x, y):
        if self.x is None:
            self.x, self.y = x, y
        return x * y
    def backward(self, dout):
        return dout * self.y, dout * self.x""",
    ),
    (
        "ch05.add_layer",
        "forgot_dout",
        """
class AddLayer:
    def forward(self, x, y):
        return x + y
    def backward(self, dout):
        return 1.0, 1.0""",
    ),
    (
        "ch05.add_layer",
        "sign",
        """
class AddLayer:
    def forward(self, x, y):
        return x - y
    def backward(self, dout):
        return dout, -dout""",
    ),
    (
        "ch05.add_layer",
        None,
        """
class AddLayer:
    def forward(self, x, y):
        return x + y
    def backward(self, dout):
        return dout""",
    ),
    (
        "ch05.add_layer",
        "not_kept",
        """
class AddLayer:
    def forward(self, x, y):
        return x + y
    def backward(self, dout):
        return dout * self.y, dout * self.x""",
    ),
    (
        "ch05.relu",
        "in_place",
        """
class Relu:
    def forward(self, x):
        self.mask = x <= 0
        x[self.mask] = 0
        return x
    def backward(self, dout):
        dout[self.mask] = 0
        return dout""",
    ),
    (
        "ch05.relu",
        "forgot_dout",
        f"""
class Relu:
    def forward(self, x):
        {LAYER_OK["relu"]}
    def backward(self, dout):
        return (~self.mask).astype(float)""",
    ),
    (
        "ch05.relu",
        "at_zero",
        """
class Relu:
    def forward(self, x):
        self.mask = x < 0
        return np.maximum(x, 0)
    def backward(self, dout):
        return dout * ~self.mask""",
    ),
    (
        "ch05.relu",
        "not_kept",
        """
class Relu:
    def forward(self, x):
        return np.maximum(x, 0)
    def backward(self, dout):
        return dout * (self.x > 0)""",
    ),
    (
        "ch05.relu",
        "stale",
        """
class Relu:
    def __init__(self):
        self.mask = None
    def forward(self, x):
        if self.mask is None:
            self.mask = x <= 0
        return np.maximum(x, 0)
    def backward(self, dout):
        return dout * ~self.mask""",
    ),
    (
        "ch05.sigmoid",
        "uses_x",
        """
class Sigmoid:
    def forward(self, x):
        self.x = x
        return 1 / (1 + np.exp(-x))
    def backward(self, dout):
        return dout * (1 - self.x) * self.x""",
    ),
    (
        "ch05.sigmoid",
        "forgot_dout",
        f"""
class Sigmoid:
    def forward(self, x):
        {LAYER_OK["sigmoid"]}
    def backward(self, dout):
        return (1 - self.out) * self.out""",
    ),
    (
        "ch05.sigmoid",
        "sign",
        f"""
class Sigmoid:
    def forward(self, x):
        {LAYER_OK["sigmoid"]}
    def backward(self, dout):
        return dout * (self.out - 1) * self.out""",
    ),
    (
        "ch05.sigmoid",
        "not_kept",
        """
class Sigmoid:
    def __init__(self):
        self.out = None
    def forward(self, x):
        return 1 / (1 + np.exp(-x))
    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out""",
    ),
    (
        "ch05.affine",
        "transposed",
        """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b
    def backward(self, dout):
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.shape)""",
    ),
    (
        "ch05.affine",
        "extra_1/N",
        """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.mean(axis=0)
        return (dout @ self.W.T).reshape(self.shape)""",
    ),
    (
        "ch05.affine",
        "not_flattened",
        """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T""",
    ),
    (
        "ch05.affine",
        "not_flattened",
        """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T""",
    ),
    (
        "ch05.affine",
        "forgot_dout",
        """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b
    def backward(self, dout):
        self.dW = self.x.T @ np.ones_like(dout)
        self.db = dout.sum(axis=0)
        return (np.ones_like(dout) @ self.W.T).reshape(self.shape)""",
    ),
    (
        "ch05.affine",
        "db_sum",
        """
class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout
        return (dout @ self.W.T).reshape(self.shape)""",
    ),
    (
        "ch05.softmax_with_loss",
        "missing_1/N",
        """
class SoftmaxWithLoss:
    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        self.t = t if t.ndim == 2 else np.eye(x.shape[1])[t]
        return -np.sum(self.t * np.log(self.y + 1e-7)) / x.shape[0]
    def backward(self, dout=1):
        return self.y - self.t""",
    ),
    (
        "ch05.softmax_with_loss",
        "sign",
        """
class SoftmaxWithLoss:
    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        self.t = t if t.ndim == 2 else np.eye(x.shape[1])[t]
        return -np.sum(self.t * np.log(self.y + 1e-7)) / x.shape[0]
    def backward(self, dout=1):
        return (self.t - self.y) / self.y.shape[0]""",
    ),
    (
        "ch05.softmax_with_loss",
        "overflow",
        """
class SoftmaxWithLoss:
    def forward(self, x, t):
        e = np.exp(x)
        self.y = e / e.sum(axis=1, keepdims=True)
        self.t = t if t.ndim == 2 else np.eye(x.shape[1])[t]
        return -np.sum(self.t * np.log(self.y + 1e-7)) / x.shape[0]
    def backward(self, dout=1):
        return (self.y - self.t) / self.y.shape[0]""",
    ),
    (
        "ch05.softmax_with_loss",
        "labels",
        """
class SoftmaxWithLoss:
    def forward(self, x, t):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y, self.t = e / e.sum(axis=1, keepdims=True), t
        return -np.sum(t * np.log(self.y + 1e-7)) / x.shape[0]
    def backward(self, dout=1):
        return (self.y - self.t) / self.y.shape[0]""",
    ),
    (
        "ch05.two_layer_net",
        "swapped_keys",
        """
class TwoLayerNet(Given):
    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        a1, a2 = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": a2.dW, "b1": a2.db, "W2": a1.dW, "b2": a1.db}""",
    ),
    (
        "ch05.two_layer_net",
        "stale",
        """
class TwoLayerNet(Given):
    def gradient(self, x, t):
        if self.lastLayer.y is None:
            self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        a1, a2 = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": a1.dW, "b1": a1.db, "W2": a2.dW, "b2": a2.db}""",
    ),
    (
        "ch05.two_layer_net",
        None,
        """
class TwoLayerNet(Given):
    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in self.layers.values():
            dout = layer.backward(dout)
        a1, a2 = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": a1.dW, "b1": a1.db, "W2": a2.dW, "b2": a2.db}""",
    ),
    (
        "ch05.two_layer_net",
        "not_kept",
        """
class TwoLayerNet(Given):
    def gradient(self, x, t):
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        a1, a2 = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": a1.dW, "b1": a1.db, "W2": a2.dW, "b2": a2.db}""",
    ),
    # ---- chapter 6
    (
        "ch06.sgd",
        "ascent",
        """
class SGD(Given):
    def update(self, params, grads):
        for k in params:
            params[k] += self.lr * grads[k]""",
    ),
    (
        "ch06.sgd",
        "not_in_place",
        """
class SGD(Given):
    def update(self, params, grads):
        for k in params:
            params[k] = params[k] - self.lr * grads[k]""",
    ),
    (
        "ch06.sgd",
        "no_lr",
        """
class SGD(Given):
    def update(self, params, grads):
        for k in params:
            params[k] -= grads[k]""",
    ),
    (
        "ch06.momentum",
        "state_reset",
        """
class Momentum(Given):
    def update(self, params, grads):
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] += self.v[k]""",
    ),
    (
        "ch06.momentum",
        "ascent",
        """
class Momentum(Given):
    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.v[k] = self.momentum * self.v[k] + self.lr * grads[k]
            params[k] += self.v[k]""",
    ),
    (
        "ch06.momentum",
        None,
        """
class Momentum(Given):
    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            params[k] += self.v[k]
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]""",
    ),
    (
        "ch06.adagrad",
        "no_eps",
        """
class AdaGrad(Given):
    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.h[k] += grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / np.sqrt(self.h[k])""",
    ),
    (
        "ch06.adagrad",
        "state_reset",
        """
class AdaGrad(Given):
    def update(self, params, grads):
        for k in params:
            h = grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / (np.sqrt(h) + 1e-7)""",
    ),
    (
        "ch06.adagrad",
        "no_sqrt",
        """
class AdaGrad(Given):
    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.h[k] += grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / (self.h[k] + 1e-7)""",
    ),
    (
        "ch06.adam",
        "bias_correction",
        """
class Adam(Given):
    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.m[k] += (1 - self.beta1) * (grads[k] - self.m[k])
            self.v[k] += (1 - self.beta2) * (grads[k] ** 2 - self.v[k])
            params[k] -= self.lr * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)""",
    ),
    (
        "ch06.adam",
        "betas_swapped",
        """
class Adam(Given):
    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        b1, b2 = self.beta2, self.beta1
        lr_t = self.lr * np.sqrt(1 - b2**self.iter) / (1 - b1**self.iter)
        for k in params:
            self.m[k] += (1 - b1) * (grads[k] - self.m[k])
            self.v[k] += (1 - b2) * (grads[k] ** 2 - self.v[k])
            params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)""",
    ),
    (
        "ch06.adam",
        "state_reset",
        """
class Adam(Given):
    def update(self, params, grads):
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1 - self.beta2**self.iter) / (1 - self.beta1**self.iter)
        for k in params:
            self.m[k] += (1 - self.beta1) * (grads[k] - self.m[k])
            self.v[k] += (1 - self.beta2) * (grads[k] ** 2 - self.v[k])
            params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)""",
    ),
    (
        "ch06.adam",
        None,
        """
class Adam(Given):
    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        lr_t = self.lr * np.sqrt(1 - self.beta2**self.iter) / (1 - self.beta1**self.iter)
        for k in params:
            self.m[k] += (1 - self.beta1) * (grads[k] - self.m[k])
            self.v[k] += (1 - self.beta2) * (grads[k] ** 2 - self.v[k])
            params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)""",
    ),
    ("ch06.he_scale", "he_xavier", "def he_scale(node_num):\n    return np.sqrt(1 / node_num)"),
    ("ch06.he_scale", "no_sqrt_scale", "def he_scale(node_num):\n    return 2 / node_num"),
    ("ch06.he_scale", None, "def he_scale(node_num):\n    return np.sqrt(2) / node_num"),
    (
        "ch06.xavier_scale",
        "he_xavier",
        "def xavier_scale(node_num):\n    return np.sqrt(2 / node_num)",
    ),
    ("ch06.xavier_scale", "no_sqrt_scale", "def xavier_scale(node_num):\n    return 1 / node_num"),
    ("ch06.xavier_scale", None, "def xavier_scale(node_num):\n    return np.sqrt(node_num)"),
    (
        "ch06.dropout",
        "test_scale",
        """
class Dropout(Given):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x
    def backward(self, dout):
        return dout * self.mask""",
    ),
    (
        "ch06.dropout",
        "keep_probability",
        """
class Dropout(Given):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) < self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)
    def backward(self, dout):
        return dout * self.mask""",
    ),
    (
        "ch06.dropout",
        "mask_ignored",
        """
class Dropout(Given):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)
    def backward(self, dout):
        return dout""",
    ),
    (
        "ch06.dropout",
        "inverted",
        """
class Dropout(Given):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask / (1.0 - self.dropout_ratio)
        return x
    def backward(self, dout):
        return dout * self.mask / (1.0 - self.dropout_ratio)""",
    ),
    ("ch06.batch_normalization", "ddof", "class BatchNormalization(Reference):\n    VAR_DDOF = 1"),
    ("ch06.batch_normalization", "no_eps", "class BatchNormalization(Reference):\n    EPS = 0.0"),
    (
        "ch06.batch_normalization",
        "bn_backward_partial",
        "class BatchNormalization(Reference):\n    FULL_BACKWARD = False",
    ),
    (
        "ch06.batch_normalization",
        "test_batch_stats",
        "class BatchNormalization(Reference):\n    TEST_WITH_BATCH = True",
    ),
    (
        "ch06.batch_normalization",
        "running_update",
        "class BatchNormalization(Reference):\n    SWAP_MOMENTUM = True",
    ),
    (
        "ch06.weight_decay_loss",
        "half",
        """
def weight_decay_loss(params, weight_decay_lambda):
    return weight_decay_lambda * sum(np.sum(v**2) for k, v in params.items() if k[0] == "W")""",
    ),
    (
        "ch06.weight_decay_loss",
        "biases_decayed",
        """
def weight_decay_loss(params, weight_decay_lambda):
    return 0.5 * weight_decay_lambda * sum(np.sum(v**2) for v in params.values())""",
    ),
    (
        "ch06.weight_decay_loss",
        "l1",
        """
def weight_decay_loss(params, weight_decay_lambda):
    weights = [v for k, v in params.items() if k[0] == "W"]
    return 0.5 * weight_decay_lambda * sum(np.sum(np.abs(w)) for w in weights)""",
    ),
    (
        "ch06.weight_decay_gradient",
        "half",
        """
def weight_decay_gradient(grads, params, weight_decay_lambda):
    lam = weight_decay_lambda
    return {k: g + (0.5 * lam * params[k] if k[0] == "W" else 0) for k, g in grads.items()}""",
    ),
    (
        "ch06.weight_decay_gradient",
        "biases_decayed",
        """
def weight_decay_gradient(grads, params, weight_decay_lambda):
    return {k: g + weight_decay_lambda * params[k] for k, g in grads.items()}""",
    ),
    (
        "ch06.weight_decay_gradient",
        "sign",
        """
def weight_decay_gradient(grads, params, weight_decay_lambda):
    lam = weight_decay_lambda
    return {k: g - (lam * params[k] if k[0] == "W" else 0) for k, g in grads.items()}""",
    ),
]

# A batch normalization written out with switches, one per mistake of the entries above.
BATCH_NORM = """
class Reference:
    VAR_DDOF, EPS, FULL_BACKWARD, TEST_WITH_BATCH, SWAP_MOMENTUM = 0, 10e-7, True, False, False

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(x.shape[1]), np.zeros(x.shape[1])
        if train_flg or self.TEST_WITH_BATCH:
            mu, var = x.mean(axis=0), x.var(axis=0, ddof=self.VAR_DDOF)
            self.std = np.sqrt(var + self.EPS)
            self.xn = (x - mu) / self.std
            m = 1 - self.momentum if self.SWAP_MOMENTUM else self.momentum
            if train_flg:
                self.running_mean = m * self.running_mean + (1 - m) * mu
                self.running_var = m * self.running_var + (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + self.EPS)
        return (self.gamma * xn + self.beta).reshape(self.input_shape)

    def backward(self, dout):
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (self.xn * dout).sum(axis=0)
        dxn = self.gamma * dout
        if self.FULL_BACKWARD:
            dxn = dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0)
        return (dxn / self.std).reshape(self.input_shape)
"""


def load(key, source):
    """The wrong version's object, with the stub's given parts (the class to inherit from)."""
    exercise = runner.BY_KEY[key]
    namespace = {"np": np}
    if key == "ch06.batch_normalization":
        exec(BATCH_NORM, namespace)
    if key.startswith("ch06") or key == "ch05.two_layer_net":
        stubs = {}
        exec((runner.PACKAGE / f"{exercise.chapter}.py").read_text(), stubs)
        namespace["Given"] = stubs[exercise.attr]
    if key == "ch03.forward":
        namespace["sigmoid"] = lambda x: 1 / (1 + np.exp(-x))
    exec(textwrap.dedent(source), namespace)
    return namespace[exercise.attr]


@pytest.mark.parametrize(
    "key, hint, source",
    WRONG,
    ids=[f"{k}-{h or 'unnamed'}-{i}" for i, (k, h, _) in enumerate(WRONG)],
)
def test_wrong_version_fails_with_its_hint(key, hint, source):
    result = runner.check_object(runner.BY_KEY[key], load(key, source))
    assert result["status"] == "failed", result
    assert result["headline"]
    if hint is not None:
        assert hint in HINTS
        assert result["hint"] == hint, result


def test_every_exercise_has_three_wrong_versions():
    counts = Counter(key for key, _, _ in WRONG)
    assert {e.key: counts[e.key] >= 3 for e in runner.EXERCISES} == {
        e.key: True for e in runner.EXERCISES
    }
