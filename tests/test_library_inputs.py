"""Malformed input to the library: the right answer, or a clear error naming the object.

A fuzz-style grid: every public layer, loss and network (and the optimizers) is
fed a set of malformed inputs (other dtypes and shapes, NaN and infinity, labels
out of range or of the wrong width, empty batches, lists, objects).  For each
pair the test works out from the mathematics alone, in NumPy, what the call must
give (the reference); where the input has no meaning (a reference raises
``Invalid``) the call must raise ValueError or TypeError whose message names the
object.  Never a silent result: a label -1 must not pick the last class, a
one-hot row of the wrong width must not give an accuracy, a NaN must not vanish.

Value checks (label ranges, NaN in a batch-norm batch) are made for NumPy arrays
only, so this module runs on the CPU whatever DLFS_DEVICE says; the last tests
pin, on the strict stand-in device, that the training path reads nothing back
from the device.
"""

import math

import numpy as np
import pytest

from ch04.two_layer_net import TwoLayerNet, fast_numerical_gradient
from ch05.two_layer_net import TwoLayerNet as LayerTwoLayerNet
from common import backend
from common.functions import (
    cross_entropy_error,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)
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
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from common.util import accuracy, smooth_curve

N, D, C = 4, 3, 3  # rows, input features, classes


@pytest.fixture(autouse=True)
def on_the_cpu():
    with backend.using_device("cpu"):
        yield


class Invalid(Exception):
    """Raised by a reference: this input has no meaning, the call must refuse it."""


def check(name, run, reference):
    """The call gives the reference's answer, or raises an error naming ``name``."""
    try:
        with np.errstate(all="ignore"):
            expected = reference()
    except Invalid:
        with pytest.raises((ValueError, TypeError)) as info, np.errstate(all="ignore"):
            run()
        message = str(info.value)
        assert name in message, f"the error does not name {name}: {message}"
        assert "\n" not in message.strip(), f"not one line: {message}"
        return
    with np.errstate(all="ignore"):
        result = run()
    if isinstance(expected, dict):
        assert list(result) == list(expected)
        for key in expected:
            np.testing.assert_allclose(
                result[key], expected[key], rtol=1e-6, atol=1e-9, err_msg=key
            )
    else:
        result = np.asarray(result, dtype=float)
        assert result.shape == np.shape(expected)
        np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-12, equal_nan=True)


# --------------------------------------------------------------------------- the inputs

RNG = np.random.RandomState(0)
X0 = RNG.randn(N, D)  # the well-formed input every x case is a variant of
with_nan = X0.copy()
with_nan[1, 2] = np.nan
with_inf = X0.copy()
with_inf[1, 0] = np.inf
with_both = X0.copy()
with_both[1, :2] = [np.inf, -np.inf]

X_CASES = {
    "float64": X0,
    "float32": X0.astype(np.float32),
    "int": np.round(3 * X0).astype(int),
    "bool": X0 > 0,
    "3-D (N, 1, D)": X0.reshape(N, 1, D),
    "non-contiguous": np.asfortranarray(X0)[:, ::1],
    "one row (D,)": X0[0].copy(),
    "wrong width (N, D+2)": RNG.randn(N, D + 2),
    "0-d": np.array(1.5),
    "empty (0, D)": np.zeros((0, D)),
    "NaN": with_nan,
    "inf": with_inf,
    "inf and -inf": with_both,
    "object dtype": X0.astype(object),
    "complex": X0.astype(complex),
    "strings": np.array([["a"] * D] * N),
    "list": X0.tolist(),
    "None": None,
}

T0 = np.array([0, 2, 1, 2])  # class indices for N rows of C classes
SOFT = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.5, 0.3], [0.0, 0.4, 0.6]])
T_CASES = {
    "int64": T0,
    "int8": T0.astype(np.int8),
    "uint8": T0.astype(np.uint8),
    "one-hot float": np.eye(C)[T0],
    "one-hot int": np.eye(C, dtype=int)[T0],
    "probability rows": SOFT,
    "list": T0.tolist(),
    "label -1": np.array([0, -1, 1, 2]),
    "label C": np.array([0, C, 1, 2]),
    "huge label": np.array([0, 2**40, 1, 2]),
    "float indices": T0.astype(float),
    "bool": T0 > 0,
    "object": T0.astype(object),
    "too few": T0[:3],
    "(N, 1)": T0.reshape(N, 1),
    "one-hot too wide": np.eye(C + 1)[T0],
    "one-hot too narrow": np.eye(C)[T0][:, :2],
    "one number": np.array(1),
    "None": None,
}


