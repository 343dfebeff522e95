"""The exercises' command, working copies and child processes.

The wrong versions of every exercise are in test_exercises_wrong.py.

Every run here uses a working folder under pytest's tmp_path (--dir), never my_exercises/.
"""

import hashlib
import subprocess
import sys
import textwrap

from ch05.two_layer_net import TwoLayerNet
from common.multi_layer_net import MultiLayerNet
from exercises import runner, solutions
from exercises.__main__ import main

import numpy as np
import pytest

STUBS = [runner.PACKAGE / f"{chapter}.py" for chapter in runner.CHAPTERS]


def reference_object(exercise):
    if exercise.key == "ch05.two_layer_net":
        return TwoLayerNet  # the check needs the class; the solution shown is its gradient
    return exercise.reference()


@pytest.mark.parametrize("exercise", runner.EXERCISES, ids=lambda e: e.key)
def test_every_reference_passes_its_check(exercise):
    result = runner.check_object(exercise, reference_object(exercise))
    assert result["status"] == "passed", result


def test_counts_per_chapter():
    counts = {c: sum(e.chapter == c for e in runner.EXERCISES) for c in runner.CHAPTERS}
    assert counts == {"ch03": 5, "ch04": 5, "ch05": 7, "ch06": 10}


def test_solutions_agree_with_the_course():
    r = np.random.default_rng(0)
    net = MultiLayerNet(4, [5], 3, weight_decay_lambda=0.7, dtype=np.float64)
    plain = MultiLayerNet(4, [5], 3, weight_decay_lambda=0, dtype=np.float64)
    for key in net.params:
        plain.params[key][...] = net.params[key]
    x, t = r.normal(size=(2, 4)), np.array([0, 2])
    penalty = net.loss(x, t) - plain.loss(x, t)
    assert np.isclose(solutions.weight_decay_loss(net.params, 0.7), penalty)
    decayed = solutions.weight_decay_gradient(plain.gradient(x, t), net.params, 0.7)
    expected = net.gradient(x, t)
    assert all(np.allclose(decayed[k], expected[k]) for k in expected)
    # the book's three-layer example prints [0.31682708 0.69627909]
    book = {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b2": np.array([0.1, 0.2]),
        "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
        "b3": np.array([0.1, 0.2]),
    }
    assert np.allclose(solutions.forward(book, np.array([1.0, 0.5])), [0.31682708, 0.69627909])
    from ch04.gradient_method import gradient_descent

    def f(x):
        return float(np.sum(x**2))

    start = np.array([-3.0, 4.0])
    assert np.allclose(
        solutions.gradient_descent(f, start, 0.1, 20), gradient_descent(f, start, 0.1, 20)[0]
    )
    assert start.tolist() == [-3.0, 4.0]
    assert np.isclose(solutions.he_scale(50), np.sqrt(2 / 50))
    assert np.isclose(solutions.xavier_scale(50), np.sqrt(1 / 50))


def digests():
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in STUBS}


def run_cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "exercises", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=runner.REPO,
    )


def test_unmodified_stubs_report_not_started_and_stay_unchanged(tmp_path):
    before = digests()
    for chapter in runner.CHAPTERS:
        assert runner.start(chapter, tmp_path) == (tmp_path / f"{chapter}.py", True)
    results = list(runner.run(runner.EXERCISES, tmp_path))
    assert [r["status"] for r in results] == ["not started"] * len(runner.EXERCISES)
    assert all("NotImplementedError" in r["headline"] for r in results)
    assert digests() == before


def test_start_never_overwrites(tmp_path, capsys):
    assert main(["--dir", str(tmp_path), "start", "ch05"]) == 0
    # the check command it suggests looks in the same folder
    assert f"`python -m exercises --dir {tmp_path} check ch05`" in capsys.readouterr().out
    mine = tmp_path / "ch05.py"
    mine.write_text("# my work\n")
    assert main(["--dir", str(tmp_path), "start", "ch05"]) == 0
    out = capsys.readouterr().out
    assert f"{mine} already exists" in out
    assert mine.read_text() == "# my work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ch05.py"]  # no temporary left


