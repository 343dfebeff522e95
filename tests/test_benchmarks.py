"""The benchmark scripts run, and what they print is consistent with what they ran.

Sizes are tiny: these check that each script does the work it claims (every
column the same iterations on the same device, a plausible accuracy, every part
of a profile measured, busy loops gone afterwards), not how fast anything is
(timed tests would only measure the machine's noise; the README's figures come
from full runs).
"""

import importlib.util
import os
import re
import time
from pathlib import Path

import pytest
from conftest import REPO, requires_mnist, run_script

linux_only = pytest.mark.skipif(
    not Path("/proc/self/cmdline").exists(), reason="reads /proc to find the busy loops (Linux)"
)


def rounding(numerator, denominator, places=2):
    """How far a ratio of two figures printed to ``places`` decimals can be from the ratio of
    the unrounded figures (the benchmark divides before it rounds)."""
    half = 0.5 * 10**-places
    return (numerator / denominator) * (half / numerator + half / denominator)


def load_benchmark(name):
    """Import benchmarks/<name>.py as a module (benchmarks/ is not an installed package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table_rows(out, names, columns):
    """{name: [column, ...]} for the table rows: lines that start with one of ``names``
    followed by ``columns`` fields, the first of them a number (other lines mentioning a
    program, e.g. why it is skipped, are not rows)."""
    rows = {}
    for line in out.splitlines():
        for name in names:
            values = line[len(name) :].split()
            if line.startswith(name + " ") and len(values) == columns:
                if re.fullmatch(r"[0-9./+]+", values[0]):  # a number, or counts ("1+2/1")
                    rows[name] = values
    return rows


def hog_running(pid):
    """True if ``pid`` is still one of bench_busy_machine's busy loops (a reused pid is not)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"os.getppid() == parent" in f.read()
    except FileNotFoundError:
        return False


@linux_only
def test_busy_loops_spin_and_are_killed_even_when_the_block_fails():
    bench = load_benchmark("bench_busy_machine")
    report = {}
    with pytest.raises(RuntimeError, match="job failed"):
        with bench.busy_loops(2, 30, report):
            time.sleep(0.5)
            assert all(hog_running(pid) for pid in report["pids"]), "busy loops did not start"
            raise RuntimeError("job failed")
    assert len(report["pids"]) == 2
    assert not any(hog_running(pid) for pid in report["pids"])
    assert report["all_spinning"]
    # A busy loop that sleeps or exits at once would show next to no CPU time.
    assert report["core_share"] > 0.05, report


@linux_only
def test_busy_loops_stop_by_themselves_at_their_time_limit():
    bench = load_benchmark("bench_busy_machine")
    report = {}
    with bench.busy_loops(1, 0.5, report):
        time.sleep(1.5)  # past the limit: the loop must have ended on its own
    assert report["all_spinning"] is False
    assert not hog_running(report["pids"][0])


@linux_only
@requires_mnist
@pytest.mark.slow
def test_bench_busy_machine_table_settings_and_no_busy_loop_left():
    # A hostile environment: a GPU asked for, and threads pinned the benchmark must override.
    env = {"DLFS_DEVICE": "gpu", "DLFS_CPU_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"}
    result = run_script(
        "benchmarks/bench_busy_machine.py",
        "--iters", "5", "--repeats", "1", "--threads", "default,0",
        env=env,
    )  # fmt: skip
    out, err = result.stdout, result.stderr
    assert "ch05/train_neuralnet.py --device cpu --iters 5" in out, out
    labels = ("unset (course default)", "0 (library default)", "1")
    rows = table_rows(out, labels, columns=10)
    assert set(rows) == {"unset (course default)", "0 (library default)"}, out

    # idle/loaded, each a step's threads and "+N" where an evaluation's differ: "1+2/1"
    idle_threads = {label: values[0].split("/")[0] for label, values in rows.items()}
    # Unset means the course's default: one thread for a step, the free cores (at least
    # one, at most every core) for an evaluation.
    step, _, evaluation = idle_threads["unset (course default)"].partition("+")
    assert step == "1", out
    assert 1 <= int(evaluation or 1) <= len(os.sched_getaffinity(0)), out
    assert int(idle_threads["0 (library default)"]) >= int(evaluation or 1), out
    for label, values in rows.items():
        idle, loaded, ratio = float(values[1]), float(values[2]), float(values[3].rstrip("x"))
        assert idle > 0 and loaded > 0, label
        assert ratio == pytest.approx(loaded / idle, abs=0.01 + rounding(loaded, idle)), label
        assert values[7] == "5", f"{label}: jobs ran {values[7]} iterations, not 5"
        assert 0 <= float(values[8]) <= 1
        assert float(values[9].rstrip("%")) > 0, f"{label}: the busy loop got no CPU"
    assert re.search(
        r"^goal loaded <= 1\.3x idle for the course default: (met|NOT met) ", out, re.M
    )

    pids = [int(p) for line in re.findall(r"busy-loop pids ([\d ]+)\)", err) for p in line.split()]
    hogs = max((len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2) - 1, 1)
    assert len(pids) == 2 * hogs, err  # one set of busy loops per loaded job
    left = [pid for pid in pids if hog_running(pid)]
    for pid in left:  # clean up before failing
        os.kill(pid, 9)
    assert not left, f"busy loops still running after the benchmark returned: {left}"


