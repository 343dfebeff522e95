"""Tests for common/multi_layer_net.py: structure, initialization, loss, accuracy and
backpropagation against numerical gradients (float64, relative error <= 1e-7)."""

import common.util
from common.backend import to_cpu, to_device
from common.layers import Relu, Sigmoid
from common.multi_layer_net import MultiLayerNet, init_scale

import numpy as np
import pytest
from gradcheck import assert_grads_close, randomize_biases, relu_margin, using_device


def data(n=4, features=5, classes=3, seed=0):
    rng = np.random.RandomState(seed)
    return to_device(rng.randn(n, features)), to_device(rng.randint(0, classes, size=n))


def weights(net):
    return {k: to_cpu(v).astype(np.float64) for k, v in net.params.items()}


def numpy_forward(params, x, activation="relu"):
    """The network's scores computed here from its parameters, in NumPy."""
    L = len([k for k in params if k.startswith("W")])
    h = x
    for i in range(1, L):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        h = np.maximum(a, 0) if activation == "relu" else 1 / (1 + np.exp(-a))
    return h @ params[f"W{L}"] + params[f"b{L}"]


def numpy_loss(scores, t):
    logp = scores - scores.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(t)), t].mean()


# --------------------------------------------------------------------------- structure


def test_layer_names_and_order():
    net = MultiLayerNet(4, [5, 6, 7], 3, activation="sigmoid")
    assert list(net.layers) == [
        "Affine1",
        "Activation_function1",
        "Affine2",
        "Activation_function2",
        "Affine3",
        "Activation_function3",
        "Affine4",
    ]
    assert all(isinstance(net.layers[f"Activation_function{i}"], Sigmoid) for i in (1, 2, 3))
    assert isinstance(MultiLayerNet(4, [5], 3).layers["Activation_function1"], Relu)


