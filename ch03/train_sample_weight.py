"""Train the weights that neuralnet_mnist.py uses, and save them as sample_weight.npz.

Chapter 3 runs a ready-trained 784-50-100-10 network (sigmoid hidden layers,
softmax output) on MNIST before the book explains training.  The book ships
those weights as sample_weight.pkl; this course makes its own with this script,
using the training machinery of chapters 5 and 6 (backpropagation through
common's layers, the Adam optimizer).  With the defaults (5 epochs, seed 0)
it takes 10 to 40 seconds on a laptop CPU and reaches about 97% test accuracy
(the book's weights give 93.5%).

The weights are saved as an .npz file (arrays W1, b1, W2, b2, W3, b3, float32),
not as a pickle: loading a pickle can run arbitrary code hidden in the file,
while an .npz file read with np.load(..., allow_pickle=False) holds plain
numbers and nothing else.  The file is written to a temporary name and then
renamed, so an interrupted run never leaves a half-written file behind.

The same seed on the same machine gives the same weights every time.
"""
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from common.backend import to_cpu
from common.cli import load_mnist_or_exit, script_parser, setup
from common.multi_layer_net import MultiLayerNet
from common.trainer import Trainer

#: Where neuralnet_mnist.py looks for the weights: next to this file, not in the current folder.
DEFAULT_OUTPUT = Path(__file__).with_name("sample_weight.npz")


def save_weights(params, path):
    """Save W1, b1, ..., b3 as float32 in ``path`` (.npz), atomically."""
    path = Path(path)
    arrays = {key: to_cpu(value).astype(np.float32) for key, value in params.items()}
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        # np.savez on an open file object: given a name it would append ".npz" to it
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.chmod(temp, 0o644)  # mkstemp makes the file private (0600); weights are not secret
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument("--epochs", type=int, default=5, help="passes over the 60000 training images")
    parser.add_argument("--batch-size", type=int, default=100, help="images per mini-batch")
    parser.add_argument("--lr", type=float, default=0.005, help="Adam's learning rate")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the .npz file to write")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, flatten=True)

    # The architecture of the book's sample weights.  'sigmoid' scales the initial
    # weights by sqrt(1 / fan_in) (Xavier), which suits sigmoid layers.
    network = MultiLayerNet(784, [50, 100], 10, activation="sigmoid", weight_init_std="sigmoid")
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs,
                      mini_batch_size=args.batch_size, optimizer="Adam",
                      optimizer_param={"lr": args.lr})
    start = time.perf_counter()
    test_acc = trainer.train()
    elapsed = time.perf_counter() - start

    save_weights(network.params, args.output)
    size_kb = args.output.stat().st_size / 1024
    print(f"saved {args.output} ({size_kb:.0f} KB, test accuracy {test_acc:.4f}, "
          f"trained in {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
