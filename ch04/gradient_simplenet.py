"""The gradient of a loss with respect to a weight matrix (chapter 4.4.2).

simpleNet is the smallest possible network: one 2x3 weight matrix W, no bias,
no hidden layer.  For an input x (2 values) and a one-hot label t (3 values):

    scores = x W,   y = softmax(scores),   L = cross_entropy_error(y, t)

The gradient dL/dW has the shape of W, and each entry says how L changes when
that one weight is nudged: a positive entry means "decrease this weight to
lower the loss", a negative one "increase it".  It is computed numerically,
perturbing one weight at a time.

The book draws W at random without a seed; --seed makes the run repeatable.
"""

from common.cli import random_seed, run, script_parser, setup
from common.functions import cross_entropy_error, softmax
from common.gradient import numerical_gradient

import numpy as np


class simpleNet:  # noqa: N801  (the book's name)
    def __init__(self):
        self.W = np.random.randn(2, 3)  # Gaussian initial weights, float64

    def predict(self, x):
        return np.dot(x, self.W)

    def loss(self, x, t):
        z = self.predict(x)
        y = softmax(z)
        return cross_entropy_error(y, t)


def main(argv=None):
    parser = script_parser(__doc__)
    parser.add_argument("--seed", type=random_seed, default=0, help="seed for the random weights")
    args = parser.parse_args(argv)
    setup(args)
    np.set_printoptions(precision=8, suppress=True)

    net = simpleNet()
    print("W =\n", net.W)

    x = np.array([0.6, 0.9])
    p = net.predict(x)
    print("scores x W =", p)
    print("predicted class:", np.argmax(p))

    t = np.array([0, 0, 1])  # the correct class is 2
    print("loss:", net.loss(x, t))

    # f ignores its argument: numerical_gradient perturbs net.W in place, and
    # net.loss reads net.W, so each call of f sees the perturbed weights.
    def f(W):
        return net.loss(x, t)

    dW = numerical_gradient(f, net.W)
    print("dL/dW =\n", dW)


if __name__ == "__main__":
    run(main)
