"""The step function: the activation of the perceptron (chapter 3.2.2).

    h(x) = 1 if x > 0, else 0

It jumps from 0 to 1 at x = 0 and is flat everywhere else, so its derivative
is 0 wherever it exists: a network built from it could not learn by gradient
descent.  That is why neural networks use smooth activations such as the
sigmoid (see sigmoid.py and sig_step_compare.py).
"""

from common import plotting  # applies the course's figure style (rcParams)
from common.cli import run, script_parser, setup
from common.functions import step_function

import matplotlib.pyplot as plt
import numpy as np


def main(argv=None):
    args = script_parser(__doc__, figures=True).parse_args(argv)
    setup(args)

    x = np.linspace(-5.0, 5.0, 201)  # steps of 0.05 that include x = 0 exactly
    y = step_function(x)

    fig, ax = plt.subplots()
    # "steps-pre" draws the jump as a vertical edge at x = 0 (h(0) = 0, h(0.05) = 1);
    # a plain line plot would join those two points with a slanted segment.
    ax.plot(x, y, drawstyle="steps-pre", label="step(x) = 1 if x > 0 else 0")
    ax.set_ylim(-0.1, 1.1)
    ax.set_title("Step function")
    ax.legend()
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    plotting.show_or_save({"step_function": fig}, args.save)


if __name__ == "__main__":
    run(main)
