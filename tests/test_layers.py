"""Tests for common/layers.py: forward values, backward against numerical gradients
(float64, relative error <= 1e-7), shape checks and error messages."""

from common import backend
from common.backend import to_cpu, to_device
from common.gradient import numerical_gradient
from common.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)

import numpy as np
import pytest
from gradcheck import REL_TOL, check_layer, rel_error


def dev(a, dtype=np.float64):
    return to_device(np.asarray(a, dtype=dtype))


def away_from_zero(rng, shape, margin=0.05):
    """Random values with |x| >= margin (no ReLU kink within reach of h = 1e-4)."""
    x = rng.randn(*shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin + x, x)


# --------------------------------------------------------------------------- Relu


def test_relu_forward_and_mask():
    x = np.array([[-2.0, 0.0, 3.0], [1.5, -0.5, 0.0]])
    layer = Relu()
    out = to_cpu(layer.forward(dev(x)))
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    dout = np.arange(1.0, 7.0).reshape(2, 3)
    dx = to_cpu(layer.backward(dev(dout)))
    np.testing.assert_array_equal(dx, np.where(x > 0, dout, 0))


def test_relu_does_not_modify_input():
    x = dev([-1.0, 2.0])
    Relu().forward(x)
    np.testing.assert_array_equal(to_cpu(x), [-1.0, 2.0])


def test_relu_gradient():
    x = dev(away_from_zero(np.random.RandomState(1), (4, 5)))
    errors = check_layer(Relu(), x)
    assert errors["x"] <= REL_TOL, errors


# --------------------------------------------------------------------------- Sigmoid


def test_sigmoid_forward():
    x = np.linspace(-6, 6, 13).reshape(1, -1)
    out = to_cpu(Sigmoid().forward(dev(x)))
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-x)), rtol=1e-14)


def test_sigmoid_gradient():
    x = dev(np.random.RandomState(2).randn(3, 4) * 2)
    errors = check_layer(Sigmoid(), x)
    assert errors["x"] <= REL_TOL, errors


# --------------------------------------------------------------------------- Affine


def make_affine(rng, fan_in, fan_out):
    return Affine(dev(rng.randn(fan_in, fan_out)), dev(rng.randn(fan_out)))


def test_affine_forward_matches_matrix_product():
    rng = np.random.RandomState(3)
    W, b, x = rng.randn(4, 3), rng.randn(3), rng.randn(5, 4)
    out = to_cpu(Affine(dev(W), dev(b)).forward(dev(x)))
    np.testing.assert_allclose(out, x @ W + b, rtol=1e-12)


def test_affine_gradient():
    rng = np.random.RandomState(4)
    layer = make_affine(rng, 4, 3)
    errors = check_layer(layer, dev(rng.randn(5, 4)), params=("W", "b"))
    assert max(errors.values()) <= REL_TOL, errors


def test_affine_gradient_nd_input():
    rng = np.random.RandomState(5)
    layer = make_affine(rng, 2 * 3 * 2, 4)
    x = dev(rng.randn(3, 2, 3, 2))
    errors = check_layer(layer, x, params=("W", "b"))
    assert max(errors.values()) <= REL_TOL, errors


def test_affine_nd_input_keeps_shape_of_dx():
    rng = np.random.RandomState(6)
    layer = make_affine(rng, 12, 4)
    x = rng.randn(3, 1, 3, 4)
    out = layer.forward(dev(x))
    assert out.shape == (3, 4)
    np.testing.assert_allclose(
        to_cpu(out), x.reshape(3, 12) @ to_cpu(layer.W) + to_cpu(layer.b), rtol=1e-12
    )
    dx = layer.backward(dev(np.ones((3, 4))))
    assert dx.shape == (3, 1, 3, 4)


def test_affine_wrong_feature_count_is_numpys_shape_error():
    # NumPy's matmul names both sizes: no second check in the layer (the networks'
    # doors name the network and the expected shape).
    layer = Affine(dev(np.zeros((784, 10))), dev(np.zeros(10)))
    with pytest.raises(ValueError) as info:
        layer.forward(dev(np.zeros((2, 785))))
    message = str(info.value)
    assert "785" in message and "784" in message


# --------------------------------------------------------------------------- SoftmaxWithLoss


