"""A two-layer network built from layers (chapter 5.7).

    x -> Affine1 -> Relu1 -> Affine2 -> SoftmaxWithLoss

The layers come from `common.layers`; what this class shows is how they are
assembled: forward runs through the ordered dict, backward runs through it in
reverse, and each Affine layer leaves its dW and db behind.  (The general
version, any depth, is `common.multi_layer_net.MultiLayerNet`.)

Parameters are float32 by default, the dtype MNIST is loaded in: float64 would
double the time of every matrix product and buy nothing for training.  Pass
``dtype=np.float64`` for gradient checks (see gradient_check.py).
"""

from collections import OrderedDict

import numpy as np

from common import backend
from common.gradient import numerical_gradient
from common.layers import Affine, Relu, SoftmaxWithLoss
from common.multi_layer_net import _check_size, init_scale
from common.util import accuracy


class TwoLayerNet:
    def __init__(
        self, input_size, hidden_size, output_size, weight_init_std=0.01, dtype=np.float32
    ):
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("output_size", output_size),
        ):
            _check_size("TwoLayerNet", name, value)
        try:  # the scale: a finite number >= 0, named after this network
            init_scale(weight_init_std, input_size)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"TwoLayerNet: {exc}") from None
        try:
            kind = np.dtype(dtype).kind
        except TypeError:
            kind = None
        if kind != "f":  # integer weights would be truncated to zero
            raise TypeError(
                f"TwoLayerNet: dtype must be a float type (np.float32 or np.float64), got {dtype!r}"
            )

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

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Cross-entropy loss; ``t`` holds class indices or one-hot rows."""
        return self.lastLayer.forward(self.predict(x), t)

    @property
    def last_loss(self):
        """The loss of the latest forward pass through the loss layer (kept on the device)."""
        return self.lastLayer.loss

    def accuracy(self, x, t):
        """Fraction of correct predictions.  common.util.accuracy runs the rows
        through predict a chunk at a time: same result, a fraction of the memory."""
        return accuracy(self.predict, x, t)

    def numerical_gradient(self, x, t):
        """Central differences for every parameter: slow, and only meaningful in float64."""

        def loss_w(_):
            return self.loss(x, t)

        return {
            key: numerical_gradient(loss_w, self.params[key]) for key in ("W1", "b1", "W2", "b2")
        }

    def gradient(self, x, t):
        """Backpropagation: forward once, then each layer's backward in reverse order."""
        self.loss(x, t)
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
