"""The sigmoid function, the smooth activation of chapter 3.2.4.

    h(x) = 1 / (1 + exp(-x))

It squashes any real number into (0, 1): about 0 for large negative x, 0.5 at
x = 0, about 1 for large positive x.  Unlike the step function it is smooth, so
a small change of a weight makes a small change of the output, and gradients
exist everywhere.  (common.functions.sigmoid computes it without overflowing
exp for very negative x; the formula is the same.)
"""

from common import plotting  # applies the course's figure style (rcParams)
from common.cli import run, script_parser, setup
from common.functions import sigmoid

import matplotlib.pyplot as plt
import numpy as np


def main(argv=None):
    args = script_parser(__doc__, figures=True).parse_args(argv)
    setup(args)

    x = np.linspace(-5.0, 5.0, 201)  # steps of 0.05 that include x = 0 exactly
    y = sigmoid(x)

    fig, ax = plt.subplots()
    ax.plot(x, y, label="sigmoid(x) = 1 / (1 + exp(-x))")
    ax.set_ylim(-0.1, 1.1)
    ax.set_title("Sigmoid function")
    ax.legend()
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    plotting.show_or_save({"sigmoid": fig}, args.save)


if __name__ == "__main__":
    run(main)