def is_numeric_array(x):
    return isinstance(x, np.ndarray) and x.dtype.kind in "biuf"


def numeric(x, lists=False):
    """x as float64 (its meaning), or Invalid for what is not an array of real numbers."""
    if lists and isinstance(x, list):
        return np.asarray(x, dtype=float)
    if not is_numeric_array(x):
        raise Invalid
    return x.astype(float)


def batch(x, width, lists=False):
    """x as an (N, width) float64 batch (N-D input flattened per row), or Invalid."""
    a = numeric(x, lists)
    if a.ndim == 0 or a.size != a.shape[0] * width:
        raise Invalid
    return a.reshape(a.shape[0], width)


def labels(t, n=N, classes=C, lists=True):
    """t as (n, classes) weight rows (one-hot or probabilities), or Invalid."""
    if lists and isinstance(t, list):
        t = np.asarray(t)
    if not isinstance(t, np.ndarray):
        raise Invalid
    if t.shape == (n, classes) and t.dtype.kind in "biuf":
        return t.astype(float)
    if t.shape != (n,) or t.dtype.kind not in "iu" or np.any(t < 0) or np.any(t >= classes):
        raise Invalid
    return np.eye(classes)[t]


def reference_loss(scores, weights):
    """-mean over rows of sum_k t_k log softmax(scores)_k, straight from the definition."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.sum(weights * logp) / scores.shape[0]


# --------------------------------------------------------------------------- layers and functions

W = RNG.randn(D, 2)
B = RNG.randn(2)


def ref_elementwise(x, f, lists=False):
    return f(numeric(x, lists))


def ref_affine(x):
    return batch(x, D) @ W + B


def ref_batchnorm_train(x):
    a = batch(x, D)
    if a.shape[0] == 0 or not np.all(np.isfinite(a)):
        raise Invalid
    return (a - a.mean(axis=0)) / np.sqrt(a.var(axis=0) + 1e-6)


def ref_batchnorm_test(x):
    a = batch(x, D)
    return a / np.sqrt(0 + 1e-6)  # fresh running statistics: mean 0, variance 0


def ref_sigmoid(a):
    return np.where(a >= 0, 1 / (1 + np.exp(-a)), np.exp(a) / (1 + np.exp(a)))


def ref_scores_loss(x, lists=False):
    a = numeric(x, lists)
    if a.ndim != 2 or a.shape[0] != N or a.shape[1] < C:
        raise Invalid
    return reference_loss(a, np.eye(a.shape[1])[T0])


def reshaped_like_input(x, out):
    return out.reshape(np.shape(x)) if is_numeric_array(x) else out


LAYER_CASES = {
    "Relu": (lambda x: Relu().forward(x), lambda x: ref_elementwise(x, lambda a: np.maximum(a, 0))),
    "Sigmoid": (lambda x: Sigmoid().forward(x), lambda x: ref_elementwise(x, ref_sigmoid)),
    "Affine": (lambda x: Affine(W, B).forward(x), ref_affine),
    "Dropout": (
        lambda x: Dropout(0.25).forward(x, train_flg=False),
        lambda x: ref_elementwise(x, lambda a: 0.75 * a),
    ),
    "BatchNormalization": (
        lambda x: BatchNormalization(np.ones(D), np.zeros(D)).forward(x, train_flg=True),
        lambda x: ref_batchnorm_train(x).reshape(np.shape(x)),
    ),
    "BatchNormalization ": (  # test mode (the trailing space keeps the key distinct)
        lambda x: BatchNormalization(np.ones(D), np.zeros(D)).forward(x, train_flg=False),
        lambda x: ref_batchnorm_test(x).reshape(np.shape(x)),
    ),
    "SoftmaxWithLoss": (lambda x: SoftmaxWithLoss().forward(x, T0), ref_scores_loss),
    "softmax_loss": (lambda x: softmax_loss(x, T0), lambda x: ref_scores_loss(x, lists=True)),
    "relu": (relu, lambda x: ref_elementwise(x, lambda a: np.maximum(a, 0), lists=True)),
    "sigmoid": (sigmoid, lambda x: ref_elementwise(x, ref_sigmoid, lists=True)),
    "step_function": (step_function, lambda x: ref_elementwise(x, lambda a: a > 0, lists=True)),
}


@pytest.mark.parametrize("case", list(X_CASES))
@pytest.mark.parametrize("name", list(LAYER_CASES))
def test_layers_and_functions_on_malformed_x(name, case):
    run, reference = LAYER_CASES[name]
    x = X_CASES[case]
    check(name.strip(), lambda: run(x), lambda: reference(x))


@pytest.mark.parametrize("case", list(X_CASES))
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_on_malformed_x(name, case):
    x = X_CASES[case]
    function = {"softmax": softmax, "log_softmax": log_softmax}[name]

    def reference():
        a = numeric(x, lists=True)
        if a.ndim == 0:
            raise Invalid  # no axis of scores to normalise over
        shifted = a - a.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        if name == "log_softmax":
            return shifted - np.log(e.sum(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    check(name, lambda: function(x), reference)


@pytest.mark.parametrize("case", list(T_CASES))
@pytest.mark.parametrize("name", ["SoftmaxWithLoss", "softmax_loss", "cross_entropy_error"])
def test_losses_on_malformed_labels(name, case):
    t = T_CASES[case]
    probabilities = np.exp(X0) / np.exp(X0).sum(axis=1, keepdims=True)
    runs = {
        "SoftmaxWithLoss": lambda: SoftmaxWithLoss().forward(X0, t),
        "softmax_loss": lambda: softmax_loss(X0, t),
        "cross_entropy_error": lambda: cross_entropy_error(probabilities, t),
    }

    def reference():
        weights = labels(t)
        if name == "cross_entropy_error":  # the book's version reads rows by their argmax
            picked = probabilities[np.arange(N), weights.argmax(axis=1)]
            return -np.mean(np.log(picked + 1e-7))
        return reference_loss(X0, weights)

    check(name, runs[name], reference)


@pytest.mark.parametrize("case", list(T_CASES))
def test_accuracy_on_malformed_labels(case):
    t = T_CASES[case]
    scores = np.eye(C)[[0, 2, 2, 2]] + 0.1  # predicts 0, 2, 2, 2: three of T0's four labels

    def reference():
        weights = labels(t)
        return np.mean(weights.argmax(axis=1) == [0, 2, 2, 2])

    check("accuracy", lambda: accuracy(lambda x: x, scores, t), reference)


def test_accuracy_of_nothing_is_refused():
    with pytest.raises(ValueError, match="accuracy.*no examples"):
        accuracy(lambda x: x, np.zeros((0, C)), np.zeros(0, dtype=int))


@pytest.mark.parametrize(
    "y, t",
    [
        (np.zeros((10, 10)), np.zeros(10)),  # the 1377.76: a batch against one target
        (np.zeros((10,)), np.zeros((10, 1))),
        ([1.0, 2.0], [1.0, 2.0, 3.0]),
    ],
)
def test_sum_squared_error_refuses_shapes_that_would_broadcast(y, t):
    with pytest.raises(ValueError, match="sum_squared_error.*same"):
        sum_squared_error(y, t)


def test_sum_squared_error_of_lists_and_nan():
    assert sum_squared_error([1.0, 2.0], [1.0, 4.0]) == 2.0
    assert math.isnan(sum_squared_error(np.array([np.nan, 1.0]), np.zeros(2)))


def test_log_softmax_keeps_nan():
    out = log_softmax(np.array([[0.0, np.nan], [1.0, 2.0]]))
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


def test_numerical_gradient_refuses_what_it_cannot_perturb():
    with pytest.raises(TypeError, match="numerical_gradient.*float"):
        numerical_gradient(lambda v: float(v.sum()), np.array([1, 2]))
    with pytest.raises(TypeError, match="numerical_gradient: f.x. must return one number"):
        numerical_gradient(lambda v: v * 2, np.array([1.0, 2.0]))
    for h in (0, -1e-4, float("nan"), float("inf"), "1e-4"):
        with pytest.raises(ValueError, match="numerical_gradient: the step h"):
            numerical_gradient(lambda v: float(v.sum()), np.array([1.0]), h=h)


# --------------------------------------------------------------------------- batch norm state


def test_a_refused_batch_leaves_the_running_statistics_alone():
    layer = BatchNormalization(np.ones(D), np.zeros(D))
    layer.forward(X0, train_flg=True)
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    for bad in (with_nan, with_inf):
        with pytest.raises(ValueError, match="BatchNormalization.*NaN or infinite.*running_mean"):
            layer.forward(bad, train_flg=True)
    np.testing.assert_array_equal(layer.running_mean, mean)
    np.testing.assert_array_equal(layer.running_var, var)
    assert np.isfinite(layer.forward(X0, train_flg=False)).all()


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: Dropout(float("nan")), "Dropout: dropout_ratio must be in [0, 1)"),
        (lambda: Dropout(-0.5), "Dropout: dropout_ratio must be in [0, 1)"),
        (lambda: Dropout(1.0), "Dropout: dropout_ratio must be in [0, 1)"),
        (lambda: Dropout("0.5"), "Dropout: dropout_ratio must be a number"),
        (lambda: BatchNormalization(np.ones(3), np.zeros(4)), "BatchNormalization: beta has shape"),
        (
            lambda: BatchNormalization(np.ones(3), np.zeros(3), momentum=float("nan")),
            "BatchNormalization: momentum must be in [0, 1]",
        ),
        (lambda: BatchNormalization(np.ones(3), np.zeros(3), eps=0), "BatchNormalization: eps"),
        (lambda: Affine(np.zeros((3, 2)), np.zeros(3)), "Affine: b has shape (3,), expected (2,)"),
        (lambda: Affine(np.zeros(3), np.zeros(3)), "Affine: W must be 2-D"),
        (lambda: Affine([[1.0]], [0.0]), "Affine: W must be a NumPy/CuPy array"),
        (lambda: Convolution(np.zeros((2, 2)), np.zeros(2)), "Convolution: W must be 4-D"),
        (
            lambda: Pooling(2, 2).forward(np.zeros((1, 1, 1, 1))),
            "im2col: a 2x2 filter does not fit",
        ),
        (lambda: Pooling(2, 2, stride=0), "Pooling: stride must be a whole number >= 1"),
        (lambda: Pooling(0, 2), "Pooling: pool_h must be a whole number >= 1"),
        (lambda: Pooling(2, 2, pad=-1), "Pooling: pad must be a whole number >= 0"),
        (
            lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), stride=1.5),
            "Convolution: stride must be a whole number >= 1, got 1.5",
        ),
        (
            lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2)).forward(
                np.zeros((0, 1, 5, 5))
            ),
            "Convolution: the batch is empty",
        ),
        (lambda: Pooling(2, 2).forward(np.zeros((0, 1, 4, 4))), "Pooling: the batch is empty"),
    ],
)
def test_layer_construction_errors(make, fragment):
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    assert fragment in str(info.value), str(info.value)


def test_smooth_curve_refuses_a_series_of_words():
    with pytest.raises(TypeError, match="smooth_curve: x must be a series of numbers"):
        smooth_curve(["a", "b", "c"])


# --------------------------------------------------------------------------- networks


def make_networks():
    np.random.seed(0)
    return {
        "MultiLayerNet": MultiLayerNet(D, [5], C, dtype=np.float64),
        "MultiLayerNetExtend": MultiLayerNetExtend(D, [5], C, use_batchnorm=True, dtype=np.float64),
        "TwoLayerNet": TwoLayerNet(D, 5, C, weight_init_std=0.5),
    }


NETWORK_NAMES = ["MultiLayerNet", "MultiLayerNetExtend", "TwoLayerNet"]


def clean_predict(net, x):
    return net.predict(x) if isinstance(net, TwoLayerNet) else net.predict(x, train_flg=False)


def ref_network_predict(name, net, x):
    """Row by row, the clean input's output; rows with a NaN or infinity become non-finite."""
    if name == "TwoLayerNet" and isinstance(x, list):
        x = np.asarray(x)
    if name == "TwoLayerNet" and is_numeric_array(x) and x.ndim == 1 and x.size == D:
        return clean_predict(net, x.astype(float)[None])[0]  # one example, as in the book
    a = batch(x, D)
    if name == "TwoLayerNet" and is_numeric_array(x) and x.ndim != 2:
        raise Invalid  # the chapter 4 network takes rows or one example, nothing else
    expected = clean_predict(net, np.where(np.isfinite(a), a, 0.0))
    expected[~np.isfinite(a).all(axis=1)] = np.nan  # "must not be finite" (checked below)
    return expected


