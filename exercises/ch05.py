"""Chapter 5 exercises: layers with a forward and a backward pass.

Fill in each method where it says `# your code here`, then check your work:

    python -m exercises check ch05          (or one exercise: check ch05.affine)

Every layer keeps in `forward` what `backward` will need (backward is called after
forward, with dout = dL/d(output)) and returns dL/d(input).  The checker compares
with the course's layers (common/layers.py) and with float64 numerical gradients.
"""

from collections import OrderedDict

from common import layers

import numpy as np


class MulLayer:
    """out = x * y.  Backward: dx = dout * y, dy = dout * x (the inputs swap)."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        """Returns the pair (dx, dy)."""
        raise NotImplementedError  # your code here


class AddLayer:
    """out = x + y.  Backward: dx = dout, dy = dout (passed through unchanged)."""

    def __init__(self):
        pass

    def forward(self, x, y):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        """Returns the pair (dx, dy)."""
        raise NotImplementedError  # your code here


class Relu:
    """y = max(0, x).  Backward: dx = dout where x > 0, else 0.

    Keep a mask (x <= 0) in forward; at x = 0 no gradient passes, as in the book.
    Do not change the x you are given (out = x.copy() first if you write into it).
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        raise NotImplementedError  # your code here


class Sigmoid:
    """y = 1 / (1 + exp(-x)).  Backward: dx = dout * y * (1 - y): keep y, the output."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        raise NotImplementedError  # your code here


class Affine:
    """y = x W + b for a batch x (N, D); N-D input (N, C, H, W) is flattened to (N, -1).

    Backward, with dout (N, M):
        dx = dout W^T  (reshaped back to x's original shape),
        dW = x^T dout  (kept in self.dW),   db = sum of dout over the batch (self.db).
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        raise NotImplementedError  # your code here

    def backward(self, dout):
        raise NotImplementedError  # your code here


class SoftmaxWithLoss:
    """Softmax, then the cross-entropy loss, as one layer.

    forward(x, t): x scores (N, C); t class indices (N,) or one-hot rows (N, C).
        y = softmax(x) (subtract each row's maximum first: scores can be +-1000),
        loss = -(1/N) sum_n log(y[n, t_n] + 1e-7).  Keep y and t; return the loss.
    backward(dout=1): dx = (y - t) / N, with t as one-hot rows.
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        raise NotImplementedError  # your code here

    def backward(self, dout=1):
        raise NotImplementedError  # your code here


class TwoLayerNet:
    """x -> Affine1 -> Relu1 -> Affine2 -> SoftmaxWithLoss, built from the course's layers.

    Everything is given except `gradient`, the exercise.
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers["Affine1"] = layers.Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = layers.Relu()
        self.layers["Affine2"] = layers.Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = layers.SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.lastLayer.forward(self.predict(x), t)

    def gradient(self, x, t):
        """The gradients of the loss by backpropagation: a dict W1, b1, W2, b2.

        1. forward: self.loss(x, t) (every layer keeps what its backward needs);
        2. backward: dout = self.lastLayer.backward(1), then each layer's backward(dout)
           in reverse order;
        3. collect dW and db from the two Affine layers.
        """
        raise NotImplementedError  # your code here
