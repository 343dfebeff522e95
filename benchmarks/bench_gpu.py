"""Benchmark: the same training step on the CPU (NumPy) and the GPU (CuPy), in one run.

Two workloads, each timed per training step (after warm-up; the GPU is
synchronized before the clock is read):

* large:  MultiLayerNetExtend 784-[1024]x4-10, batch norm, Adam, batch 1024;
* book:   chapter 5's configuration, 784-50-10, SGD, batch 100.

Data are moved to the device once; each step draws a random mini-batch there.
Where CuPy or a GPU is missing the GPU column is skipped, saying why.  It takes
no ``--device``: it runs both, one after the other.

    MNIST_DIR=../shared/data/mnist python benchmarks/bench_gpu.py
"""

import argparse
import platform
import time

from common import backend, threads
from common.cli import nonnegative_int, positive_int
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import SGD, Adam
from dataset.mnist import load_mnist

import numpy as np

WORKLOADS = {
    "large": dict(
        make=lambda: MultiLayerNetExtend(784, [1024] * 4, 10, use_batchnorm=True),
        optimizer=lambda: Adam(lr=0.001),
        batch=1024,
        label="784-[1024]x4-10, batch norm, Adam, batch 1024",
    ),
    "book": dict(
        make=lambda: MultiLayerNet(784, [50], 10, weight_init_std=0.01),
        optimizer=lambda: SGD(lr=0.1),
        batch=100,
        label="784-50-10 (ch05), SGD, batch 100",
    ),
}


def synchronize():
    if backend.get_device() == "gpu":
        backend.get_xp().cuda.Device().synchronize()


def time_per_step(workload, x_train, t_train, steps, warmup=5):
    """Seconds per training step (gradient + update) on the current device."""
    np.random.seed(0)
    network, optimizer = workload["make"](), workload["optimizer"]()
    x, t = backend.to_device(x_train), backend.to_device(t_train)  # once
    n = x.shape[0]

    def step():
        index = backend.to_device(np.random.randint(0, n, workload["batch"]))
        optimizer.update(network.params, network.gradient(x[index], t[index]))

    for _ in range(warmup):
        step()
    synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize()
    return (time.perf_counter() - start) / steps, float(network.last_loss)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--steps", type=positive_int, default=20, help="timed steps per workload on the CPU"
    )
    parser.add_argument(
        "--gpu-steps", type=positive_int, default=200, help="timed steps per workload on the GPU"
    )
    parser.add_argument(
        "--cpu-threads",
        type=nonnegative_int,
        default=0,
        help="BLAS threads for the CPU column (0: every core, so that the CPU is not handicapped)",
    )
    args = parser.parse_args()
    threads.set_cpu_threads(args.cpu_threads)

    (x_train, t_train), _ = load_mnist(normalize=True)
    gpu_reason = None
    try:
        backend.use_device("gpu")
        gpu_name = backend.get_xp().cuda.runtime.getDeviceProperties(0)["name"].decode()
    except backend.DeviceError as exc:
        gpu_reason = str(exc)
    backend.use_device("cpu")

    print(
        f"CPU: {platform.processor() or platform.machine()}; "
        f"GPU: {gpu_name if gpu_reason is None else 'none (' + gpu_reason + ')'}"
    )
    print(f"{'workload':48s} {'CPU ms/step':>12s} {'GPU ms/step':>12s} {'GPU speed-up':>13s}")
    for workload in WORKLOADS.values():
        backend.use_device("cpu")
        cpu, _ = time_per_step(workload, x_train, t_train, args.steps)
        if gpu_reason is None:
            backend.use_device("gpu")
            gpu, _ = time_per_step(workload, x_train, t_train, args.gpu_steps)
            backend.use_device("cpu")
            print(f"{workload['label']:48s} {cpu * 1e3:12.2f} {gpu * 1e3:12.3f} {cpu / gpu:12.1f}x")
        else:
            print(f"{workload['label']:48s} {cpu * 1e3:12.2f} {'skipped':>12s} {'-':>13s}")
    if gpu_reason is not None:
        print(f"GPU column skipped: {gpu_reason}")


if __name__ == "__main__":
    main()
