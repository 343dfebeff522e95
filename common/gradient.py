"""Numerical differentiation (chapter 4).

``numerical_gradient(f, x)`` is the reference every backward pass is checked
against: for each element x_i it evaluates f twice and takes the central difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h),   h = 1e-4,

whose error shrinks like h^2 (a forward difference's only like h).  It costs two
evaluations of f per element, which is why chapter 5 replaces it by backpropagation.

Use float64 arrays: in float32, f(x + h) - f(x - h) loses most of its digits.
"""
import warnings

from common.backend import get_array_module


def numerical_diff(f, x, h=1e-4):
    """Central difference of a scalar function of one number."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-4):
    """Gradient of the scalar function ``f(x)`` with respect to array ``x`` of any shape.

    ``x`` is perturbed in place one element at a time and restored afterwards, so
    ``f`` may read ``x`` through a closure (as the networks' ``numerical_gradient``
    methods do with their weight matrices).
    """
    if x.dtype.kind != "f":
        raise TypeError(f"numerical_gradient: x has dtype {x.dtype}; it must be a float array "
                        "(x + h would be rounded back to an integer)")
    if x.dtype.itemsize < 8:
        warnings.warn(f"numerical_gradient on {x.dtype} values: f(x + h) - f(x - h) keeps only a few "
                      "correct digits; build the network with dtype=np.float64 for gradient checks",
                      stacklevel=2)
    if not x.flags.c_contiguous:
        raise ValueError("numerical_gradient: x must be a C-contiguous array "
                         "(it is perturbed in place through a flat view); "
                         "pass np.ascontiguousarray(x)")
    xp = get_array_module(x)
    grad = xp.zeros_like(x)
    flat_x = x.reshape(-1)        # a view, since x is contiguous: writing to it writes to x
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i].item()
        flat_x[i] = original + h
        f_plus = float(f(x))
        flat_x[i] = original - h
        f_minus = float(f(x))
        flat_x[i] = original  # restore exactly
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad

