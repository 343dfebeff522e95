"""SGD, Momentum, AdaGrad, Adam and RMSprop train the same network on MNIST (section 6.1.8).

Each optimizer gets its own copy of one 5-layer network (784-100-100-100-100-10,
ReLU, He initialization) and all of them see the same mini-batches, so the loss
curves differ only by the update rule.  The book's finding: SGD learns slowest;
Momentum, AdaGrad and Adam are faster (AdaGrad often fastest on this task).

The losses are printed every 100 iterations, one line for all optimizers
(``iteration 100 | SGD 2.1234 | Momentum ...``), and the smoothed loss curves
are plotted.  The loss recorded at an iteration is that of its mini-batch,
computed during the forward pass of ``gradient`` (before the update): the book
runs a second forward pass after the update, which costs time and tells nothing new.
"""

import copy

from ch06.experiments import plot_smoothed_losses, print_final_losses, train_side_by_side
from common.backend import get_device
from common.cli import batch_size, nonnegative_int, positive_int, run, script_parser, setup
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD, AdaGrad, Adam, Momentum, RMSprop
from common.plotting import show_or_save
from common.progress import say
from dataset.mnist import load_mnist_or_exit

# The book's learning rates (RMSprop, commented out in the book, gets Adam's).
OPTIMIZERS = {
    "SGD": lambda: SGD(lr=0.01),
    "Momentum": lambda: Momentum(lr=0.01),
    "AdaGrad": lambda: AdaGrad(lr=0.01),
    "Adam": lambda: Adam(lr=0.001),
    "RMSprop": lambda: RMSprop(lr=0.001),
}
# Each optimizer keeps its marker and line style whichever of them are compared.
STYLES = {
    "SGD": ("o", "-"),
    "Momentum": ("x", "--"),
    "AdaGrad": ("s", "-."),
    "Adam": ("D", ":"),
    "RMSprop": ("^", "-"),
}


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument(
        "--iters", type=positive_int, default=2000, help="training iterations (mini-batches)"
    )
    parser.add_argument(
        "--batch-size", type=batch_size, default=128, help="examples per mini-batch"
    )
    parser.add_argument(
        "--optimizers",
        nargs="+",
        choices=list(OPTIMIZERS),
        default=list(OPTIMIZERS),
        metavar="NAME",
        help=f"which to compare, from: {', '.join(OPTIMIZERS)}",
    )
    parser.add_argument(
        "--print-every",
        type=nonnegative_int,
        default=100,
        help="print the losses every N iterations (0: never)",
    )
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True)

    # One set of initial weights, copied for every optimizer (deepcopy keeps each
    # Affine layer pointing at its own network's parameter arrays).
    template = MultiLayerNet(784, [100, 100, 100, 100], 10, activation="relu", weight_init_std="he")
    networks = {name: copy.deepcopy(template) for name in args.optimizers}
    optimizers = {name: OPTIMIZERS[name]() for name in args.optimizers}

    say(f"device: {get_device()}, {args.iters} iterations, batch size {args.batch_size}")
    losses = train_side_by_side(
        networks, optimizers, x_train, t_train, args.iters, args.batch_size, args.print_every
    )
    print_final_losses(losses)

    # A log scale, and a wider average than the book's 11 points: AdaGrad, Adam and RMSprop
    # all end near 0.05, and their batch-to-batch noise would hide which is lower.
    fig = plot_smoothed_losses(
        losses, "Optimizers on MNIST (784-100x4-10)", log=True, styles=STYLES, window=101
    )
    show_or_save({"optimizer_compare_mnist": fig}, args.save)


if __name__ == "__main__":
    run(main)