@pytest.mark.parametrize("case", list(X_CASES))
@pytest.mark.parametrize("name", NETWORK_NAMES)
def test_network_predict_on_malformed_x(name, case):
    net = make_networks()[name]
    x = X_CASES[case]
    try:
        with np.errstate(all="ignore"):
            expected = ref_network_predict(name, net, x)
    except Invalid:
        with pytest.raises((ValueError, TypeError)) as info, np.errstate(all="ignore"):
            clean_predict(net, x)
        assert name in str(info.value), str(info.value)
        return
    with np.errstate(all="ignore"):
        out = np.asarray(clean_predict(net, x), dtype=float)
    assert out.shape == expected.shape
    clean = ~np.isnan(expected).any(axis=-1)  # all rows, or the one example
    np.testing.assert_allclose(out[clean], expected[clean], rtol=1e-9, atol=1e-12)
    # A row with a NaN must not come out looking like a clean result.  (A row with
    # an infinity may: sigmoid(inf) is exactly 1, the limit, so TwoLayerNet gives finite
    # scores there, while ReLU layers pass the infinity on.)
    rows = np.atleast_2d(np.asarray(x, dtype=float))
    nan_rows = np.isnan(rows.reshape(rows.shape[0], math.prod(rows.shape[1:]))).any(axis=1)
    assert not np.isfinite(np.atleast_2d(out)[nan_rows]).all(axis=-1).any(), out


