"""Tests for common/util.py: smooth_curve and shuffle_dataset."""
import numpy as np
import pytest

from common.backend import to_cpu, to_device
from common.util import shuffle_dataset, smooth_curve


@pytest.mark.parametrize("n", [1, 5, 11, 12, 50, 1000])
@pytest.mark.parametrize("window", [5, 10, 11])
def test_smooth_curve_keeps_length(n, window):
    x = np.random.RandomState(n).randn(n)
    assert smooth_curve(x, window=window).shape == (n,)


def test_smooth_curve_accepts_a_list_of_losses():
    losses = [float(v) for v in np.random.RandomState(0).rand(30)]
    out = smooth_curve(losses)
    assert isinstance(out, np.ndarray) and out.shape == (30,)


def test_smooth_curve_reduces_noise_variance():
    noise = np.random.RandomState(1).randn(2000)
    smoothed = smooth_curve(noise)
    assert smoothed.var() < 0.3 * noise.var()


def test_smooth_curve_preserves_constants_and_lines():
    np.testing.assert_allclose(smooth_curve(np.full(40, 2.5)), 2.5, rtol=1e-12)
    line = 3.0 * np.arange(40.0) - 7
    smoothed = smooth_curve(line, window=11)
    # a symmetric, normalized window leaves a straight line unchanged away from the ends
    np.testing.assert_allclose(smoothed[5:-5], line[5:-5], rtol=1e-12, atol=1e-12)


def test_smooth_curve_follows_a_trend():
    # a decreasing loss curve with noise stays decreasing after smoothing, on the whole
    rng = np.random.RandomState(2)
    curve = np.exp(-np.arange(300) / 60.0) + 0.05 * rng.randn(300)
    smoothed = smooth_curve(curve)
    assert np.abs(smoothed - np.exp(-np.arange(300) / 60.0)).mean() < \
        np.abs(curve - np.exp(-np.arange(300) / 60.0)).mean()


def test_short_curve_is_returned_unchanged():
    x = np.array([3.0, 1.0, 2.0])
    out = smooth_curve(x)
    np.testing.assert_array_equal(out, x)
    out[0] = 0  # a copy, not the caller's array
    assert x[0] == 3.0


def test_shuffle_dataset_keeps_pairs_aligned():
    np.random.seed(0)
    x_cpu = np.arange(40.0).reshape(20, 2)
    t_cpu = np.arange(20)
    x, t = shuffle_dataset(to_device(x_cpu), to_device(t_cpu))
    x, t = to_cpu(x), to_cpu(t)
    np.testing.assert_array_equal(x[:, 0], 2 * t)        # row i of x belongs to label i
    np.testing.assert_array_equal(np.sort(t), t_cpu)     # a permutation: nothing lost or repeated
    assert not np.array_equal(t, t_cpu)                  # and actually shuffled


def test_shuffle_dataset_images_and_one_hot_labels():
    np.random.seed(1)
    images = np.arange(10).reshape(10, 1, 1, 1) * np.ones((10, 1, 2, 2))
    one_hot = np.eye(10)
    x, t = shuffle_dataset(to_device(images), to_device(one_hot))
    x, t = to_cpu(x), to_cpu(t)
    assert x.shape == images.shape and t.shape == one_hot.shape
    np.testing.assert_array_equal(x[:, 0, 0, 0], t.argmax(axis=1))


def test_shuffle_dataset_is_seeded_by_numpy():
    x, t = np.arange(30.0), np.arange(30)
    np.random.seed(5)
    first = shuffle_dataset(x, t)[1]
    np.random.seed(5)
    np.testing.assert_array_equal(shuffle_dataset(x, t)[1], first)
