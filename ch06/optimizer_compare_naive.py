"""Six optimizers look for the minimum of f(x, y) = x^2 / 20 + y^2 (section 6.1).

The minimum is at (0, 0), and the gradient is grad f = (x / 10, 2 y).  The bowl is
20 times steeper along y than along x, so the gradient points mostly across the
valley, not towards the minimum:

  SGD       W <- W - lr * g                        zig-zags across the valley
  Momentum  v <- 0.9 v - lr * g;  W <- W + v       builds up speed along x, overshoots
  Nesterov  momentum with a look-ahead step        overshoots less than Momentum
  AdaGrad   h <- h + g^2;  W <- W - lr g / sqrt(h) damps the steep y direction at once
  RMSprop   AdaGrad with h a moving average        no slow-down from old gradients
  Adam      momentum + RMSprop-style scaling       a ball that rolls, damped per axis

Each starts at (-7, 2) and takes 30 steps (the book's learning rates for SGD,
Momentum, AdaGrad and Adam; Nesterov and RMSprop are not in the book's figure).
The script prints where each ends and draws each path on the contour lines of f,
plus a figure of f itself: its 3-D surface, contour lines, the field of -grad f
(where plain gradient descent steps), and Adam's path on the surface.
"""

from common.cli import int_range, run, script_parser, setup
from common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from common.plotting import show_or_save  # importing it also applies the course's figure style

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

START = (-7.0, 2.0)
LEVELS = [0.25, 0.5, 1, 2, 4, 8, 12, 16, 20]  # contour lines drawn at these values of f
# 3-D boxes as long along x as the plotted x range (20) against y's (10): the bowl's true shape
BOX_ASPECT = (2, 1, 1)


def f(x, y):
    return x**2 / 20.0 + y**2


def df(x, y):
    return x / 10.0, 2.0 * y


def optimizers():
    """The contestants, each with its learning rate (tuned per method, as in the book)."""
    return {
        "SGD": SGD(lr=0.95),
        "Momentum": Momentum(lr=0.1),
        "Nesterov": Nesterov(lr=0.1),  # same lr as Momentum, to compare the two
        "AdaGrad": AdaGrad(lr=1.5),
        "RMSprop": RMSprop(lr=0.2),  # decay 0.99; its first steps are ~10 lr long
        "Adam": Adam(lr=0.3),
    }


def descend(optimizer, steps, start=START):
    """The path (steps + 1 points) an optimizer takes from ``start``.

    The parameters are 0-d float64 arrays, not Python floats: the optimizers
    update their arrays in place (``params[key] -= ...``), as they do a network's
    weights, and keep per-parameter state shaped like them.
    """
    params = {"x": np.array(start[0]), "y": np.array(start[1])}
    path = [start]
    for _ in range(steps):
        gx, gy = df(params["x"], params["y"])
        optimizer.update(params, {"x": gx, "y": gy})
        path.append((float(params["x"]), float(params["y"])))
    return np.array(path)


def grid(x_range=(-10, 10), y_range=(-5, 5), n=200):
    x, y = np.meshgrid(np.linspace(*x_range, n), np.linspace(*y_range, n))
    return x, y, f(x, y)


def plot_paths(paths):
    """Every path on the contour lines of f, one panel each, with x and y on the same scale
    (the valley really is sqrt(20) ~ 4.5 times longer than wide) and one legend for all."""
    X, Y, Z = grid()
    fig, axes = plt.subplots(
        2, 3, figsize=(13, 5.4), sharex=True, sharey=True, layout="constrained"
    )
    fig.get_layout_engine().set(wspace=0.05)  # room between one panel's 10 and the next's -10
    for ax, (name, path) in zip(axes.flat, paths.items()):
        ax.contour(X, Y, Z, levels=LEVELS, colors="0.7", linewidths=0.8)
        ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3, label="path")
        ax.plot(*START, "s", color="black", markersize=5, label=f"start {START}")
        ax.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2, label="minimum (0, 0)")
        ax.set(xlim=(-10, 10), ylim=(-5, 5), xticks=range(-10, 11, 5), aspect="equal")
        ax.set_title(name)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("y")
    # the same three entries in every panel: said once, below them all
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.7", linewidth=0.8))
    labels.append("contour lines of f")
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    fig.suptitle(f"{len(path) - 1} steps on f(x, y) = x²/20 + y² (x and y on the same scale)")
    return fig


