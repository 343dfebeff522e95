"""Benchmark: chapter 5's training on an idle machine and on a busy one, per BLAS-thread setting.

A learner's laptop is rarely idle: a browser, an editor, a build run beside the
course.  This runs the main job, ``ch05/train_neuralnet.py``, twice per setting
and repeat, in the same run:

* idle:    nothing else started by this benchmark;
* loaded:  one busy loop (a Python process spinning on the CPU) on every other
           core, so the job has one core to itself and no more.

for each BLAS-thread setting of the course (the ``DLFS_CPU_THREADS`` variable):
unset (the course's default), 1, and 0 (the BLAS library's own default: a
thread per core).  Printed per setting: the BLAS threads the job runs with, idle
and loaded (asked of a process started with the job's environment; "1+2" is one
for a training step's products and two for an evaluation's), the median
wall time of the whole job (process start to exit) idle and loaded, the ratio
loaded / idle, the same for the training loop alone (the time the script
prints), the final test accuracy, and how much of a core each busy loop got.
Goal: loaded <= 1.3x idle with the course's default.

Why the setting matters: a BLAS that starts a thread per core splits every
matrix product across them and waits for the slowest; when another program
holds one of those cores, every product waits for it.

Every job runs on the CPU (``--device cpu`` and ``DLFS_DEVICE=cpu``, whatever
this shell's environment says; there is no ``--device``: the question is how the
CPU's cores are shared), with OPENBLAS/OMP/MKL thread variables removed,
so that the columns differ in ``DLFS_CPU_THREADS`` alone.  The busy loops are
bounded: they are killed after each loaded job (also on an error or Ctrl-C), and
each one exits by itself when this benchmark's process goes away or its time
limit passes.  Needs a POSIX system (os.wait4).

    MNIST_DIR=../shared/data/mnist python benchmarks/bench_busy_machine.py --iters 2000
"""

import argparse
import contextlib
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common.cli import positive_float, positive_int

REPO = Path(__file__).resolve().parents[1]
JOB = REPO / "ch05" / "train_neuralnet.py"

# name on the command line -> (label in the table, value of DLFS_CPU_THREADS or None: unset)
SETTINGS = {
    "default": ("unset (course default)", None),
    "1": ("1", "1"),
    "0": ("0 (library default)", "0"),
}
# Variables that would cap the BLAS's threads behind the course's back.
FOREIGN_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
GOAL = 1.3

# A busy loop: spins until its time limit, or until its parent (this benchmark) is gone,
# so that not even a killed benchmark leaves it running for long.
HOG = """
import os, sys, time
parent, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while os.getppid() == parent and time.monotonic() < deadline:
    for _ in range(100000):
        pass
"""

# What the job's BLAS is set to, asked of a process started with the job's environment.
# The BLAS threads of a training step, and "+N" where an evaluation's differ (common/threads.py)
PROBE = """
import common.threads as t
step = t.get_cpu_threads()
with t.evaluation():
    evaluation = t.get_cpu_threads()
print(step if evaluation == step else f"{step}+{evaluation}")  # as BLAS reports them
"""
FINAL_LINE = re.compile(r"final test acc ([0-9.]+) \| .* \| ([0-9.]+) s for (\d+) iterations")


