"""Dropout against overfitting (section 6.4.3).

The overfitting set-up of ``overfit_weight_decay.py`` (784-[100]*6-10, ReLU, 300
training examples), now with dropout after every hidden layer: during training
each unit is switched off at random (with probability ``--dropout-ratio``, a new
choice for every mini-batch), so the network cannot lean on any single unit and in
effect trains an ensemble of thinned networks. At test time every unit is on, its
output scaled by (1 - ratio) to match the training average.

Two networks start from the same weights and train on the same mini-batches, one
without dropout and one with it; each epoch prints both networks' accuracies, and
the figure shows all four curves: with dropout, training accuracy stays below 100%
and the gap to the test accuracy narrows.
"""

from ch06.experiments import load_first_examples, plot_accuracies, train_epochs_side_by_side
from common.cli import (batch_size, fraction, learning_rate, positive_int, run, script_parser,
                        setup, train_size)
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.plotting import show_or_save
from common.trainer import Trainer


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--dropout-ratio", type=fraction, default=0.2,
                        help="share of units dropped while training, in [0, 1)")
    parser.add_argument("--epochs", type=positive_int, default=301, help="training epochs")
    parser.add_argument("--train-size", type=train_size, default=300,
                        help="training examples (from the start of MNIST): few, so that it overfits")
    parser.add_argument("--batch-size", type=batch_size, default=100, help="examples per mini-batch")
    parser.add_argument("--lr", type=learning_rate, default=0.01, help="SGD learning rate")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_first_examples(args.train_size)
    with_dropout = MultiLayerNetExtend(784, [100] * 6, 10, use_dropout=True,
                                       dropout_ratio=args.dropout_ratio)
    # The same initial weights without the Dropout layers.
    plain = MultiLayerNetExtend(784, [100] * 6, 10, use_dropout=False)
    for key, value in with_dropout.params.items():
        plain.params[key][...] = value
    networks = {"no dropout": plain, f"dropout {args.dropout_ratio:g}": with_dropout}
    trainers = {
        name: Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs,
                      mini_batch_size=args.batch_size, optimizer="SGD",
                      optimizer_param={"lr": args.lr}, verbose=False)
        for name, network in networks.items()
    }
    print(f"{args.train_size} training examples, 784-[100]x6-10, SGD lr {args.lr:g}")
    train_epochs_side_by_side(trainers)

    results = {name: (t.train_acc_list, t.test_acc_list) for name, t in trainers.items()}
    for name, (train_acc, test_acc) in results.items():
        print(f"{name}: final train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}, "
              f"gap {train_acc[-1] - test_acc[-1]:.4f}")
    fig = plot_accuracies(results, f"Dropout against overfitting ({args.train_size} examples)")
    show_or_save({"overfit_dropout": fig}, args.save)


if __name__ == "__main__":
    run(main)
