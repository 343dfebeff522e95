"""Classify the MNIST test images with a trained three-layer network (chapter 3.6.2).

The network has 784 inputs (one per pixel), two hidden layers of 50 and 100
sigmoid neurons, and 10 outputs (one per digit) turned into probabilities by
softmax:

    a1 = x  W1 + b1,   z1 = sigmoid(a1)
    a2 = z1 W2 + b2,   z2 = sigmoid(a2)
    a3 = z2 W3 + b3,   y  = softmax(a3)

Its weights are already trained (how, is chapter 4's subject).  They are read
from sample_weight.npz next to this file, which train_sample_weight.py made.
The predicted digit is the index of the largest output, and the accuracy is the
fraction of the 10 000 test images predicted right.  Images go through the
network one at a time, as in the book; neuralnet_mnist_batch.py sends them in
batches.

The accuracy differs from the book's: with this course's weights the script
prints Accuracy:0.9700, where the book prints Accuracy:0.9352.  Same network,
same test images, other weights: the book ships its own, trained by its authors,
as sample_weight.pkl; this course trained its own with train_sample_weight.py
(with Adam, for 5 epochs), which get 3.5 percentage points more of the images right.

The book's weights come as a pickle.  This course does not load pickles: loading
one can run any code hidden in the file, whereas an .npz file read with
np.load(..., allow_pickle=False) can only hold arrays.  --weights refuses a
pickle and says how to turn one you trust into an .npz.
"""

import sys
import zipfile
from pathlib import Path

from common.cli import run, script_parser, setup
from common.functions import sigmoid, softmax
from dataset.mnist import MnistUnavailableError, load_mnist

import numpy as np

#: Next to this file (not in the current folder), so the script runs from anywhere.
SAMPLE_WEIGHT = Path(__file__).with_name("sample_weight.npz")
WEIGHT_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
#: What the book's chapter 3 prints with its own weights (sample_weight.pkl).
BOOK_ACCURACY = 0.9352


def convert_command(pickle_path):
    """A command that turns a pickle of weights (a dict of arrays, like the book's
    sample_weight.pkl) into sample_weight_book.npz.  It unpickles: for trusted files only."""
    source = repr(str(pickle_path))
    return (
        'python -c "import pickle, numpy as np; '
        f"np.savez('sample_weight_book.npz', **pickle.load(open({source}, 'rb')))\""
    )


class WeightsError(ValueError):
    """A weights file that is missing, not an .npz, or not a 784-?-?-10 network of numbers."""


def get_data():
    """The test images (float32 in [0, 1], flattened to 784 values) and their labels."""
    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=True, flatten=True, one_hot_label=False
    )
    return x_test, t_test


def _check_shapes(path, network):
    """W1 (784, n1), b1 (n1,), W2 (n1, n2), b2 (n2,), W3 (n2, 10), b3 (10,), finite floats."""
    for key in WEIGHT_KEYS:
        value = network[key]
        if not np.issubdtype(value.dtype, np.floating):
            raise WeightsError(f"{path}: {key} holds {value.dtype} values, expected floats")
        if not np.all(np.isfinite(value)):  # NaN weights would classify every image alike
            raise WeightsError(f"{path}: {key} holds NaN or infinite values")
    width = 784
    for layer, out in ((1, None), (2, None), (3, 10)):
        W, b = network[f"W{layer}"], network[f"b{layer}"]
        out = W.shape[1] if out is None and W.ndim == 2 else out
        if W.shape != (width, out) or b.shape != (out,):
            raise WeightsError(
                f"{path}: W{layer} is {W.shape} and b{layer} is {b.shape}, expected "
                f"({width}, {out or 'n'}) and ({out or 'n'},) for a network of 784 inputs "
                "and 10 outputs"
            )
        width = out


