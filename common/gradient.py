"""Numerical differentiation (chapter 4).

``numerical_gradient(f, x)`` is the reference every backward pass is checked
against: for each element x_i it evaluates f twice and takes the central difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h),   h = 1e-4,

whose error shrinks like h^2 (a forward difference's only like h).  It costs two
evaluations of f per element, which is why chapter 5 replaces it by backpropagation.

Use float64 arrays: in float32, f(x + h) - f(x - h) loses most of its digits.
"""

import warnings

from common import checks
from common.backend import get_array_module

import numpy as np

# The names ``from common.gradient import *`` hands on: the book's module
# passes on ``np`` (it has no __all__, so a star import gives whatever it
# imports) and its scripts rely on it.  This is that surface, plus numerical_diff.
# The book's 1-D helper starts with an underscore, so neither its star import
# nor this one hands it on; import it by name.
__all__ = ["np", "numerical_diff", "numerical_gradient", "numerical_gradient_2d"]


def numerical_diff(f, x, h=1e-4):
    """Central difference (f(x + h) - f(x - h)) / 2h of a function of one number.

    An array (or a list) ``x`` moves every element by h at once: the derivative of
    a function applied elementwise.
    """
    x = np.asarray(x, dtype=float) if isinstance(x, (list, tuple)) else x
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function ``f(x)`` with respect to ``x``, of any shape.

    Each element x_i in turn is moved to x_i + h and x_i - h, in place (so ``f`` may
    read ``x`` through a closure, as the networks' ``numerical_gradient`` does with
    their weights), and restored exactly.  Any array works, views included.  A number
    or a list becomes a float64 array first; an integer array is refused, since
    x_i + h would be rounded back to an integer (a gradient of 0, silently).
    """
    if not hasattr(x, "dtype") or isinstance(x, np.generic):
        x = np.array(x, dtype=np.float64)
    checks.float_dtype("numerical_gradient: x", x.dtype)
    if x.dtype.itemsize < 8:
        warnings.warn(FLOAT32_WARNING.format(x.dtype), stacklevel=2)
    grad = get_array_module(x).zeros_like(x)
    for idx in np.ndindex(*x.shape):
        tmp_val = x[idx].item()
        x[idx] = tmp_val + h
        fxh1 = float(f(x))  # f(x + h)
        x[idx] = tmp_val - h
        fxh2 = float(f(x))  # f(x - h)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val  # restore
    return grad


FLOAT32_WARNING = (
    "numerical_gradient on {} values: f(x + h) - f(x - h) keeps only a few correct "
    "digits; build the network with dtype=np.float64 for gradient checks"
)


def _numerical_gradient_1d(f, x):
    """The book's helper for a 1-D ``x``: ``numerical_gradient`` restricted to vectors."""
    if not hasattr(x, "dtype") or isinstance(x, np.generic):
        x = np.array(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"_numerical_gradient_1d: x must be 1-D, got shape {x.shape}")
    return numerical_gradient(f, x)


def numerical_gradient_2d(f, X):
    """The gradient of ``f`` at each row of ``X``: the book's name for a batch of points.

    A 1-D ``X`` is one point (same as ``numerical_gradient``).  Otherwise each
    row ``X[i]`` is one point: ``f`` receives that row alone, and row i of the
    result is the gradient there.
    """
    if not hasattr(X, "dtype") or isinstance(X, np.generic):
        X = np.array(X, dtype=np.float64)
    if X.ndim <= 1:
        return numerical_gradient(f, X)
    grad = get_array_module(X).zeros(X.shape, dtype=X.dtype)
    for i in range(X.shape[0]):
        grad[i] = numerical_gradient(f, X[i])
    return grad
