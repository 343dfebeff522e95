"""Tests for tests/strict_device.py, the test suite's stand-in GPU: its arrays compute like
NumPy's, refuse to mix with host arrays or turn into them silently, and count host reads; it
is plugged into the backend of the session and of the processes the tests start."""

import os
import subprocess
import sys

from common import backend

import numpy as np
import pytest
import strict_device
from conftest import run_script
from strict_device import StrictArray, counting_host_transfers


@pytest.fixture
def xp():
    with backend.using_device("strict") as module:
        yield module


def test_selected_like_the_gpu(xp):
    assert backend.get_device() == "strict" and xp is strict_device.xp
    a = backend.to_device(np.arange(6.0).reshape(2, 3))
    assert isinstance(a, StrictArray) and backend.get_array_module(a) is xp
    assert backend.to_device(a) is a  # already there
    back = backend.to_cpu(a)
    assert type(back) is np.ndarray and back.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_results_equal_numpys(xp):
    host = np.random.RandomState(0).randn(4, 3)
    a = backend.to_device(host)
    for device_result, host_result in [
        (a @ a.T, host @ host.T),
        (xp.exp(a) - 1, np.exp(host) - 1),
        (a.sum(axis=0, keepdims=True), host.sum(axis=0, keepdims=True)),
        (xp.maximum(a, 0), np.maximum(host, 0)),
        (a[a > 0], host[host > 0]),
        (a.argmax(axis=1), host.argmax(axis=1)),
        (a.reshape(3, 4).T, host.reshape(3, 4).T),
    ]:
        assert isinstance(device_result, StrictArray)
        np.testing.assert_array_equal(backend.to_cpu(device_result), host_result)


def test_in_place_updates_reach_every_view(xp):
    w = backend.to_device(np.ones((2, 2)))
    alias = w
    w -= 0.5 * backend.to_device(np.ones((2, 2)))
    w[0, 0] = 7.0
    assert alias is w and backend.to_cpu(alias).tolist() == [[7.0, 0.5], [0.5, 0.5]]


@pytest.mark.parametrize(
    "mix",
    [
        lambda a, h: a + h,
        lambda a, h: h * a,
        lambda a, h: np.dot(a, h),
        lambda a, h: strict_device.xp.maximum(h, 0),
        lambda a, h: a[np.array([0, 1])],
        lambda a, h: np.concatenate([a, h]),
    ],
)
def test_mixing_with_host_arrays_is_a_type_error(xp, mix):
    a = backend.to_device(np.ones(3))
    with pytest.raises(TypeError, match="strict device"):
        mix(a, np.ones(3))


@pytest.mark.parametrize("convert", [np.asarray, np.array, lambda a: np.random.choice(a)])
def test_silent_host_conversion_is_a_type_error(xp, convert):
    with pytest.raises(TypeError, match="strict device"):
        convert(backend.to_device(np.ones(3)))


def test_scalars_and_numpy_scalars_mix_freely(xp):
    a = backend.to_device(np.ones(2))
    assert isinstance(a * 2.0 + np.float32(1), StrictArray)


def test_host_reads_are_counted(xp):
    a = backend.to_device(np.arange(4.0))
    with counting_host_transfers() as count:
        total = a.sum()  # stays on the device
        assert count() == 0
        float(total), int(a[1]), bool(a[2] > 1), a.item(3), a.tolist()
        f"{total:.1f}"
        backend.to_cpu(a)
    assert count() == 7


def test_the_stand_in_catches_a_layer_fed_host_data_and_a_network_moves_it(xp):
    """The bug class the stand-in exists for: parameters on the device, a batch on the host.
    Behind the doors a layer refuses it; a network's door moves it (the backend's policy)."""
    from common.layers import Affine
    from common.multi_layer_net import MultiLayerNet

    host = np.ones((2, 4), dtype=np.float32)
    layer = Affine(backend.to_device(np.ones((4, 3))), backend.to_device(np.zeros(3)))
    with pytest.raises(TypeError, match="to_device"):
        layer.forward(host)
    network = MultiLayerNet(4, [3], 2)
    assert isinstance(network.params["W1"], StrictArray)
    scores = network.predict(host)
    assert isinstance(scores, StrictArray) and scores.shape == (2, 2)


def test_common_does_not_know_the_stand_in():
    """Without the tests' PYTHONPATH, importing all of common imports no stand-in, and
    DLFS_DEVICE=strict is an unknown device, reported as such."""
    code = (
        "import sys\n"
        "import common.backend, common.trainer, common.multi_layer_net_extend\n"
        "print(sorted(name for name in sys.modules if 'strict' in name))\n"
        "try:\n"
        "    common.backend.get_xp()\n"
        "except common.backend.DeviceError as exc:\n"
        "    print(exc)\n"
    )
    env = dict(os.environ, PYTHONPATH="", DLFS_DEVICE="strict")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "[]",
        "$DLFS_DEVICE=strict: unknown device 'strict': choose one of cpu, gpu",
    ]


def test_processes_started_by_the_tests_have_the_stand_in(tmp_path):
    """tests/sitecustomize.py plugs it in when the process imports common.backend, not before."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import sys\n"
        "before = 'strict_device' in sys.modules\n"
        "from common import backend\n"
        "print(before, backend.get_device(), type(backend.to_device([1.0])).__name__)\n"
    )
    result = run_script(script, env={"DLFS_DEVICE": "strict"})
    assert result.stdout.split() == ["False", "strict", "StrictArray"]