@pytest.mark.parametrize("case", list(T_CASES))
@pytest.mark.parametrize("method", ["loss", "gradient", "accuracy"])
@pytest.mark.parametrize("name", NETWORK_NAMES)
def test_network_methods_on_malformed_labels(name, method, case):
    nets = make_networks()
    net, twin = nets[name], make_networks()[name]  # twin: the same weights, for the reference
    t = T_CASES[case]

    def reference():
        # the chapter 4 network converts lists (the book's code passes arrays); the others refuse
        weights = labels(t, lists=name == "TwoLayerNet")
        indices = weights.argmax(axis=1)
        if method == "accuracy":
            return twin.accuracy(X0, indices)
        if method == "loss":
            scores = twin.scores(X0) if name == "TwoLayerNet" else twin.predict(X0)
            return reference_loss(scores, weights)
        order = list(twin.gradient(X0, indices))
        if np.all((weights == 0) | (weights == 1)):
            return twin.gradient(X0, indices)

        def soft_loss(_):  # probability rows: central differences of the defining formula
            scores = twin.scores(X0) if name == "TwoLayerNet" else twin.predict(X0, True)
            return reference_loss(scores, weights)

        return {key: numerical_gradient(soft_loss, twin.params[key]) for key in order}

    check(name, lambda: getattr(net, method)(X0, t), reference)


