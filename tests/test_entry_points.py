"""Every chapter script starts four ways: from the repository root, from its own
folder, as a module (python -m chXX.name), and under pdb -- with no sys.path hack.

``--help`` exercises the whole import chain without doing the work, so all
scripts are checked that way; one real run per way checks a training script.
"""
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO, requires_mnist

SCRIPTS = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("ch0[3-6]/*.py")
                 if '__name__ == "__main__"' in p.read_text())
WAYS = ("root", "chapter_folder", "module", "pdb")


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
    result = subprocess.run(command + list(args), cwd=cwd, input=stdin, capture_output=True,
                            text=True, timeout=300, env={**__import__("os").environ, "MPLBACKEND": "Agg"})
    return result.returncode, result.stdout + result.stderr


def test_there_are_scripts_to_check():
    assert len(SCRIPTS) >= 20, SCRIPTS


def test_no_script_touches_sys_path():
    offenders = [p.name for p in REPO.glob("ch0[3-6]/*.py") if re.search(r"sys\.path\.(append|insert)", p.read_text())]
    assert offenders == []


@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_every_script_shows_help(way):
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(SCRIPTS, pool.map(lambda s: start(s, way, "--help"), SCRIPTS)))
    failures = {s: out[-800:] for s, (code, out) in results.items() if code != 0 or "usage:" not in out}
    assert not failures, failures


@requires_mnist
@pytest.mark.slow
@pytest.mark.parametrize("way", WAYS)
def test_training_script_runs(way):
    code, out = start("ch05/train_neuralnet.py", way, "--iters", "30")
    assert code == 0, out
    assert "final test acc" in out
