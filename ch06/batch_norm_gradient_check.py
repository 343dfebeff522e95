"""Gradient check of a network with batch normalization (section 6.3).

Backpropagation through a batch-norm layer is the trickiest backward pass of the
book (the batch mean and variance depend on every example).  Here it is compared
with numerical differentiation, (L(w + h) - L(w - h)) / 2h for every parameter w,
on a 784-100-100-10 ReLU network with batch norm (W, b, gamma and beta of every
layer).  Printed per parameter: the mean absolute difference between the two
gradients and, for scale, the mean absolute gradient.  When backward is right the
differences are tiny (1e-7 for W1 down to 1e-12): what remains is the central
difference's own error, which shrinks like h^2 and is largest where the loss
curves most (batch norm over 3 examples curves it a lot).  b1 and b2 get zero
gradients both ways, rightly: batch norm subtracts the batch mean, which takes
any bias added before it away again.

The book checks a batch of ONE example, which proves little: batch norm then
subtracts the example from itself, xn = 0, and the output is beta whatever W1,
b1, W2, b2 and gamma are.  Their gradients are exactly 0 both ways, and the check
compares zero with zero.  Worse, the ReLU after the last batch norm sits exactly
at its kink (beta starts at 0), where the numerical gradient sees half a slope
and backprop none, so beta2 looks wrong.  A batch of a few examples (default 3)
makes every gradient real; ``--batch-size 1`` shows the zeros.

The network is built in float64 (the course's networks default to float32, in
which L(w + h) - L(w - h) keeps only a few significant digits).

The numerical gradient evaluates the loss twice per parameter: about 90 000
parameters take tens of seconds.  ``--input-size N`` keeps only the N pixels that
vary most over the training set (so W1 has N rows, not 784) to make it quick.
"""

import time

from common.backend import to_cpu, to_device
from common.cli import int_range, run, script_parser, setup
from common.multi_layer_net_extend import MultiLayerNetExtend
from dataset.mnist import load_mnist_or_exit

import numpy as np


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument(
        "--batch-size",
        type=int_range(1, 1000),
        default=3,
        help="training examples in the checked batch (1 = the book's degenerate check)",
    )
    parser.add_argument(
        "--input-size",
        type=int_range(1, 784),
        default=784,
        help="pixels per image used (the N most varying ones): fewer parameters, a faster check",
    )
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True)
    # The pixels that vary most over the training set: a subset of them still holds the
    # digits (the first pixels of an image are border, 0 in every example).
    pixels = np.sort(np.argsort(x_train[:10000].var(axis=0))[::-1][: args.input_size])
    x_batch = to_device(x_train[: args.batch_size][:, pixels].astype(np.float64))
    t_batch = to_device(t_train[: args.batch_size])

    network = MultiLayerNetExtend(
        args.input_size, [100, 100], 10, use_batchnorm=True, dtype=np.float64
    )
    count = sum(p.size for p in network.params.values())
    print(
        f"{count} parameters, batch of {args.batch_size}: "
        f"{2 * count} loss evaluations for the numerical gradient"
    )

    start = time.perf_counter()
    grad_numerical = network.numerical_gradient(x_batch, t_batch)
    print(f"numerical gradient: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    grad_backprop = network.gradient(x_batch, t_batch)
    print(f"backpropagation:    {time.perf_counter() - start:.4f} s")

    print("parameter: mean |numerical - backprop|  (mean |gradient|)")
    for key in network.params:
        diff = float(np.mean(np.abs(to_cpu(grad_backprop[key]) - to_cpu(grad_numerical[key]))))
        size = float(np.mean(np.abs(to_cpu(grad_backprop[key]))))
        print(f"{key}:{diff:.3e}  ({size:.3e})")


if __name__ == "__main__":
    run(main)