@pytest.mark.parametrize("name", NETWORK_NAMES)
@pytest.mark.parametrize("method", ["loss", "gradient", "accuracy"])
def test_network_methods_refuse_an_empty_batch(name, method):
    net = make_networks()[name]
    with pytest.raises(ValueError) as info:
        getattr(net, method)(np.zeros((0, D)), np.zeros(0, dtype=int))
    assert name in str(info.value) and (
        "empty" in str(info.value) or "no examples" in str(info.value)
    )


@pytest.mark.parametrize("name", NETWORK_NAMES)
def test_network_methods_refuse_a_wrong_input_width(name):
    net = make_networks()[name]
    for method in ("loss", "gradient", "numerical_gradient"):
        with pytest.raises(ValueError) as info:
            getattr(net, method)(np.zeros((N, D + 1)), T0)
        message = str(info.value)
        assert name in message and f"{D + 1}" in message and f"{D}" in message, message


def test_two_layer_net_numerical_gradients_check_their_input():
    net = make_networks()["TwoLayerNet"]
    for fast in (False, True):
        with pytest.raises(ValueError, match="TwoLayerNet.numerical_gradient: labels must be"):
            net.numerical_gradient(X0, np.array([0, -1, 1, 2]), fast=fast)
    with pytest.raises(ValueError, match="fast_numerical_gradient: labels t have shape"):
        fast_numerical_gradient(net.params, X0, np.eye(C + 1)[T0])


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: MultiLayerNet(D, [5], C, dtype=int), "MultiLayerNet: dtype must be a float type"),
        (lambda: MultiLayerNet(D, [5], C, dtype="float16x"), "MultiLayerNet: dtype must be"),
        (
            lambda: MultiLayerNet(D, [5], C, weight_decay_lambda=-0.1),
            "MultiLayerNet: weight_decay_lambda must be a finite number >= 0",
        ),
        (
            lambda: MultiLayerNet(D, [5], C, weight_decay_lambda=float("nan")),
            "MultiLayerNet: weight_decay_lambda",
        ),
        (lambda: MultiLayerNet(D, [5, 0], C), "MultiLayerNet: each hidden size must be"),
        (lambda: MultiLayerNet(D, 5, C), "MultiLayerNet: hidden_size_list must be a list"),
        (lambda: MultiLayerNet("784", [5], C), "MultiLayerNet: input_size must be"),
        (lambda: MultiLayerNet(D, [5], 0), "MultiLayerNet: output_size must be"),
        (lambda: MultiLayerNet(D, [5], C, activation="tanh"), "MultiLayerNet: activation"),
        (
            lambda: MultiLayerNet(D, [5], C, weight_init_std=-1.0),
            "MultiLayerNet: weight_init_std must be a finite number >= 0",
        ),
        (
            lambda: MultiLayerNet(D, [5], C, weight_init_std=float("inf")),
            "MultiLayerNet: weight_init_std",
        ),
        (
            lambda: MultiLayerNet(D, [5], C, weight_init_std="gauss"),
            "MultiLayerNet: weight_init_std: unknown name",
        ),
        (lambda: MultiLayerNetExtend(D, [5], C, dtype=np.int32), "MultiLayerNetExtend: dtype"),
        (
            lambda: MultiLayerNetExtend(D, [5], C, dropout_ratio=float("nan")),
            "MultiLayerNetExtend: dropout_ratio must be in [0, 1)",
        ),
        (lambda: TwoLayerNet(D, 0, C), "TwoLayerNet: hidden_size must be"),
        (lambda: LayerTwoLayerNet(D, 0, C), "TwoLayerNet: hidden_size must be a whole number"),
        (lambda: LayerTwoLayerNet(D, -1, C), "TwoLayerNet: hidden_size must be a whole number"),
        (lambda: LayerTwoLayerNet(D, 2.5, C), "TwoLayerNet: hidden_size must be a whole number"),
        (
            lambda: LayerTwoLayerNet(D, 5, C, weight_init_std=float("nan")),
            "TwoLayerNet: weight_init_std must be a finite number",
        ),
        (lambda: LayerTwoLayerNet(D, 5, C, dtype=int), "TwoLayerNet: dtype must be a float"),
        (lambda: LayerTwoLayerNet(D, 5, C, dtype="bogus"), "TwoLayerNet: dtype must be a float"),
        (
            lambda: TwoLayerNet(D, 5, C, weight_init_std=float("nan")),
            "TwoLayerNet: weight_init_std",
        ),
    ],
)
def test_network_construction_errors(make, fragment):
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    assert fragment in str(info.value), str(info.value)


