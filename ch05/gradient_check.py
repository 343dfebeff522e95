"""Gradient check: does backpropagation agree with numerical differentiation?

Backprop is fast but easy to get wrong; the numerical gradient is slow but
simple.  On a few MNIST images, this prints the mean absolute difference
between the two for every parameter of the chapter 5 TwoLayerNet.  Values
around 1e-10 or smaller mean the backward pass is right.

Both run in float64: in float32 the central difference
(L(W + h) - L(W - h)) / 2h with h = 1e-4 keeps only two or three digits.
"""

from ch05.two_layer_net import TwoLayerNet
from common import backend
from common.cli import int_range, layer_width, run, script_parser, setup
from dataset.mnist import load_mnist_or_exit

import numpy as np


def gradient_differences(network, x, t):
    """Mean |numerical - backprop| for each parameter, as floats."""
    grad_numerical = network.numerical_gradient(x, t)
    grad_backprop = network.gradient(x, t)
    return {
        key: float(abs(grad_backprop[key] - grad_numerical[key]).mean()) for key in grad_numerical
    }


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument(
        "--batch", type=int_range(1, 1000), default=3, help="number of training images to check on"
    )
    parser.add_argument("--hidden", type=layer_width, default=50, help="hidden units")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True, one_hot_label=True)
    x = backend.to_device(x_train[: args.batch].astype(np.float64))
    t = backend.to_device(t_train[: args.batch])

    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10, dtype=np.float64)
    for key, diff in gradient_differences(network, x, t).items():
        print(f"{key}: {diff:.3e}")


if __name__ == "__main__":
    run(main)
