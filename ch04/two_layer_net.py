"""A two-layer network written out by hand, with both ways to get its gradients (chapter 4.5).

    a1 = x W1 + b1,   z1 = sigmoid(a1),   a2 = z1 W2 + b2,   y = softmax(a2)
    L  = cross-entropy of y against the labels t, averaged over the batch

numerical_gradient(x, t) nudges every parameter in turn and measures how L
changes (two loss evaluations per parameter: slow but obviously right).
gradient(x, t) gets the same numbers from one forward and one backward pass,
using the chain rule worked out by hand for this network (chapter 5 explains it):

    dL/da2 = (y - t) / N                        (t as one-hot rows, N the batch size)
    dL/dW2 = z1^T dL/da2,         dL/db2 = column sums of dL/da2
    dL/da1 = (dL/da2 W2^T) * sigmoid'(a1)
    dL/dW1 = x^T dL/da1,          dL/db1 = column sums of dL/da1

Elsewhere the course builds networks from the layers in common.layers; this one
is the exception, written with plain functions so that every formula of the
chapter is visible in one place.  Its parameters are float64, because
numerical gradients in float32 keep only a few correct digits.
"""
import numpy as np

from common import backend
from common.backend import get_array_module
from common.functions import sigmoid, sigmoid_grad, softmax, softmax_loss
from common.gradient import numerical_gradient


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        # Drawn with NumPy (seeded by --seed) and then moved to the current device,
        # so a seed gives the same initial weights on the CPU and on a GPU.
        def weights(rows, cols):
            return backend.to_device(weight_init_std * np.random.randn(rows, cols))

        self.params = {
            "W1": weights(input_size, hidden_size),
            "b1": backend.to_device(np.zeros(hidden_size)),
            "W2": weights(hidden_size, output_size),
            "b2": backend.to_device(np.zeros(output_size)),
        }

    def scores(self, x):
        """a2, the output layer's input to softmax."""
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        a1 = x @ W1 + b1
        z1 = sigmoid(a1)
        return z1 @ W2 + b2

    def predict(self, x):
        """Class probabilities, softmax(a2), one row per example."""
        return softmax(self.scores(x))

    def loss(self, x, t):
        """Cross-entropy loss; t: class indices or one-hot rows.

        The book computes cross_entropy_error(self.predict(x), t), whose
        log(y + 1e-7) changes the loss slightly: its true gradient then differs
        from the one gradient() computes by about 1e-7 / y relative (y the
        probability of the right class: 1e-6 when y = 0.1), which a gradient
        check sees.  softmax_loss takes log(softmax) exactly from the scores
        (log-sum-exp), so the two gradients agree to within rounding (~1e-9).
        """
        return softmax_loss(self.scores(x), t)

    def accuracy(self, x, t, chunk=10_000):
        """Fraction of rows whose most probable class is the label (t: indices or one-hot).

        Works through x ``chunk`` rows at a time: NumPy converts float32 images
        to float64 for the product with the weights, and all 60 000 training
        images at once would make a 376 MB temporary copy.
        """
        if t.ndim != 1:
            t = t.argmax(axis=1)
        correct = 0
        for start in range(0, x.shape[0], chunk):
            y = self.predict(x[start:start + chunk]).argmax(axis=1)
            correct += int((y == t[start:start + chunk]).sum())
        return correct / float(x.shape[0])

    def numerical_gradient(self, x, t):
        """dL/d(each parameter) by central differences: two loss evaluations per parameter."""
        # float32 images times float64 weights: NumPy converts x to float64 inside
        # every product.  Converting once here, rather than in each of the
        # 2 x (number of parameters) loss evaluations, makes each one faster.
        x = x.astype(self.params["W1"].dtype, copy=False)

        # The argument W is ignored: common.gradient.numerical_gradient perturbs
        # self.params[key] in place, and loss() reads the parameters from there.
        def loss_W(W):
            return self.loss(x, t)

        grads = {}
        for key in ("W1", "b1", "W2", "b2"):
            grads[key] = numerical_gradient(loss_W, self.params[key])
        return grads

    def gradient(self, x, t):
        """dL/d(each parameter) by backpropagation (formulas in the module docstring)."""
        xp = get_array_module(x)
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        grads = {}
        batch_num = x.shape[0]

        # forward
        a1 = x @ W1 + b1
        z1 = sigmoid(a1)
        a2 = z1 @ W2 + b2
        y = softmax(a2)

        # backward
        if t.ndim == 1:  # class indices: subtracting one-hot t is subtracting 1 at the label
            dy = y.copy()
            dy[xp.arange(batch_num), t] -= 1
            dy /= batch_num
        else:
            dy = (y - t) / batch_num
        grads["W2"] = z1.T @ dy
        grads["b2"] = dy.sum(axis=0)

        da1 = dy @ W2.T
        dz1 = sigmoid_grad(a1) * da1
        grads["W1"] = x.T @ dz1
        grads["b1"] = dz1.sum(axis=0)
        return grads