def test_network_refuses_host_data_when_its_parameters_are_on_a_device():
    with backend.using_device("strict"):
        np.random.seed(0)
        net = MultiLayerNet(D, [5], C)
        with pytest.raises(
            TypeError, match="MultiLayerNet.gradient: x is a numpy.ndarray.*to_device"
        ):
            net.gradient(X0.astype(np.float32), backend.to_device(T0))


# --------------------------------------------------------------------------- optimizers

PARAMS0 = {"W": RNG.randn(3, 2), "b": RNG.randn(2)}
GRADS0 = {"W": RNG.randn(3, 2), "b": RNG.randn(2)}

GRAD_CASES = {
    "float64": GRADS0,
    "float32": {k: v.astype(np.float32) for k, v in GRADS0.items()},
    "int": {k: np.round(3 * v).astype(int) for k, v in GRADS0.items()},
    "extra key": dict(GRADS0, gamma=np.ones(2)),
    "missing key": {"W": GRADS0["W"]},
    "wrong shape (broadcastable)": {"W": GRADS0["W"][:1], "b": GRADS0["b"]},
    "transposed": {"W": GRADS0["W"].T, "b": GRADS0["b"]},
    "object dtype": {"W": GRADS0["W"].astype(object), "b": GRADS0["b"]},
    "list": {"W": GRADS0["W"].tolist(), "b": GRADS0["b"]},
    "None": {"W": None, "b": GRADS0["b"]},
    "not a dict": [GRADS0["W"], GRADS0["b"]],
    "NaN": {"W": np.full((3, 2), np.nan), "b": GRADS0["b"]},
}


