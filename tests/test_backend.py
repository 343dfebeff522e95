"""Tests for common/backend.py: device selection, moving arrays, plugging in a device, and the
errors a missing GPU gives (in-process, at import time, and from a script's --device); and for
the test session's temporary folder, which a run leaves behind empty."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from common import backend
from common.backend import DeviceError

import numpy as np
import pytest
from gradcheck import preserved_backend

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


SCRIPT = """
    from common.cli import script_parser, setup
    args = script_parser("a tiny script", training=True).parse_args(sys.argv[1:])
    setup(args)
    print("should not get here")
    """


@pytest.mark.cpu_only
@pytest.mark.parametrize(
    "typed, environment, expected",
    [
        (["--device", "gpu"], "cpu", "error: --device gpu: the GPU backend needs CuPy"),
        (["--device", "gpu"], "gpu", "error: --device gpu: the GPU backend needs CuPy"),
        ([], "gpu", "error: $DLFS_DEVICE=gpu: the GPU backend needs CuPy"),
        ([], " CUDA ", "error: $DLFS_DEVICE=cuda: unknown device 'cuda': choose one of cpu, gpu"),
    ],
)
def test_a_device_that_cannot_be_used_stops_a_script_in_one_line_naming_its_source(
    typed, environment, expected
):
    """What the user typed is named: --device on the command line, else $DLFS_DEVICE."""
    code = "import sys\nsys.modules['cupy'] = None\n" + textwrap.dedent(SCRIPT)
    result = subprocess.run(
        [sys.executable, "-c", code, *typed],
        capture_output=True,
        text=True,
        env=dict(os.environ, DLFS_DEVICE=environment),
        timeout=60,
    )
    assert result.returncode == 1 and "should not get here" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    if "CuPy" in expected:
        assert "pip install cupy" in lines[0]


def test_register_device_plugs_in_an_array_module_and_honours_dlfs_device():
    """A plugged-in device (the tests' stand-in is one) is selected by $DLFS_DEVICE once it is
    registered; before that, get_xp() says the device is unknown."""
    result = run_python(
        """
        import types
        import numpy as np
        from common import backend

        class Box(np.ndarray):
            pass
        module = types.SimpleNamespace(
            ndarray=Box, asarray=lambda x: np.asarray(x).view(Box), asnumpy=np.asarray
        )
        try:
            backend.get_xp()
        except backend.DeviceError as exc:
            print(exc)
        backend.register_device("box", module)
        x = backend.to_device([1.0, 2.0])
        print(backend.get_device(), type(x).__name__, backend.get_array_module(x) is module)
        print(type(backend.to_cpu(x)).__name__)
        """,
        PYTHONPATH="",
        DLFS_DEVICE="box",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "$DLFS_DEVICE=box: unknown device 'box': choose one of cpu, gpu",
        "box Box True",
        "ndarray",
    ]


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


# --------------------------------------------------------------------------- the test session


def test_a_test_session_leaves_nothing_in_the_temp_folder(tmp_path):
    """A pytest run (here one test that uses tmp_path and a subprocess) deletes its MNIST cache
    folder and its tmp_path folders when it ends."""
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "DLFS_CACHE_DIR"}
    env["TMPDIR"] = str(temp)
    probe = "tests/test_strict_device.py::test_processes_started_by_the_tests_have_the_stand_in"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", probe],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-2000:]
    assert list(temp.iterdir()) == []