def usable_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def job_environment(threads):
    """This process's environment, but the CPU forced and only DLFS_CPU_THREADS choosing threads."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_THREAD_VARS}
    env["DLFS_DEVICE"] = "cpu"
    env.pop("DLFS_CPU_THREADS", None)
    if threads is not None:
        env["DLFS_CPU_THREADS"] = threads
    return env


def _reap(hog):
    """Stop one busy loop; return (whether it was still spinning, its CPU seconds)."""
    pid, _, usage = os.wait4(hog.pid, os.WNOHANG)
    spinning = pid == 0
    if spinning:
        hog.kill()
        _, _, usage = os.wait4(hog.pid, 0)
    hog.returncode = -9  # reaped here: Popen must not wait for it again
    return spinning, usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def busy_loops(count, limit_s, report):
    """Start ``count`` busy loops for the duration of the ``with`` block, then kill them all.

    ``report`` (a dict) receives the loops' pids, whether every one was still
    spinning at the end, and the share of a core each got on average.
    """
    hogs = []
    start = time.perf_counter()
    try:
        for _ in range(count):
            hogs.append(
                subprocess.Popen(
                    [sys.executable, "-c", HOG, str(os.getpid()), str(limit_s)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        report["pids"] = [hog.pid for hog in hogs]
        time.sleep(0.3)  # let them start spinning before the job does
        yield
    finally:
        elapsed = time.perf_counter() - start
        spinning, cpu = True, 0.0
        for hog in hogs:
            try:
                alive, seconds = _reap(hog)
            except OSError:  # never leave the others behind for one failure
                hog.kill()
                hog.wait()
                alive, seconds = False, 0.0
            spinning, cpu = spinning and alive, cpu + seconds
        report["all_spinning"] = spinning
        report["core_share"] = cpu / (elapsed * max(len(hogs), 1))


def blas_threads(env):
    """The BLAS threads a process started with ``env`` runs with (after importing common):
    a training step's, then "+N" if an evaluation's differ ("1+2")."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=REPO, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"error: could not read the BLAS thread count:\n{result.stderr[-2000:]}")
    return result.stdout.strip()


