"""notebooks/run_all.py fails in one line naming the notebook and the cell (issue 22, item 5):
an error in a cell, no python3 kernel, a kernel that dies at start, Ctrl-C during a cell.
The stored notebook is never touched by a failed run.  Each fault is made in a temporary
folder holding a small notebook of its own."""

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import REPO

RUN_ALL = REPO / "notebooks" / "run_all.py"


@pytest.fixture(scope="module")
def run_all():
    spec = importlib.util.spec_from_file_location("run_all", RUN_ALL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notebook(folder, name, *cells):
    """Write ``<name>.nb.py`` (py:percent) with these code cells into ``folder``."""
    text = "".join(f"# %%\n{textwrap.dedent(cell).strip()}\n\n" for cell in cells)
    (folder / f"{name}.nb.py").write_text(text)
    return folder


@pytest.mark.slow
def test_an_error_in_a_cell_is_one_line_naming_the_cell(run_all, tmp_path):
    notebook(tmp_path, "bad", "x = 1", 'raise ValueError("broken on purpose")')
    with pytest.raises(run_all.NotebookFailed) as info:
        run_all.run("bad", folder=tmp_path)
    assert str(info.value) == (
        'bad.nb.py: cell 2 (`raise ValueError("broken on purpose")`): ValueError: '
        "broken on purpose; bad.ipynb left as it was"
    )
    assert not (tmp_path / "bad.ipynb").exists()


def test_no_kernel_is_one_line_saying_what_to_install(run_all, tmp_path, monkeypatch):
    monkeypatch.setattr(run_all, "KERNEL_NAME", "no-such-kernel-here")
    notebook(tmp_path, "any", "x = 1")
    with pytest.raises(run_all.NotebookFailed) as info:
        run_all.run("any", folder=tmp_path)
    message = str(info.value)
    assert "no Jupyter kernel named 'no-such-kernel-here'" in message and "\n" not in message
    assert "requirements-notebooks.txt" in message and not (tmp_path / "any.ipynb").exists()


@pytest.mark.slow
def test_a_kernel_that_dies_at_start_is_one_line(run_all, tmp_path):
    fake = tmp_path / "fake"  # found before the real ipykernel_launcher: exits at once
    fake.mkdir()
    (fake / "ipykernel_launcher.py").write_text("raise SystemExit(3)\n")
    env = dict(run_all.kernel_environment(), PYTHONPATH=str(fake))
    nb = run_all.jupytext.read(notebook(tmp_path, "any", "x = 1") / "any.nb.py")
    with pytest.raises(run_all.NotebookFailed, match="^the kernel did not start") as info:
        run_all.execute(nb, cwd=tmp_path, env=env)
    assert "\n" not in str(info.value)


CTRL_C_CHILD = """
import sys, importlib.util
from pathlib import Path
spec = importlib.util.spec_from_file_location("run_all", sys.argv[1])
run_all = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_all)
from common.cli import run
run(lambda argv: run_all.run("slow", folder=Path(sys.argv[2])))
"""


@pytest.mark.slow
def test_ctrl_c_during_a_cell_is_one_line_and_status_130(tmp_path):
    started = tmp_path / "started"
    notebook(
        tmp_path, "slow", "import time", f"open({str(started)!r}, 'w').close()\ntime.sleep(60)"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD, str(RUN_ALL), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), child.communicate(timeout=30)
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C reaches the kernel and run_all alike
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    lines = [line for line in err.splitlines() if line.strip()]
    assert child.returncode == 130, err
    assert len(lines) == 1, err
    assert lines[0].startswith("stopped by Ctrl-C in cell 2 (`open(") and "slow.nb.py" in lines[0]
    assert not (tmp_path / "slow.ipynb").exists()