def test_check_without_a_copy_says_how_to_start(tmp_path):
    results = list(runner.run(runner.select("ch04"), tmp_path))
    assert {r["status"] for r in results} == {"not started"}
    assert "python -m exercises start ch04" in results[0]["headline"]


BROKEN_CH05 = """
import os
import numpy as np

class MulLayer:
    def forward(self, x, y):
        while True:
            pass

class AddLayer:
    def forward(self, x, y):
        print("adding", x, y)
        return x + y
    def backward(self, dout):
        print("backward")
        return dout, dout

class Relu:
    def forward(self, x):
        return 1 / 0

class Sigmoid:
    def forward(self, x):
        return "a string"

class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
    def forward(self, x):
        return np.zeros((1, 1))

class SoftmaxWithLoss:
    def forward(self, x, t):
        os._exit(3)

class TwoLayerNet:
    def __init__(self, *args):
        raise SystemExit("bye")
"""


def test_broken_code_gives_one_line_each_and_the_rest_runs(tmp_path):
    (tmp_path / "ch05.py").write_text(BROKEN_CH05)
    (tmp_path / "ch03.py").write_text("def relu(x):\n    return x +\n")
    before = digests()
    done = run_cli("--dir", str(tmp_path), "check", "all", "--time-limit", "2")
    assert digests() == before
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line[:2] == "ch"}
    assert "did not finish within 2 s" in lines["ch05.mul_layer"]
    assert "passed" in lines["ch05.add_layer"] and "printed 4 line(s)" in lines["ch05.add_layer"]
    assert "raised ZeroDivisionError: division by zero (at " in lines["ch05.relu"]
    assert "ch05.py line 20)" in lines["ch05.relu"]
    assert "returned str" in lines["ch05.sigmoid"]
    assert "has shape (1, 1), expected (4, 5)" in lines["ch05.affine"]
    assert "exit code 3" in lines["ch05.softmax_with_loss"]
    assert "SystemExit" in lines["ch05.two_layer_net"]
    for key in ("step_function", "sigmoid", "relu", "softmax", "forward"):
        assert f"syntax error in {tmp_path / 'ch03.py'} line 2" in lines[f"ch03.{key}"]
    assert "not started" in lines["ch04.numerical_diff"]  # no copy of ch04: the run goes on
    assert done.stdout.splitlines()[-1] == "passed: ch03 0/5, ch04 0/5, ch05 1/7, ch06 0/10"


def test_a_failure_is_diagnosed(tmp_path):
    (tmp_path / "ch03.py").write_text(
        textwrap.dedent(
            """
            import numpy as np
            def softmax(a):
                e = np.exp(a)
                return e / e.sum(axis=-1, keepdims=True)
            """
        )
    )
    done = run_cli("--dir", str(tmp_path), "check", "ch03.softmax")
    out = done.stdout.splitlines()
    assert out[0].split()[:2] == ["ch03.softmax", "FAILED"]
    assert out[1].startswith("    case: a (3,) float64")
    assert out[2] == "    largest absolute difference nan at [0] (expected 0.999955, got nan)"
    assert out[3] == "    largest relative difference nan at [0] (expected 0.999955, got nan)"
    assert out[4].startswith("    hint: overflow at large scores")
    assert out[-1] == "passed: ch03 0/1"


def test_solution_shows_where_and_prints_it():
    done = run_cli("check", "ch05.affine", "--solution")
    assert done.returncode == 0
    first = done.stdout.splitlines()[0]
    assert first.startswith("ch05.affine: the reference is common/layers.py, class Affine (line ")
    assert "def backward(self, dout):" in done.stdout


def test_unknown_target_is_one_line():
    done = run_cli("check", "ch05.afine")
    assert done.returncode == 2
    assert "unknown exercise 'ch05.afine'" in done.stderr
    assert "Traceback" not in done.stderr
