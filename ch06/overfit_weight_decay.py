"""Overfitting, and weight decay against it (section 6.4.1-6.4.2).

A big network (784-[100]*6-10, ReLU) trained on only 300 MNIST examples learns
them by heart: training accuracy reaches ~100% while test accuracy stays far
below. Weight decay adds half the squared size of every weight to the loss,

    L = cross-entropy + lambda/2 * sum(W^2),   so   dL/dW = backprop + lambda * W,

which pulls every weight towards 0 and keeps the network from fitting the noise
of the few examples: the gap between training and test accuracy narrows.

Two networks start from the same weights and train on the same mini-batches,
one without weight decay and one with ``--weight-decay`` (the book's 0.1); each
epoch prints both networks' accuracies, and the figure shows all four curves.
"""

import copy

from ch06.experiments import overfitting_experiment
from common.cli import (
    batch_size,
    learning_rate,
    nonnegative_float,
    positive_int,
    run,
    script_parser,
    setup,
    train_size,
)
from common.multi_layer_net import MultiLayerNet
from common.plotting import show_or_save


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument(
        "--weight-decay",
        type=nonnegative_float,
        default=0.1,
        help="weight decay lambda of the regularized network",
    )
    parser.add_argument("--epochs", type=positive_int, default=201, help="training epochs")
    parser.add_argument(
        "--train-size",
        type=train_size,
        default=300,
        help="training examples (from the start of MNIST): few, so that it overfits",
    )
    parser.add_argument(
        "--batch-size", type=batch_size, default=100, help="examples per mini-batch"
    )
    parser.add_argument("--lr", type=learning_rate, default=0.01, help="SGD learning rate")
    args = parser.parse_args(argv)
    setup(args)

    plain = MultiLayerNet(784, [100] * 6, 10)
    regularized = copy.deepcopy(plain)  # the same initial weights...
    regularized.weight_decay_lambda = args.weight_decay  # ...and the penalty
    networks = {"no weight decay": plain, f"weight decay {args.weight_decay:g}": regularized}
    fig = overfitting_experiment(networks, args, "Weight decay against overfitting")
    show_or_save({"overfit_weight_decay": fig}, args.save)


if __name__ == "__main__":
    run(main)
