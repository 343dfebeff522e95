"""Shared test set-up: devices, a session temp folder removed at the end, and a script runner.

* ``@pytest.mark.gpu`` tests skip, with the reason, where CuPy or a GPU is missing.
* ``@pytest.mark.cpu_only`` tests skip when the suite runs on another device
  (DLFS_DEVICE=gpu, or the stand-in DLFS_DEVICE=strict that CI uses to catch
  host/device mix-ups without a GPU; see tests/strict_device.py).
* The strict stand-in is plugged into ``common.backend`` here, and, through
  ``tests/sitecustomize.py`` on ``PYTHONPATH``, in every process the tests start.
* The MNIST cache and pytest's ``tmp_path`` folders go to one temporary folder per session
  (never the user's cache), deleted when the session ends: a run leaves nothing behind.
* ``run_script`` runs a chapter script headless in a subprocess.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
SESSION_DIR = tempfile.mkdtemp(prefix="dlfs-tests-")

# Set before anything imports the dataset module or starts a subprocess.
os.environ.setdefault("DLFS_CACHE_DIR", os.path.join(SESSION_DIR, "mnist-cache"))
os.environ["MPLBACKEND"] = "Agg"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
# One BLAS thread: tests are not benchmarks, and on a shared machine OpenBLAS's
# waiting threads slow small products down many times (see common/threads.py).
os.environ.setdefault("DLFS_CPU_THREADS", "1")

from common import backend  # noqa: E402  (after the environment is set)

import strict_device  # noqa: E402  (tests/ is on sys.path, as for gradcheck)

strict_device.install()  # DLFS_DEVICE=strict selects it now


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path plugin reads --basetemp
def pytest_configure(config):
    if config.option.basetemp is None:
        config.option.basetemp = os.path.join(SESSION_DIR, "tmp_path")
    try:
        backend.get_xp()  # DLFS_DEVICE=gpu without one, or a device that does not exist
    except backend.DeviceError as exc:
        pytest.exit(f"{exc}", returncode=1)


def pytest_unconfigure(config):
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


def pytest_report_header(config):
    mnist_dir = os.environ.get("MNIST_DIR", "(not set)")
    return f"dlfs device: {backend.get_device()}   MNIST_DIR: {mnist_dir}"


def _why_no_gpu():
    try:
        with backend.using_device("gpu"):
            return None
    except backend.DeviceError as exc:
        return f"no GPU here: {exc}"


def pytest_collection_modifyitems(config, items):
    device = backend.get_device()
    gpu_reason = _why_no_gpu()
    for item in items:
        if "gpu" in item.keywords and gpu_reason:
            item.add_marker(pytest.mark.skip(reason=gpu_reason))
        if "cpu_only" in item.keywords and device != "cpu":
            reason = f"about CPU-only behaviour; the suite runs with DLFS_DEVICE={device}"
            item.add_marker(pytest.mark.skip(reason=reason))


def mnist_available():
    return bool(os.environ.get("MNIST_DIR")) or any(
        Path(os.environ["DLFS_CACHE_DIR"]).glob("*.npz")
    )


requires_mnist = pytest.mark.skipif(
    not mnist_available(),
    reason="needs MNIST: set MNIST_DIR to a folder with the four MNIST files "
    "(CI uses ../shared/data/mnist)",
)


def run_script(script, *args, cwd=None, module=False, timeout=300, check=True, env=None):
    """Run ``script`` (a path relative to the repository, e.g. 'ch05/buy_apple.py').

    module=True runs it as ``python -m chXX.name``.  Returns the CompletedProcess;
    with check=True a non-zero exit fails the test and shows the output.
    """
    if module:
        command = [sys.executable, "-m", script.removesuffix(".py").replace("/", ".")]
    else:
        command = [sys.executable, str(REPO / script)]
    full_env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1", **(env or {}))
    result = subprocess.run(
        command + [str(a) for a in args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} {' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}"
        )
    return result