def plot_function(path, name):
    """The valley four ways: the two 3-D views side by side above, the two maps below
    (each row's panels have the same kind of axes, so they line up)."""
    X, Y, Z = grid(n=60)
    fig = plt.figure(figsize=(12, 8), layout="constrained")

    ax = fig.add_subplot(2, 2, 1, projection="3d")
    ax.plot_surface(X, Y, Z, cmap="viridis", alpha=0.9, linewidth=0)
    ax.set(
        title="f(x, y) = x²/20 + y²", xlabel="x", ylabel="y", zlabel="f", xticks=[-10, -5, 0, 5, 10]
    )
    ax.set_box_aspect(BOX_ASPECT)

    ax = fig.add_subplot(2, 2, 3)
    lines = ax.contour(X, Y, Z, levels=LEVELS, cmap="viridis")
    ax.clabel(lines, fontsize=8, fmt="%g")  # 20, not 20.00
    # equal scales on x and y, or the ellipses would not look as wide as the title says
    ax.set(
        title="contour lines: ellipses √20 ≈ 4.5 times wider than high",
        xlabel="x",
        ylabel="y",
        xlim=(-11, 11),  # the same frame as the arrows' panel beside it
        ylim=(-5.6, 5.6),
        aspect="equal",
    )

    ax = fig.add_subplot(2, 2, 4)
    Xq, Yq = np.meshgrid(np.linspace(-10, 10, 21), np.linspace(-5, 5, 11))
    gx, gy = df(Xq, Yq)
    arrows = ax.quiver(Xq, Yq, -gx, -gy, np.hypot(gx, gy), cmap="viridis", angles="xy")
    # the colour bar in a box exactly as high as the (equal-aspect, so short) plot
    fig.colorbar(arrows, cax=ax.inset_axes([1.03, 0, 0.035, 1]), label="|grad f| (colour)")
    ax.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2)
    # equal scales: an arrow's drawn direction is then the vector's true direction
    ax.set(
        title="-grad f: mostly across the valley, not to (0, 0)",
        xlabel="x",
        ylabel="y",
        xlim=(-11, 11),
        ylim=(-5.6, 5.6),
        aspect="equal",
    )

    ax = fig.add_subplot(2, 2, 2, projection="3d")
    # a see-through wireframe: a solid surface would hide the path behind it
    ax.plot_wireframe(X, Y, Z, rstride=5, cstride=5, color="0.6", linewidth=0.5)
    ax.plot(
        path[:, 0],
        path[:, 1],
        f(path[:, 0], path[:, 1]),
        "o-",
        color="tab:red",
        markersize=3,
        label=f"{name} path",
    )
    ax.set(
        title=f"{name}'s path on the surface",
        xlabel="x",
        ylabel="y",
        zlabel="f",
        xticks=[-10, -5, 0, 5, 10],
    )
    ax.set_box_aspect(BOX_ASPECT)
    ax.legend()
    return fig


def main(argv=None):
    parser = script_parser(__doc__, figures=True)
    parser.add_argument(
        "--steps", type=int_range(1, 10_000), default=30, help="update steps per optimizer"
    )
    args = parser.parse_args(argv)
    setup(args)

    paths = {name: descend(optimizer, args.steps) for name, optimizer in optimizers().items()}
    print(f"start (x, y) = ({START[0]:.4f}, {START[1]:.4f})  f = {f(*START):.6f}")
    for name, path in paths.items():
        x, y = path[-1]
        print(f"{name:<9} final (x, y) = ({x:.4f}, {y:.4f})  f = {f(x, y):.6f}")

    show_or_save(
        {
            "optimizer_paths": plot_paths(paths),
            "optimizer_function": plot_function(paths["Adam"], "Adam"),
        },
        args.save,
    )


if __name__ == "__main__":
    run(main)