@requires_mnist
@pytest.mark.slow
def test_bench_ch05_train_columns_same_device_same_iterations_plausible_accuracy():
    # DLFS_DEVICE=gpu inherited, --device cpu given: every column must run on the CPU
    # (the course's column used to inherit the GPU, and fails here without CuPy).
    result = run_script(
        "benchmarks/bench_ch05_train.py", "--device", "cpu", "--rounds", "1", "--iters", "200",
        env={"DLFS_DEVICE": "gpu"},
    )  # fmt: skip
    out = result.stdout
    assert re.search(r"^device: cpu for every program ", out, re.M), out
    names = (
        "course (ch05/train_neuralnet.py)",
        "book-style baseline",
        "flat NumPy loop (the floor)",
        "PyTorch",
    )
    rows = table_rows(out, names, columns=5)
    course, baseline, flat = rows[names[0]], rows[names[1]], rows[names[2]]
    for name, (wall, peak, iters, accuracy, relative) in rows.items():
        assert float(wall) > 0 and float(peak) > 0, name
        assert iters == "200", f"{name} ran {iters} iterations, not 200"
        # 200 SGD steps of the book's network reach about 0.85 (chance is 0.1).
        assert 0.7 < float(accuracy) <= 1, f"{name}: test accuracy {accuracy}"
        expected = float(wall) / float(course[0])
        assert float(relative) == pytest.approx(
            expected, abs=0.01 + rounding(float(wall), float(course[0]))
        ), name
    # Same network, same seed, same batches: the NumPy programs learn alike.
    assert float(course[3]) == pytest.approx(float(baseline[3]), abs=0.02), out
    assert float(course[3]) == pytest.approx(float(flat[3]), abs=0.02), out
    ratio = float(re.search(r"^course / book-style baseline: (\d+\.\d\d)x the time$", out, re.M)[1])
    expected = float(course[0]) / float(baseline[0])
    assert ratio == pytest.approx(
        expected, abs=0.01 + rounding(float(course[0]), float(baseline[0]))
    ), out
    if importlib.util.find_spec("torch") is None:
        assert "PyTorch is not installed: its column is skipped" in out
        assert "PyTorch" not in rows


@requires_mnist
@pytest.mark.slow
def test_profile_ch05_parts_measures_every_part_on_the_suites_device():
    # 600 iterations: one epoch, so the evaluation part runs once too.
    start = time.perf_counter()
    result = run_script("benchmarks/profile_ch05_parts.py", "--iters", "600")
    outside = time.perf_counter() - start
    lines = result.stdout.splitlines()
    device = os.environ.get("DLFS_DEVICE", "cpu").strip().lower() or "cpu"
    head = re.match(r"\d+ CPUs, device (\w+); 600 iterations; final test acc ([0-9.]+)$", lines[0])
    assert head, lines[0]
    assert head[1] == device
    assert float(head[2]) > 0.8, lines[0]  # one epoch of the book's training: about 0.9

    bench = load_benchmark("profile_ch05_parts")
    expected = ["imports, loading MNIST, building the network"]
    expected += [label for label, _ in bench.PARTS] + ["loop bookkeeping and clock reads"]
    rows = [re.match(r"(.+?) +(\d+\.\d{3}) +(\d+\.\d)%$", line) for line in lines[2:-1]]
    assert all(rows), lines
    assert [row[1] for row in rows] == expected
    for row in rows[:-1]:  # the bookkeeping may round to nothing
        assert float(row[2]) > 0, f"part not measured: {row[0]}"
    total = float(lines[-1].split()[-1])
    assert lines[-1].startswith("total")
    # The script's own clock starts after the interpreter does: within the process's run,
    # and most of it (a profile that forgot the start-up or the evaluations would be short).
    assert 0.5 * outside < total <= outside, (total, outside)


@requires_mnist
@pytest.mark.slow
def test_bench_numerical_gradient_reports_speedup_and_agreement():
    result = run_script(
        "benchmarks/bench_numerical_gradient.py",
        "--hidden", "3", "--batch-size", "5", "--fast-repeats", "1",
    )  # fmt: skip
    out = result.stdout
    assert re.search(r"ratio loop / fast: +\d+x", out), out
    agreements = re.findall(r"^  (W1|b1|W2|b2) +\|\|diff\|\| / \|\|ref\|\| = (\S+)", out, re.M)
    assert sorted(name for name, _ in agreements) == ["W1", "W2", "b1", "b2"], out
    assert all(float(value) <= 1e-6 for _, value in agreements), agreements


@requires_mnist
@pytest.mark.slow
def test_bench_gpu_prints_cpu_column_and_says_why_gpu_is_skipped():
    from common import backend

    result = run_script("benchmarks/bench_gpu.py", "--steps", "2", "--gpu-steps", "2")
    out = result.stdout
    rows = [line for line in out.splitlines() if line.startswith("784-")]
    assert len(rows) == 2, out
    for line in rows:
        assert float(line.split()[-3]) > 0, line  # the CPU column: ms per step
    if backend.gpu_available():
        assert all(line.rstrip().endswith("x") for line in rows), out
    else:
        assert all("skipped" in line for line in rows), out
        assert "GPU column skipped: " in out
