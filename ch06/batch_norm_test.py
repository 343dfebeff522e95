"""Batch normalization makes training fast and robust to the weight scale (section 6.3).

A batch-norm layer normalizes each unit over the mini-batch, then scales and shifts:

    xn = (x - mean) / sqrt(var + eps),   y = gamma * xn + beta

so every hidden layer sees inputs of a sensible size, whatever the weights' scale.
For each initial weight scale (standard deviations from 1 down to 1e-4, log-spaced),
two 784-[100]*5-10 ReLU networks start from weights of that scale, one with batch
norm after every Affine layer and one without, and train with SGD on the same
mini-batches of a small training set (1000 examples).  Their training accuracy
is measured before training and after every epoch; the book's finding is that
with batch norm the network learns fast at almost every scale, without it only
near a good scale (about He's sqrt(2/n) ~ 0.05 for n = 784 inputs, 0.14 for 100).

Printed per scale, after its pair of networks is trained: one line per epoch,
"epoch   N | without BN 0.123 | with BN 0.456".  Each network is trained by
``common.trainer.Trainer``; the accuracy before training (epoch 0) is measured here.
"""
import math

import numpy as np

from ch06.compare import axes_grid, load_first_examples
from common.backend import get_device, to_device
from common.cli import script_parser, setup
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.plotting import show_or_save
from common.progress import Progress
from common.trainer import Trainer


def train_with_and_without(scale, x_train, t_train, epochs, batch_size, lr):
    """Train a network without and one with batch norm from weights of std ``scale``.

    Both see the same mini-batches.  Returns their training accuracies, before
    training and after every epoch: (without, with), two lists of epochs + 1 values.
    """
    networks = [MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=scale, use_batchnorm=use_bn)
                for use_bn in (False, True)]
    accuracies = []
    # The Trainer draws its mini-batches from NumPy's global generator: started from
    # the same state, the second network gets the first one's batches.
    batches = np.random.get_state()
    for network in networks:
        np.random.set_state(batches)
        # Only the training accuracy is asked for: no test set.
        trainer = Trainer(network, x_train, t_train, None, None, epochs=epochs,
                          mini_batch_size=batch_size, optimizer="SGD", optimizer_param={"lr": lr},
                          verbose=False)
        before = network.accuracy(x_train, t_train)  # epoch 0: the Trainer's lists start at epoch 1
        trainer.train()
        accuracies.append([before] + trainer.train_acc_list)
    return tuple(accuracies)


def plot_results(scales, results, train_size):
    cols = math.ceil(math.sqrt(len(scales)))
    fig, axes = axes_grid(len(scales), cols, cell_size=(3.2, 2.6), xlabel="epochs", ylabel="train accuracy",
                          ylim=(0, 1))
    for ax, scale, (plain, with_bn) in zip(axes, scales, results):
        ax.plot(with_bn, label="Batch Normalization")  # x: the epoch, from 0 (before training)
        ax.plot(plain, "--", label="Normal (without BatchNorm)")
        ax.set_title(f"W std: {scale:.4g}", fontsize=10)
    axes[0].legend(loc="lower right", fontsize=7)
    fig.suptitle(f"Batch normalization vs weight init scale ({train_size} training examples)")
    return fig


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--epochs", type=int, default=20, help="training epochs per network")
    parser.add_argument("--scales", type=int, default=16,
                        help="number of weight scales, log-spaced from 1 to 1e-4")
    parser.add_argument("--train-size", type=int, default=1000,
                        help="training examples (from the start of MNIST)")
    parser.add_argument("--batch-size", type=int, default=100, help="examples per mini-batch")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_first_examples(args.train_size)
    x_train, t_train = to_device(x_train), to_device(t_train)  # once, not per network

    scales = np.logspace(0, -4, num=args.scales)
    progress = Progress(len(scales), "weight scales")
    results = []
    print(f"device: {get_device()}; training accuracy without and with batch norm")
    # Without batch norm, large scales make the scores (and the loss's gradient) huge;
    # the weights may overflow to inf and nan.  That failure is the point of the
    # experiment, so NumPy's warnings about it are silenced here.
    with np.errstate(over="ignore", invalid="ignore"):
        for i, scale in enumerate(scales):
            plain, with_bn = train_with_and_without(scale, x_train, t_train, args.epochs, args.batch_size,
                                                    args.lr)
            results.append((plain, with_bn))
            progress.clear()
            print(f"scale {i + 1}/{len(scales)} | weight init std {scale:.4g}")
            for epoch in range(1, args.epochs + 1):
                print(f"epoch {epoch:3d} | without BN {plain[epoch]:.3f} | with BN {with_bn[epoch]:.3f}")
            progress.update(i + 1)
    progress.clear()

    show_or_save({"batch_norm_test": plot_results(scales, results, args.train_size)}, args.save)


if __name__ == "__main__":
    main()
