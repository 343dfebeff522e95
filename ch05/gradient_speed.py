"""Why chapter 5 exists: one numerical gradient against one backprop gradient.

The numerical gradient evaluates the loss twice per parameter (2 x 39 760 full
forward passes for a 784-50-10 network); backpropagation needs one forward and
one backward pass for all of them.  This times one call of each on the same
mini-batch (timeit, best of a few runs) and prints the ratio.

With the defaults the numerical gradient alone takes a minute or so; --hidden 10
makes it a few seconds.
"""
import timeit

import numpy as np

from ch05.two_layer_net import TwoLayerNet
from common import backend
from common.cli import load_mnist_or_exit, script_parser, setup


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument("--batch-size", type=int, default=100, help="examples in the mini-batch")
    parser.add_argument("--hidden", type=int, default=50, help="hidden units")
    parser.add_argument("--repeat", type=int, default=50, help="backprop calls to time (best is kept)")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True)
    x = backend.to_device(x_train[:args.batch_size].astype(np.float64))
    t = backend.to_device(t_train[:args.batch_size])
    network = TwoLayerNet(784, args.hidden, 10, dtype=np.float64)

    n_params = sum(p.size for p in network.params.values())
    print(f"{n_params} parameters, batch of {args.batch_size}")
    numerical = min(timeit.repeat(lambda: network.numerical_gradient(x, t), number=1, repeat=1))
    print(f"numerical gradient: {numerical:10.4f} s per call")
    backprop = min(timeit.repeat(lambda: network.gradient(x, t), number=1, repeat=args.repeat))
    print(f"backprop gradient:  {backprop:10.6f} s per call")
    print(f"backprop is {numerical / backprop:,.0f}x faster")


if __name__ == "__main__":
    main()
