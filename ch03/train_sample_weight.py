"""Train weights for neuralnet_mnist.py, and save them as an .npz file.

Chapter 3 runs a ready-trained 784-50-100-10 network (sigmoid hidden layers,
softmax output) on MNIST before the book explains training.  The book ships
those weights as sample_weight.pkl; this course made its own with this script,
using the training machinery of chapters 5 and 6 (backpropagation through
common's layers, the Adam optimizer), and ships them as ch03/sample_weight.npz.
With the defaults (5 epochs, seed 0) it takes 10 to 40 seconds on a laptop CPU
and reaches about 97% test accuracy (the book's weights give 93.5%).

Where the weights go: by default out/sample_weight.npz under the current
folder (out/ is ignored by git), never the shipped file; then

    python ch03/neuralnet_mnist.py --weights out/sample_weight.npz

uses them.  --output names another file; the shipped ch03/sample_weight.npz is
replaced only when --output names it, and only by weights at least as accurate
as the shipped ones (--force overrides that).  The output is checked before
training starts (its folder must be writable), so a typo costs no training time.

Nothing bad is saved: weights with NaN or infinite values are never written,
and weights whose test accuracy is below --min-accuracy (0.9 by default: an
untrained network scores about 0.1) only with --force.  Each refusal is one
line saying why, and the exit status is 1.

The weights are saved as an .npz file (arrays W1, b1, W2, b2, W3, b3, float32),
not as a pickle: loading a pickle can run arbitrary code hidden in the file,
while an .npz file read with np.load(..., allow_pickle=False) holds plain
numbers and nothing else.  The file is written to a temporary name and then
renamed, so an interrupted run never leaves a half-written file behind.

The same seed on the same machine gives the same weights every time.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ch03.neuralnet_mnist import SAMPLE_WEIGHT, WeightsError, init_network, is_shipped, predict
from common import cli
from common.backend import to_cpu
from common.multi_layer_net import MultiLayerNet
from common.trainer import Trainer
from dataset import mnist

import numpy as np

#: Under the current folder: a training run never replaces the shipped weights unasked.
#: A string, so that argparse checks it with npz_output like a given --output.
DEFAULT_OUTPUT = os.path.join("out", "sample_weight.npz")
#: An untrained network scores about 0.10; one epoch of Adam already gives over 0.9.
MIN_ACCURACY = 0.9


def npz_output(text):
    """An option type for the output: a writable place (cli.output_file) for an .npz file."""
    text = cli.output_file(text)
    if Path(text).suffix != ".npz":
        raise argparse.ArgumentTypeError(f"expected a file name ending in .npz, got {text!r}")
    return Path(text)


def probe_writable(path):
    """The reason a file cannot be created next to `path` (None if one can): an actual
    try, since permission bits do not tell everything (root, read-only mounts, /proc)."""
    folder = path.parent
    while not folder.exists():  # save_weights creates the missing folders
        folder = folder.parent
    try:
        fd, probe = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        return f"cannot write into {folder} ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(probe)
    return None


def save_weights(params, path):
    """Save W1, b1, ..., b3 as float32 in ``path`` (.npz), whole or not at all
    (cli.atomic_path: a temporary file of its own, renamed over ``path`` once complete;
    removed if anything, Ctrl-C or SIGTERM included, stops the write)."""
    path = Path(path)
    arrays = {key: to_cpu(value).astype(np.float32) for key, value in params.items()}
    with cli.atomic_path(path) as temp, open(temp, "wb") as out:
        # np.savez on an open file object: given a name it would append ".npz" to it
        np.savez(out, **arrays)
        out.flush()
        os.fsync(out.fileno())  # the data on disk before the rename makes it the file


def weights_accuracy(params, x, t, batch_size=1000):
    """Test accuracy of the chapter-3 network with these weights (NumPy arrays)."""
    correct = 0
    for i in range(0, len(x), batch_size):
        y = predict(params, x[i : i + batch_size])
        correct += int(np.sum(np.argmax(y, axis=1) == t[i : i + batch_size]))
    return correct / len(x)


def refusal(params, accuracy, args, x_test, t_test):
    """Why these weights must not be saved to args.output (None: they may be)."""
    bad = [key for key, value in params.items() if not np.all(np.isfinite(value))]
    if bad:  # never saved, --force or not: such weights classify every image alike
        return (
            f"not saved: {', '.join(bad)} hold NaN or infinite values (training diverged; "
            "try a smaller --lr)"
        )
    if args.force:
        return None
    if accuracy < args.min_accuracy:
        return (
            f"not saved: test accuracy {accuracy:.4f} is below --min-accuracy "
            f"{args.min_accuracy:g} (train longer, e.g. --epochs 5; or pass --force to save anyway)"
        )
    if is_shipped(args.output) and args.output.exists():
        try:
            shipped = weights_accuracy(init_network(args.output), x_test, t_test)
        except WeightsError:
            return None  # the shipped file is broken: anything good replaces it
        if accuracy < shipped:
            return (
                f"not saved: test accuracy {accuracy:.4f} is below the {shipped:.4f} of the "
                f"shipped {args.output}; pass --force to replace it anyway, or choose "
                "another --output"
            )
    return None


def main(argv=None):
    parser = cli.script_parser(__doc__, training=True)
    parser.add_argument(
        "--epochs", type=cli.positive_int, default=5, help="passes over the 60000 training images"
    )
    parser.add_argument(
        "--batch-size", type=cli.batch_size, default=100, help="images per mini-batch"
    )
    parser.add_argument("--lr", type=cli.learning_rate, default=0.005, help="Adam's learning rate")
    parser.add_argument(
        "--output",
        type=npz_output,
        default=DEFAULT_OUTPUT,
        help=f"the .npz file to write (the shipped weights are {SAMPLE_WEIGHT})",
    )
    parser.add_argument(
        "--min-accuracy",
        type=cli.fraction,
        default=MIN_ACCURACY,
        help="save only weights with at least this test accuracy (0 saves any finite weights)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="save even below --min-accuracy, or less accurate than the shipped weights "
        "(never weights with NaN or infinite values)",
    )
    args = parser.parse_args(argv)
    problem = probe_writable(args.output)
    if problem:  # now, not after the training
        parser.error(f"argument --output: {problem}")
    cli.setup(args)

    (x_train, t_train), (x_test, t_test) = mnist.load_mnist_or_exit(normalize=True, flatten=True)

    # The architecture of the book's sample weights.  'sigmoid' scales the initial
    # weights by sqrt(1 / fan_in) (Xavier), which suits sigmoid layers.
    network = MultiLayerNet(784, [50, 100], 10, activation="sigmoid", weight_init_std="sigmoid")
    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=args.epochs,
        mini_batch_size=args.batch_size,
        optimizer="Adam",
        optimizer_param={"lr": args.lr},
    )
    start = time.perf_counter()
    trainer.train()
    elapsed = time.perf_counter() - start

    # The accuracy of the weights as they will be saved (float32, the chapter-3 forward pass).
    params = {key: to_cpu(value).astype(np.float32) for key, value in network.params.items()}
    accuracy = weights_accuracy(params, x_test, t_test)
    problem = refusal(params, accuracy, args, x_test, t_test)
    if problem:
        sys.exit(f"error: {problem}")

    try:
        save_weights(params, args.output)
    except OSError as exc:  # the output was fine when checked; keep the work all the same
        fallback = Path(tempfile.mkdtemp(prefix="sample_weight-")) / "sample_weight.npz"
        save_weights(params, fallback)
        sys.exit(
            f"error: could not write {args.output} ({exc.strerror or exc}); "
            f"the weights are saved in {fallback} instead"
        )
    size_kb = args.output.stat().st_size / 1024
    print(
        f"saved {args.output} ({size_kb:.0f} KB, test accuracy {accuracy:.4f}, "
        f"trained in {elapsed:.1f} s)"
    )
    if not is_shipped(args.output):
        print(f"use them with: python ch03/neuralnet_mnist.py --weights {args.output}")


if __name__ == "__main__":
    cli.run(main)