def test_params_keys_shapes_and_sharing():
    net = MultiLayerNet(4, [5, 6], 3)
    assert sorted(net.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    shapes = {k: tuple(v.shape) for k, v in net.params.items()}
    assert shapes == {"W1": (4, 5), "b1": (5,), "W2": (5, 6), "b2": (6,), "W3": (6, 3), "b3": (3,)}
    for i in (1, 2, 3):
        assert net.layers[f"Affine{i}"].W is net.params[f"W{i}"]
        assert net.layers[f"Affine{i}"].b is net.params[f"b{i}"]
        assert not to_cpu(net.params[f"b{i}"]).any()


def test_no_hidden_layer_is_softmax_regression():
    net = MultiLayerNet(4, [], 3)
    assert list(net.layers) == ["Affine1"]
    assert sorted(net.params) == ["W1", "b1"]


def test_dtype_float32_by_default_and_float64_on_request():
    x, t = data()
    net32 = MultiLayerNet(5, [6], 3)
    assert all(v.dtype == np.float32 for v in net32.params.values())
    grads = net32.gradient(x.astype(np.float32), t)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert net32.predict(x.astype(np.float32)).dtype == np.float32
    net64 = MultiLayerNet(5, [6], 3, dtype=np.float64)
    assert all(v.dtype == np.float64 for v in net64.params.values())


def test_unknown_activation():
    with pytest.raises(ValueError, match="activation"):
        MultiLayerNet(4, [5], 3, activation="tanh")


@pytest.mark.parametrize("bad", ["gaussian", "glorot_uniform"])
def test_unknown_weight_init_name(bad):
    with pytest.raises(ValueError, match="weight_init_std"):
        MultiLayerNet(4, [5], 3, weight_init_std=bad)


# --------------------------------------------------------------------------- initialization


@pytest.mark.parametrize(
    "spec, expected",
    [
        (0.05, lambda fan_in: 0.05),
        ("relu", lambda fan_in: np.sqrt(2.0 / fan_in)),
        ("He", lambda fan_in: np.sqrt(2.0 / fan_in)),
        ("sigmoid", lambda fan_in: np.sqrt(1.0 / fan_in)),
        ("xavier", lambda fan_in: np.sqrt(1.0 / fan_in)),
    ],
)
def test_weight_init_std(spec, expected):
    np.random.seed(0)
    net = MultiLayerNet(500, [400], 300, weight_init_std=spec)
    for key, fan_in in (("W1", 500), ("W2", 400)):
        W = to_cpu(net.params[key]).astype(np.float64)
        # 120 000+ samples: the sample std is within ~0.2% of the true one
        assert W.std() == pytest.approx(expected(fan_in), rel=0.02), key
        assert abs(W.mean()) < 0.01 * expected(fan_in)
    assert init_scale(spec, 500) == pytest.approx(expected(500), rel=1e-12)


def test_initialization_is_seeded_by_numpy():
    np.random.seed(3)
    a = weights(MultiLayerNet(4, [5], 3))
    np.random.seed(3)
    b = weights(MultiLayerNet(4, [5], 3))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


# --------------------------------------------------------------------------- forward and loss


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_predict_and_loss_match_numpy(activation):
    np.random.seed(1)
    net = MultiLayerNet(5, [6, 4], 3, activation=activation, dtype=np.float64)
    randomize_biases(net, seed=1)
    x, t = data(n=7)
    expected = numpy_forward(weights(net), to_cpu(x), activation)
    np.testing.assert_allclose(to_cpu(net.predict(x)), expected, rtol=1e-12)
    np.testing.assert_allclose(to_cpu(net.predict(x, train_flg=True)), expected, rtol=1e-12)
    assert float(net.loss(x, t)) == pytest.approx(numpy_loss(expected, to_cpu(t)), rel=1e-12)


def test_weight_decay_adds_half_lambda_sum_of_squares():
    x, t = data(n=6)
    np.random.seed(2)
    plain = MultiLayerNet(5, [6, 4], 3, dtype=np.float64)
    np.random.seed(2)
    decayed = MultiLayerNet(5, [6, 4], 3, weight_decay_lambda=0.3, dtype=np.float64)
    squares = sum((w**2).sum() for k, w in weights(plain).items() if k.startswith("W"))
    difference = float(decayed.loss(x, t)) - float(plain.loss(x, t))
    assert difference == pytest.approx(0.5 * 0.3 * squares, rel=1e-12)
    # biases are not decayed: changing them leaves the penalty alone
    randomize_biases(plain, seed=5)
    randomize_biases(decayed, seed=5)
    difference = float(decayed.loss(x, t)) - float(plain.loss(x, t))
    assert difference == pytest.approx(0.5 * 0.3 * squares, rel=1e-12)


def test_gradient_records_the_loss_it_computed():
    np.random.seed(4)
    net = MultiLayerNet(5, [6], 3, weight_decay_lambda=0.1, dtype=np.float64)
    x, t = data()
    assert net.last_loss is None
    net.gradient(x, t)
    assert float(net.last_loss) == pytest.approx(float(net.loss(x, t, train_flg=True)), rel=1e-15)


# --------------------------------------------------------------------------- accuracy


def _labels_with_known_accuracy(net, x, correct, classes=3):
    predicted = to_cpu(net.predict(x)).argmax(axis=1)
    t = predicted.copy()
    t[correct:] = (predicted[correct:] + 1) % classes  # wrong on purpose from row `correct` on
    return t


def test_accuracy_index_and_one_hot():
    np.random.seed(5)
    net = MultiLayerNet(5, [6], 3)
    x = to_device(np.random.RandomState(6).randn(40, 5).astype(np.float32))
    t = _labels_with_known_accuracy(net, x, correct=30)
    assert net.accuracy(x, to_device(t)) == 0.75
    assert net.accuracy(x, to_device(np.eye(3)[t])) == 0.75


def test_accuracy_in_chunks(monkeypatch):
    np.random.seed(7)
    net = MultiLayerNet(5, [6], 3)
    x = to_device(np.random.RandomState(8).randn(50, 5).astype(np.float32))
    t = np.random.RandomState(9).randint(0, 3, size=50)
    direct = float((to_cpu(net.predict(x)).argmax(axis=1) == t).mean())
    monkeypatch.setattr(common.util, "ACCURACY_CHUNK", 7)
    rows_seen = []
    original_predict = net._predict  # behind the door: x was checked once, whole

    def counting_predict(x_chunk, train_flg):
        rows_seen.append(x_chunk.shape[0])
        return original_predict(x_chunk, train_flg)

    monkeypatch.setattr(net, "_predict", counting_predict)
    assert net.accuracy(x, to_device(t)) == direct
    assert rows_seen == [7] * 7 + [1]
    rows_seen.clear()
    assert net.accuracy(x, to_device(np.eye(3)[t])) == direct
    assert len(rows_seen) == 8


# --------------------------------------------------------------------------- gradient check


def gradient_check(net, x, t, zero_keys=()):
    randomize_biases(net, seed=11)
    margin = relu_margin(net, x)
    assert margin > 2e-3, f"a ReLU input is {margin:.1e} from the kink; pick another seed"
    grads = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t)
    assert set(grads) == set(net.params)
    assert_grads_close(grads, numerical, zero_keys=zero_keys)


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("decay", [0, 0.1])
def test_gradient_matches_numerical(activation, decay):
    np.random.seed(12)
    net = MultiLayerNet(
        5,
        [6, 5],
        3,
        activation=activation,
        weight_init_std="relu",
        weight_decay_lambda=decay,
        dtype=np.float64,
    )
    x, t = data(n=4, seed=13)
    gradient_check(net, x, t)


def test_gradient_matches_numerical_with_one_hot_labels():
    np.random.seed(14)
    net = MultiLayerNet(5, [4], 3, dtype=np.float64)
    x, t = data(n=3, seed=15)
    gradient_check(net, x, to_device(np.eye(3)[to_cpu(t)]))


@pytest.mark.gpu
def test_gradient_check_on_gpu_float64():
    with using_device("gpu") as xp:
        np.random.seed(12)
        net = MultiLayerNet(5, [6, 5], 3, weight_decay_lambda=0.1, dtype=np.float64)
        assert isinstance(net.params["W1"], xp.ndarray)
        x, t = data(n=4, seed=13)
        assert isinstance(x, xp.ndarray)
        gradient_check(net, x, t)
        assert 0 <= net.accuracy(x, t) <= 1
