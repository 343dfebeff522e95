"""Tests for common/threads.py: one BLAS thread for a step, the free cores for an evaluation,
DLFS_CPU_THREADS to override both."""

import os
import subprocess
import sys
import textwrap

from common import threads

import pytest

PROBE = """
    from threadpoolctl import ThreadpoolController
    import numpy as np
    from common import threads
    at_import = threads.get_cpu_threads()
    blas = ThreadpoolController().select(user_api="blas").info()
    library = max(lib["num_threads"] for lib in blas)
    with threads.evaluation():
        evaluating = threads.get_cpu_threads()
    assert threads.get_cpu_threads() == at_import  # switched back after the block
    threads.set_cpu_threads(0)
    every_core = threads.get_cpu_threads()
    threads.set_cpu_threads(1)
    print(at_import, library, every_core, threads.get_cpu_threads(), evaluating)
    """


def probe(value):
    """(threads at import, as BLAS reports them, after set_cpu_threads(0), after (1), and
    inside evaluation() with the threads set at import)."""
    env = {k: v for k, v in os.environ.items() if k != threads.THREADS_VAR}
    if value is not None:
        env[threads.THREADS_VAR] = value
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return tuple(map(int, result.stdout.split())), result.stderr


def test_default_is_one_thread_and_the_free_cores_for_an_evaluation():
    (at_import, library, every_core, pinned, evaluating), _ = probe(None)
    assert at_import == library == 1
    assert 1 <= evaluating <= len(os.sched_getaffinity(0))
    assert every_core >= 1  # the library decides (every core, unless built with fewer)
    assert pinned == 1


def test_zero_means_the_library_default_for_both():
    (at_import, library, every_core, _, evaluating), _ = probe("0")
    default, _ = probe(None)
    assert at_import == library == every_core == evaluating == default[2]


def test_a_count_is_applied_at_import_to_both():
    (at_import, library, _, _, evaluating), _ = probe("2")
    assert at_import == library == evaluating == 2


def test_a_bad_value_does_not_break_the_import_and_keeps_the_default():
    (at_import, _, _, _, evaluating), stderr = probe("two")
    assert at_import == 1 and 1 <= evaluating <= len(os.sched_getaffinity(0))
    assert stderr == ""  # reported by common.cli.setup (see test_cli.py)


def test_parse_threads_names_the_variable():
    assert threads.parse_threads(" 3 ") == 3
    for bad in ("-1", "1.5", "", "abc", "²", "٣"):  # digits to str.isdigit, not to int()
        try:
            threads.parse_threads(bad)
        except ValueError as exc:
            assert "DLFS_CPU_THREADS" in str(exc) and repr(bad.strip()) in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")


def fake_loadavg(tmp_path, monkeypatch, runnable):
    path = tmp_path / "loadavg"
    path.write_text(f"0.50 0.40 0.30 {runnable}/345 12345\n")
    monkeypatch.setattr(threads, "LOADAVG", str(path))


def test_free_cores_are_the_usable_cores_less_the_other_runnable_tasks(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    fake_loadavg(tmp_path, monkeypatch, 1)  # only this process runs: every core is free
    assert threads.free_cores() == 4
    fake_loadavg(tmp_path, monkeypatch, 3)  # two busy programs
    assert threads.free_cores() == 2
    fake_loadavg(tmp_path, monkeypatch, 9)  # more than the cores: still one thread
    assert threads.free_cores() == 1


def test_a_program_passing_through_is_not_counted(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    counts = iter([2, 1, 2])  # another program is starting (or ending) at the first reading
    monkeypatch.setattr(threads, "_runnable_tasks", lambda: next(counts))
    assert threads.free_cores() == 2
    counts = iter([2, 2, 2])  # it stays: it is running
    assert threads.free_cores() == 1
    counts = iter([1])  # only us: one reading is enough
    assert threads.free_cores() == 2


def test_free_cores_is_one_where_the_kernel_gives_no_count(tmp_path, monkeypatch):
    monkeypatch.setattr(threads, "LOADAVG", str(tmp_path / "missing"))
    assert threads.free_cores() == 1
    monkeypatch.delattr(os, "sched_getaffinity")  # macOS, Windows
    assert threads.free_cores() == 1


@pytest.fixture
def restored_counts():
    """Put back both counts (a step's, an evaluation's) that a test changes."""
    saved = threads._step_threads, threads._evaluation_threads
    yield
    threads.set_cpu_threads(*saved)


def test_evaluation_switches_to_its_count_and_back_even_on_an_error(restored_counts):
    threads.set_cpu_threads(1, evaluation=2)
    try:
        with threads.evaluation():
            assert threads.get_cpu_threads() == 2
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert threads.get_cpu_threads() == 1
    threads.set_cpu_threads(2)  # one count: evaluation() keeps it
    with threads.evaluation():
        assert threads.get_cpu_threads() == 2


def test_nested_evaluations_keep_their_count_until_the_outermost_ends(restored_counts):
    threads.set_cpu_threads(1, evaluation=2)
    with threads.evaluation():
        with threads.evaluation():
            assert threads.get_cpu_threads() == 2
        assert threads.get_cpu_threads() == 2  # still inside the outer block
    assert threads.get_cpu_threads() == 1


def test_the_default_gives_evaluations_the_free_cores(monkeypatch, restored_counts):
    monkeypatch.delenv(threads.THREADS_VAR, raising=False)
    monkeypatch.setattr(threads, "free_cores", lambda: 3)
    threads.apply_environment()
    assert threads.describe() == "1+3"
    assert threads.get_cpu_threads() == 1
    with threads.evaluation():
        assert threads.get_cpu_threads() == 3
    monkeypatch.setenv(threads.THREADS_VAR, "2")
    threads.apply_environment()
    assert threads.describe() == "2"


def test_accuracy_runs_its_products_with_the_evaluation_count(restored_counts):
    from common.util import accuracy

    import numpy as np

    seen = []

    def predict(x):
        seen.append(threads.get_cpu_threads())
        return x

    threads.set_cpu_threads(1, evaluation=2)
    x = np.eye(3, dtype=np.float32)
    assert accuracy(predict, x, np.arange(3), chunk=2) == 1.0
    assert seen == [2, 2] and threads.get_cpu_threads() == 1
