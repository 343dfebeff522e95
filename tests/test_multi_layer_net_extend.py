"""Tests for common/multi_layer_net_extend.py: Dropout and Batch Normalization in the
network, their train/test behaviour, and gradient checks (float64, fixed dropout masks)."""

from common.backend import to_cpu, to_device
from common.layers import BatchNormalization, Dropout, Relu
from common.multi_layer_net_extend import MultiLayerNetExtend

import numpy as np
import pytest
from gradcheck import assert_grads_close, randomize_biases, relu_margin, using_device


def data(n=5, features=4, classes=3, seed=0):
    rng = np.random.RandomState(seed)
    return to_device(rng.randn(n, features)), to_device(rng.randint(0, classes, size=n))


def cpu(net):
    return {k: to_cpu(v).astype(np.float64) for k, v in net.params.items()}


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize(
    "bn, dropout, block",
    [
        (False, False, ["Affine", "Activation_function"]),
        (True, False, ["Affine", "BatchNorm", "Activation_function"]),
        (False, True, ["Affine", "Activation_function", "Dropout"]),
        (True, True, ["Affine", "BatchNorm", "Activation_function", "Dropout"]),
    ],
)
def test_layer_names_and_order(bn, dropout, block):
    net = MultiLayerNetExtend(4, [5, 6], 3, use_batchnorm=bn, use_dropout=dropout)
    expected = [f"{name}{i}" for i in (1, 2) for name in block] + ["Affine3"]
    assert list(net.layers) == expected
    assert isinstance(net.layers["Activation_function1"], Relu)
    if bn:
        assert isinstance(net.layers["BatchNorm2"], BatchNormalization)
    if dropout:
        assert isinstance(net.layers["Dropout2"], Dropout)


def test_params_with_batchnorm():
    net = MultiLayerNetExtend(4, [5, 6], 3, use_batchnorm=True)
    assert sorted(net.params) == [
        "W1",
        "W2",
        "W3",
        "b1",
        "b2",
        "b3",
        "beta1",
        "beta2",
        "gamma1",
        "gamma2",
    ]
    for i, size in ((1, 5), (2, 6)):
        np.testing.assert_array_equal(to_cpu(net.params[f"gamma{i}"]), np.ones(size))
        np.testing.assert_array_equal(to_cpu(net.params[f"beta{i}"]), np.zeros(size))
        assert net.layers[f"BatchNorm{i}"].gamma is net.params[f"gamma{i}"]
        assert net.layers[f"BatchNorm{i}"].beta is net.params[f"beta{i}"]
    assert sorted(MultiLayerNetExtend(4, [5], 3, use_dropout=True).params) == [
        "W1",
        "W2",
        "b1",
        "b2",
    ]


def test_dtype():
    default = MultiLayerNetExtend(4, [5], 3, use_batchnorm=True)
    assert all(p.dtype == np.float32 for p in default.params.values())
    wide = MultiLayerNetExtend(4, [5], 3, use_batchnorm=True, dtype=np.float64)
    assert all(p.dtype == np.float64 for p in wide.params.values())


def test_dropout_ration_alias():
    net = MultiLayerNetExtend(4, [5, 6], 3, use_dropout=True, dropout_ration=0.3)
    assert net.dropout_ratio == 0.3 and net.dropout_ration == 0.3
    assert [net.layers[f"Dropout{i}"].dropout_ratio for i in (1, 2)] == [0.3, 0.3]
    net = MultiLayerNetExtend(4, [5], 3, use_dropout=True, dropout_ratio=0.2)
    assert net.layers["Dropout1"].dropout_ratio == 0.2
    assert MultiLayerNetExtend(4, [5], 3, use_dropout=True).dropout_ratio == 0.5


@pytest.mark.parametrize("ratio", [1.0, -0.5, float("nan")])
@pytest.mark.parametrize("use_dropout", [True, False])
def test_bad_dropout_ratio_is_rejected(ratio, use_dropout):
    # NaN or a negative ratio would silently switch dropout off
    with pytest.raises(ValueError, match="MultiLayerNetExtend: dropout_ratio must be in"):
        MultiLayerNetExtend(4, [5], 3, use_dropout=use_dropout, dropout_ratio=ratio)


# --------------------------------------------------------------------------- train / test behaviour


def test_dropout_scales_at_test_time_and_masks_in_training():
    np.random.seed(0)
    net = MultiLayerNetExtend(4, [8], 3, use_dropout=True, dropout_ratio=0.25, dtype=np.float64)
    randomize_biases(net)
    x = to_device(np.random.RandomState(1).randn(6, 4))
    p = cpu(net)
    hidden = np.maximum(to_cpu(x) @ p["W1"] + p["b1"], 0)
    test_scores = hidden * 0.75 @ p["W2"] + p["b2"]
    np.testing.assert_allclose(to_cpu(net.predict(x)), test_scores, rtol=1e-12)
    np.testing.assert_allclose(to_cpu(net.predict(x, train_flg=False)), test_scores, rtol=1e-12)

    train_scores = to_cpu(net.predict(x, train_flg=True))
    mask = to_cpu(net.layers["Dropout1"].mask)
    np.testing.assert_allclose(train_scores, (hidden * mask) @ p["W2"] + p["b2"], rtol=1e-12)
    assert 0 < mask.mean() < 1


