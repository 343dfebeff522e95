"""Tests for common/util.py: smooth_curve, shuffle_dataset, accuracy, im2col and col2im."""

from common.backend import to_cpu, to_device
from common.util import col2im, conv_output_size, im2col, shuffle_dataset, smooth_curve

import numpy as np
import pytest


@pytest.mark.parametrize("n", [11, 12, 50, 1000])
@pytest.mark.parametrize("window", [1, 5, 10, 11])
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
    assert (
        np.abs(smoothed - np.exp(-np.arange(300) / 60.0)).mean()
        < np.abs(curve - np.exp(-np.arange(300) / 60.0)).mean()
    )


def kaiser_weights(window=11):
    w = np.kaiser(window, 2)
    return w / w.sum()


def test_smooth_curve_mirrors_the_start_without_repeating_the_first_point():
    # An impulse at x[1]: the first output sees it twice (x[1] and its mirror x[-1] := x[1]).
    x = np.zeros(30)
    x[1] = 1.0
    w = kaiser_weights()
    out = smooth_curve(x)
    assert out[0] == pytest.approx(w[4] + w[6], rel=1e-12)
    assert out[1] == pytest.approx(w[5] + w[3], rel=1e-12)  # x[1] itself and its mirror x[-1]
    assert out[2] == pytest.approx(w[4] + w[2], rel=1e-12)
    assert out[6] == pytest.approx(w[0], rel=1e-12)  # only x[1], at the window edge
    assert out[7] == 0.0


def test_smooth_curve_mirrors_the_end_repeating_the_last_point():
    # An impulse at the last point: past the end the series goes on x[-1], x[-2], ...
    x = np.zeros(30)
    x[-1] = 1.0
    w = kaiser_weights()
    out = smooth_curve(x)
    assert out[-1] == pytest.approx(w[5] + w[6], rel=1e-12)
    assert out[-2] == pytest.approx(w[6] + w[7], rel=1e-12)
    assert out[-7] == pytest.approx(0.0, abs=1e-15)


def test_smooth_curve_refuses_empty_and_2d_input():
    for bad in ([], np.zeros((3, 4))):
        with pytest.raises(ValueError, match="smooth_curve"):
            smooth_curve(bad)


def test_shuffle_dataset_keeps_pairs_aligned():
    np.random.seed(0)
    x_cpu = np.arange(40.0).reshape(20, 2)
    t_cpu = np.arange(20)
    x, t = shuffle_dataset(to_device(x_cpu), to_device(t_cpu))
    x, t = to_cpu(x), to_cpu(t)
    np.testing.assert_array_equal(x[:, 0], 2 * t)  # row i of x belongs to label i
    np.testing.assert_array_equal(np.sort(t), t_cpu)  # a permutation: nothing lost or repeated
    assert not np.array_equal(t, t_cpu)  # and actually shuffled


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


# --------------------------------------------------------------------------- im2col / col2im


def test_im2col_rows_are_patches_in_the_filters_order():
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    col = to_cpu(im2col(to_device(x), 2, 3, stride=1, pad=0))
    out_h, out_w = 3, 3
    assert col.shape == (2 * out_h * out_w, 3 * 2 * 3)
    # row (n, i, j) holds x[n, :, i:i+2, j:j+3] flattened by (channel, dy, dx)
    for n, i, j in [(0, 0, 0), (1, 2, 1), (0, 1, 2)]:
        row = (n * out_h + i) * out_w + j
        np.testing.assert_array_equal(col[row], x[n, :, i : i + 2, j : j + 3].reshape(-1))


def test_im2col_with_stride_and_padding():
    x = np.random.RandomState(0).randn(1, 2, 5, 5)
    col = to_cpu(im2col(to_device(x), 3, 3, stride=2, pad=1))
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    assert col.shape == (3 * 3, 2 * 9)
    for i in range(3):
        for j in range(3):
            patch = padded[0, :, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
            np.testing.assert_array_equal(col[i * 3 + j], patch.reshape(-1))
    assert conv_output_size(5, 3, stride=2, pad=1) == 3.0
    assert (
        conv_output_size(6, 3, stride=2) == 2.5
    )  # a float, as the book's: the filter does not tile


def test_col2im_is_the_adjoint_of_im2col():
    # <im2col(x), c> == <x, col2im(c)> for every x and c: what a backward pass needs.
    rng = np.random.RandomState(1)
    shape = (2, 3, 6, 5)
    for stride, pad in [(1, 0), (2, 1), (1, 2)]:
        x = rng.randn(*shape)
        col = to_cpu(im2col(to_device(x), 3, 2, stride, pad))
        c = rng.randn(*col.shape)
        back = to_cpu(col2im(to_device(c), shape, 3, 2, stride, pad))
        assert back.shape == shape
        assert np.sum(col * c) == pytest.approx(np.sum(x * back), rel=1e-12)


def test_im2col_refuses_a_filter_larger_than_the_input():
    with pytest.raises(ValueError, match="im2col"):
        im2col(to_device(np.zeros((1, 1, 2, 2))), 3, 3)
    with pytest.raises(ValueError, match="im2col.*4-D"):
        im2col(to_device(np.zeros((2, 2))), 1, 1)
