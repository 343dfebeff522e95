"""Benchmark: ch05/train_neuralnet.py against the book-style baseline and PyTorch (CPU).

Each program runs in its own process (so peak memory is its own), in turn,
several rounds interleaved so that a noisy machine hurts all of them alike.
Printed per program: median wall time (process start to exit, data loading
included), peak resident memory (ru_maxrss from wait4), final test accuracy,
and the wall-time ratio to this course's script.  PyTorch is optional: its
column is skipped, saying so, when it is not installed.

    MNIST_DIR=../shared/data/mnist python benchmarks/bench_ch05_train.py --rounds 3
"""
import argparse
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

REPO = Path(__file__).resolve().parents[1]

PROGRAMS = {
    "course (ch05/train_neuralnet.py)": [str(REPO / "ch05" / "train_neuralnet.py")],
    "book-style baseline": [str(REPO / "benchmarks" / "book_style_ch05.py")],
    "PyTorch CPU": [str(REPO / "benchmarks" / "torch_ch05.py")],
}


def run_once(command):
    """Run a command; return (wall seconds, peak RSS in MB, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable] + command, stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if status != 0:
            sys.exit(f"{' '.join(command)} failed:\n{err.read()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each program (median reported)")
    parser.add_argument("--iters", type=int, default=None, help="pass --iters to every program (default: theirs)")
    args = parser.parse_args()

    programs = dict(PROGRAMS)
    if importlib.util.find_spec("torch") is None:
        del programs["PyTorch CPU"]
        print("PyTorch is not installed: its column is skipped (pip install torch==2.13.0 to include it)")
    extra = ["--iters", str(args.iters)] if args.iters else []

    # Warm the MNIST cache first so no program pays for building it.
    subprocess.run([sys.executable, "-m", "dataset.mnist"], cwd=REPO, check=True, capture_output=True)
    results = {name: [] for name in programs}
    for round_number in range(args.rounds):
        for name, command in programs.items():
            results[name].append(run_once(command + extra))
            print(f"round {round_number + 1}: {name}: {results[name][-1][0]:.2f} s", file=sys.stderr)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}; median of {args.rounds} interleaved rounds")
    course_wall = statistics.median(r[0] for r in results[next(iter(programs))])
    print(f"{'program':34s} {'wall s':>8s} {'peak MB':>8s} {'test acc':>8s} {'wall / course':>14s}")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        accuracy = re.search(r"final test acc ([0-9.]+)", runs[-1][2]).group(1)
        print(f"{name:34s} {wall:8.2f} {peak:8.0f} {accuracy:>8s} {wall / course_wall:14.2f}")
    for name in programs:
        if name != next(iter(programs)):
            ratio = course_wall / statistics.median(r[0] for r in results[name])
            print(f"course / {name}: {ratio:.2f}x the time")


if __name__ == "__main__":
    main()