def softmax_np(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_softmax_with_loss_value_index_and_one_hot():
    rng = np.random.RandomState(8)
    x = rng.randn(6, 4)
    t = rng.randint(0, 4, size=6)
    expected = -np.mean(np.log(softmax_np(x)[np.arange(6), t]))
    loss_index = float(SoftmaxWithLoss().forward(dev(x), to_device(t)))
    loss_onehot = float(SoftmaxWithLoss().forward(dev(x), dev(np.eye(4)[t])))
    assert loss_index == pytest.approx(expected, rel=1e-12)
    assert loss_onehot == pytest.approx(expected, rel=1e-12)


def test_softmax_with_loss_single_example():
    x = np.array([0.3, 2.0, -1.0])
    expected = -np.log(softmax_np(x[None])[0, 1])
    loss = float(SoftmaxWithLoss().forward(dev(x), to_device(np.array(1))))
    assert loss == pytest.approx(expected, rel=1e-12)
    assert float(SoftmaxWithLoss().forward(dev(x), dev([0, 1, 0]))) == pytest.approx(
        expected, rel=1e-12
    )


def test_softmax_with_loss_exact_for_huge_logits():
    layer = SoftmaxWithLoss()
    loss = float(layer.forward(dev([[1000.0, -1000.0]]), to_device(np.array([1]))))
    assert loss == pytest.approx(2000.0, rel=1e-12)
    dx = to_cpu(layer.backward())
    np.testing.assert_allclose(dx, [[1.0, -1.0]], atol=1e-12)


@pytest.mark.parametrize("labels", ["index", "one-hot"])
def test_softmax_with_loss_gradient(labels):
    rng = np.random.RandomState(9)
    x = dev(rng.randn(5, 4))
    t_index = rng.randint(0, 4, size=5)
    t = to_device(t_index) if labels == "index" else dev(np.eye(4)[t_index])
    layer = SoftmaxWithLoss()

    def loss(_):
        return layer.forward(x, t)

    layer.forward(x, t)
    dx = layer.backward(1)
    assert rel_error(dx, numerical_gradient(loss, x)) <= REL_TOL


def test_softmax_with_loss_backward_scales_with_dout():
    rng = np.random.RandomState(10)
    x, t = dev(rng.randn(3, 4)), to_device(np.array([0, 3, 1]))
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    d1 = to_cpu(layer.backward(1)).copy()
    layer.forward(x, t)
    d25 = to_cpu(layer.backward(2.5))
    np.testing.assert_allclose(d25, 2.5 * d1, rtol=1e-12)
    # each row of (softmax - onehot) sums to zero
    np.testing.assert_allclose(d1.sum(axis=1), 0, atol=1e-15)


@pytest.mark.parametrize(
    "t, fragment, error",
    [
        (np.array([0, 3, 1]), "0..2", ValueError),  # out of range
        (np.array([0, -1, 1]), "0..2", ValueError),  # negative
        (np.array([0, 1]), "(2,)", ValueError),  # wrong length
        (np.zeros((3, 2)), "(3, 2)", ValueError),  # wrong one-hot shape
        (np.array([0.0, 1.0, 2.0]), "integers", ValueError),  # float labels
    ],
)
def test_softmax_with_loss_bad_labels(t, fragment, error):
    # the same error on every device (the strict stand-in included)
    x = dev(np.zeros((3, 3)))
    with pytest.raises(error) as info:
        SoftmaxWithLoss().forward(x, to_device(t))
    message = str(info.value)
    assert "SoftmaxWithLoss" in message and fragment in message, message


# --------------------------------------------------------------------------- Dropout


def test_dropout_ratio_must_be_in_range():
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="Dropout"):
            Dropout(bad)
    Dropout(0.0)  # allowed: keeps everything


def test_dropout_train_masks_and_test_scales():
    np.random.seed(0)
    layer = Dropout(0.3)
    x = np.random.RandomState(11).rand(200, 50) + 1.0  # strictly positive
    out = to_cpu(layer.forward(dev(x), train_flg=True))
    kept = out != 0
    np.testing.assert_array_equal(out[kept], x[kept])  # kept units unscaled (as in the book)
    assert abs(kept.mean() - 0.7) < 0.02  # about 1 - ratio kept
    # backward passes gradient through the kept units of the last training pass
    dout = np.random.RandomState(12).randn(200, 50)
    np.testing.assert_array_equal(to_cpu(layer.backward(dev(dout))), np.where(kept, dout, 0))
    np.testing.assert_allclose(to_cpu(layer.forward(dev(x), train_flg=False)), 0.7 * x, rtol=1e-15)


