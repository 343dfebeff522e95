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

Printed per scale, as in the book: "epoch:N | accuracy without - accuracy with BN".
"""
import math

import numpy as np

import common.plotting  # noqa: F401  (the course's figure style; before pyplot)
import matplotlib.pyplot as plt
from common.backend import get_device, to_device
from common.cli import script_parser, setup
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import SGD
from common.plotting import show_or_save
from common.progress import Progress
from dataset.mnist import load_mnist


def train_pair(scale, x_train, t_train, epochs, batch_size, lr, progress, done):
    """Train a network without and one with batch norm; their training accuracies per epoch."""
    networks = {bn: MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=scale, use_batchnorm=bn)
                for bn in (False, True)}
    optimizer = SGD(lr=lr)  # stateless, so one serves both networks
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // batch_size, 1)
    accuracies = {bn: [network.accuracy(x_train, t_train)] for bn, network in networks.items()}

    for epoch in range(1, epochs + 1):
        for _ in range(iter_per_epoch):
            # the indices go where the data are (to_device does nothing on the CPU)
            batch_index = to_device(np.random.choice(train_size, batch_size))
            x_batch, t_batch = x_train[batch_index], t_train[batch_index]
            for network in networks.values():
                grads = network.gradient(x_batch, t_batch)
                optimizer.update(network.params, grads)
        for bn, network in networks.items():
            accuracies[bn].append(network.accuracy(x_train, t_train))
        done += 1
        progress.clear()
        print(f"epoch:{epoch} | {accuracies[False][-1]:.3f} - {accuracies[True][-1]:.3f}")
        progress.update(done)
    return accuracies[False], accuracies[True]


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

    (x_train, t_train), _ = load_mnist(normalize=True)
    x_train = to_device(x_train[:args.train_size])  # once, not per batch
    t_train = to_device(t_train[:args.train_size])

    scales = np.logspace(0, -4, num=args.scales)
    progress = Progress(len(scales) * args.epochs, "training")
    results = []
    print(f"device: {get_device()}; training accuracy: without - with batch norm")
    # Without batch norm, large scales make the scores (and the loss's gradient) huge;
    # the weights may overflow to inf and nan.  That failure is the point of the
    # experiment, so NumPy's warnings about it are silenced here.
    with np.errstate(over="ignore", invalid="ignore"):
        for i, scale in enumerate(scales):
            print(f"============== {i + 1}/{len(scales)}: weight init std {scale:.4g} ==============")
            results.append(train_pair(scale, x_train, t_train, args.epochs, args.batch_size, args.lr,
                                      progress, done=i * args.epochs))
    progress.clear()

    cols = math.ceil(math.sqrt(len(scales)))
    rows = math.ceil(len(scales) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), sharex=True, sharey=True,
                             squeeze=False, layout="constrained")
    epochs = np.arange(args.epochs + 1)
    for ax, scale, (plain, with_bn) in zip(axes.flat, scales, results):
        ax.plot(epochs, with_bn, label="Batch Normalization")
        ax.plot(epochs, plain, "--", label="Normal (without BatchNorm)")
        ax.set_title(f"W std: {scale:.4g}", fontsize=10)
        ax.set_ylim(0, 1)
    for ax in axes.flat[len(scales):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("epochs")
    for ax in axes[:, 0]:
        ax.set_ylabel("train accuracy")
    axes.flat[0].legend(loc="lower right", fontsize=7)
    fig.suptitle(f"Batch normalization vs weight init scale ({args.train_size} training examples)")
    show_or_save({"batch_norm_test": fig}, args.save)


if __name__ == "__main__":
    main()