def run_job(command, env, timeout):
    """Run the job once; return (wall s, training-loop s, iterations, final test accuracy)."""
    start = time.perf_counter()
    try:
        result = subprocess.run(
            command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        sys.exit(f"error: {' '.join(command)} ran past --timeout {timeout} s")
    wall = time.perf_counter() - start
    match = FINAL_LINE.search(result.stdout)
    if result.returncode != 0 or match is None:
        sys.exit(
            f"error: {' '.join(command)} exited {result.returncode}:\n"
            f"{(result.stdout + result.stderr)[-2000:]}"
        )
    return wall, float(match.group(2)), int(match.group(3)), float(match.group(1))


def parse_settings(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SETTINGS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown setting(s) {', '.join(unknown) or '(none given)'}: choose from "
            f"{', '.join(SETTINGS)}"
        )
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--iters",
        type=positive_int,
        default=2000,
        help="mini-batch updates per job (default 2000; the script's own is 10000)",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="runs per setting and condition, interleaved (median reported)",
    )
    parser.add_argument(
        "--threads",
        type=parse_settings,
        default=list(SETTINGS),
        help="comma-separated BLAS settings to compare, from: default, 1, 0",
    )
    parser.add_argument(
        "--hogs",
        type=positive_int,
        default=max(usable_cpus() - 1, 1),
        help="busy loops in the loaded runs (default: one per core but one)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=300.0,
        help="seconds a single job may run before the benchmark gives up",
    )
    args = parser.parse_args(argv)

    command = [sys.executable, str(JOB), "--device", "cpu", "--iters", str(args.iters)]
    shown = (
        f"DLFS_DEVICE=cpu [DLFS_CPU_THREADS=...] python {JOB.relative_to(REPO)} "
        f"--device cpu --iters {args.iters}"
    )
    # Build the MNIST cache first, so that no job pays for it.
    subprocess.run(
        [sys.executable, "-m", "dataset.mnist"],
        cwd=REPO,
        check=True,
        capture_output=True,
        env=job_environment("1"),
    )

    loads = os.getloadavg()
    start_load = loads[0]
    load = "load average " + " ".join(f"{value:.2f}" for value in loads)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"({usable_cpus()} usable), {load} at the start; Python {platform.python_version()}"
    )
    print(f"command: {shown}")
    print(
        f"loaded: {args.hogs} busy loop(s) beside the job; median of {args.repeats} interleaved "
        f"repeats"
    )

    run_job(command, job_environment("1"), args.timeout)  # warm-up: files into the page cache
    runs = {name: {"idle": [], "loaded": [], "share": []} for name in args.threads}
    # The threads a job starts with, idle and beside the busy loops (the course counts free cores)
    used = {name: blas_threads(job_environment(SETTINGS[name][1])) for name in args.threads}
    with busy_loops(args.hogs, args.timeout + 30, {}):
        time.sleep(0.2)  # the loops are running before the probes count them
        used_loaded = {
            name: blas_threads(job_environment(SETTINGS[name][1])) for name in args.threads
        }
    for repeat in range(1, args.repeats + 1):
        for name in args.threads:
            label, threads = SETTINGS[name]
            env = job_environment(threads)
            runs[name]["idle"].append(run_job(command, env, args.timeout))
            report = {}
            with busy_loops(args.hogs, args.timeout + 30, report):
                runs[name]["loaded"].append(run_job(command, env, args.timeout))
            if not report["all_spinning"]:
                sys.exit(
                    "error: a busy loop stopped before the job ended; the loaded figure is void"
                )
            runs[name]["share"].append(report["core_share"])
            idle, loaded = runs[name]["idle"][-1][0], runs[name]["loaded"][-1][0]
            print(
                f"repeat {repeat}, DLFS_CPU_THREADS {label}: idle {idle:.2f} s, "
                f"loaded {loaded:.2f} s "
                f"(busy-loop pids {' '.join(map(str, report['pids']))})",
                file=sys.stderr,
            )

    header = (
        f"{'DLFS_CPU_THREADS':22s} {'threads':>9s} {'idle s':>7s} {'loaded s':>8s} {'ratio':>6s} "
        f"{'loop idle':>9s} {'loop loaded':>11s} {'ratio':>6s} {'iters':>6s} "
        f"{'test acc':>8s} {'busy loop':>9s}"
    )
    print(header)
    ratios = {}
    for name in args.threads:
        idle, loaded = runs[name]["idle"], runs[name]["loaded"]
        wall_idle = statistics.median(r[0] for r in idle)
        wall_loaded = statistics.median(r[0] for r in loaded)
        train_idle = statistics.median(r[1] for r in idle)
        train_loaded = statistics.median(r[1] for r in loaded)
        iters = {r[2] for r in idle + loaded}
        accuracy = statistics.median(r[3] for r in idle + loaded)
        share = statistics.median(runs[name]["share"])
        ratios[name] = wall_loaded / wall_idle
        # The script prints its loop time to 0.1 s: no ratio where that rounds to nothing.
        train_ratio = f"{train_loaded / train_idle:5.2f}x" if train_idle > 0 else f"{'-':>6s}"
        print(
            f"{SETTINGS[name][0]:22s} {f'{used[name]}/{used_loaded[name]}':>9s} "
            f"{wall_idle:7.2f} {wall_loaded:8.2f} "
            f"{ratios[name]:5.2f}x {train_idle:9.2f} {train_loaded:11.2f} {train_ratio} "
            f"{'/'.join(map(str, sorted(iters))):>6s} "
            f"{accuracy:8.4f} {share:9.0%}"
        )
    print(
        "threads: BLAS threads the job starts with, idle/loaded (1+2: one for a training "
        "step, two for an evaluation); s: the whole job; "
        "ratio: loaded / idle; "
        "loop: the training loop as the script times it; busy loop: the share of a core each "
        "busy loop got"
    )
    end_load = os.getloadavg()[0]
    print(
        f"load average {end_load:.2f} at the end"
        + (
            "; other programs ran beside this benchmark, so 'idle' was not idle"
            if max(start_load, end_load) > 0.5
            else ""
        )
    )
    if "default" in ratios:
        verdict = "met" if ratios["default"] <= GOAL else "NOT met"
        print(
            f"goal loaded <= {GOAL}x idle for the course default: {verdict} "
            f"({ratios['default']:.2f}x)"
        )


if __name__ == "__main__":
    main()
