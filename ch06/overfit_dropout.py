"""Dropout against overfitting (section 6.4.3).

The overfitting set-up of ``overfit_weight_decay.py`` (784-[100]*6-10, ReLU,
300 training examples), now with dropout after every hidden layer: during
training each unit is switched off at random (with probability ``--dropout-ratio``,
a new choice for every mini-batch), so the network cannot lean on any single
unit and in effect trains an ensemble of thinned networks.  At test time every
unit is on, its output scaled by (1 - ratio) to match the training average.

Training runs through ``common.trainer.Trainer`` (it prints training and test
accuracy after every epoch).  Training accuracy no longer reaches 100%, and the
gap to test accuracy is smaller than without dropout (``--dropout-ratio 0``).
"""
import numpy as np

import common.plotting  # noqa: F401  (the course's figure style; before pyplot)
import matplotlib.pyplot as plt
from common.backend import get_device
from common.cli import script_parser, setup
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.plotting import show_or_save
from common.trainer import Trainer
from dataset.mnist import load_mnist


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--dropout-ratio", type=float, default=0.2,
                        help="share of units dropped while training (0 switches dropout off)")
    parser.add_argument("--epochs", type=int, default=301, help="training epochs")
    parser.add_argument("--train-size", type=int, default=300,
                        help="training examples (from the start of MNIST)")
    parser.add_argument("--batch-size", type=int, default=100, help="examples per mini-batch")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    x_train, t_train = x_train[:args.train_size], t_train[:args.train_size]

    use_dropout = args.dropout_ratio > 0
    network = MultiLayerNetExtend(784, [100] * 6, 10, use_dropout=use_dropout,
                                  dropout_ratio=args.dropout_ratio)
    # The Trainer moves the data to the device once, and evaluates after every epoch.
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs,
                      mini_batch_size=args.batch_size, optimizer="SGD", optimizer_param={"lr": args.lr},
                      verbose=True)
    print(f"device: {get_device()}, {args.train_size} training examples, "
          + (f"dropout ratio {args.dropout_ratio}" if use_dropout else "no dropout"))
    trainer.train()

    train_acc, test_acc = trainer.train_acc_list, trainer.test_acc_list
    print(f"final: train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}, "
          f"gap {train_acc[-1] - test_acc[-1]:.4f}")

    fig, ax = plt.subplots()
    epochs = np.arange(1, len(train_acc) + 1)
    ax.plot(epochs, train_acc, marker="o", markevery=10, markersize=4, label="train")
    ax.plot(epochs, test_acc, marker="s", markevery=10, markersize=4, label="test")
    what = f"dropout ratio {args.dropout_ratio:g}" if use_dropout else "no dropout"
    ax.set(title=f"{args.train_size} training examples, 784-[100]x6-10, {what}",
           xlabel="epochs", ylabel="accuracy", ylim=(0, 1.0))
    ax.legend(loc="lower right")
    show_or_save({"overfit_dropout" if use_dropout else "overfit_no_dropout": fig}, args.save)


if __name__ == "__main__":
    main()