def test_batchnorm_uses_batch_statistics_in_training_and_running_ones_at_test():
    np.random.seed(2)
    net = MultiLayerNetExtend(4, [5], 3, use_batchnorm=True, dtype=np.float64)
    randomize_biases(net)
    net.params["gamma1"][...] = to_device(np.linspace(0.5, 1.5, 5))
    x = to_device(np.random.RandomState(3).randn(8, 4))
    p = cpu(net)
    eps = BatchNormalization.eps
    a = to_cpu(x) @ p["W1"] + p["b1"]

    train_scores = to_cpu(net.predict(x, train_flg=True))
    bn_train = p["gamma1"] * (a - a.mean(0)) / np.sqrt(a.var(0) + eps) + p["beta1"]
    np.testing.assert_allclose(
        train_scores, np.maximum(bn_train, 0) @ p["W2"] + p["b2"], rtol=1e-10
    )

    layer = net.layers["BatchNorm1"]
    rng = np.random.RandomState(4)
    layer.running_mean = to_device(rng.randn(5))
    layer.running_var = to_device(rng.rand(5) + 0.5)
    rm, rv = to_cpu(layer.running_mean), to_cpu(layer.running_var)
    bn_test = p["gamma1"] * (a - rm) / np.sqrt(rv + eps) + p["beta1"]
    np.testing.assert_allclose(
        to_cpu(net.predict(x)), np.maximum(bn_test, 0) @ p["W2"] + p["b2"], rtol=1e-10
    )
    # the test pass leaves the running statistics alone
    np.testing.assert_array_equal(to_cpu(layer.running_mean), rm)


def test_loss_train_flg_reaches_the_layers():
    np.random.seed(5)
    net = MultiLayerNetExtend(4, [6], 3, use_batchnorm=True, use_dropout=True, dtype=np.float64)
    x, t = data(n=6, seed=6)
    net.loss(x, t, train_flg=True)
    running = to_cpu(net.layers["BatchNorm1"].running_mean).copy()
    assert running.any()  # updated by the training pass
    net.loss(x, t)  # default: test mode
    np.testing.assert_array_equal(to_cpu(net.layers["BatchNorm1"].running_mean), running)


def test_accuracy_uses_test_mode():
    np.random.seed(7)
    net = MultiLayerNetExtend(4, [6], 3, use_dropout=True, dropout_ratio=0.5)
    x = to_device(np.random.RandomState(8).randn(30, 4).astype(np.float32))
    predicted = to_cpu(net.predict(x, train_flg=False)).argmax(axis=1)
    # repeated: a training-mode (random) pass would not give 1.0 every time
    assert all(net.accuracy(x, to_device(predicted)) == 1.0 for _ in range(5))


# --------------------------------------------------------------------------- gradient checks


def gradient_check(net, x, t):
    randomize_biases(net, seed=21)
    dropouts = [layer for layer in net.layers.values() if isinstance(layer, Dropout)]
    for _ in range(5):  # masks that keep every ReLU input clear of the kink
        for layer in dropouts:
            layer.keep_mask = False
        net.loss(x, t, train_flg=True)  # draws the dropout masks ...
        for layer in dropouts:
            layer.keep_mask = True  # ... which every later pass reuses
        margin = relu_margin(net, x)
        if margin > 2e-3:
            break
    assert margin > 2e-3, f"a ReLU input is {margin:.1e} from the kink; pick another seed"
    grads = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t)
    # A bias right before a batch norm is cancelled by the mean subtraction:
    # its true gradient is identically zero.
    zero = [f"b{i}" for i in range(1, net.hidden_layer_num + 1)] if net.use_batchnorm else []
    assert_grads_close(grads, numerical, zero_keys=zero)


@pytest.mark.parametrize(
    "bn, dropout, decay",
    [
        (True, False, 0),
        (False, True, 0),
        (True, True, 0),
        (True, False, 0.1),
        (False, True, 0.1),
    ],
    ids=["batchnorm", "dropout", "both", "batchnorm+decay", "dropout+decay"],
)
def test_gradient_matches_numerical(bn, dropout, decay):
    np.random.seed(22)
    net = MultiLayerNetExtend(
        4,
        [6, 5],
        3,
        use_batchnorm=bn,
        use_dropout=dropout,
        dropout_ratio=0.3,
        weight_decay_lambda=decay,
        dtype=np.float64,
    )
    x, t = data(n=5, seed=23)
    gradient_check(net, x, t)


def test_gradient_check_with_sigmoid_and_batchnorm():
    np.random.seed(24)
    net = MultiLayerNetExtend(
        4,
        [5],
        3,
        activation="sigmoid",
        weight_init_std="sigmoid",
        use_batchnorm=True,
        dtype=np.float64,
    )
    x, t = data(n=6, seed=25)
    gradient_check(net, x, t)


@pytest.mark.gpu
def test_gradient_check_on_gpu():
    with using_device("gpu") as xp:
        np.random.seed(22)
        net = MultiLayerNetExtend(
            4,
            [6, 5],
            3,
            use_batchnorm=True,
            use_dropout=True,
            dropout_ratio=0.3,
            weight_decay_lambda=0.1,
            dtype=np.float64,
        )
        assert isinstance(net.params["gamma1"], xp.ndarray)
        x, t = data(n=5, seed=23)
        gradient_check(net, x, t)
