"""Ctrl-C and SIGTERM end every entry point in one line, with status 130 or 143, and leave no
temporary file behind (issue 22, items 2 and 6; common/signals.py and cli.run).

SIGTERM "at the save moment" is sent once the writer's temporary file exists: the test polls
for it, and the child's writer waits after writing part of the file, so the moment is sure.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO, requires_mnist

ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}


def start(args, **kwargs):
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, **kwargs
    )


def parts(folder):
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".part"))


def wait_for_part(child, folder, timeout=120):
    """Poll until a temporary .part file appears in ``folder`` (the save moment)."""
    deadline = time.monotonic() + timeout
    while not parts(folder):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "no temporary file appeared"
        time.sleep(0.01)


def stopped(child, sig):
    child.send_signal(sig)
    out, err = child.communicate(timeout=60)
    return child.returncode, [line for line in err.splitlines() if line.strip()]


SLOW_FIGURE = """
import sys, time
import matplotlib.pyplot as plt
from common import cli, plotting

real = plt.Figure.savefig
def slow_savefig(fig, path, **kwargs):  # writes the PNG, then is caught saving it
    real(fig, path, **kwargs)
    print("saving", flush=True)  # the test signals now, while the temporary file is there
    time.sleep(60)
plt.Figure.savefig = slow_savefig
fig, axis = plt.subplots()
axis.plot([0, 1])
cli.run(lambda argv: plotting.show_or_save({"line": fig}, sys.argv[1]))
"""

SLOW_WEIGHTS = """
import sys, time
import numpy as np
from common import cli
from ch03 import train_sample_weight

real = np.savez
def slow_savez(file, **arrays):  # writes the arrays, then is caught saving them
    real(file, **arrays)
    file.flush()
    print("saving", flush=True)  # the test signals now, while the temporary file is there
    time.sleep(60)
np.savez = slow_savez
params = {"W1": np.ones((3, 2)), "b1": np.zeros(2)}
cli.run(lambda argv: train_sample_weight.save_weights(params, sys.argv[1]))
"""


@pytest.mark.parametrize("sig, status, word", [(signal.SIGTERM, 143, "SIGTERM"),
                                               (signal.SIGINT, 130, "Ctrl-C")])  # fmt: skip
@pytest.mark.parametrize("writer", ["figure", "weights"])
def test_a_signal_at_the_save_moment_leaves_nothing(tmp_path, writer, sig, status, word):
    """loss.png.tmp.png and w.npz.XXXXXXXX.part were left by SIGTERM, 3 of 3 runs each."""
    if writer == "figure":
        child = start([sys.executable, "-c", SLOW_FIGURE, str(tmp_path)])
    else:
        child = start([sys.executable, "-c", SLOW_WEIGHTS, str(tmp_path / "w.npz")])
    wait_for_part(child, tmp_path)
    assert child.stdout.readline() == "saving\n"  # in the middle of the save, not before it
    code, lines = stopped(child, sig)
    assert code == status and lines == [f"stopped by {word}"], lines
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig, status, word", [(signal.SIGINT, 130, "Ctrl-C"),
                                               (signal.SIGTERM, 143, "SIGTERM")])  # fmt: skip
def test_a_signal_while_matplotlib_is_imported_is_one_line(sig, status, word):
    """Before cli.run takes over: the hooks that `import common` installs answer."""
    code = f"import common, os; os.kill(os.getpid(), {int(sig)}); import matplotlib.pyplot"
    child = start([sys.executable, "-c", code])
    out, err = child.communicate(timeout=60)
    lines = [line for line in err.splitlines() if line.strip()]
    assert child.returncode == status and lines == [f"stopped by {word}"], err


@pytest.mark.parametrize("delay", [0.4, 0.7, 1.0])  # after Python itself has started
def test_ctrl_c_early_in_a_script_is_one_line(tmp_path, delay):
    """computational_graph imports common first: Ctrl-C during its imports is one line."""
    script = str(REPO / "ch05" / "computational_graph.py")
    child = start([sys.executable, script, "--save", str(tmp_path)])
    time.sleep(delay)
    code, lines = stopped(child, signal.SIGINT)
    if code == 0:
        pytest.skip("the script finished before the signal came")  # a very fast machine
    assert code == 130 and len(lines) == 1 and lines[0].startswith("stopped by Ctrl-C"), lines
    assert parts(tmp_path) == []


def test_a_bogus_mplbackend_is_one_line_naming_it():
    child = subprocess.run(
        [sys.executable, "-c", "import common; import matplotlib.pyplot"],
        capture_output=True,
        text=True,
        env={**ENV, "MPLBACKEND": "bogus"},
        timeout=60,
    )
    assert child.returncode == 2 and child.stderr.strip().splitlines() == [
        "error: MPLBACKEND='bogus' is not a Matplotlib backend; unset it or use Agg"
    ]


@requires_mnist
@pytest.mark.slow
def test_ctrl_c_while_python_m_dataset_mnist_builds_the_cache(tmp_path):
    """It printed 25 lines of traceback; through a script it was already one."""
    child = subprocess.Popen(
        [sys.executable, "-m", "dataset.mnist"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**ENV, "DLFS_CACHE_DIR": str(tmp_path)},
    )
    wait_for_part(child, tmp_path)
    code, lines = stopped(child, signal.SIGINT)
    assert code == 130 and lines[-1] == "stopped by Ctrl-C", lines
    assert "Traceback" not in "\n".join(lines) and list(tmp_path.iterdir()) == []


def test_a_reader_that_goes_away_ends_the_script_quietly():
    """`python ch05/train_neuralnet.py | head -1`: no BrokenPipeError traceback, status 141."""
    code = "import common\nfor i in range(200000):\n    print(i)"
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**ENV, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout.readline().strip() == b"0"
    child.stdout.close()  # the reader goes away, as head does after its line
    err = child.stderr.read()
    assert child.wait(timeout=60) == 141 and err == b"", err
