"""Overfitting, and weight decay against it (section 6.4.1-6.4.2).

A big network (784-[100]*6-10, ReLU) trained on only 300 MNIST examples learns
them by heart: training accuracy reaches ~100% while test accuracy stays far
below.  Weight decay adds half the squared size of every weight to the loss,

    L = cross-entropy + lambda/2 * sum(W^2),   so   dL/dW = backprop + lambda * W,

which pulls every weight towards 0 and keeps the network from fitting the noise
of the few examples: the gap between training and test accuracy narrows.

Run with ``--weight-decay 0`` to see plain overfitting, and with the default
(lambda = 0.1, the book's) to see the effect of weight decay.  Training runs
through ``common.trainer.Trainer``, which prints training and test accuracy
after every epoch; both are plotted.  The set-up (data, options, report and
figure) is shared with ``overfit_dropout.py`` through ``ch06/compare.py``.
"""
from ch06.compare import add_overfit_arguments, plot_accuracies, train_and_report
from common.cli import script_parser, setup
from common.multi_layer_net import MultiLayerNet
from common.plotting import show_or_save


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--weight-decay", type=float, default=0.1,
                        help="weight decay lambda (0 switches it off)")
    add_overfit_arguments(parser, epochs=201)
    args = parser.parse_args(argv)
    setup(args)

    network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=args.weight_decay)
    setting = f"weight decay lambda {args.weight_decay:g}" if args.weight_decay else "no weight decay"
    train_acc, test_acc = train_and_report(network, args, setting)

    title = f"{args.train_size} training examples, 784-[100]x6-10, {setting}"
    fig = plot_accuracies(train_acc, test_acc, title)
    name = "overfit_weight_decay" if args.weight_decay else "overfit_no_weight_decay"
    show_or_save({name: fig}, args.save)


if __name__ == "__main__":
    main()
