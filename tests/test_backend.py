"""Tests for common/backend.py: device selection, moving arrays, and the errors a
missing GPU gives (in-process, at import time, and from a script's --device)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from gradcheck import preserved_backend

from common import backend
from common.backend import DeviceError

using_device = backend.using_device


@pytest.fixture
def no_cupy(monkeypatch):
    """Make `import cupy` fail, as on a machine without it (whether or not it is installed)."""
    monkeypatch.setitem(sys.modules, "cupy", None)


def run_python(code, block_cupy=False, **env):
    """Run ``code`` in a fresh interpreter; block_cupy makes it behave as if CuPy were absent."""
    code = textwrap.dedent(code)
    if block_cupy:
        code = "import sys\nsys.modules['cupy'] = None\n" + code
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=60,
    )


# --------------------------------------------------------------------------- the CPU path


def test_get_array_module_of_numpy_arrays_and_scalars():
    assert backend.get_array_module(np.zeros(3)) is np
    assert backend.get_array_module(np.float32(1.0)) is np
    assert backend.get_array_module([1, 2]) is np


def test_to_cpu_returns_numpy():
    x = np.arange(4.0)
    assert backend.to_cpu(x) is x  # no copy for an array already on the CPU
    listed = backend.to_cpu([1.0, 2.0])
    assert isinstance(listed, np.ndarray) and listed.tolist() == [1.0, 2.0]


def test_use_cpu_device():
    with using_device(" CPU ") as xp:
        assert xp is np
        assert backend.get_xp() is np and backend.get_device() == "cpu"
        x = np.ones((2, 2), dtype=np.float32)
        moved = backend.to_device(x)
        assert isinstance(moved, np.ndarray) and moved.dtype == np.float32
        np.testing.assert_array_equal(moved, x)
        assert isinstance(backend.to_device([1, 2]), np.ndarray)


def test_use_device_none_means_cpu():
    with preserved_backend():
        assert backend.use_device(None) is np
        assert backend.get_device() == "cpu"


def test_unknown_device():
    with preserved_backend():
        device_before = backend.get_device()
        with pytest.raises(DeviceError) as info:
            backend.use_device("tpu")
        assert "tpu" in str(info.value) and "cpu" in str(info.value) and "gpu" in str(info.value)
        assert backend.get_device() == device_before
    assert issubclass(DeviceError, RuntimeError)


def test_seed_makes_numpy_reproducible():
    backend.seed(42)
    a = np.random.rand(3)
    backend.seed(42)
    np.testing.assert_array_equal(np.random.rand(3), a)


# --------------------------------------------------------------------------- without CuPy


@pytest.mark.cpu_only
def test_gpu_without_cupy_is_a_clear_one_line_error(no_cupy):
    with preserved_backend():
        with pytest.raises(DeviceError) as info:
            backend.use_device("gpu")
        message = str(info.value)
        assert "\n" not in message
        assert "CuPy" in message and "not installed" in message and "pip install cupy" in message
        # nothing changed
        assert backend.get_device() == "cpu" and backend.get_xp() is np
    assert not backend.gpu_available()
    with pytest.raises(DeviceError, match="CuPy"):
        backend.to_gpu(np.zeros(2))


@pytest.mark.cpu_only
def test_dlfs_device_gpu_does_not_break_import_but_get_xp_raises():
    result = run_python(
        """
        from common import backend
        import common.functions, common.layers, common.optimizer, common.trainer
        from common.multi_layer_net_extend import MultiLayerNetExtend
        print("imported")
        try:
            backend.get_xp()
        except backend.DeviceError as exc:
            print("DeviceError:", exc)
        else:
            raise SystemExit("get_xp() did not raise")
        try:
            MultiLayerNetExtend(4, [3], 2)  # must not quietly build on the CPU
        except backend.DeviceError:
            print("network refused")
        """,
        block_cupy=True,
        DLFS_DEVICE="gpu",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "imported"
    assert lines[1].startswith("DeviceError: $DLFS_DEVICE=gpu:") and "CuPy" in lines[1]
    assert lines[2] == "network refused"
    assert "Traceback" not in result.stderr


@pytest.mark.cpu_only
def test_dlfs_device_unknown_is_reported_by_get_xp():
    result = run_python(
        """
        from common import backend
        try:
            backend.get_xp()
        except backend.DeviceError as exc:
            print(exc)
        """,
        DLFS_DEVICE="tpu",
    )
    assert result.returncode == 0, result.stderr
    assert "tpu" in result.stdout


@pytest.mark.cpu_only
def test_dlfs_device_cpu_is_numpy():
    result = run_python(
        "from common import backend; import numpy; print(backend.get_xp() is numpy)",
        DLFS_DEVICE="cpu",
    )
    assert result.returncode == 0 and result.stdout.strip() == "True"


@pytest.mark.cpu_only
def test_script_device_gpu_exits_with_one_line_and_no_traceback():
    result = run_python(
        """
        from common.cli import script_parser, setup
        parser = script_parser("a tiny script", training=True)
        args = parser.parse_args(["--device", "gpu"])
        setup(args)
        print("should not get here")
        """,
        block_cupy=True,
        DLFS_DEVICE="cpu",
    )
    assert result.returncode != 0
    assert "should not get here" not in result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert (
        lines[0].startswith("error: --device gpu:")
        and "CuPy" in lines[0]
        and "pip install" in lines[0]
    )


@pytest.mark.cpu_only
def test_script_device_cpu_runs_and_seeds():
    result = run_python("""
        import numpy as np
        from common import backend
        from common.cli import script_parser, setup
        parser = script_parser("a tiny script", training=True)
        args = parser.parse_args(["--device", "cpu", "--seed", "7"])
        setup(args)
        first = np.random.rand()
        np.random.seed(7)
        print(backend.get_device(), first == np.random.rand())
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "cpu True"


# --------------------------------------------------------------------------- with a GPU


@pytest.mark.gpu
def test_gpu_round_trip():
    with using_device("gpu") as xp:
        assert backend.get_device() == "gpu" and xp.__name__ == "cupy"
        x = np.random.RandomState(0).randn(3, 4).astype(np.float32)
        on_gpu = backend.to_device(x)
        assert isinstance(on_gpu, xp.ndarray) and on_gpu.dtype == np.float32
        assert backend.get_array_module(on_gpu) is xp
        assert backend.to_device(on_gpu) is on_gpu  # already there: unchanged
        assert isinstance(backend.to_gpu(x), xp.ndarray)
        back = backend.to_cpu(on_gpu)
        assert isinstance(back, np.ndarray)
        np.testing.assert_array_equal(back, x)
        assert backend.gpu_available()
