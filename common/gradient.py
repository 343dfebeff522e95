"""Numerical differentiation (chapter 4).

``numerical_gradient(f, x)`` is the reference every backward pass is checked
against: for each element x_i it evaluates f twice and takes the central difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h),   h = 1e-4,

whose error shrinks like h^2 (a forward difference's only like h).  It costs two
evaluations of f per element, which is why chapter 5 replaces it by backpropagation.

Use float64 arrays: in float32, f(x + h) - f(x - h) loses most of its digits.
"""

import math
import warnings

import numpy as np

from common.backend import get_array_module

# The names ``from common.gradient import *`` hands on: the book's module
# passes on ``np`` (it has no __all__, so a star import gives whatever it
# imports) and its scripts rely on it.  This is that surface, plus numerical_diff.
# The book's 1-D helper starts with an underscore, so neither its star import
# nor this one hands it on; import it by name.
__all__ = ["np", "numerical_diff", "numerical_gradient", "numerical_gradient_2d"]


def _check_step(name, h):
    if not isinstance(h, (int, float, np.integer, np.floating)) or not math.isfinite(h) or h <= 0:
        raise ValueError(f"{name}: the step h must be a finite number > 0, got {h!r}")


def numerical_diff(f, x, h=1e-4):
    """Central difference (f(x + h) - f(x - h)) / 2h of a function of one number.

    ``x`` may also be an array (or a list, which becomes one): then every
    element moves by h at once, which is the derivative of a function applied
    elementwise.
    """
    _check_step("numerical_diff", h)
    if isinstance(x, (list, tuple)):
        x = np.asarray(x, dtype=float)
    return (f(x + h) - f(x - h)) / (2 * h)


def _scalar(value):
    """f(x) as a Python float; a clear error if f returned more than one number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        shape = getattr(value, "shape", None)
        raise TypeError(
            "numerical_gradient: f(x) must return one number (the loss), got "
            + (f"an array of shape {shape}" if shape is not None else repr(type(value).__name__))
        ) from None


def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function ``f(x)`` with respect to ``x``, of any shape.

    An array ``x`` is perturbed in place one element at a time and restored
    afterwards (exactly: each element gets its original value back), so ``f``
    may read ``x`` through a closure, as the networks' ``numerical_gradient``
    methods do with their weight matrices.  Any array works, a transposed or
    sliced view included: the elements are visited through their indices.

    A number or a list is first made a float64 NumPy array, which ``f``
    receives (nothing outside can see it change, so a closure cannot use it).
    An integer array is refused: x + h would be rounded back to an integer.
    """
    _check_step("numerical_gradient", h)
    if not hasattr(x, "dtype") or isinstance(x, np.generic):
        x = np.array(x, dtype=np.float64)
    if x.dtype.kind != "f":
        raise TypeError(
            f"numerical_gradient: x has dtype {x.dtype}; it must be a float array "
            "(x + h would be rounded back to an integer)"
        )
    if x.dtype.itemsize < 8:
        warnings.warn(
            f"numerical_gradient on {x.dtype} values: f(x + h) - f(x - h) keeps only a few "
            "correct digits; build the network with dtype=np.float64 for gradient checks",
            stacklevel=2,
        )
    xp = get_array_module(x)
    grad = xp.zeros(x.shape, dtype=x.dtype)
    if x.flags.c_contiguous:
        # A flat view shares x's memory: writing to it writes to x (the fast path).
        target, out, indices = x.reshape(-1), grad.reshape(-1), range(x.size)
    else:
        target, out, indices = x, grad, np.ndindex(*x.shape)
    for i in indices:
        original = target[i].item()
        target[i] = original + h
        f_plus = _scalar(f(x))
        target[i] = original - h
        f_minus = _scalar(f(x))
        target[i] = original  # restore exactly
        out[i] = (f_plus - f_minus) / (2 * h)
    return grad


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
