"""The sigmoid and the step function side by side (chapter 3.2.5).

    step:     h(x) = 1 if x > 0, else 0
    sigmoid:  h(x) = 1 / (1 + exp(-x))

Both are 0 for large negative x and 1 for large positive x, and both are
non-linear (a stack of linear layers would be just one linear layer).  But the
step jumps, while the sigmoid changes smoothly: its output is a continuous
value in (0, 1), and that smoothness is what lets a network learn.
"""

from common import plotting  # applies the course's figure style (rcParams)
from common.cli import run, script_parser, setup
from common.functions import sigmoid, step_function

import matplotlib.pyplot as plt
import numpy as np


def main(argv=None):
    args = script_parser(__doc__, figures=True).parse_args(argv)
    setup(args)

    x = np.linspace(-5.0, 5.0, 201)  # steps of 0.05 that include x = 0 exactly

    fig, ax = plt.subplots()
    ax.plot(x, sigmoid(x), label="sigmoid")
    ax.plot(x, step_function(x), "k--", drawstyle="steps-pre", label="step")
    ax.set_ylim(-0.1, 1.1)
    ax.set_title("Sigmoid and step function")
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    ax.legend()
    plotting.show_or_save({"sig_step_compare": fig}, args.save)


if __name__ == "__main__":
    run(main)
