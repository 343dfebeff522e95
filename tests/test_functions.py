"""Tests for common/functions.py: activations and losses, including the numerically
hard cases (pytest turns RuntimeWarning into an error, so overflow fails a test)."""

import math

from common.backend import to_cpu, to_device
from common.functions import (
    cross_entropy_error,
    identity_function,
    log_softmax,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)
from common.gradient import numerical_diff

import numpy as np
import pytest


def dev(a, dtype=np.float64):
    return to_device(np.asarray(a, dtype=dtype))


def labels(a):
    return to_device(np.asarray(a))


def ref_softmax(x):
    """exp(x) / sum(exp(x)) straight from the definition (moderate x only)."""
    e = np.exp(np.asarray(x, dtype=np.float64))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- simple activations


def test_identity_returns_input():
    x = dev([1.0, -2.0])
    assert identity_function(x) is x


def test_step_function():
    out = to_cpu(step_function(dev([-1.0, 0.0, 1e-9, 3.0])))
    np.testing.assert_array_equal(out, [0, 0, 1, 1])
    assert out.dtype.kind == "i"


def test_relu_values():
    x = np.array([[-3.0, -0.0, 0.5], [2.0, -1e-9, 0.0]])
    np.testing.assert_array_equal(to_cpu(relu(dev(x))), np.where(x > 0, x, 0))


def test_relu_grad_matches_numerical_derivative_away_from_zero():
    xs = np.array([-2.0, -0.3, 0.2, 1.7])
    analytic = to_cpu(relu_grad(dev(xs)))
    for x, g in zip(xs, analytic):
        assert g == pytest.approx(numerical_diff(lambda v: max(v, 0.0), float(x)), abs=1e-9)
    # At the kink the book's relu_grad takes 1 (x >= 0); any value in [0, 1] is a subgradient.
    assert to_cpu(relu_grad(dev([0.0, -0.0]))).tolist() == [1.0, 1.0]
    assert relu_grad(dev([1.0], np.float32)).dtype == np.float32


def test_sigmoid_matches_formula_near_zero():
    x = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(to_cpu(sigmoid(dev(x))), 1 / (1 + np.exp(-x)), rtol=1e-14)
    assert float(to_cpu(sigmoid(dev(0.0)))) == 0.5


def test_sigmoid_extremes_without_warning():
    out = to_cpu(sigmoid(dev([-1000.0, -745.0, 0.0, 745.0, 1000.0])))
    assert np.all(np.isfinite(out))
    assert out[0] == 0.0 and out[-1] == 1.0
    assert 0 <= out[1] < 1e-300 and out[3] == 1.0
    # float32 too (exp overflows there already at ~89)
    out32 = to_cpu(sigmoid(dev([-1000.0, 1000.0], np.float32)))
    assert out32.dtype == np.float32 and out32.tolist() == [0.0, 1.0]


def test_sigmoid_symmetry():
    x = np.random.RandomState(0).randn(50) * 10
    np.testing.assert_allclose(to_cpu(sigmoid(dev(-x))), 1 - to_cpu(sigmoid(dev(x))), atol=1e-15)


def test_sigmoid_grad_matches_numerical_derivative():
    def scalar_sigmoid(v):
        return 1 / (1 + math.exp(-v))

    xs = np.linspace(-5, 5, 11)
    analytic = to_cpu(sigmoid_grad(dev(xs)))
    numerical = [numerical_diff(scalar_sigmoid, float(x)) for x in xs]
    np.testing.assert_allclose(analytic, numerical, rtol=1e-7)


# --------------------------------------------------------------------------- softmax


def test_softmax_1d_matches_definition():
    x = np.array([0.3, 2.9, 4.0])
    out = to_cpu(softmax(dev(x)))
    np.testing.assert_allclose(out, ref_softmax(x), rtol=1e-14)
    assert out.sum() == pytest.approx(1.0, abs=1e-15)


def test_softmax_2d_rows():
    x = np.random.RandomState(1).randn(5, 7) * 3
    out = to_cpu(softmax(dev(x)))
    assert out.shape == (5, 7)
    np.testing.assert_allclose(out, ref_softmax(x), rtol=1e-13)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-15)


