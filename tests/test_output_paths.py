"""Every output option (``--save``, ``--output``, ``--dot``) follows one rule (issue 22):
a regular file or a new name in a writable folder, written whole under a temporary name
of its own, never a device, a FIFO or a link to one; ``--dot -`` writes to stdout; an
unwritable folder or a full disk is one line naming the folder and ``--save``.

Special files are made with os.mkfifo and os.mknod in a temporary folder, never /dev.
"""

import argparse
import errno
import os
import stat
import subprocess
import sys

from common import cli, plotting

import matplotlib.pyplot as plt
import pytest
from conftest import REPO


def special_files(folder, stdout_link=False):
    """In ``folder``: a FIFO, a link to it, a character device (root only: made like
    /dev/null, 1:3) and, with ``stdout_link``, a link to the stdout of the process that
    opens it (like /dev/stdout; a pipe under subprocess, so only for scripts run so).
    Returns {kind: path}."""
    made = {"fifo": folder / "fifo", "fifo-link": folder / "fifo-link"}
    os.mkfifo(made["fifo"])
    os.symlink(made["fifo"], made["fifo-link"])
    if stdout_link:
        made["stdout-link"] = folder / "stdout"
        os.symlink("/proc/self/fd/1", made["stdout-link"])
    try:
        os.mknod(folder / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        made["char-device"] = folder / "null"
    except PermissionError:  # not root: the two others still cover the rule
        pass
    return made


def kind_of(path):
    mode = os.lstat(path).st_mode
    return stat.S_IFMT(mode)


def test_output_file_refuses_what_is_not_a_regular_file(tmp_path):
    for path in special_files(tmp_path).values():
        with pytest.raises(argparse.ArgumentTypeError, match="not a regular file"):
            cli.output_file(str(path))
    os.symlink(tmp_path / "nothing", tmp_path / "dangling")
    with pytest.raises(argparse.ArgumentTypeError, match="link to nothing"):
        cli.output_file(str(tmp_path / "dangling"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder"):
        cli.output_file(str(tmp_path))


def test_output_file_takes_regular_files_new_names_links_and_stdout(tmp_path):
    (tmp_path / "old.txt").write_text("old")
    os.symlink(tmp_path / "old.txt", tmp_path / "link.txt")
    for name in ("old.txt", "new.txt", "link.txt", "sub/new.txt"):
        assert cli.output_file(str(tmp_path / name)) == str(tmp_path / name)
    assert cli.output_file_or_stdout("-") == "-"
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder"):
        cli.output_file_or_stdout(str(tmp_path))


def test_atomic_path_refuses_a_special_file_made_after_parsing(tmp_path):
    for path in special_files(tmp_path).values():
        before = kind_of(path)
        with pytest.raises(cli.OutputError, match="not replaced"), cli.atomic_path(str(path)):
            pytest.fail("the block must not run")
        assert kind_of(path) == before  # still a FIFO, a device, a link
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_atomic_path_writes_through_a_link_and_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    os.symlink(target, tmp_path / "link.txt")
    with cli.atomic_path(str(tmp_path / "link.txt")) as temp:
        assert os.path.dirname(temp) == str(tmp_path) and temp.endswith(".part")
        with open(temp, "w") as out:
            out.write("new")
    assert os.path.islink(tmp_path / "link.txt") and target.read_text() == "new"
    with pytest.raises(ZeroDivisionError), cli.atomic_path(str(target)) as temp:
        open(temp, "w").write("half")
        raise ZeroDivisionError
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


def test_two_writers_get_two_temporary_names(tmp_path):
    with cli.atomic_path(str(tmp_path / "a.png")) as first:
        with cli.atomic_path(str(tmp_path / "a.png")) as second:
            assert first != second
            open(second, "w").write("2")
        open(first, "w").write("1")
    assert (tmp_path / "a.png").read_text() == "1" and len(list(tmp_path.iterdir())) == 1


# --- figures: a folder that cannot be written is one line ----------------------------------


def one_figure():
    fig, axis = plt.subplots()
    axis.plot([0, 1])
    return {"line": fig}


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_an_unwritable_folder_or_full_disk_is_one_line_naming_it(tmp_path, monkeypatch, code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(plt.Figure, "savefig", fail)
    with pytest.raises(cli.OutputError) as info:
        plotting.show_or_save(one_figure(), str(tmp_path / "figs"))
    message = str(info.value)
    assert str(tmp_path / "figs") in message and "--save" in message and "\n" not in message
    assert os.strerror(code) in message
    assert list((tmp_path / "figs").iterdir()) == []  # no temporary file either


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder no one may write into: chmod for a normal user; for root, whom permission
    bits do not stop, a read-only tmpfs mounted there (skipped where it cannot be)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot mount a read-only tmpfs: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_figure_script_in_a_read_only_folder_says_so_in_one_line(read_only_folder):
    result = subprocess.run(
        [sys.executable, str(REPO / "ch03" / "relu.py")],
        cwd=read_only_folder,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=120,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot write figures into '{read_only_folder}/figures'")
    assert "--save DIR" in lines[0]


# --- ch05/computational_graph.py --dot --------------------------------------------------


def graph(*args, cwd=None):
    return subprocess.run(
        [sys.executable, str(REPO / "ch05" / "computational_graph.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=300,
    )


@pytest.mark.slow
def test_dot_to_stdout_is_pure_dot_text(tmp_path):
    result = graph("--dot", "-", "--save", str(tmp_path), "--batch-size", "2", "--hidden", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("digraph") and result.stdout.rstrip().endswith("}")
    assert "saved figure" in result.stderr and "saved" not in result.stdout


@pytest.mark.slow
def test_dot_refuses_special_files_and_leaves_them_as_they_are(tmp_path):
    made = special_files(tmp_path, stdout_link=True)
    for path in made.values():
        before = kind_of(path)
        result = graph("--dot", str(path), "--save", str(tmp_path / "figs"))
        assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and kind_of(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in made.values())


@pytest.mark.slow
def test_two_scripts_saving_into_one_folder_never_collide(tmp_path):
    """`relu.py --save S & relu.py --save S` lost a rename in 21 of 51 trials when both
    used the temporary name relu.png.tmp.png."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    command = [sys.executable, str(REPO / "ch03" / "relu.py"), "--save", str(tmp_path)]
    for _ in range(4):
        runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)]
        runs.append(subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True))
        for run in runs:
            assert run.wait(timeout=120) == 0, run.stderr.read()
            run.stderr.close()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["relu.png"]