def test_dropout_fresh_mask_unless_kept():
    layer = Dropout(0.5)
    x = dev(np.ones((20, 20)))
    first = to_cpu(layer.forward(x)).copy()
    second = to_cpu(layer.forward(x)).copy()
    assert not np.array_equal(first, second)
    layer.keep_mask = True
    third = to_cpu(layer.forward(x))
    np.testing.assert_array_equal(third, second)


def test_dropout_gradient_with_fixed_mask():
    rng = np.random.RandomState(13)
    layer = Dropout(0.4)
    x = dev(rng.randn(6, 7))
    layer.forward(x)
    layer.keep_mask = True
    errors = check_layer(layer, x)
    assert errors["x"] <= REL_TOL, errors
    assert 0 < to_cpu(layer.mask).mean() < 1


# --------------------------------------------------------------------------- BatchNormalization


def make_bn(rng, features):
    return BatchNormalization(dev(1.0 + 0.3 * rng.randn(features)), dev(0.3 * rng.randn(features)))


def test_batchnorm_forward_train_normalizes_each_feature():
    rng = np.random.RandomState(14)
    x = 3.0 + 2.0 * rng.randn(50, 4)
    layer = BatchNormalization(dev(np.ones(4)), dev(np.zeros(4)))
    out = to_cpu(layer.forward(dev(x), train_flg=True))
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-6)


def test_batchnorm_scale_shift_and_running_statistics():
    rng = np.random.RandomState(15)
    gamma, beta = rng.rand(3) + 0.5, rng.randn(3)
    x1, x2 = rng.randn(8, 3) * 2 + 1, rng.randn(8, 3) - 1
    layer = BatchNormalization(dev(gamma), dev(beta), momentum=0.8)
    out1 = to_cpu(layer.forward(dev(x1), train_flg=True))
    layer.forward(dev(x2), train_flg=True)
    eps = BatchNormalization.eps
    np.testing.assert_allclose(
        out1, gamma * (x1 - x1.mean(0)) / np.sqrt(x1.var(0) + eps) + beta, rtol=1e-10
    )
    running_mean = 0.8 * (0.2 * x1.mean(0)) + 0.2 * x2.mean(0)
    running_var = 0.8 * (0.2 * x1.var(0)) + 0.2 * x2.var(0)
    np.testing.assert_allclose(to_cpu(layer.running_mean), running_mean, rtol=1e-12)
    np.testing.assert_allclose(to_cpu(layer.running_var), running_var, rtol=1e-12)
    # test mode uses the running statistics and leaves them alone
    x3 = rng.randn(4, 3)
    out3 = to_cpu(layer.forward(dev(x3), train_flg=False))
    expected3 = gamma * (x3 - running_mean) / np.sqrt(running_var + eps) + beta
    np.testing.assert_allclose(out3, expected3, rtol=1e-10)
    np.testing.assert_allclose(to_cpu(layer.running_mean), running_mean, rtol=1e-12)


def test_batchnorm_gradient_2d():
    rng = np.random.RandomState(16)
    layer = make_bn(rng, 4)
    x = dev(rng.randn(6, 4) * 2 + 0.5)
    errors = check_layer(
        layer, x, params=("gamma", "beta"), forward=lambda a: layer.forward(a, train_flg=True)
    )
    assert max(errors.values()) <= REL_TOL, errors


def test_batchnorm_gradient_4d():
    rng = np.random.RandomState(17)
    layer = make_bn(rng, 2 * 2 * 2)
    x = dev(rng.randn(5, 2, 2, 2))
    out = layer.forward(x)
    assert out.shape == (5, 2, 2, 2)
    errors = check_layer(
        layer, x, params=("gamma", "beta"), forward=lambda a: layer.forward(a, train_flg=True)
    )
    assert max(errors.values()) <= REL_TOL, errors


