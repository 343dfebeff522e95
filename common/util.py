"""Helpers used by the chapter scripts and the networks.

``smooth_curve`` (plots), ``shuffle_dataset`` and ``accuracy`` are used in
chapters 4 to 6; ``conv_output_size``, ``im2col`` and ``col2im`` belong to the
convolution layers of chapter 7, and are here because the book's module has them.
"""

from common import checks, threads
from common.backend import get_array_module

import numpy as np

# The names ``from common.util import *`` hands on: the book's module has no
# __all__, so a star import of it passes on everything it defines and imports,
# ``np`` included.  This is that surface plus ``accuracy``.
__all__ = [
    "np",
    "smooth_curve",
    "shuffle_dataset",
    "conv_output_size",
    "im2col",
    "col2im",
    "accuracy",
]


def smooth_curve(x, window=11):
    """Smooth a noisy loss curve with a moving average weighted by a Kaiser window (plots).

    Exactly the book's computation (with its window of 11 by default): point i of
    the result is the weighted mean of the ``window`` points centred on x[i],
    weights ``np.kaiser(window, 2)``.  Near the ends the series is continued by
    its mirror image: before x[0] come x[1], x[2], ... (x[0] is not repeated), and
    after the last point comes the last point again, then the one before it, ...

    For a series at least ``window`` long the result has the same length.  A
    shorter one gives fewer points, as in the book (e.g. 9 for 10 points, none
    for 5), because the mirror images are cut to what the series has.
    """
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"smooth_curve: x must be a series of numbers, got {x!r:.60}") from None
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"smooth_curve: x must be a non-empty 1-D series, got shape {x.shape}")
    if int(window) != window or window < 1:
        raise ValueError(f"smooth_curve: window must be a whole number >= 1, got {window!r}")
    window = int(window)
    before = x[window - 1 : 0 : -1]  # x[window-1], ..., x[1]: the mirror without x[0]
    after = x[:-window:-1]  # x[-1], x[-2], ...: the mirror that repeats the last point
    weights = np.kaiser(window, 2)
    smoothed = np.convolve(
        weights / weights.sum(), np.concatenate([before, x, after]), mode="valid"
    )
    half = window // 2
    return smoothed[half : len(smoothed) - (window - 1 - half)]


#: Rows per chunk in ``accuracy``: small enough that the activations of a chunk
#: stay a few MB, large enough that the matrix products stay efficient.
ACCURACY_CHUNK = 2000


def accuracy(predict, x, t, chunk=None, name="accuracy"):
    """Fraction of rows of ``x`` whose highest score from ``predict`` is the label.

    ``t`` holds class indices or one-hot rows, one per row of ``x``; a label
    outside the classes, a one-hot width other than the number of scores, or
    another number of labels than rows is an error (``name`` says whose), not a
    lower accuracy.  The rows go through ``predict`` a chunk at a time: the
    result is the same as in one go, but the peak memory is that of one chunk's
    activations, not of all 60 000 images' (with float64 weights NumPy would
    also copy every float32 image to float64 first).
    """
    chunk = chunk or ACCURACY_CHUNK
    x = x if hasattr(x, "shape") else np.asarray(x)
    t = t if hasattr(t, "shape") else np.asarray(t)
    n = x.shape[0] if x.ndim else 0
    if n == 0:
        raise ValueError(f"{name}: x has shape {x.shape}; the accuracy of no examples is undefined")
    correct = 0
    with threads.evaluation():  # large products: every free core (common/threads.py)
        for start in range(0, n, chunk):
            scores = predict(x[start : start + chunk])
            if start == 0:  # shape, dtype and (on the CPU) every label's value, once for all of t
                one_hot = checks.labels(name, t, n, scores.shape[-1])
            labels = t[start : start + chunk]
            if one_hot:
                labels = labels.argmax(axis=1)
            correct += int((scores.argmax(axis=1) == labels).sum())
    return correct / float(n)


def shuffle_dataset(x, t):
    """Shuffle examples and labels with one random permutation (NumPy's global generator)."""
    if len(x) != len(t):  # else one permutation would drop or miss rows of the longer one
        raise ValueError(f"shuffle_dataset: x has {len(x)} rows but t has {len(t)}")
    permutation = np.random.permutation(x.shape[0])
    xp = get_array_module(x)
    if xp is not np:
        permutation = xp.asarray(permutation)
    return x[permutation], t[permutation]


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """(input + 2 pad - filter) / stride + 1: output positions of a convolution along one axis.

    Returns a float, as the book's: a fraction means the filter does not tile the input.
    """
    return (input_size + 2 * pad - filter_size) / stride + 1


def _output_shape(name, shape, filter_h, filter_w, stride, pad):
    if len(shape) != 4:
        raise ValueError(f"{name}: input must be 4-D (N, C, H, W), got shape {tuple(shape)}")
    if stride < 1 or pad < 0 or filter_h < 1 or filter_w < 1:
        raise ValueError(
            f"{name}: need filter sizes >= 1, stride >= 1 and pad >= 0, got "
            f"filter {filter_h}x{filter_w}, stride {stride}, pad {pad}"
        )
    _, _, height, width = shape
    out_h = (height + 2 * pad - filter_h) // stride + 1
    out_w = (width + 2 * pad - filter_w) // stride + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(
            f"{name}: a {filter_h}x{filter_w} filter does not fit an input of "
            f"{height}x{width} with pad {pad}"
        )
    return out_h, out_w


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """Unfold image patches into rows, so that a convolution becomes one matrix product.

    input_data: (N, C, H, W).  Returns (N * out_h * out_w, C * filter_h * filter_w):
    one row per output position (n, i, j), ordered like that; within a row the
    patch's values ordered by (channel, dy, dx), the order of a filter W[f]
    flattened.  Zero padding of ``pad`` pixels is added on every side first.
    """
    xp = get_array_module(input_data)
    n, channels = input_data.shape[:2]
    out_h, out_w = _output_shape("im2col", input_data.shape, filter_h, filter_w, stride, pad)
    padded = xp.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    # patches[n, c, dy, dx, i, j] = padded[n, c, i * stride + dy, j * stride + dx]
    patches = xp.empty((n, channels, filter_h, filter_w, out_h, out_w), dtype=padded.dtype)
    for dy in range(filter_h):
        rows = slice(dy, dy + stride * out_h, stride)
        for dx in range(filter_w):
            patches[:, :, dy, dx] = padded[:, :, rows, slice(dx, dx + stride * out_w, stride)]
    return patches.transpose(0, 4, 5, 1, 2, 3).reshape(n * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """The adjoint of ``im2col``: add each row's patch back where it came from.

    col: (N * out_h * out_w, C * filter_h * filter_w), as ``im2col`` makes it.
    Returns an (N, C, H, W) array in which every pixel holds the sum of its copies
    in all patches (so col2im(im2col(x)) is x times how many patches cover each
    pixel).  That sum is what a convolution's backward pass needs for dL/dx.
    """
    xp = get_array_module(col)
    n, channels, height, width = input_shape
    out_h, out_w = _output_shape("col2im", input_shape, filter_h, filter_w, stride, pad)
    patches = col.reshape(n, out_h, out_w, channels, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    padded = xp.zeros((n, channels, height + 2 * pad, width + 2 * pad), dtype=col.dtype)
    for dy in range(filter_h):
        rows = slice(dy, dy + stride * out_h, stride)
        for dx in range(filter_w):
            padded[:, :, rows, slice(dx, dx + stride * out_w, stride)] += patches[:, :, dy, dx]
    return padded[:, :, pad : pad + height, pad : pad + width]
