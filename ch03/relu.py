"""The ReLU (Rectified Linear Unit) activation of chapter 3.2.7.

    h(x) = x if x > 0, else 0     (that is, max(0, x))

It passes positive inputs through unchanged and cuts negative ones to 0.  It is
cheap to compute and its gradient does not fade for large x, which is why
modern networks use it more than the sigmoid.
"""

from common import plotting  # applies the course's figure style (rcParams)
from common.cli import run, script_parser, setup
from common.functions import relu

import matplotlib.pyplot as plt
import numpy as np


def main(argv=None):
    args = script_parser(__doc__, figures=True).parse_args(argv)
    setup(args)

    x = np.linspace(-5.0, 5.0, 201)  # steps of 0.05 that include x = 0 exactly
    y = relu(x)

    fig, ax = plt.subplots()
    ax.plot(x, y, label="relu(x) = max(0, x)")
    ax.set_ylim(-1.0, 5.5)
    ax.set_title("ReLU function")
    ax.legend()
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    plotting.show_or_save({"relu": fig}, args.save)


if __name__ == "__main__":
    run(main)
