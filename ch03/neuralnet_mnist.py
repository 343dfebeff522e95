"""Classify the MNIST test images with a trained three-layer network (chapter 3.6.2).

The network has 784 inputs (one per pixel), two hidden layers of 50 and 100
sigmoid neurons, and 10 outputs (one per digit) turned into probabilities by
softmax:

    a1 = x  W1 + b1,   z1 = sigmoid(a1)
    a2 = z1 W2 + b2,   z2 = sigmoid(a2)
    a3 = z2 W3 + b3,   y  = softmax(a3)

Its weights are already trained (how, is chapter 4's subject).  They are read
from sample_weight.npz next to this file, which train_sample_weight.py makes.
The predicted digit is the index of the largest output, and the accuracy is the
fraction of the 10 000 test images predicted right.  Images go through the
network one at a time, as in the book; neuralnet_mnist_batch.py sends them in
batches.

The book ships its weights as a pickle, sample_weight.pkl.  This course does
not: loading a pickle can run arbitrary code hidden in the file, whereas an
.npz file read with np.load(..., allow_pickle=False) can only hold arrays.
"""
import sys
from pathlib import Path

import numpy as np

from common.cli import script_parser, setup
from common.functions import sigmoid, softmax
from dataset.mnist import MnistUnavailableError, load_mnist

#: Next to this file (not in the current folder), so the script runs from anywhere.
SAMPLE_WEIGHT = Path(__file__).with_name("sample_weight.npz")
WEIGHT_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def get_data():
    """The test images (float32 in [0, 1], flattened to 784 values) and their labels."""
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True,
                                                      one_hot_label=False)
    return x_test, t_test


def init_network(path=None):
    """The trained weights as a dict W1, b1, W2, b2, W3, b3 (raises FileNotFoundError if absent)."""
    path = Path(SAMPLE_WEIGHT if path is None else path)
    if not path.is_file():
        how = "" if path == SAMPLE_WEIGHT else f" --output {path}"
        raise FileNotFoundError(f"no trained weights at {path}; make them (about a minute) with: "
                                f"python ch03/train_sample_weight.py{how}")
    # allow_pickle=False: an .npz may also hold pickled objects, which we refuse to load
    with np.load(path, allow_pickle=False) as data:
        missing = [key for key in WEIGHT_KEYS if key not in data.files]
        if missing:
            raise ValueError(f"{path} lacks the arrays {', '.join(missing)}")
        return {key: data[key] for key in WEIGHT_KEYS}


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
    parser.add_argument("--weights", type=Path, default=SAMPLE_WEIGHT,
                        help="the .npz file of trained weights (made by train_sample_weight.py)")


def load_or_exit(weights):
    """The network and the test data, or exit with one line saying what is missing."""
    try:
        network = init_network(weights)  # first: a missing file is reported without loading MNIST
        x, t = get_data()
    except (FileNotFoundError, ValueError, MnistUnavailableError) as exc:
        sys.exit(f"error: {exc}")
    return network, x, t


def main(argv=None):
    parser = script_parser(__doc__)
    add_weights_argument(parser)
    args = parser.parse_args(argv)
    setup(args)

    network, x, t = load_or_exit(args.weights)
    accuracy_cnt = count_correct(network, x, t)
    print(f"Accuracy:{accuracy_cnt / len(x):.4f}")


if __name__ == "__main__":
    main()
