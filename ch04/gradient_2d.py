"""The gradient of f(x0, x1) = x0^2 + x1^2, drawn as arrows (chapter 4.4).

The gradient is the vector of partial derivatives,

    grad f = (df/dx0, df/dx1) = (2 x0, 2 x1),

here computed numerically, one coordinate at a time, by central differences.
The script draws two figures: the surface z = f(x0, x1) in 3-D (a bowl with
its lowest point at the origin), and the NEGATIVE gradient at points of a grid,
as arrows.  Every arrow points downhill, towards the minimum at (0, 0), and is
longer where the surface is steeper: the negative gradient is the direction in
which f decreases fastest, which is what gradient descent follows
(gradient_method.py).
"""

from common import gradient, plotting  # importing plotting applies the course's figure style
from common.cli import float_range, run, script_parser, setup

import matplotlib.pyplot as plt
import numpy as np


def function_2(x):
    """x0^2 + x1^2 for a point x of shape (2,), or for stacked grids of shape (2, ...).

    Summing over axis 0 (the coordinate axis) makes one function serve both a
    single point and np.stack([X0, X1]) from meshgrid, which gives a grid of values.
    """
    return np.sum(x**2, axis=0)


def numerical_gradient(f, X):
    """The gradient of ``f`` at one point x (shape (n,)), or at each row of X (shape (N, n)).

    Each row is one point, and f is evaluated on one point at a time with one
    coordinate perturbed, so this is right for any f.  The book's script does the
    same today, passing np.array([X, Y]).T (one point per row).  Its versions
    before commit a134880 (2019) passed np.array([X0, X1]), one row per
    COORDINATE, and so handed the x0 of all points together to f as if it were
    one point: right for x0^2 + x1^2 (a sum of one-variable terms) by luck, wrong
    for f = x0^2/20 + x1^2 + x0*x1.
    """
    X = np.array(X, dtype=np.float64)  # a float copy: perturbing never touches the caller's array
    if X.ndim == 1:
        return gradient.numerical_gradient(f, X)
    grad = np.zeros_like(X)
    for idx, x in enumerate(X):  # x is one point (a contiguous view of row idx)
        grad[idx] = gradient.numerical_gradient(f, x)
    return grad


def plot_gradient_field(step=0.25):
    """Arrows of -grad f on a grid of spacing ``step`` over [-2, 2]^2, over f's contour lines.

    The gradient is evaluated at each grid point, one point per row (see
    ``numerical_gradient``). Returns the figure (the notebook draws the same one).
    """
    x0 = np.arange(-2, 2 + step / 2, step)
    X0, X1 = np.meshgrid(x0, x0)
    points = np.column_stack([X0.ravel(), X1.ravel()])  # shape (N, 2)
    grad = numerical_gradient(function_2, points)
    # A margin beyond the outermost points, so that no arrow on the border is cut.
    low, high = x0[0] - max(step, 0.25), x0[-1] + max(step, 0.25)

    fig, ax = plt.subplots(figsize=(5.8, 6.2), layout="constrained")
    c0, c1 = np.meshgrid(np.linspace(low, high, 93), np.linspace(low, high, 93))
    levels = [0.5, 1, 2, 4, 6]
    ax.contour(c0, c1, function_2(np.stack([c0, c1])), levels=levels, colors="0.8", linewidths=1)
    # Minus the gradient: the arrows point downhill.  angles="xy" draws each arrow
    # in data coordinates, so its direction is the true direction of the vector.
    ax.quiver(points[:, 0], points[:, 1], -grad[:, 0], -grad[:, 1], angles="xy", color="#555555")
    ax.plot([0], [0], "r+", markersize=12, markeredgewidth=2, label="minimum (0, 0)")
    ax.plot([], [], color="0.8", label="contour lines f = 0.5, 1, 2, 4, 6")  # legend entry only
    # A quiver's own legend handle is a bar; an arrow drawn by hand stands for the arrows.
    arrow = ax.plot([], [], marker=r"$\longrightarrow$", markersize=22, ls="none", color="#555555")
    arrow[0].set_label("−gradient at each point")
    ax.set(
        xlim=(low, high),
        ylim=(low, high),
        aspect="equal",
        title="Negative gradient of x0² + x1²",
        xlabel="x0",
        ylabel="x1",
    )
    # The legend below the plot: inside it, it would cover arrows wherever it went.
    fig.legend(loc="outside lower center", ncols=2)
    return fig


def main(argv=None):
    parser = script_parser(__doc__, figures=True)
    parser.add_argument(
        "--step",
        type=float_range(0.05, 2),
        default=0.25,
        help="spacing of the grid of arrows on [-2, 2] x [-2, 2], from 0.05 to 2",
    )
    args = parser.parse_args(argv)
    setup(args)

    # The surface: function_2 on the stacked meshgrid gives every height at once.
    s0, s1 = np.meshgrid(np.linspace(-2, 2, 41), np.linspace(-2, 2, 41))
    surface_fig = plt.figure()
    ax3d = surface_fig.add_subplot(projection="3d")
    ax3d.plot_surface(
        s0, s1, function_2(np.stack([s0, s1])), cmap="viridis", edgecolor="none", alpha=0.9
    )
    ax3d.set_title("f(x0, x1) = x0² + x1²")
    ax3d.set_xlabel("x0")
    ax3d.set_ylabel("x1")
    ax3d.set_zlabel("f(x0, x1)")

    field_fig = plot_gradient_field(args.step)

    print("gradient at (3, 4):", numerical_gradient(function_2, np.array([3.0, 4.0])))
    print("gradient at (0, 2):", numerical_gradient(function_2, np.array([0.0, 2.0])))
    print("gradient at (3, 0):", numerical_gradient(function_2, np.array([3.0, 0.0])))
    plotting.show_or_save({"gradient_surface": surface_fig, "gradient_field": field_fig}, args.save)


if __name__ == "__main__":
    run(main)
