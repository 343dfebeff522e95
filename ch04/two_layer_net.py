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

numerical_gradient(x, t, fast=True) computes exactly the same central
differences as the loop, about a thousand times faster for a 784-50-10 network
and 100 MNIST images (common/fast_gradient.py says how).

Elsewhere the course builds networks from the layers in common.layers; this one
is the exception, written with plain functions so that every formula of the
chapter is visible in one place.  Its parameters are float64, because
numerical gradients in float32 keep only a few correct digits.

It follows the network contract of ``common`` (params, predict, loss, gradient
setting last_loss, accuracy).  Its public methods are the doors: they take x (and
t) as NumPy arrays, lists or arrays on the parameters' device, move them to that
device (so the chapter's code runs unchanged with --device gpu) and check that x
has input_size values per example; the labels are checked by softmax_loss.
"""

from common import backend, checks
from common.backend import get_array_module
from common.fast_gradient import fast_numerical_gradient
from common.functions import sigmoid, sigmoid_grad, softmax, softmax_loss
from common.gradient import numerical_gradient
from common.util import accuracy

import numpy as np


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        for name, size in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("output_size", output_size),
        ):
            checks.whole_number("TwoLayerNet", name, size)
        checks.number_in("TwoLayerNet", "weight_init_std", weight_init_std, 0, float("inf"))

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
        self.last_loss = None  # the loss of the latest gradient() (the contract of common)

    def _on_device(self, a):
        """``a`` (an array or a list) as an array on the parameters' device."""
        xp = get_array_module(self.params["W1"])
        if get_array_module(a) is xp and hasattr(a, "shape"):
            return a
        return backend.to_cpu(a) if xp is np else xp.asarray(a)

    def _door(self, method, x, t=None):
        """x (and t) on the parameters' device, x checked; with labels, one example
        (D,) becomes a batch of one (its label a number or a one-hot row)."""
        x = self._on_device(x)
        n_in, n_out = self.params["W1"].shape[0], self.params["W2"].shape[1]
        if t is not None:
            x, t = checks.one_example(x, self._on_device(t), n_out)
        checks.batch(f"TwoLayerNet.{method}", x.reshape(1, -1) if x.ndim == 1 else x, n_in)
        if x.ndim > 2:  # N images (N, 1, 28, 28): N rows of 784, as the Affine layer does
            x = x.reshape(x.shape[0], -1)
        return x, t

    def scores(self, x):
        """a2, the output layer's input to softmax."""
        return self._scores(self._door("scores", x)[0])

    def _scores(self, x):
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        a1 = x @ W1 + b1
        z1 = sigmoid(a1)
        return z1 @ W2 + b2

    def predict(self, x, train_flg=False):
        """Class probabilities, softmax(a2), one row per example (train_flg: unused)."""
        return softmax(self._scores(self._door("predict", x)[0]))

    def loss(self, x, t):
        """Cross-entropy loss; t: class indices or one-hot rows.

        The book computes cross_entropy_error(self.predict(x), t), whose
        log(y + 1e-7) changes the loss slightly: its true gradient then differs
        from the one gradient() computes by about 1e-7 / y relative (y the
        probability of the right class: 1e-6 when y = 0.1), which a gradient
        check sees.  softmax_loss takes log(softmax) exactly from the scores
        (log-sum-exp), so the two gradients agree to within rounding (~1e-9).
        """
        x, t = self._door("loss", x, t)
        return softmax_loss(self._scores(x), t)

    def accuracy(self, x, t):
        """Fraction of rows whose most probable class is the label (t: indices or one-hot).

        common.util.accuracy works through x a chunk at a time: NumPy converts
        float32 images to float64 for the product with these float64 weights,
        and all 60 000 training images at once would make a 376 MB copy.
        """
        x, t = self._door("accuracy", x, t)
        return accuracy(self._scores, x, t, name="TwoLayerNet.accuracy")

    def numerical_gradient(self, x, t, *, fast=False):
        """dL/d(each parameter) by central differences: two loss evaluations per parameter.

        The default is the book's loop: nudge one parameter, run the whole
        forward pass, nudge it back, repeat (2 x 39 760 forward passes for a
        784-50-10 network).  fast=True returns the same differences from
        common.fast_gradient, which re-runs only the part of the forward pass
        that each nudge changes, for thousands of nudges at once.
        """
        if fast:  # a door of its own: it checks x and t
            return fast_numerical_gradient(self.params, self._on_device(x), self._on_device(t))
        x, t = self._door("numerical_gradient", x, t)
        # float32 images times float64 weights: NumPy converts x to float64 inside
        # every product.  Converting once here, rather than in each of the
        # 2 x (number of parameters) loss evaluations, makes each one faster.
        x = x.astype(self.params["W1"].dtype, copy=False)

        # The argument W is ignored: common.gradient.numerical_gradient perturbs
        # self.params[key] in place, and _scores() reads the parameters from there.
        def loss_W(W):
            return softmax_loss(self._scores(x), t)

        # The label values checked once here, not in each of the loop's loss evaluations.
        checks.labels("TwoLayerNet.numerical_gradient", t, x.shape[0], self.params["b2"].size)
        with checks.data_checked():
            return {key: numerical_gradient(loss_W, self.params[key]) for key in self.params}

    def gradient(self, x, t):
        """dL/d(each parameter) by backpropagation (formulas in the module docstring)."""
        x, t = self._door("gradient", x, t)
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
        self.last_loss = softmax_loss(a2, t)  # also checks the labels

        # backward
        if t.ndim == 1:  # class indices: subtracting one-hot t is subtracting 1 at the label
            dy = y.copy()
            dy[xp.arange(batch_num), t] -= 1
            dy /= batch_num
        else:  # one-hot rows: (y - t) / N; y * sum(t) - t is right for any weight rows too
            dy = (y * t.sum(axis=1, keepdims=True) - t) / batch_num
        grads["W2"] = z1.T @ dy
        grads["b2"] = dy.sum(axis=0)

        da1 = dy @ W2.T
        dz1 = sigmoid_grad(a1) * da1
        grads["W1"] = x.T @ dz1
        grads["b1"] = dz1.sum(axis=0)
        return grads


if __name__ == "__main__":
    # Run as a script: say what this module is, and compare its gradients on a tiny batch.
    from common.cli import run, script_parser

    def main(argv=None):
        script_parser(
            __doc__ + "\nRun as a script, it compares the three ways of computing the gradient "
            "of a 784-10-10 network on 3 random images (ch04/train_neuralnet.py trains it)."
        ).parse_args(argv)
        np.random.seed(0)
        network = TwoLayerNet(784, 10, 10)
        x, t = np.random.rand(3, 784), np.array([1, 2, 3])
        backprop = network.gradient(x, t)
        numerical = network.numerical_gradient(x, t, fast=True)
        for key in ("W1", "b1", "W2", "b2"):
            diff = float(np.abs(backend.to_cpu(numerical[key] - backprop[key])).max())
            print(f"{key}: max |numerical (fast) - backprop| = {diff:.1e}")

    run(main)
