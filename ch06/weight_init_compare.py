"""Three weight initializations train the same ReLU network on MNIST (section 6.2.4).

A 5-layer network (784-100-100-100-100-10, ReLU) starts from weights drawn with

  std = 0.01        activations shrink layer by layer, the gradients with them:
                    the loss barely moves
  Xavier 1/sqrt(n)  learns, but ReLU halves the signal at every layer
  He sqrt(2/n)      keeps the signal's size through ReLU layers: learns fastest

(n = the number of inputs of a layer), and is trained by plain SGD (lr 0.01) on
the same mini-batches.  The losses are printed every 100 iterations, one line
for the three (``iteration 100 | std 0.01 2.3020 | Xavier ...``), and the
smoothed loss curves are plotted.
"""

from ch06.experiments import plot_smoothed_losses, print_final_losses, train_side_by_side
from common.backend import get_device
from common.cli import (
    batch_size,
    learning_rate,
    nonnegative_int,
    positive_int,
    run,
    script_parser,
    setup,
)
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD
from common.plotting import show_or_save
from common.progress import say
from dataset.mnist import load_mnist_or_exit

# The starting points compared, label -> what MultiLayerNet's weight_init_std takes:
# a fixed standard deviation, or the name of a rule that sets it from the number
# of inputs n of each layer ('xavier': 1/sqrt(n), 'he': sqrt(2/n)).
STARTING_SCALES = {"std 0.01": 0.01, "Xavier": "xavier", "He": "he"}


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument(
        "--iters", type=positive_int, default=2000, help="training iterations (mini-batches)"
    )
    parser.add_argument(
        "--batch-size", type=batch_size, default=128, help="examples per mini-batch"
    )
    parser.add_argument("--lr", type=learning_rate, default=0.01, help="SGD learning rate")
    parser.add_argument(
        "--print-every",
        type=nonnegative_int,
        default=100,
        help="print the losses every N iterations (0: never)",
    )
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True)

    networks = {
        label: MultiLayerNet(
            784, [100, 100, 100, 100], 10, activation="relu", weight_init_std=scale
        )
        for label, scale in STARTING_SCALES.items()
    }
    optimizers = {label: SGD(lr=args.lr) for label in networks}

    say(
        f"device: {get_device()}, {args.iters} iterations, batch size {args.batch_size}, "
        f"SGD lr {args.lr}"
    )
    losses = train_side_by_side(
        networks, optimizers, x_train, t_train, args.iters, args.batch_size, args.print_every
    )
    print_final_losses(losses)

    fig = plot_smoothed_losses(losses, "Weight initialization on MNIST (ReLU, SGD)", ylim=(0, 2.5))
    show_or_save({"weight_init_compare": fig}, args.save)


if __name__ == "__main__":
    run(main)
