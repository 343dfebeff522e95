"""Benchmark: chapter 5's training with common.autograd beside the layer-based TwoLayerNet.

Both networks train the book's configuration (784-50-10, batches of 100, SGD
with learning rate 0.1, 10 000 steps) in this one process, from the same initial
weights on the same mini-batches, in interleaved rounds so that a noisy machine
hurts both alike.  Timed: the training steps (draw the batch, gradient, update),
the part the engine changes; not the data loading nor the evaluation.  Printed
per network: the median seconds, microseconds per step, the final test
accuracy, and the ratio to the layer-based network (goal: autograd <= 1.15x).

    MNIST_DIR=../shared/data/mnist python benchmarks/bench_autograd.py --rounds 3
"""

import argparse
import os
import platform
import statistics

from ch05.autograd_two_layer_net import AutogradTwoLayerNet, train
from ch05.two_layer_net import TwoLayerNet
from common import backend, threads
from common.cli import learning_rate, positive_int
from dataset.mnist import load_mnist_or_exit

import numpy as np

NETWORKS = {"layers (TwoLayerNet)": TwoLayerNet, "autograd (expressions)": AutogradTwoLayerNet}
GOAL = 1.15


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=positive_int, default=3, help="runs of each (median)")
    parser.add_argument("--iters", type=positive_int, default=10000, help="training steps per run")
    parser.add_argument("--batch-size", type=positive_int, default=100, help="examples per batch")
    parser.add_argument("--lr", type=learning_rate, default=0.1, help="SGD learning rate")
    parser.add_argument("--seed", type=int, default=0, help="initial weights and batches")
    args = parser.parse_args(argv)

    data = load_mnist_or_exit(normalize=True, one_hot_label=True)
    # Once, to the selected device ($DLFS_DEVICE): every batch is cut from these arrays.
    data = tuple(tuple(map(backend.to_device, pair)) for pair in data)
    x_test, t_test = data[1]
    seconds = {name: [] for name in NETWORKS}
    accuracy = {}
    for _ in range(args.rounds):
        for name, cls in NETWORKS.items():
            np.random.seed(args.seed)
            network = cls(784, 50, 10)
            seconds[name].append(
                train(network, data, args.iters, args.batch_size, args.lr, args.seed)
            )
            accuracy[name] = network.accuracy(x_test, t_test)

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"BLAS threads {threads.describe()} (a step's+an evaluation's), "
        f"Python {platform.python_version()}, "
        f"NumPy {np.__version__}, device {backend.get_device()}; "
        f"median of {args.rounds} interleaved rounds of {args.iters} steps"
    )
    median = {name: statistics.median(runs) for name, runs in seconds.items()}
    baseline = median["layers (TwoLayerNet)"]
    print(f"{'network':24s} {'wall s':>8s} {'us/step':>8s} {'test acc':>8s} {'wall / layers':>14s}")
    for name in NETWORKS:
        print(
            f"{name:24s} {median[name]:8.2f} {1e6 * median[name] / args.iters:8.0f} "
            f"{accuracy[name]:8.4f} {median[name] / baseline:14.2f}"
        )
    ratio = median["autograd (expressions)"] / baseline
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"autograd / layers: {ratio:.2f}x the time (goal: at most {GOAL}x, {verdict})")
    return ratio


if __name__ == "__main__":
    main()
