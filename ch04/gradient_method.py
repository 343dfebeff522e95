"""Gradient descent on f(x0, x1) = x0^2 + x1^2 (chapter 4.4.1).

Starting from a point x, repeat step_num times

    x <- x - lr * grad f(x)

where lr, the learning rate, sets the step length.  Each step moves downhill,
so from (-3, 4) with lr = 0.1 the path runs along a straight line into the
minimum at (0, 0): every step multiplies x by 1 - 2 lr = 0.8, and after 20
steps x is about (-0.03, 0.05).

Try the book's two warnings: --lr 10 (too large: the steps overshoot and x
flies off to huge values) and --lr 1e-10 (too small: x barely moves).
"""

from ch04.gradient_2d import function_2, numerical_gradient
from common import plotting  # applies the course's figure style (rcParams)
from common.cli import float_range, int_range, learning_rate, run, script_parser, setup

import matplotlib.pyplot as plt
import numpy as np


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Minimize f from init_x; return the last x and the path (step_num + 1 points, start included).

    x is a float copy of init_x: the book updates init_x itself in place, which
    silently changes the caller's array.
    """
    x = np.array(init_x, dtype=np.float64)
    path = [x.copy()]
    for _ in range(step_num):
        grad = numerical_gradient(f, x)
        x -= lr * grad
        path.append(x.copy())
    return x, np.array(path)


#: Where --init may start: x0^2 + x1^2 overflows to inf from about 1e154, and the path
#: would then be NaN; the figure shows [-4.5, 4.5] anyway.
START = float_range(-1e6, 1e6)


def main(argv=None):
    parser = script_parser(__doc__, figures=True)
    parser.add_argument(
        "--init",
        type=START,
        nargs=2,
        default=[-3.0, 4.0],
        metavar=("X0", "X1"),
        help="the starting point",
    )
    parser.add_argument("--lr", type=learning_rate, default=0.1, help="learning rate")
    parser.add_argument(
        "--steps", type=int_range(1, 100_000), default=20, help="number of steps (step_num)"
    )
    args = parser.parse_args(argv)
    setup(args)

    x, path = gradient_descent(function_2, np.array(args.init), lr=args.lr, step_num=args.steps)
    print(f"start {path[0]}, after {args.steps} steps with lr={args.lr:g}: {x}")

    # Contour lines of f behind the path: circles around the minimum.
    g0, g1 = np.meshgrid(np.linspace(-4.5, 4.5, 181), np.linspace(-4.5, 4.5, 181))
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    contours = ax.contour(
        g0,
        g1,
        function_2(np.stack([g0, g1])),
        levels=[1, 2, 4, 8, 12, 16, 20],
        colors="#aaaaaa",
        linestyles="dashed",
        linewidths=1,
    )
    ax.clabel(contours, fontsize=7)
    ax.plot(path[:, 0], path[:, 1], "o-", markersize=4, label=f"path, lr = {args.lr:g}")
    ax.plot([0], [0], "r+", markersize=12, label="minimum (0, 0)")
    ax.set_xlim(-4.5, 4.5)  # fixed: with a huge --lr the path leaves the picture, as it should
    ax.set_ylim(-4.5, 4.5)
    ax.set_aspect("equal")
    ax.set_title(f"Gradient descent on x0² + x1² ({args.steps} steps)")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.legend(loc="lower right")
    plotting.show_or_save({"gradient_method": fig}, args.save)


if __name__ == "__main__":
    run(main)
