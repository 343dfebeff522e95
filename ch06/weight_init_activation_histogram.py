"""How the scale of the initial weights shapes the activations of a deep net (section 6.2).

1000 random inputs (standard normal, 100 features) go through 5 layers of 100
units, a = z W, z = activation(a), with no training.  Each row of the figure is
one choice of the weights' standard deviation, each column one layer:

  std = 1          sigmoid outputs pile up at 0 and 1, where its slope is ~0:
                   the gradients vanish
  std = 0.01       every unit outputs nearly the same value (0.5 for sigmoid):
                   100 units that behave like one ("limited expressiveness")
  Xavier 1/sqrt(n) the spread survives every layer, for sigmoid and tanh
  He sqrt(2/n)     the same for ReLU, which zeroes half its inputs (hence the 2)

with n = 100 the number of inputs of a layer.  ``--activation relu`` shows why
ReLU needs He's scale: with Xavier the activations shrink layer after layer.
The printed mean and standard deviation per layer tell the same story in numbers,
with the share of outputs where the activation's slope is about 0 (sigmoid below
0.01 or above 0.99, |tanh| above 0.99, ReLU at 0): no gradient passes there.

How to read the histograms: a bar's height is the percentage of ALL the layer's
outputs (samples x units) that fall in its bin, and the panels of a row share
their y axis, so heights compare across layers.  Outputs outside the drawn range
are not in any bar (their share is written in red), so a panel whose values have
left the range shows low bars, not full-height ones.  ReLU's exact zeros (about
half its outputs with any scale) are not drawn either: one bar holding half of
everything would flatten the rest.  Their share is written in each panel instead,
so the bars and the zeros together still add up to 100%.
"""

from common.cli import int_range, layer_width, random_seed, run, script_parser, setup
from common.functions import relu, sigmoid
from common.plotting import show_or_save  # importing it also applies the course's figure style