def test_softmax_invariant_to_constant_shift():
    x = np.random.RandomState(2).randn(3, 4)
    base = to_cpu(softmax(dev(x)))
    for c in (-50.0, 7.5, 300.0):
        np.testing.assert_allclose(to_cpu(softmax(dev(x + c))), base, rtol=1e-12)


def test_softmax_no_overflow_at_1000():
    out = to_cpu(softmax(dev([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0]])))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], atol=1e-300)


def test_log_softmax_is_log_of_softmax():
    x = np.random.RandomState(3).randn(4, 5)
    np.testing.assert_allclose(to_cpu(log_softmax(dev(x))), np.log(ref_softmax(x)), rtol=1e-13)
    # and stays finite where softmax underflows to 0
    assert float(to_cpu(log_softmax(dev([0.0, -2000.0])))[1]) == -2000.0


# --------------------------------------------------------------------------- losses


def test_sum_squared_error():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.25])
    t = np.array([0.0, 0.0, 1.0, 0.0, 0.0])
    assert float(sum_squared_error(dev(y), dev(t))) == pytest.approx(
        0.5 * np.sum((y - t) ** 2), rel=1e-14
    )


def test_cross_entropy_error_single_example():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.25])
    expected = -np.log(0.6 + 1e-7)
    assert float(cross_entropy_error(dev(y), labels(2))) == pytest.approx(expected, rel=1e-14)
    assert float(cross_entropy_error(dev(y), dev(np.eye(5)[2]))) == pytest.approx(
        expected, rel=1e-14
    )


def test_cross_entropy_error_batch_index_and_one_hot_agree():
    rng = np.random.RandomState(4)
    y = ref_softmax(rng.randn(6, 4))
    t = rng.randint(0, 4, size=6)
    expected = -np.mean(np.log(y[np.arange(6), t] + 1e-7))
    by_index = float(cross_entropy_error(dev(y), labels(t)))
    by_one_hot = float(cross_entropy_error(dev(y), dev(np.eye(4)[t])))
    assert by_index == pytest.approx(expected, rel=1e-13)
    assert by_one_hot == pytest.approx(by_index, rel=1e-15)
    # a batch of one equals the single example
    assert float(cross_entropy_error(dev(y[0]), labels(t[0]))) == pytest.approx(
        float(cross_entropy_error(dev(y[:1]), labels(t[:1]))), rel=1e-15
    )


def test_cross_entropy_error_of_zero_probability_is_capped():
    # The book's 1e-7 keeps log(0) finite: -log(1e-7) ~ 16.1.
    loss = float(cross_entropy_error(dev([1.0, 0.0]), labels(1)))
    assert loss == pytest.approx(-np.log(1e-7), rel=1e-12)


def test_softmax_loss_exact_for_huge_logits():
    assert float(softmax_loss(dev([1000.0, -1000.0]), labels([1]))) == pytest.approx(
        2000.0, rel=1e-15
    )
    assert float(softmax_loss(dev([1000.0, -1000.0]), labels([0]))) == 0.0
    batch = dev([[1000.0, -1000.0], [-1000.0, 1000.0]])
    assert float(softmax_loss(batch, labels([1, 0]))) == pytest.approx(2000.0, rel=1e-15)
    assert float(softmax_loss(batch, dev([[0, 1], [1, 0]]))) == pytest.approx(2000.0, rel=1e-15)
    # where the book's softmax + cross_entropy_error caps near 16.1
    capped = float(cross_entropy_error(softmax(dev([1000.0, -1000.0])), labels(1)))
    assert capped < 17


def test_softmax_loss_equals_minus_log_softmax_for_moderate_logits():
    rng = np.random.RandomState(5)
    x = rng.randn(5, 3) * 2
    t = rng.randint(0, 3, size=5)
    expected = -np.mean(np.log(ref_softmax(x)[np.arange(5), t]))
    assert float(softmax_loss(dev(x), labels(t))) == pytest.approx(expected, rel=1e-13)
    assert float(softmax_loss(dev(x), dev(np.eye(3)[t]))) == pytest.approx(expected, rel=1e-13)
    # and agrees with the book's pair up to its 1e-7 fudge
    assert float(cross_entropy_error(softmax(dev(x)), labels(t))) == pytest.approx(
        expected, abs=1e-5
    )
