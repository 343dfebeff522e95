"""A two-layer network built from layers (chapter 5.7).

    x -> Affine1 -> Relu1 -> Affine2 -> SoftmaxWithLoss

The layers come from `common.layers`; what this class shows is how they are
assembled: forward runs through the ordered dict, backward runs through it in
reverse, and each Affine layer leaves its dW and db behind.  (The general
version, any depth, is `common.multi_layer_net.MultiLayerNet`.)

It follows the network contract of ``common``: its public methods are the doors
(x checked by ``checks.batch`` and moved to the parameters' device; the labels
checked by SoftmaxWithLoss), and ``gradient`` sets ``last_loss``.

Parameters are float32 by default, the dtype MNIST is loaded in: float64 would
double the time of every matrix product and buy nothing for training.  Pass
``dtype=np.float64`` for gradient checks (see gradient_check.py).
"""

import math
from collections import OrderedDict

from common import backend, checks
from common.gradient import numerical_gradient
from common.layers import Affine, Relu, SoftmaxWithLoss
from common.util import accuracy

import numpy as np


class TwoLayerNet:
    def __init__(
        self, input_size, hidden_size, output_size, weight_init_std=0.01, dtype=np.float32
    ):
        for name, size in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("output_size", output_size),
        ):
            checks.whole_number("TwoLayerNet", name, size)
        checks.number_in("TwoLayerNet", "weight_init_std", weight_init_std, 0, math.inf)
        dtype = checks.float_dtype("TwoLayerNet", dtype)

        # Weights are drawn by NumPy (seedable with np.random.seed), then moved to the device.
        def weights(rows, cols):
            return backend.to_device((weight_init_std * np.random.randn(rows, cols)).astype(dtype))

        def zeros(n):
            return backend.to_device(np.zeros(n, dtype=dtype))

        self.params = {
            "W1": weights(input_size, hidden_size),
            "b1": zeros(hidden_size),
            "W2": weights(hidden_size, output_size),
            "b2": zeros(output_size),
        }

        self.layers = OrderedDict()
        # compute_dx=False: the gradient with respect to the images is never used.
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"], compute_dx=False)
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.lastLayer = SoftmaxWithLoss()
        self.last_loss = None  # the loss of the latest gradient() (the contract of common)

    def _door(self, method, x, t=None):
        return checks.door(f"TwoLayerNet.{method}", x, self.params["W1"].shape[0], t)

    def predict(self, x, train_flg=False):
        x, _ = self._door("predict", x)
        return self._predict(x)

    def _predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Cross-entropy loss; ``t`` holds class indices or one-hot rows."""
        x, t = self._door("loss", x, t)
        return self.lastLayer.forward(self._predict(x), t)

    def accuracy(self, x, t):
        """Fraction of correct predictions.  common.util.accuracy runs the rows
        through predict a chunk at a time: same result, a fraction of the memory."""
        x, t = self._door("accuracy", x, t)
        return accuracy(self._predict, x, t, name="TwoLayerNet.accuracy")

    def numerical_gradient(self, x, t):
        """Central differences for every parameter: slow, and only meaningful in float64."""
        x, t = self._door("numerical_gradient", x, t)

        def loss_w(_):
            return self.lastLayer.forward(self._predict(x), t)

        # The label values checked once here, not in each of the loop's loss evaluations.
        checks.labels("TwoLayerNet.numerical_gradient", t, x.shape[0], self.params["b2"].size)
        with checks.data_checked():
            return {key: numerical_gradient(loss_w, self.params[key]) for key in self.params}

    def gradient(self, x, t):
        """Backpropagation: forward once, then each layer's backward in reverse order."""
        x, t = self._door("gradient", x, t)
        self.last_loss = self.lastLayer.forward(self._predict(x), t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        return {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }


if __name__ == "__main__":
    # Run as a script: say what this module is, and show it working on a tiny batch.
    from common.cli import run, script_parser

    def main(argv=None):
        script_parser(
            __doc__ + "\nRun as a script, it builds a 784-50-10 network and prints the "
            "gradient shapes of one random batch."
        ).parse_args(argv)
        network = TwoLayerNet(784, 50, 10)
        x, t = np.random.rand(3, 784).astype(np.float32), np.array([1, 2, 3])
        for key, grad in network.gradient(backend.to_device(x), backend.to_device(t)).items():
            print(f"{key}: {grad.shape}")

    run(main)