import matplotlib.pyplot as plt
import numpy as np

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu}
# The histograms' range: where the activation's outputs live.  ReLU's are not
# bounded; the book cuts them at 1, which hides half of them with He's scale.
RANGES = {"sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, 4)}
BINS = 30
NOTE = {
    "ha": "right",
    "va": "top",
    "fontsize": 9,
    "bbox": {"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
}


def flat_fraction(z, activation):
    """The fraction of outputs where the activation's slope is (nearly) zero, so
    that almost no gradient flows back: sigmoid/tanh saturated, ReLU at 0."""
    if activation == "sigmoid":
        return np.mean((z < 0.01) | (z > 0.99))
    if activation == "tanh":
        return np.mean(np.abs(z) > 0.99)
    return np.mean(z == 0)


def weight_scales(n):
    """The four initializations compared, as standard deviations for n inputs per unit."""
    return {
        "std=1": 1.0,
        "std=0.01": 0.01,
        "Xavier 1/sqrt(n)": np.sqrt(1.0 / n),
        "He sqrt(2/n)": np.sqrt(2.0 / n),
    }


def forward(x, scale, layers, activation):
    """The activations of each layer for inputs x, weights drawn with std ``scale``."""
    outputs = []
    for _ in range(layers):
        W = np.random.randn(x.shape[1], x.shape[1]) * scale
        x = activation(x @ W)
        outputs.append(x)
    return outputs


def histogram_shares(z, activation):
    """What one panel draws, for the outputs ``z`` of one layer.

    Returns (values, weights, zeros, outside): the values drawn as bars, each
    weighted 100 / z.size so that a bar's height is the percentage of ALL of z in
    its bin; the percentage of exact zeros left out (ReLU only, else 0); and the
    percentage outside the drawn range.  Bars + zeros + outside = 100.
    """
    z = np.ravel(z)
    low, high = RANGES[activation]
    # ReLU's exact zeros would make one bar of ~50% and flatten the rest: counted apart
    values = z[z != 0] if activation == "relu" else z
    zeros = 100.0 * (z.size - values.size) / z.size
    outside = 100.0 * np.count_nonzero((values < low) | (values > high)) / z.size
    return values, np.full(values.shape, 100.0 / z.size), zeros, outside


def draw_histogram(ax, z, activation):
    """One panel: the histogram of one layer's outputs as percentages of all of them,
    with the shares not drawn (ReLU's zeros, values beyond the range) written in it.
    Returns the highest bar and the number of notes written."""
    values, weights, zeros, outside = histogram_shares(z, activation)
    heights, _, _ = ax.hist(
        values, bins=BINS, range=RANGES[activation], weights=weights, color="tab:blue"
    )
    notes = []
    if activation == "relu":
        notes.append((f"zeros: {zeros:.0f}%", "0.25"))
    if outside >= 0.5:  # ReLU with std=1: the activations explode out of the picture
        notes.append((f"{outside:.0f}% beyond {RANGES[activation][1]}", "tab:red"))
    for k, (text, color) in enumerate(notes):
        ax.text(0.96, 0.94 - 0.14 * k, text, transform=ax.transAxes, color=color, **NOTE)
    return heights.max(initial=0.0), len(notes)


def histogram_grid(rows, title):
    """A figure of histograms: ``rows`` is a list of (label, activation name, outputs),
    outputs a list with one array per layer.  The panels of a row share their y axis."""
    layers = max(len(outputs) for _, _, outputs in rows)
    fig, axes = plt.subplots(
        len(rows),
        layers,
        figsize=(2.6 * layers, 2.3 * len(rows)),
        sharey="row",
        squeeze=False,
        layout="constrained",
    )
    for row, (label, activation, outputs) in zip(axes, rows):
        highest, notes = 0.0, 0
        for i, (ax, z) in enumerate(zip(row, outputs), start=1):
            height, count = draw_histogram(ax, z, activation)
            highest, notes = max(highest, height), max(notes, count)
            ax.set_title(f"{label}: layer {i}", fontsize=10)
        for ax in row[len(outputs) :]:
            ax.set_visible(False)
        # room above the row's highest bar for the notes, so that they never cover a bar
        row[0].set_ylim(0, (1.1 + 0.17 * notes) * highest if highest > 0 else 1)
        row[0].set_ylabel("% of outputs")
    for ax in axes[-1]:
        ax.set_xlabel("activation value")
    relu_note = "; ReLU's exact zeros not drawn" if any(a == "relu" for _, a, _ in rows) else ""
    fig.suptitle(
        f"{title}\n(bar height: % of all the layer's outputs in the bin, "
        f"the same y axis along a row{relu_note})"
    )
    return fig


def main(argv=None):
    parser = script_parser(__doc__, figures=True)
    parser.add_argument(
        "--activation",
        choices=list(ACTIVATIONS),
        default="sigmoid",
        help="the hidden layers' activation function",
    )
    parser.add_argument("--layers", type=int_range(1, 50), default=5, help="number of layers")
    parser.add_argument(
        "--nodes", type=layer_width, default=100, help="units per layer (and input features)"
    )
    parser.add_argument(
        "--samples", type=int_range(1, 100_000), default=1000, help="number of random inputs"
    )
    parser.add_argument(
        "--seed", type=random_seed, default=0, help="seed for NumPy's random generator"
    )
    args = parser.parse_args(argv)
    setup(args)

    activation = ACTIVATIONS[args.activation]
    x = np.random.randn(args.samples, args.nodes)  # the same inputs for every initialization
    rows = []
    for name, scale in weight_scales(args.nodes).items():
        outputs = forward(x, scale, args.layers, activation)
        print(f"--- {name} (std {scale:.4g}), {args.activation} ---")
        for i, z in enumerate(outputs, start=1):
            print(
                f"layer {i}: mean {z.mean():.4f}  std {z.std():.4f}  "
                f"slope ~0: {100 * flat_fraction(z, args.activation):.1f}%"
            )
        rows.append((name, args.activation, outputs))
    title = (
        f"Activations of {args.layers} {args.activation} layers of {args.nodes} units, "
        "by weight initialization"
    )
    show_or_save(
        {f"weight_init_activation_{args.activation}": histogram_grid(rows, title)}, args.save
    )


if __name__ == "__main__":
    run(main)
