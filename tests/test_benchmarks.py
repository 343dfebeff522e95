"""The benchmark scripts run and print what the README quotes from them.

Sizes are tiny: these check that each script works and reports its figures in
the documented form, not how fast anything is (timed tests would only measure
the machine's noise; the README's figures come from full runs).
"""
import importlib.util
import re

import pytest

from conftest import requires_mnist, run_script

pytestmark = [requires_mnist, pytest.mark.slow]


def test_bench_ch05_train_prints_table_and_ratios():
    result = run_script("benchmarks/bench_ch05_train.py", "--rounds", "1", "--iters", "30")
    out = result.stdout
    rows = {name: line for name in ("course (ch05/train_neuralnet.py)", "book-style baseline", "PyTorch CPU")
            for line in out.splitlines() if line.startswith(name + " ")}
    assert "course (ch05/train_neuralnet.py)" in rows and "book-style baseline" in rows, out
    for line in rows.values():
        wall, peak, accuracy, relative = (float(v) for v in line.split()[-4:])
        assert wall > 0 and peak > 0 and 0 <= accuracy <= 1 and relative > 0
    assert float(rows["course (ch05/train_neuralnet.py)"].split()[-1]) == 1.0
    assert re.search(r"^course / book-style baseline: \d+\.\d\dx the time$", out, re.M), out
    if importlib.util.find_spec("torch") is None:
        assert "PyTorch is not installed: its column is skipped" in out
        assert "PyTorch CPU" not in rows
    else:
        assert re.search(r"^course / PyTorch CPU: \d+\.\d\dx the time$", out, re.M), out


def test_bench_numerical_gradient_reports_speedup_and_agreement():
    result = run_script("benchmarks/bench_numerical_gradient.py",
                        "--hidden", "3", "--batch-size", "5", "--fast-repeats", "1")
    out = result.stdout
    assert re.search(r"ratio loop / fast: +\d+x", out), out
    agreements = re.findall(r"^  (W1|b1|W2|b2) +\|\|diff\|\| / \|\|ref\|\| = (\S+)", out, re.M)
    assert sorted(name for name, _ in agreements) == ["W1", "W2", "b1", "b2"], out
    assert all(float(value) <= 1e-6 for _, value in agreements), agreements


def test_bench_gpu_prints_cpu_column_and_says_why_gpu_is_skipped():
    from common import backend
    result = run_script("benchmarks/bench_gpu.py", "--steps", "2", "--gpu-steps", "2")
    out = result.stdout
    rows = [line for line in out.splitlines() if line.startswith("784-")]
    assert len(rows) == 2, out
    if backend.gpu_available():
        assert all(line.rstrip().endswith("x") for line in rows), out
    else:
        assert all("skipped" in line for line in rows), out
        assert "GPU column skipped: " in out


def test_profile_ch05_parts_accounts_for_the_whole_run():
    result = run_script("benchmarks/profile_ch05_parts.py", "--iters", "50")
    lines = result.stdout.splitlines()
    parts = [line for line in lines[2:] if not line.startswith("total")]
    total = float(next(line for line in lines if line.startswith("total")).split()[-1])
    seconds = [float(line.split()[-2]) for line in parts]
    shares = [float(line.split()[-1].rstrip("%")) for line in parts]
    assert len(parts) == 10, result.stdout
    assert all(s >= 0 for s in seconds)
    assert sum(seconds) == pytest.approx(total, abs=0.01 * len(parts))
    assert sum(shares) == pytest.approx(100, abs=0.1 * len(parts))
