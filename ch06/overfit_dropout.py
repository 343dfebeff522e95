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
from ch06.compare import add_overfit_arguments, plot_accuracies, train_and_report
from common.cli import script_parser, setup
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.plotting import show_or_save


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--dropout-ratio", type=float, default=0.2,
                        help="share of units dropped while training (0 switches dropout off)")
    add_overfit_arguments(parser, epochs=301)
    args = parser.parse_args(argv)
    setup(args)

    use_dropout = args.dropout_ratio > 0
    network = MultiLayerNetExtend(784, [100] * 6, 10, use_dropout=use_dropout,
                                  dropout_ratio=args.dropout_ratio)
    setting = f"dropout ratio {args.dropout_ratio:g}" if use_dropout else "no dropout"
    train_acc, test_acc = train_and_report(network, args, setting)

    title = f"{args.train_size} training examples, 784-[100]x6-10, {setting}"
    fig = plot_accuracies(train_acc, test_acc, title)
    show_or_save({"overfit_dropout" if use_dropout else "overfit_no_dropout": fig}, args.save)


if __name__ == "__main__":
    main()
