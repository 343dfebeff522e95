"""Every chapter script starts four ways: from the repository root, from its own
folder, as a module (python -m chXX.name), and under pdb -- with no sys.path hack.

Every script's ``--help`` is checked in this process (runpy, as ``__main__``): that
runs its whole import chain and its argument parser without the work. The four
start modes are checked in subprocesses for a few representative scripts.
"""

import contextlib
import io
import os
import re
import runpy
import subprocess
import sys

import pytest
from conftest import REPO, requires_mnist

SCRIPTS = sorted(
    p.relative_to(REPO).as_posix()
    for p in REPO.glob("ch0[3-6]/*.py")
    if '__name__ == "__main__"' in p.read_text()
)
WAYS = ("root", "chapter_folder", "module", "pdb")
REPRESENTATIVES = ["ch03/step_function.py", "ch06/batch_norm_test.py"]


def start(script, way, *args):
    """Run ``script`` the given way; return (exit code, stdout + stderr)."""
    path = REPO / script
    stdin = None
    if way == "root":
        command, cwd = [sys.executable, script], REPO
    elif way == "chapter_folder":
        command, cwd = [sys.executable, path.name], path.parent
    elif way == "module":
        command, cwd = [sys.executable, "-m", script[:-3].replace("/", ".")], REPO
    else:  # pdb stops before the first line: continue, then quit when it offers a restart
        command, cwd, stdin = [sys.executable, "-m", "pdb", script], REPO, "c\nq\n"
    result = subprocess.run(
        command + list(args),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    return result.returncode, result.stdout + result.stderr


def test_there_are_scripts_to_check():
    assert len(SCRIPTS) >= 25, SCRIPTS


def test_no_script_touches_sys_path():
    offenders = [
        p.name
        for p in REPO.glob("ch0[3-6]/*.py")
        if re.search(r"sys\.path\.(append|insert)", p.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_shows_help(script, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(REPO / script), "--help"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as info:
        runpy.run_path(str(REPO / script), run_name="__main__")
    assert info.value.code == 0
    text = out.getvalue()
    assert text.startswith("usage: ")
    # the docstring's first line is the description
    first_line = (REPO / script).read_text().split('"""')[1].strip().splitlines()[0]
    assert first_line in text


@pytest.mark.slow
@pytest.mark.parametrize("script", REPRESENTATIVES)
@pytest.mark.parametrize("way", WAYS)
def test_representative_scripts_start_every_way(script, way):
    code, out = start(script, way, "--help")
    assert code == 0 and "usage:" in out, out[-800:]


@requires_mnist
@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_training_script_runs(way):
    code, out = start("ch05/train_neuralnet.py", way, "--iters", "30")
    assert code == 0, out
    assert "final test acc" in out


@requires_mnist
@pytest.mark.slow
def test_ctrl_c_stops_training_in_one_line_with_status_130():
    import signal

    process = subprocess.Popen(
        [sys.executable, "ch05/train_neuralnet.py", "--iters", "1000000"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = process.stdout.readline()  # the first evaluation: training has started
        assert first.startswith("epoch   1 |"), first  # the first epoch line, after step 1
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("stopped by Ctrl-C at iteration ") and "test acc" in lines[0]
