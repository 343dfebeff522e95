"""Batch normalization makes training fast and robust to the weight scale (section 6.3).

A batch-norm layer normalizes each unit over the mini-batch, then scales and shifts:

    xn = (x - mean) / sqrt(var + eps),   y = gamma * xn + beta

so every hidden layer sees inputs of a sensible size, whatever the weights' scale.
For each initial weight scale (standard deviations from 1 down to 1e-4, log-spaced),
two 784-[100]*5-10 ReLU networks start from weights of that scale, one with batch
norm after every Affine layer and one without, and train with SGD (lr 0.01) on the
same mini-batches of a small training set (1000 examples) for 20 epochs.

What to expect (the book's configuration, seed 0): without batch norm the network
learns only near a good scale, about He's sqrt(2/n) = 0.14 for the n = 100 inputs of
the hidden layers (0.98 at 0.29, 0.83 at 0.16, near chance 0.10-0.12 elsewhere);
with batch norm it learns at 14 of the 16 scales, reaching 0.99-1.00 between 0.025
and 0.004. At 0.29 and 0.16 the plain network wins: its signals already have a good
size there, and with this small learning rate the normalized network moves more
slowly. At the extremes (1 and 1e-4) batch norm still learns, but only to about 0.5.
The book's own code, run on the same data, gives these numbers too (batch norm ahead
at 14 of 16 scales, behind at 0.29 and 0.16): given the same initial weights and
mini-batches, the two implementations agree at every epoch of every scale (in
float64; the course trains in float32, which moves single epochs by rounding noise).

Printed per scale, as its pair of networks trains: one line per epoch,
"epoch   N | without BN: train acc 0.1230 | with BN: train acc 0.4560". Both networks
are trained by ``common.trainer.Trainer``s stepped together on the same mini-batches;
as in the book, the accuracy is measured at the start of every epoch, the first time
after one step (epoch 1: close to the untrained network).
"""

import math

from ch06.experiments import axes_grid, load_first_examples, train_epochs_side_by_side
from common.backend import get_device, to_device
from common.cli import (
    batch_size,
    int_range,
    learning_rate,
    positive_int,
    run,
    script_parser,
    setup,
    train_size,
)
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.plotting import show_or_save
from common.progress import say
from common.trainer import Trainer

import numpy as np


def train_with_and_without(scale, x_train, t_train, epochs, batch_size, lr, verbose=True):
    """Train a network without and one with batch norm from weights of std ``scale``.

    Both see the same mini-batches. Returns their training accuracies, one per
    epoch, measured at its start: (without, with), two lists of ``epochs`` values.
    ``verbose=False``: no line per epoch, no progress bar.
    """
    trainers = {
        name: Trainer(
            MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=scale, use_batchnorm=use_bn),
            x_train,
            t_train,
            None,
            None,
            epochs=epochs,
            mini_batch_size=batch_size,
            optimizer="SGD",
            optimizer_param={"lr": lr},
            verbose=False,
            stop_on_divergence=False,
        )  # at large scales, diverging is a result
        for name, use_bn in (("without BN", False), ("with BN", True))
    }
    train_epochs_side_by_side(trainers, test=False, verbose=verbose)
    return tuple(trainer.train_acc_list for trainer in trainers.values())


def plot_results(scales, results, train_size):
    cols = math.ceil(math.sqrt(len(scales)))
    fig, axes = axes_grid(
        len(scales),
        cols,
        cell_size=(3.2, 2.6),
        xlabel="epochs",
        ylabel="train accuracy",
        ylim=(0, 1),
    )
    for ax, scale, (plain, with_bn) in zip(axes, scales, results):
        epochs = range(1, len(with_bn) + 1)  # numbered as printed: epoch 1 is after one step
        ax.plot(epochs, with_bn, label="Batch Normalization")
        ax.plot(epochs, plain, "--", label="Normal (without BatchNorm)")
        ax.set_title(f"W std: {scale:.4g}", fontsize=10)
    # One legend for the grid, below it, where it covers no curve.
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
    fig.suptitle(f"Batch normalization vs weight init scale ({train_size} training examples)")
    return fig


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument(
        "--epochs", type=positive_int, default=20, help="training epochs per network"
    )
    parser.add_argument(
        "--scales",
        type=int_range(1, 64),  # one panel each: 64 is an 8 x 8 grid, more would not be legible
        default=16,
        help="number of weight scales, log-spaced from 1 to 1e-4",
    )
    parser.add_argument(
        "--train-size",
        type=train_size,
        default=1000,
        help="training examples (from the start of MNIST)",
    )
    parser.add_argument(
        "--batch-size", type=batch_size, default=100, help="examples per mini-batch"
    )
    parser.add_argument("--lr", type=learning_rate, default=0.01, help="SGD learning rate")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_first_examples(args.train_size)
    x_train, t_train = to_device(x_train), to_device(t_train)  # once, not per network

    scales = np.logspace(0, -4, num=args.scales)
    results = []
    say(f"device: {get_device()}; training accuracy without and with batch norm")
    # Without batch norm, large scales make the scores (and the loss's gradient) huge;
    # the weights may overflow to inf and nan.  That failure is the point of the
    # experiment, so NumPy's warnings about it are silenced here.
    with np.errstate(over="ignore", invalid="ignore"):
        for i, scale in enumerate(scales):
            say(f"scale {i + 1}/{len(scales)} | weight init std {scale:.4g}")
            results.append(
                train_with_and_without(
                    scale, x_train, t_train, args.epochs, args.batch_size, args.lr
                )
            )

    show_or_save({"batch_norm_test": plot_results(scales, results, args.train_size)}, args.save)


if __name__ == "__main__":
    run(main)
