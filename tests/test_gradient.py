"""Tests for common/gradient.py: central differences on arrays of any shape."""

from common.backend import get_array_module, to_cpu, to_device
from common.gradient import numerical_diff, numerical_gradient

import numpy as np
import pytest


def coupled(x):
    """A non-separable function: sum(c x^2) + (sum sin x)^2 + x_first * x_last."""
    xp = get_array_module(x)
    flat = x.reshape(-1)
    c = xp.arange(1, flat.size + 1, dtype=x.dtype)
    return float((c * flat**2).sum() + xp.sin(flat).sum() ** 2 + flat[0] * flat[-1])


def coupled_grad(x):
    """The analytic gradient of ``coupled`` (NumPy)."""
    flat = x.reshape(-1)
    c = np.arange(1, flat.size + 1, dtype=float)
    g = 2 * c * flat + 2 * np.sin(flat).sum() * np.cos(flat)
    g[0] += flat[-1]
    g[-1] += flat[0]
    return g.reshape(x.shape)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_numerical_gradient_matches_analytic(shape):
    x_cpu = np.asarray(np.random.RandomState(0).randn(*shape))
    x = to_device(x_cpu)
    grad = numerical_gradient(coupled, x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(to_cpu(grad), coupled_grad(x_cpu), rtol=1e-6, atol=1e-8)


def test_numerical_gradient_restores_x_exactly():
    x_cpu = np.random.RandomState(1).randn(2, 3) / 3  # values with many significant bits
    x = to_device(x_cpu.copy())
    numerical_gradient(coupled, x)
    np.testing.assert_array_equal(to_cpu(x), x_cpu)


def test_numerical_gradient_perturbs_through_closure():
    # f ignores its argument and reads W itself, as the networks' loss functions do.
    W = to_device(np.array([[1.0, -2.0], [0.5, 3.0]]))

    def f(_):
        return float((W**3).sum())

    grad = numerical_gradient(f, W)
    np.testing.assert_allclose(to_cpu(grad), 3 * to_cpu(W) ** 2, rtol=1e-7)


@pytest.mark.parametrize("view", ["transposed", "every other column"])
def test_numerical_gradient_on_a_non_contiguous_view(view):
    base_cpu = np.random.RandomState(2).randn(3, 4) / 3
    base = to_device(base_cpu.copy())
    x = base.T if view == "transposed" else base[:, ::2]
    expected = coupled_grad(to_cpu(x).copy())
    seen = []

    def f(v):
        # the view handed to f is x itself, and it changes the array it views
        assert v is x
        seen.append(float(to_cpu(base).sum()))
        return coupled(v)

    grad = numerical_gradient(f, x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(to_cpu(grad), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(to_cpu(base), base_cpu)  # restored exactly
    assert len(set(seen)) > 1  # the perturbations reached the base array


def test_numerical_gradient_step_size():
    # h is a parameter: a large h gives the central difference of a cubic a visible error h^2.
    x = to_device(np.array([2.0]))

    def cube(v):
        return float((v**3).sum())

    assert float(to_cpu(numerical_gradient(cube, x, h=0.5))[0]) == pytest.approx(
        12 + 0.25, rel=1e-12
    )
    assert float(to_cpu(numerical_gradient(cube, x))[0]) == pytest.approx(12, rel=1e-8)


def test_numerical_diff():
    assert numerical_diff(lambda v: 0.01 * v**2 + 0.1 * v, 5.0) == pytest.approx(0.2, rel=1e-8)
    assert numerical_diff(np.sin, 1.0) == pytest.approx(np.cos(1.0), rel=1e-7)


def test_integer_arrays_are_refused():
    with pytest.raises(TypeError, match="float"):
        numerical_gradient(lambda v: float((v**2).sum()), np.array([3, 4]))


def test_float32_warns_that_a_check_needs_float64():
    with pytest.warns(UserWarning, match="float64"):
        numerical_gradient(lambda v: float((v**2).sum()), np.array([3.0, 4.0], dtype=np.float32))
