"""Why chapter 5 exists: one numerical gradient against one backprop gradient.

The numerical gradient evaluates the loss twice per parameter (2 x 39 760 full
forward passes for a 784-50-10 network); backpropagation needs one forward and
one backward pass for all of them. This times one call of each on the same
mini-batch and prints the ratio.

The numerical gradient is the slow one: before it starts, the script times one
loss evaluation and prints how long the whole gradient should take (a few minutes
with the defaults on a laptop), then reports each parameter as it is done.
``--hidden 10`` makes it a few seconds.
"""

import time
import timeit

from ch05.two_layer_net import TwoLayerNet
from common import backend
from common.cli import batch_size, int_range, layer_width, run, script_parser, setup
from common.gradient import numerical_gradient
from dataset.mnist import load_mnist_or_exit

import numpy as np


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument(
        "--batch-size", type=batch_size, default=100, help="examples in the mini-batch"
    )
    parser.add_argument("--hidden", type=layer_width, default=50, help="hidden units")
    parser.add_argument(
        "--repeat",
        type=int_range(1, 10_000),
        default=50,
        help="backprop calls to time (best is kept)",
    )
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True)
    x = backend.to_device(x_train[: args.batch_size].astype(np.float64))
    t = backend.to_device(t_train[: args.batch_size])
    network = TwoLayerNet(784, args.hidden, 10, dtype=np.float64)

    n_params = sum(p.size for p in network.params.values())
    one_loss = min(timeit.repeat(lambda: network.loss(x, t), number=1, repeat=5))
    print(
        f"{n_params} parameters, batch of {args.batch_size}: the numerical gradient needs "
        f"{2 * n_params} loss evaluations of {1000 * one_loss:.2f} ms, about "
        f"{2 * n_params * one_loss:.0f} s",
        flush=True,
    )

    start = time.perf_counter()
    for key, param in network.params.items():  # what network.numerical_gradient does, key by key
        numerical_gradient(lambda _: network.loss(x, t), param)
        print(
            f"  {key} {tuple(param.shape)} done after {time.perf_counter() - start:.1f} s",
            flush=True,
        )
    numerical = time.perf_counter() - start
    print(f"numerical gradient: {numerical:10.4f} s per call")
    backprop = min(timeit.repeat(lambda: network.gradient(x, t), number=1, repeat=args.repeat))
    print(f"backprop gradient:  {backprop:10.6f} s per call")
    print(f"backprop is {numerical / backprop:,.0f}x faster")


if __name__ == "__main__":
    run(main)
