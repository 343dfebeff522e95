"""Activation and loss functions (chapters 3 and 4).

Each function works on NumPy or CuPy arrays alike: it asks its input which module
owns it (``get_array_module``) instead of calling NumPy directly.  Each also takes
Python numbers and lists, which become NumPy arrays (of the book's versions, only
``relu`` and ``softmax`` take a list).

Two differences from the book's code (07b1161) keep large inputs exact:
``sigmoid`` never overflows in ``exp``, and ``softmax_loss`` works from
``log_softmax`` (log-sum-exp) instead of log(softmax(x) + 1e-7).  ``softmax`` subtracts
the row maximum, as the book's does.  The losses check their labels (one line):
NumPy would read a label -1 as the last class without a word.
"""

from common import checks
from common.backend import get_array_module

import numpy as np  # noqa: F401  (handed on by the star import: see __all__)

# The names ``from common.functions import *`` hands on: the book's module has no
# __all__, so its star import passes ``np`` too, and the book's scripts use it.
__all__ = """
    np identity_function step_function sigmoid sigmoid_grad relu relu_grad softmax
    sum_squared_error cross_entropy_error softmax_loss log_softmax mean_squared_error
""".split()  # the last two are this course's additions


def _array(x):
    """Arrays as they are; numbers and lists as NumPy arrays."""
    return get_array_module(x).asarray(x)


def identity_function(x):
    """The output layer of a regression network: y = x."""
    return x


def step_function(x):
    """1 where x > 0, else 0 (integers, as in the book)."""
    x = _array(x)
    return get_array_module(x).asarray(x > 0, dtype=int)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow.

    The direct formula overflows ``exp(-x)`` for x < -709 (float64).  With
    e = exp(-|x|), always in (0, 1]: sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) else.
    """
    x = _array(x)
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """d sigmoid / dx = sigmoid(x) (1 - sigmoid(x))."""
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x):
    """max(0, x)."""
    return get_array_module(x).maximum(0, x)


def relu_grad(x):
    """1 where x >= 0, else 0 (the book's choice at 0, where any value in [0, 1] would do)."""
    x = _array(x)
    return get_array_module(x).asarray(x >= 0, dtype=x.dtype)


def log_softmax(x):
    """log(softmax(x)) along the last axis, as x - max - log(sum(exp(x - max))).

    Subtracting the maximum keeps every ``exp`` argument <= 0 (no overflow), and
    taking the log here, not of a rounded probability, keeps it exact.
    """
    x = _array(x)
    xp = get_array_module(x)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    """exp(x_k) / sum_i exp(x_i) along the last axis: a vector or a batch of rows."""
    x = _array(x)
    xp = get_array_module(x)
    e = xp.exp(x - x.max(axis=-1, keepdims=True))  # same result, no overflow
    return e / e.sum(axis=-1, keepdims=True)


def sum_squared_error(y, t):
    """0.5 * sum((y - t)^2): the book's "mean squared error" (summed, not averaged)."""
    y, t = _array(y), _array(t)
    checks.shape("sum_squared_error", "t", t.shape, y.shape)  # else NumPy broadcasts
    return 0.5 * get_array_module(y).sum((y - t) ** 2)


#: The name the book's text uses for sum_squared_error.
mean_squared_error = sum_squared_error


def cross_entropy_error(y, t):
    """-(1/N) sum_n log(y[n, t_n] + 1e-7), for probabilities ``y`` (the book's formula).

    ``y``: one example (1-D) or a batch (2-D); ``t``: class indices or one-hot rows.
    The 1e-7 keeps log(0) finite and caps the loss near 16.1; networks use
    ``softmax_loss`` on the raw scores instead, which needs no such term.
    """
    y, t, one_hot = checks.scores_and_labels("cross_entropy_error", y, t)
    xp = get_array_module(y)
    if one_hot:  # one-hot rows -> the index of the 1, as in the book
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -xp.sum(xp.log(y[xp.arange(batch_size), t] + 1e-7)) / batch_size


def softmax_loss(X, t):
    """Cross-entropy of softmax(X) against labels ``t``: -(1/N) sum_n log_softmax(X)[n, t_n].

    Exact for any scores (scores of +-1000 give the true, large loss): the book computes
    cross_entropy_error(softmax(X), t), which adds 1e-7 to each label's probability.
    One-hot (or probability) rows weigh every class: -(1/N) sum t * log_softmax(X).
    """
    X, t, one_hot = checks.scores_and_labels("softmax_loss", X, t)
    xp = get_array_module(X)
    logp = log_softmax(X)
    batch_size = X.shape[0]
    if one_hot:
        return -xp.sum(t * logp) / batch_size
    return -xp.sum(logp[xp.arange(batch_size), t]) / batch_size
