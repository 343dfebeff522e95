"""Tests for common/strict_device.py, the test suite's stand-in GPU: its arrays compute like
NumPy's, refuse to mix with host arrays or turn into them silently, and count host reads."""

import numpy as np
import pytest

from common import backend, strict_device
from common.strict_device import StrictArray, counting_host_transfers


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


def test_the_stand_in_catches_a_network_fed_host_data(xp):
    """The bug class the stand-in exists for: parameters on the device, a batch on the host."""
    from common.multi_layer_net import MultiLayerNet

    network = MultiLayerNet(4, [3], 2)
    assert isinstance(network.params["W1"], StrictArray)
    with pytest.raises(TypeError, match="to_device"):
        network.predict(np.ones((2, 4), dtype=np.float32))
    ok = network.predict(backend.to_device(np.ones((2, 4), dtype=np.float32)))
    assert isinstance(ok, StrictArray) and ok.shape == (2, 2)