def init_network(path=None):
    """The trained weights as a dict W1, b1, W2, b2, W3, b3, checked; `path` defaults
    to the shipped sample_weight.npz.  Raises WeightsError (a ValueError) naming the
    file and the problem: missing, a pickle, not an .npz, arrays missing or wrong."""
    path = Path(SAMPLE_WEIGHT if path is None else path)
    if path.is_dir():
        raise WeightsError(f"--weights {path} is a folder, expected an .npz file")
    if not path.is_file():
        how = "" if path == SAMPLE_WEIGHT else f" --output {path}"
        raise WeightsError(
            f"no trained weights at {path}; make them (about a minute) with: "
            f"python ch03/train_sample_weight.py{how}"
        )
    with open(path, "rb") as f:
        start = f.read(4)
    if path.suffix == ".pkl" or start[:1] == b"\x80":  # protocol 2+ pickles begin with 0x80
        raise WeightsError(
            f"{path} is a pickle: pickled weights are refused, since loading a pickle can run "
            "any code hidden in it. Make an .npz with python ch03/train_sample_weight.py, or "
            f"convert a pickle you trust (the book's own) once: {convert_command(path)}"
        )
    if start != b"PK\x03\x04":  # an .npz is a zip archive
        raise WeightsError(f"{path} is not an .npz file (a zip of arrays, as np.savez writes)")
    try:
        # allow_pickle=False: an .npz may also hold pickled objects, which we refuse to load
        with np.load(path, allow_pickle=False) as data:
            missing = [key for key in WEIGHT_KEYS if key not in data.files]
            if missing:
                raise WeightsError(f"{path} lacks the arrays {', '.join(missing)}")
            network = {key: data[key] for key in WEIGHT_KEYS}
    except WeightsError:
        raise
    except ValueError as exc:  # an array of Python objects: a pickle inside the zip
        if "pickle" not in str(exc):
            raise WeightsError(f"{path}: {exc}") from None
        raise WeightsError(
            f"{path} holds pickled objects, which are refused (loading them can run any code); "
            "an .npz of weights holds plain float arrays, as python ch03/train_sample_weight.py "
            "writes"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise WeightsError(f"{path} cannot be read as an .npz file ({exc})") from None
    _check_shapes(path, network)
    return network


def predict(network, x):
    """Class probabilities for one image (784,) or a batch of images (N, 784)."""
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    a1 = np.dot(x, W1) + b1
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2
    z2 = sigmoid(a2)
    a3 = np.dot(z2, W3) + b3
    y = softmax(a3)
    return y


def count_correct(network, x, t):
    """How many images are classified right, feeding them through one at a time."""
    accuracy_cnt = 0
    for i in range(len(x)):
        y = predict(network, x[i])
        p = np.argmax(y)  # the index of the most probable digit
        if p == t[i]:
            accuracy_cnt += 1
    return accuracy_cnt


def add_weights_argument(parser):
    parser.add_argument(
        "--weights",
        type=Path,
        default=SAMPLE_WEIGHT,
        help="the .npz file of trained weights (made by train_sample_weight.py)",
    )


def load_or_exit(weights):
    """The network and the test data, or exit with one line saying what is wrong."""
    try:
        network = init_network(weights)  # first: a bad file is reported without loading MNIST
        x, t = get_data()
    except (WeightsError, MnistUnavailableError) as exc:
        sys.exit(f"error: {exc}")
    return network, x, t


def is_shipped(path):
    """Whether `path` is this course's sample_weight.npz (the weights the README's figures use)."""
    try:
        return Path(path).resolve() == SAMPLE_WEIGHT.resolve()
    except OSError:
        return False


def book_note(weights):
    """One line on why the accuracy is not the book's, for the shipped weights."""
    if not is_shipped(weights):
        return f"(weights from {weights})"
    return (
        f"(the book prints Accuracy:{BOOK_ACCURACY}: it ships its own pickled weights, "
        "sample_weight.pkl; these are this course's, trained by ch03/train_sample_weight.py)"
    )


def main(argv=None):
    parser = script_parser(__doc__)
    add_weights_argument(parser)
    args = parser.parse_args(argv)
    setup(args)

    network, x, t = load_or_exit(args.weights)
    accuracy_cnt = count_correct(network, x, t)
    print(f"Accuracy:{accuracy_cnt / len(x):.4f}")
    print(book_note(args.weights))


if __name__ == "__main__":
    run(main)
