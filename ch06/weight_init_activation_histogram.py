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
"""
import matplotlib.pyplot as plt
import numpy as np

from common.cli import int_range, layer_width, nonnegative_int, run, script_parser, setup
from common.functions import relu, sigmoid
from common.plotting import show_or_save  # importing it also applies the course's figure style

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "relu": relu}
# The histograms' range: where the activation's outputs live.  ReLU's are not
# bounded; the book cuts them at 1, which hides half of them with He's scale.
RANGES = {"sigmoid": (0, 1), "tanh": (-1, 1), "relu": (0, 4)}


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
    return {"std=1": 1.0, "std=0.01": 0.01,
            "Xavier 1/sqrt(n)": np.sqrt(1.0 / n), "He sqrt(2/n)": np.sqrt(2.0 / n)}


def forward(x, scale, layers, activation):
    """The activations of each layer for inputs x, weights drawn with std ``scale``."""
    outputs = []
    for _ in range(layers):
        W = np.random.randn(x.shape[1], x.shape[1]) * scale
        x = activation(x @ W)
        outputs.append(x)
    return outputs


def main(argv=None):
    parser = script_parser(__doc__, figures=True)
    parser.add_argument("--activation", choices=list(ACTIVATIONS), default="sigmoid",
                        help="the hidden layers' activation function")
    parser.add_argument("--layers", type=int_range(1, 50), default=5, help="number of layers")
    parser.add_argument("--nodes", type=layer_width, default=100, help="units per layer (and input features)")
    parser.add_argument("--samples", type=int_range(1, 100_000), default=1000, help="number of random inputs")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="seed for NumPy's random generator")
    args = parser.parse_args(argv)
    setup(args)

    activation = ACTIVATIONS[args.activation]
    x = np.random.randn(args.samples, args.nodes)  # the same inputs for every initialization
    scales = weight_scales(args.nodes)

    fig, axes = plt.subplots(len(scales), args.layers, figsize=(2.6 * args.layers, 2.3 * len(scales)),
                             sharex=True, squeeze=False, layout="constrained")
    for row, (name, scale) in zip(axes, scales.items()):
        outputs = forward(x, scale, args.layers, activation)
        print(f"--- {name} (std {scale:.4g}), {args.activation} ---")
        for i, (ax, z) in enumerate(zip(row, outputs), start=1):
            print(f"layer {i}: mean {z.mean():.4f}  std {z.std():.4f}  "
                  f"slope ~0: {100 * flat_fraction(z, args.activation):.1f}%")
            # ReLU's exact zeros (half of all outputs) would dwarf the rest: leave them out
            values = z[z > 0] if args.activation == "relu" else z.ravel()
            low, high = RANGES[args.activation]
            ax.hist(values, bins=30, range=(low, high), color="tab:blue")
            outside = np.mean((values < low) | (values > high))
            if outside > 0.05:  # ReLU with std=1: the activations explode out of the picture
                ax.text(0.95, 0.9, f"{100 * outside:.0f}% beyond {high}", transform=ax.transAxes,
                        ha="right", va="top", color="tab:red",
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
            ax.set_title(f"{name}: layer {i}", fontsize=10)
            ax.set_yticks([])
        row[0].set_ylabel("count")
    for ax in axes[-1]:
        ax.set_xlabel("activation")
    fig.suptitle(f"Activations of {args.layers} {args.activation} layers of {args.nodes} units, "
                 "by weight initialization" + (" (zeros not counted)" if args.activation == "relu" else ""))
    show_or_save({f"weight_init_activation_{args.activation}": fig}, args.save)


if __name__ == "__main__":
    run(main)