def test_batchnorm_keeps_the_books_attributes():
    rng = np.random.RandomState(20)
    x = rng.randn(7, 3) * 2 + 1
    layer = BatchNormalization(dev(np.ones(3)), dev(np.zeros(3)))
    assert layer.eps == 1e-6  # the book writes 10e-7
    layer.forward(dev(x), train_flg=True)
    np.testing.assert_allclose(to_cpu(layer.xc), x - x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(to_cpu(layer.std), np.sqrt(x.var(axis=0) + 1e-6), rtol=1e-12)
    np.testing.assert_allclose(to_cpu(layer.xn), to_cpu(layer.xc) / to_cpu(layer.std), rtol=1e-12)
    assert layer.batch_size == 7 and layer.input_shape == (7, 3) and layer.momentum == 0.9
    layer.backward(dev(np.ones((7, 3))))
    np.testing.assert_allclose(to_cpu(layer.dbeta), [7.0, 7.0, 7.0], rtol=1e-12)
    np.testing.assert_allclose(to_cpu(layer.dgamma), to_cpu(layer.xn).sum(axis=0), atol=1e-12)


def test_batchnorm_wrong_feature_count():
    layer = BatchNormalization(dev(np.ones(4)), dev(np.zeros(4)))
    with pytest.raises(ValueError, match="broadcast"):  # NumPy's message names both shapes
        layer.forward(dev(np.zeros((3, 5))))


# --------------------------------------------------------------------------- Convolution, Pooling


def direct_convolution(x, W, b, stride, pad):
    """The definition: out[n, f, i, j] = sum over (c, dy, dx) of W[f] * the patch, + b[f]."""
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    n, _, h, w = padded.shape
    fn, _, fh, fw = W.shape
    out_h, out_w = (h - fh) // stride + 1, (w - fw) // stride + 1
    out = np.zeros((n, fn, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            patch = padded[:, :, i * stride : i * stride + fh, j * stride : j * stride + fw]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1)])
def test_convolution_forward_matches_the_definition(stride, pad):
    rng = np.random.RandomState(21)
    x, W, b = rng.randn(2, 3, 7, 6), rng.randn(4, 3, 3, 2), rng.randn(4)
    out = to_cpu(Convolution(dev(W), dev(b), stride, pad).forward(dev(x)))
    np.testing.assert_allclose(
        out, direct_convolution(x, W, b, stride, pad), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("stride, pad", [(1, 0), (2, 1)])
def test_convolution_gradient(stride, pad):
    rng = np.random.RandomState(22)
    layer = Convolution(dev(rng.randn(2, 2, 3, 3)), dev(rng.randn(2)), stride, pad)
    errors = check_layer(layer, dev(rng.randn(2, 2, 5, 5)), params=("W", "b"))
    assert max(errors.values()) <= REL_TOL, errors


def test_pooling_forward_takes_each_windows_maximum():
    x = np.random.RandomState(23).permutation(2 * 3 * 4 * 6).reshape(2, 3, 4, 6).astype(float)
    out = to_cpu(Pooling(2, 2, stride=2).forward(dev(x)))
    assert out.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(out, x.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)))


@pytest.mark.parametrize("stride", [1, 2])
def test_pooling_gradient(stride):
    # distinct values, far apart compared with h: no maximum changes hands during the check
    x = np.random.RandomState(24).permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) * 0.1
    errors = check_layer(Pooling(3, 3, stride=stride), dev(x))
    assert errors["x"] <= REL_TOL, errors


def test_convolution_checks_its_input():
    layer = Convolution(dev(np.zeros((4, 3, 2, 2))), dev(np.zeros(4)))
    with pytest.raises(ValueError):  # NumPy's matmul names the mismatched sizes
        layer.forward(dev(np.zeros((1, 2, 5, 5))))
    with pytest.raises(ValueError, match="Convolution.*b"):
        Convolution(dev(np.zeros((4, 3, 2, 2))), dev(np.zeros(3)))


# --------------------------------------------------------------------------- common contract


def test_float32_stays_float32():
    rng = np.random.RandomState(18)
    x = dev(rng.randn(4, 3), np.float32)
    affine = Affine(dev(rng.randn(3, 2), np.float32), dev(np.zeros(2), np.float32))
    bn = BatchNormalization(dev(np.ones(2), np.float32), dev(np.zeros(2), np.float32))
    h = Sigmoid().forward(bn.forward(Relu().forward(affine.forward(x))))
    assert h.dtype == np.float32
    assert bn.running_mean.dtype == np.float32


