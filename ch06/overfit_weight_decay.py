"""Overfitting, and weight decay against it (section 6.4.1-6.4.2).

A big network (784-[100]*6-10, ReLU) trained on only 300 MNIST examples learns
them by heart: training accuracy reaches ~100% while test accuracy stays far
below.  Weight decay adds half the squared size of every weight to the loss,

    L = cross-entropy + lambda/2 * sum(W^2),   so   dL/dW = backprop + lambda * W,

which pulls every weight towards 0 and keeps the network from fitting the noise
of the few examples: the gap between training and test accuracy narrows.

Run with ``--weight-decay 0`` to see plain overfitting, and with the default
(lambda = 0.1, the book's) to see the effect of weight decay.  Training and test
accuracy are printed after every epoch and plotted.
"""
import numpy as np

import common.plotting  # noqa: F401  (the course's figure style; before pyplot)
import matplotlib.pyplot as plt
from common.backend import get_device, to_device
from common.cli import script_parser, setup
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD
from common.plotting import show_or_save
from common.progress import Progress
from dataset.mnist import load_mnist


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--weight-decay", type=float, default=0.1,
                        help="weight decay lambda (0 switches it off)")
    parser.add_argument("--epochs", type=int, default=201, help="training epochs")
    parser.add_argument("--train-size", type=int, default=300,
                        help="training examples (from the start of MNIST)")
    parser.add_argument("--batch-size", type=int, default=100, help="examples per mini-batch")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    # Few training examples is what makes the network overfit.  All data go to
    # the device once, here.
    x_train, t_train = to_device(x_train[:args.train_size]), to_device(t_train[:args.train_size])
    x_test, t_test = to_device(x_test), to_device(t_test)

    network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=args.weight_decay)
    optimizer = SGD(lr=args.lr)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // args.batch_size, 1)

    print(f"device: {get_device()}, {train_size} training examples, "
          f"weight decay lambda {args.weight_decay}")
    train_acc_list, test_acc_list = [], []
    progress = Progress(args.epochs, "training")
    for epoch in range(1, args.epochs + 1):
        for _ in range(iter_per_epoch):
            # the indices go where the data are (to_device does nothing on the CPU)
            batch_index = to_device(np.random.choice(train_size, args.batch_size))
            grads = network.gradient(x_train[batch_index], t_train[batch_index])
            optimizer.update(network.params, grads)

        train_acc_list.append(network.accuracy(x_train, t_train))
        test_acc_list.append(network.accuracy(x_test, t_test))
        progress.clear()
        print(f"epoch:{epoch}, train acc:{train_acc_list[-1]:.4f}, test acc:{test_acc_list[-1]:.4f}")
        progress.update(epoch)
    progress.clear()
    print(f"final: train acc {train_acc_list[-1]:.4f}, test acc {test_acc_list[-1]:.4f}, "
          f"gap {train_acc_list[-1] - test_acc_list[-1]:.4f}")

    fig, ax = plt.subplots()
    epochs = np.arange(1, args.epochs + 1)
    ax.plot(epochs, train_acc_list, marker="o", markevery=10, markersize=4, label="train")
    ax.plot(epochs, test_acc_list, marker="s", markevery=10, markersize=4, label="test")
    decay = f"weight decay lambda = {args.weight_decay:g}" if args.weight_decay else "no weight decay"
    ax.set(title=f"{args.train_size} training examples, 784-[100]x6-10, {decay}",
           xlabel="epochs", ylabel="accuracy", ylim=(0, 1.0))
    ax.legend(loc="lower right")
    name = "overfit_weight_decay" if args.weight_decay else "overfit_no_weight_decay"
    show_or_save({name: fig}, args.save)


if __name__ == "__main__":
    main()
