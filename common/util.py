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


def shuffle_dataset(x, t):
    """Shuffle examples and labels with one random permutation (NumPy's global generator)."""
    permutation = np.random.permutation(x.shape[0])
    xp = get_array_module(x)
    if xp is not np:
        permutation = xp.asarray(permutation)
    return x[permutation], t[permutation]