# --------------------------------------------------------------------------- GPU == CPU


def _run_layer(layer, x, dout, train=None):
    out = layer.forward(x) if train is None else layer.forward(x, train)
    return out, layer.backward(dout)


@pytest.mark.gpu
def test_layers_on_gpu_match_numpy():
    rng = np.random.RandomState(19)
    x = rng.randn(6, 4)
    dout = rng.randn(6, 4)
    W, b = rng.randn(4, 4), rng.randn(4)
    gamma, beta = rng.rand(4) + 0.5, rng.randn(4)
    cases = {
        "Relu": (lambda on: Relu(), None),
        "Sigmoid": (lambda on: Sigmoid(), None),
        "Affine": (lambda on: Affine(on(W), on(b)), None),
        "BatchNormalization": (lambda on: BatchNormalization(on(gamma), on(beta)), True),
    }
    for name, (make, train) in cases.items():
        cpu_layer, gpu_layer = make(np.asarray), make(backend.to_gpu)
        out_c, dx_c = _run_layer(cpu_layer, x, dout, train)
        out_g, dx_g = _run_layer(gpu_layer, backend.to_gpu(x), backend.to_gpu(dout), train)
        assert (
            backend.get_array_module(out_g) is not np and backend.get_array_module(dx_g) is not np
        ), name
        np.testing.assert_allclose(to_cpu(out_g), out_c, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(to_cpu(dx_g), dx_c, rtol=1e-10, atol=1e-12, err_msg=name)
        for attr in ("dW", "db", "dgamma", "dbeta"):
            if hasattr(cpu_layer, attr):
                np.testing.assert_allclose(
                    to_cpu(getattr(gpu_layer, attr)),
                    getattr(cpu_layer, attr),
                    rtol=1e-10,
                    atol=1e-12,
                    err_msg=f"{name}.{attr}",
                )

    # Dropout: the GPU draws its own mask; give the CPU layer the same one.
    gpu_drop = Dropout(0.5)
    out_g = gpu_drop.forward(backend.to_gpu(x))
    cpu_drop = Dropout(0.5)
    cpu_drop.mask = to_cpu(gpu_drop.mask)
    cpu_drop.keep_mask = True
    np.testing.assert_array_equal(to_cpu(out_g), cpu_drop.forward(x))
    np.testing.assert_array_equal(
        to_cpu(gpu_drop.backward(backend.to_gpu(dout))), cpu_drop.backward(dout)
    )

    # SoftmaxWithLoss with index labels
    t = rng.randint(0, 4, size=6)
    cpu_loss, gpu_loss = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert float(gpu_loss.forward(backend.to_gpu(x), backend.to_gpu(t))) == pytest.approx(
        float(cpu_loss.forward(x, t)), rel=1e-12
    )
    np.testing.assert_allclose(
        to_cpu(gpu_loss.backward()), cpu_loss.backward(), rtol=1e-10, atol=1e-15
    )


def test_affine_without_dx_gives_the_same_parameter_gradients():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    x, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    full = Affine(to_device(W), to_device(b))
    first = Affine(to_device(W), to_device(b), compute_dx=False)
    for layer in (full, first):
        layer.forward(to_device(x))
    assert full.backward(to_device(dout)) is not None
    assert first.backward(to_device(dout)) is None
    np.testing.assert_array_equal(to_cpu(first.dW), to_cpu(full.dW))
    np.testing.assert_array_equal(to_cpu(first.db), to_cpu(full.db))


def test_softmax_with_loss_takes_label_rows_of_any_weight_exactly():
    """Rows that do not sum to 1 ([1, 1, 0]): dL/dx = softmax(x) * sum(t) - t, not y - t."""
    rng = np.random.RandomState(3)
    x, t = rng.randn(2, 3), np.array([[1.0, 1.0, 0.0], [0.2, 0.3, 0.9]])
    layer = SoftmaxWithLoss()
    layer.forward(dev(x), dev(t))
    dx = backend.to_cpu(layer.backward())
    expected = numerical_gradient(lambda _: float(SoftmaxWithLoss().forward(x, t)), x)
    assert np.abs(dx - expected).max() < 1e-8
