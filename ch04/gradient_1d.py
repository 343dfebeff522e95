"""The numerical derivative, and the tangent line it gives (chapter 4.3.2).

The derivative of f at x is the slope of f there.  Numerically it is taken as
the central difference

    df/dx  ~  (f(x + h) - f(x - h)) / (2h),   h = 1e-4

which is more accurate than the forward difference (f(x + h) - f(x)) / h.
For f(x) = 0.01 x^2 + 0.1 x the exact derivative is 0.02 x + 0.1, so 0.2 at
x = 5 and 0.3 at x = 10; the numerical values differ only in the last digits.
The tangent line at a touches f there with that slope:

    y = f(a) + f'(a) (x - a)
"""

from common import plotting  # applies the course's figure style (rcParams)
from common.cli import float_range, run, script_parser, setup
from common.gradient import numerical_diff

import matplotlib.pyplot as plt
import numpy as np


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def tangent_line(f, a):
    """The tangent of f at a, as a function of x."""
    slope = numerical_diff(f, a)
    intercept = f(a) - slope * a
    return lambda x: slope * x + intercept


#: Where --at may point.  Beyond about 1e4 the step h = 1e-4 of numerical_diff starts to be
#: lost in the rounding of x and f(x), and from 1e154 on x**2 overflows: the derivative
#: printed would be 0 or an OverflowError instead of 0.02 a + 0.1.
POINT = float_range(-1e4, 1e4)


def main(argv=None):
    parser = script_parser(__doc__, figures=True)
    parser.add_argument(
        "--at",
        type=POINT,
        nargs="+",
        default=[5.0, 10.0],
        metavar="X",
        help="the points where the derivative is taken and the tangent drawn",
    )
    args = parser.parse_args(argv)
    setup(args)

    for a in args.at:
        print(f"f'({a:g}) = {numerical_diff(function_1, a)!r}   (exact: {0.02 * a + 0.1:g})")

    x = np.arange(0.0, 20.0, 0.1)
    fig, ax = plt.subplots()
    ax.plot(x, function_1(x), label="f(x) = 0.01x² + 0.1x")
    for a in args.at:
        (line,) = ax.plot(x, tangent_line(function_1, a)(x), "--", label=f"tangent at x = {a:g}")
        ax.plot([a], [function_1(a)], "o", color=line.get_color())
    ax.set_title("Numerical derivative: tangent lines")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend()
    plotting.show_or_save({"gradient_1d": fig}, args.save)


if __name__ == "__main__":
    run(main)
