"""Benchmark: ch05/train_neuralnet.py against the book-style baseline and PyTorch.

Each program runs in its own process (so peak memory is its own), in turn,
several rounds interleaved so that a noisy machine hurts all of them alike.
Printed per program: median wall time (process start to exit, data loading
included), peak resident memory (ru_maxrss from wait4, the host's memory only),
the iterations it ran, its final test accuracy, and the wall-time ratio to this
course's script.

Every column runs on the device chosen here (``--device``, default from
``$DLFS_DEVICE``, else cpu): it is passed to each program as ``--device`` and as
``DLFS_DEVICE`` in its environment, and printed.  On the GPU the book-style
baseline is skipped, saying so: it reproduces the book's NumPy code, which runs on
the CPU only.  PyTorch is optional: its column is skipped, saying so, when it is not
installed (or, on the GPU, when it sees no CUDA device).

The flat NumPy loop (benchmarks/flat_numpy_ch05.py) is the same computation with no
layers, classes or checks: the floor for NumPy code on the machine, so that the
course's distance to it is what its structure costs.

BLAS threads: by default each program keeps its own, as a learner would run them:
the course (and the flat loop) one thread for a training step and the free cores for
an evaluation (common/threads.py); NumPy's default in the baseline and PyTorch's, a
thread per core.  ``--cpu-threads N`` gives all of them N.

    MNIST_DIR=../shared/data/mnist python benchmarks/bench_ch05_train.py --rounds 3
"""

import importlib.util
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.cli import nonnegative_int, positive_int, run, script_parser, setup

REPO = Path(__file__).resolve().parents[1]
COURSE = "course (ch05/train_neuralnet.py)"
BASELINE = "book-style baseline"
FLAT = "flat NumPy loop (the floor)"
TORCH = "PyTorch"
FINAL_LINE = re.compile(r"final test acc ([0-9.]+) \| .* \| [0-9.]+ s for (\d+) iterations")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def programs(device):
    """{name: command} of the programs that run on ``device``; prints why any is left out."""
    chosen = {COURSE: [str(REPO / "ch05" / "train_neuralnet.py"), "--device", device]}
    if device == "cpu":
        chosen[BASELINE] = [str(REPO / "benchmarks" / "book_style_ch05.py")]
        chosen[FLAT] = [str(REPO / "benchmarks" / "flat_numpy_ch05.py")]
    else:
        print(f"{BASELINE}: skipped on --device {device}: it is the book's NumPy code, CPU only")
        print(f"{FLAT}: skipped on --device {device}: NumPy, CPU only")
    if importlib.util.find_spec("torch") is None:
        print(
            f"{TORCH} is not installed: its column is skipped "
            "(pip install torch==2.13.0 to include it)"
        )
    elif device == "cpu" or (device == "gpu" and torch_sees_cuda()):
        chosen[TORCH] = [str(REPO / "benchmarks" / "torch_ch05.py"), "--device", device]
    else:
        print(
            f"{TORCH}: skipped on --device {device}: "
            + ("PyTorch sees no CUDA device" if device == "gpu" else "no such device in PyTorch")
        )
    return chosen


def torch_sees_cuda():
    check = "import torch; print(torch.cuda.is_available())"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    return result.stdout.strip() == "True"


def environment(device, cpu_threads):
    """This process's environment with the device set, and the threads if asked for."""
    env = dict(os.environ, DLFS_DEVICE=device)
    if cpu_threads is not None:
        env["DLFS_CPU_THREADS"] = str(cpu_threads)
        for name in THREAD_VARS:
            env.pop(name, None)
            if cpu_threads:
                env[name] = str(cpu_threads)
    return env


def run_once(command, env):
    """Run a command; return (wall seconds, peak RSS in MB, iterations, test accuracy)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable] + command, stdout=out, stderr=err, cwd=REPO, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        process.returncode = status  # reaped above: Popen must not wait for it again
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        match = FINAL_LINE.search(stdout)
        if status != 0 or match is None:
            sys.exit(f"{' '.join(command)} failed:\n{stdout[-1000:]}{err.read()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, int(match.group(2)), match.group(1)


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument(
        "--rounds", type=positive_int, default=3, help="runs of each program (median reported)"
    )
    parser.add_argument(
        "--iters",
        type=positive_int,
        default=None,
        help="pass --iters to every program (default: theirs, 10000)",
    )
    parser.add_argument(
        "--cpu-threads",
        type=nonnegative_int,
        default=None,
        help="BLAS threads for every program (0: every core; default: each program's own)",
    )
    args = parser.parse_args(argv)
    setup(args)  # a --device that cannot be used stops here, in one line

    chosen = programs(args.device)
    extra = ["--seed", str(args.seed)] + (["--iters", str(args.iters)] if args.iters else [])
    env = environment(args.device, args.cpu_threads)

    # Warm the MNIST cache first so no program pays for building it.
    subprocess.run(
        [sys.executable, "-m", "dataset.mnist"], cwd=REPO, check=True, capture_output=True, env=env
    )
    results = {name: [] for name in chosen}
    for round_number in range(args.rounds):
        for name, command in chosen.items():
            results[name].append(run_once(command + extra, env))
            print(
                f"round {round_number + 1}: {name}: {results[name][-1][0]:.2f} s", file=sys.stderr
            )

    threads = (
        "each program's own"
        if args.cpu_threads is None
        else f"{args.cpu_threads or 'every core'} for every program"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; median of {args.rounds} interleaved rounds"
    )
    print(
        f"device: {args.device} for every program (--device {args.device}, "
        f"DLFS_DEVICE={args.device}); BLAS threads: {threads}"
    )
    course_wall = statistics.median(r[0] for r in results[COURSE])
    print(
        f"{'program':34s} {'wall s':>8s} {'peak MB':>8s} {'iters':>6s} {'test acc':>8s} "
        f"{'wall / course':>14s}"
    )
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        iters = "/".join(str(n) for n in sorted({r[2] for r in runs}))
        print(
            f"{name:34s} {wall:8.2f} {peak:8.0f} {iters:>6s} {runs[-1][3]:>8s} "
            f"{wall / course_wall:14.2f}"
        )
    for name in chosen:
        if name != COURSE:
            ratio = course_wall / statistics.median(r[0] for r in results[name])
            print(f"course / {name}: {ratio:.2f}x the time")


if __name__ == "__main__":
    run(main)
