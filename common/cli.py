"""Command-line conventions shared by every chapter script.

    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--iters", type=int, default=10000, help="...")
    args = parser.parse_args()
    setup(args)          # seeds the generators and selects the device

``--help`` prints the script's docstring and every option with its default.
"""
import argparse
import sys

from common import backend


def script_parser(description, training=False, figures=False, seed=0):
    """An ArgumentParser with the options every script of that kind shares.

    training: ``--seed`` and ``--device {cpu,gpu}``;  figures: ``--save DIR``.
    """
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=_HelpFormatter)
    if training:
        parser.add_argument("--seed", type=int, default=seed,
                            help="seed for NumPy's (and CuPy's) random generator")
        backend.add_device_argument(parser)
    if figures:
        parser.add_argument("--save", metavar="DIR", default=None,
                            help="write figures as PNG files into DIR instead of opening a window "
                                 "(without a display they go to ./figures)")
    return parser


def setup(args):
    """Select the device (exit with one line if it is unusable), then seed."""
    if hasattr(args, "device"):
        backend.device_from_args(args)
    if hasattr(args, "seed"):
        backend.seed(args.seed)


def load_mnist_or_exit(**kwargs):
    """``dataset.mnist.load_mnist(**kwargs)``; without data, one line on stderr and exit 1.

    Scripts use this so that a missing MNIST gives the loader's message (set
    MNIST_DIR or allow the download) instead of a traceback.
    """
    from dataset.mnist import MnistUnavailableError, load_mnist
    try:
        return load_mnist(**kwargs)
    except MnistUnavailableError as exc:
        sys.exit(f"error: {exc}")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show defaults, and keep the docstring's line breaks."""
