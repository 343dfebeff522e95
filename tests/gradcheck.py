"""Helpers shared by the test files: gradient comparison and device switching.

Gradient checks follow one rule: backpropagation and central differences
(``common.gradient.numerical_gradient``, h = 1e-4) must agree to a relative error
of at most ``REL_TOL`` for every parameter, in float64.  A parameter whose true
gradient is identically zero (a bias feeding a batch norm) has no meaningful
relative error; it is checked against an absolute bound instead.
"""

from common import backend
from common.gradient import numerical_gradient
from common.layers import Relu

import numpy as np

REL_TOL = 1e-7
ZERO_GRAD_TOL = 1e-8


def rel_error(a, b):
    """||a - b|| / max(||a|| + ||b||, tiny), computed on the CPU in float64."""
    a = np.asarray(backend.to_cpu(a), dtype=np.float64)
    b = np.asarray(backend.to_cpu(b), dtype=np.float64)
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    denom = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)
    return float(np.linalg.norm(a - b) / denom)


def assert_grad_close(name, backprop, numerical, tol=REL_TOL):
    err = rel_error(backprop, numerical)
    assert err <= tol, f"{name}: relative error {err:.3e} > {tol:.0e}"


def assert_grads_close(backprop, numerical, zero_keys=(), tol=REL_TOL):
    """Compare two dicts of gradients key by key (the same keys in both)."""
    assert set(backprop) == set(numerical), (
        f"keys differ: {sorted(backprop)} vs {sorted(numerical)}"
    )
    for key in sorted(backprop):
        if key in zero_keys:
            for label, grad in (("backprop", backprop[key]), ("numerical", numerical[key])):
                largest = float(np.abs(backend.to_cpu(grad)).max())
                assert largest <= ZERO_GRAD_TOL, (
                    f"{key} ({label}): should be zero, largest entry {largest:.3e}"
                )
        else:
            assert_grad_close(key, backprop[key], numerical[key], tol)


def check_layer(layer, x, params=(), forward=None, seed=0):
    """Gradient check of one layer with the scalar loss L = sum(forward(x) * R).

    ``params`` names attributes of the layer (e.g. 'W', 'b') whose gradients the
    backward pass stores as 'd' + name.  Returns the relative errors, by name.
    """
    forward = forward or layer.forward
    out = forward(x)
    R = backend.to_device(np.random.RandomState(seed).randn(*out.shape))

    def loss(_):
        return (forward(x) * R).sum()

    forward(x)
    dx = layer.backward(R)
    errors = {"x": rel_error(dx, numerical_gradient(loss, x))}
    for name in params:
        forward(x)
        layer.backward(R)
        analytic = getattr(layer, "d" + name)
        errors[name] = rel_error(analytic, numerical_gradient(loss, getattr(layer, name)))
    return errors


def relu_margin(network, x, train_flg=True):
    """The smallest |input| of any Relu layer during one forward pass.

    A gradient check is only valid away from the kink at 0: a perturbation of
    h = 1e-4 in one weight must not move any ReLU input across zero.
    """
    smallest = np.inf
    for layer in network.layers.values():
        if isinstance(layer, Relu):
            smallest = min(smallest, float(np.abs(backend.to_cpu(x)).min()))
        if hasattr(layer, "running_mean") or hasattr(layer, "dropout_ratio"):
            x = layer.forward(x, train_flg)
        else:
            x = layer.forward(x)
    return smallest


def randomize_biases(network, scale=0.1, seed=0):
    """Give every bias (and beta) small random nonzero values, in place."""
    rng = np.random.RandomState(seed)
    for key, param in network.params.items():
        if key.startswith(("b", "beta")):
            param[...] = backend.to_device(scale * rng.randn(*param.shape).astype(param.dtype))


# The backend's own context manager; preserved_backend restores whatever was selected.
using_device = backend.using_device


def preserved_backend():
    """Restore ``common.backend``'s state after a block that may change it."""
    return backend.using_device(backend.get_device())