def ref_sgd_step(grads, lr=0.1):
    if not isinstance(grads, dict):
        raise Invalid
    out = {}
    for key, p in PARAMS0.items():
        g = grads.get(key)
        if not is_numeric_array(g) or g.shape != p.shape:
            raise Invalid
        out[key] = p - lr * g.astype(float)
    return out


@pytest.mark.parametrize("case", list(GRAD_CASES))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_on_malformed_gradients(name, case):
    grads = GRAD_CASES[case]
    optimizer = OPTIMIZERS[name](lr=0.1)
    params = {k: v.copy() for k, v in PARAMS0.items()}

    def run():
        optimizer.update(params, grads)
        return params

    def reference():
        sgd = ref_sgd_step(grads)  # raises Invalid for the malformed cases
        if name == "sgd":
            return sgd
        # other rules: compare with the same optimizer fed the float64 gradients
        clean = {k: v.copy() for k, v in PARAMS0.items()}
        OPTIMIZERS[name](lr=0.1).update(
            clean, {k: np.asarray(grads[k], dtype=float) for k in PARAMS0}
        )
        return clean

    cls_name = OPTIMIZERS[name].__name__
    check(f"{cls_name}.update", run, reference)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(lr=0),
        lambda: SGD(lr=-0.1),
        lambda: SGD(lr=float("nan")),
        lambda: SGD(lr=float("inf")),
        lambda: SGD(lr="0.1"),
        lambda: SGD(lr=True),
        lambda: Momentum(momentum=1.0),
        lambda: Momentum(momentum=-0.1),
        lambda: Nesterov(momentum=float("nan")),
        lambda: AdaGrad(lr=0),
        lambda: RMSprop(decay_rate=1.0),
        lambda: Adam(beta1=1.0),
        lambda: Adam(beta2=-1e-3),
        lambda: Adam(lr=float("nan")),
    ],
)
def test_optimizer_hyperparameters_are_checked_when_made(make):
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    message = str(info.value)
    assert message.split(":")[0] in {"SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"}
    assert "must be" in message


def test_optimizer_refuses_integer_parameters():
    with pytest.raises(TypeError, match="SGD.update: params\\['W'\\] has dtype int64"):
        SGD().update({"W": np.zeros(3, dtype=np.int64)}, {"W": np.ones(3)})


def test_optimizer_names_a_missing_gradient():
    with pytest.raises(ValueError, match="Adam.update: no gradient for parameter 'b'"):
        Adam().update({"W": np.zeros(2), "b": np.zeros(2)}, {"W": np.ones(2)})


# --------------------------------------------------------------------------- no device sync


def test_training_steps_read_nothing_back_from_the_device():
    """A training step on the strict device: no float(), bool() or .item() of device data,
    which on a GPU would each wait for the device (the label check included)."""
    import strict_device

    with backend.using_device("strict"):
        np.random.seed(0)
        x = backend.to_device(RNG.randn(8, D))
        t = backend.to_device(np.array([0, 1, 2, 0, 1, 2, 0, 1]))
        nets = [
            MultiLayerNet(D, [5], C),
            MultiLayerNetExtend(D, [5], C, use_batchnorm=True, use_dropout=True),
        ]
        with strict_device.counting_host_transfers() as transfers:
            for net in nets:
                optimizer = Adam()
                for _ in range(3):
                    optimizer.update(net.params, net.gradient(x, t))
            layer = SoftmaxWithLoss()
            layer.forward(backend.to_device(RNG.randn(8, C)), t)
            layer.backward()
            two_layer = TwoLayerNet(D, 5, C)
            two_layer.gradient(x, t)
            two_layer.loss(x, backend.to_device(np.eye(C)[[0, 1, 2, 0, 1, 2, 0, 1]]))
        assert transfers() == 0
