"""Benchmark: TwoLayerNet.numerical_gradient, the book's loop against fast=True.

Both compute the same central differences, (L(theta + h e_i) - L(theta - h e_i)) / 2h
with h = 1e-4, for all 39 760 parameters of a 784-50-10 network (float64) on
one mini-batch of MNIST training images (100 by default, drawn with a fixed
seed).  The loop takes tens of seconds to minutes, so it runs --loop-repeats
times (1 by default); the fast path runs --fast-repeats times before the loop
and as many after it, so that a change in the machine's load during the run
affects both sides, and its best time is used.

Printed: the machine, each time, the ratio loop / fast, and per parameter how
far the two results are apart (||fast - loop|| / ||loop||, and the largest
elementwise difference relative to the largest |loop| entry).  With --backprop
also the time of TwoLayerNet.gradient and the fast path's distance to it (which
is the finite-difference error, ~h^2, not a bug).  --loop-repeats 0 skips the loop.

    MNIST_DIR=../shared/data/mnist python benchmarks/bench_numerical_gradient.py --backprop
"""

import os
import platform
import statistics
import sys
import time

from ch04.two_layer_net import TwoLayerNet
from common import backend
from common.cli import nonnegative_int, positive_int, run, script_parser, setup
from dataset.mnist import load_mnist_or_exit

import numpy as np

KEYS = ("W1", "b1", "W2", "b2")


def synchronize():
    if backend.get_device() == "gpu":
        backend.get_xp().cuda.Device().synchronize()


def timed(function):
    """(seconds, result) of one call, the device synchronized before the clock is read."""
    synchronize()
    start = time.perf_counter()
    result = function()
    synchronize()
    return time.perf_counter() - start, result


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info():
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ""
    if hasattr(os, "getloadavg"):
        load = "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs ({usable} usable), {load}",
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"device {backend.get_device()}",
    ]
    if backend.get_device() == "gpu":
        xp = backend.get_xp()
        name = xp.cuda.runtime.getDeviceProperties(0)["name"].decode()
        lines.append(f"GPU: {name}, CuPy {xp.__version__}")
    return "\n".join(lines)


def compare(result, reference):
    """Per parameter: (||result - ref|| / ||ref||, max |result - ref| / max |ref|)."""
    out = {}
    for key in KEYS:
        a, b = backend.to_cpu(result[key]), backend.to_cpu(reference[key])
        scale = np.linalg.norm(b)
        out[key] = (
            np.linalg.norm(a - b) / scale if scale else np.linalg.norm(a - b),
            np.abs(a - b).max() / max(np.abs(b).max(), 1e-300),
        )
    return out


def print_comparison(title, differences):
    print(title)
    for key, (norm_rel, max_rel) in differences.items():
        print(
            f"  {key:3s} ||diff|| / ||ref|| = {norm_rel:.2e}   "
            f"max |diff| / max |ref| = {max_rel:.2e}"
        )


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument(
        "--batch-size", type=positive_int, default=100, help="images in the mini-batch"
    )
    parser.add_argument(
        "--hidden", type=positive_int, default=50, help="neurons in the hidden layer"
    )
    parser.add_argument(
        "--loop-repeats",
        type=nonnegative_int,
        default=1,
        help="runs of the book's loop (0: skip it)",
    )
    parser.add_argument(
        "--fast-repeats",
        type=positive_int,
        default=5,
        help="runs of the fast path before the loop, and as many after it",
    )
    parser.add_argument(
        "--backprop", action="store_true", help="also time backpropagation, for context"
    )
    args = parser.parse_args(argv)
    setup(args)  # seeds NumPy: the weights and the mini-batch are the same in every run

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True, one_hot_label=False)
    network = TwoLayerNet(784, args.hidden, 10)
    batch = np.random.choice(x_train.shape[0], args.batch_size, replace=False)
    x = backend.to_device(x_train[batch].astype(np.float64))
    t = backend.to_device(t_train[batch])

    print(machine_info())
    n_params = sum(int(p.size) for p in network.params.values())
    nonzero = float((backend.to_cpu(x) != 0).mean())
    print(
        f"784-{args.hidden}-10 network, float64, {n_params} parameters; batch of "
        f"{args.batch_size} MNIST training images, {nonzero:.1%} of the pixels nonzero; "
        f"seed {args.seed}"
    )

    def fast():
        return network.numerical_gradient(x, t, fast=True)

    fast()  # warm-up: first-call costs (allocations, CuPy kernel compilation) are not the method's
    fast_times, loop_times, backprop_times = [], [], []
    fast_result = loop_result = None
    for _ in range(max(args.loop_repeats, 1)):
        for _ in range(args.fast_repeats):
            seconds, fast_result = timed(fast)
            fast_times.append(seconds)
        if args.loop_repeats:
            seconds, loop_result = timed(lambda: network.numerical_gradient(x, t))
            loop_times.append(seconds)
            print(f"  loop run {len(loop_times)}: {seconds:.1f} s", file=sys.stderr)
        if args.backprop:
            for _ in range(10 * args.fast_repeats):
                seconds, backprop_result = timed(lambda: network.gradient(x, t))
                backprop_times.append(seconds)
    for _ in range(args.fast_repeats):
        seconds, fast_result = timed(fast)
        fast_times.append(seconds)

    fast_best = min(fast_times)
    fast_median = statistics.median(fast_times)
    print(
        f"fast path (fast=True): best {fast_best * 1e3:.1f} ms, median {fast_median * 1e3:.1f} ms "
        f"of {len(fast_times)} runs"
    )
    if loop_times:
        loop_best = min(loop_times)
        print(
            f"book's loop:           {loop_best:.1f} s"
            + (f" (best of {len(loop_times)})" if len(loop_times) > 1 else " (one run)")
        )
        print(
            f"ratio loop / fast:     {loop_best / fast_best:.0f}x (against the fast median: "
            f"{loop_best / statistics.median(fast_times):.0f}x)"
        )
        print_comparison("fast vs loop, per parameter:", compare(fast_result, loop_result))
    if backprop_times:
        backprop_best = min(backprop_times)
        print(
            f"backprop (gradient):   best {backprop_best * 1e3:.2f} ms of "
            f"{len(backprop_times)} runs; fast / backprop = {fast_best / backprop_best:.0f}x"
        )
        print_comparison(
            "fast vs backprop, per parameter (the O(h^2) finite-difference error):",
            compare(fast_result, backprop_result),
        )


if __name__ == "__main__":
    run(main)
