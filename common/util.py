"""Small helpers used by the chapter scripts."""
import numpy as np

from common.backend import get_array_module


def smooth_curve(x, window=11):
    """Smooth a noisy loss curve with a Kaiser-window moving average (for plots).

    The ends are padded with mirrored values so the result has the same length
    as ``x`` and does not droop at the edges.
    """
    x = np.asarray(x, dtype=float)
    if x.size < window:
        return x.copy()
    half = window // 2
    right = window - 1 - half  # == half for an odd window, one less for an even one
    padded = np.concatenate([x[half:0:-1], x, x[-2:-right - 2:-1]])
    weights = np.kaiser(window, 2)
    return np.convolve(padded, weights / weights.sum(), mode="valid")


#: Rows per chunk in ``accuracy``: small enough that the activations of a chunk
#: stay a few MB, large enough that the matrix products stay efficient.
ACCURACY_CHUNK = 2000


def accuracy(predict, x, t, chunk=None):
    """Fraction of rows of ``x`` whose highest score from ``predict`` is the label.

    ``t`` holds class indices or one-hot rows.  The rows go through ``predict`` a
    chunk at a time: the result is the same as in one go, but the peak memory
    is that of one chunk's activations, not of all 60 000 images' (with
    float64 weights NumPy would also copy every float32 image to float64 first).
    """
    chunk = chunk or ACCURACY_CHUNK
    correct = 0
    for start in range(0, x.shape[0], chunk):
        y = predict(x[start:start + chunk]).argmax(axis=1)
        labels = t[start:start + chunk]
        if labels.ndim != 1:
            labels = labels.argmax(axis=1)
        correct += int((y == labels).sum())
    return correct / float(x.shape[0])


def shuffle_dataset(x, t):
    """Shuffle examples and labels with one random permutation (NumPy's global generator)."""
    permutation = np.random.permutation(x.shape[0])
    xp = get_array_module(x)
    if xp is not np:
        permutation = xp.asarray(permutation)
    return x[permutation], t[permutation]
