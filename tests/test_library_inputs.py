"""Bad input at the doors a learner uses: one clear error, the same on every device.

Each case is one call through a door (a network's public method, the Trainer, a loss,
a layer's or an optimizer's constructor) with one malformed input.  It must raise
TypeError or ValueError with a one-line message on the CPU, and the strict stand-in
device (``tests/strict_device.py``: CuPy's rules, no GPU needed) must raise the same
exception with the same message: a label -1 is refused on both, never read as the
last class.  Unusual but meaningful input (host data for a network on the device, a
list of labels, a batch of one) must give the same answer on both devices.

The layers, functions and optimizers behind the doors are tested for their math in
their own test files; here only the doors are.
"""

import re

from ch04.two_layer_net import TwoLayerNet as NumericalTwoLayerNet
from ch05.two_layer_net import TwoLayerNet
from common import backend, checks
from common.functions import cross_entropy_error, softmax_loss, sum_squared_error
from common.layers import BatchNormalization, Convolution, Dropout, Pooling, SoftmaxWithLoss
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import OPTIMIZERS, SGD, Adam
from common.trainer import Trainer

import numpy as np
import pytest
import strict_device

N, D, C = 4, 3, 3  # examples, input features, classes
DEVICES = ("cpu", "strict")

NETWORKS = {
    "MultiLayerNet": lambda: MultiLayerNet(D, [5], C, dtype=np.float64),
    "MultiLayerNetExtend": lambda: MultiLayerNetExtend(
        D, [5], C, use_batchnorm=True, use_dropout=True, dtype=np.float64
    ),
    "TwoLayerNet (ch04)": lambda: NumericalTwoLayerNet(D, 5, C),
    "TwoLayerNet (ch05)": lambda: TwoLayerNet(D, 5, C, dtype=np.float64),
}

GOOD_X = np.random.RandomState(0).randn(N, D)
GOOD_T = np.array([0, 1, 2, 1])

BAD_X = {
    "wrong width": np.zeros((N, D + 1)),
    "empty batch": np.zeros((0, D)),
    "strings": np.array([["a"] * D] * N),
    "objects": np.array([[None] * D] * N, dtype=object),
    "one number": np.float64(1.0),
}
BAD_T = {
    "label -1": np.array([0, -1, 2, 1]),
    "label = classes": np.array([0, C, 2, 1]),
    "float labels": np.array([0.0, 1.0, 2.0, 1.0]),
    "too few labels": np.array([0, 1, 2]),
    "one-hot too wide": np.eye(C + 1)[[0, 1, 2, 1]],
    "strings": np.array(["0", "1", "2", "1"]),
}


def outcome(call, device):
    """What ``call`` gives on ``device``: ('value', a NumPy copy) or (exception type, message)."""
    with backend.using_device(device):
        np.random.seed(0)
        try:
            result = call()
        except (TypeError, ValueError) as exc:
            return type(exc), normalized(str(exc))
    if isinstance(result, dict):
        return "value", {k: backend.to_cpu(v) for k, v in result.items()}
    return "value", backend.to_cpu(result) if hasattr(result, "shape") else result


def normalized(message):
    """The message with the device's array class named alike (StrictArray, ndarray)."""
    return re.sub(r"\b(StrictArray|ndarray|cupy\.ndarray|numpy\.ndarray)\b", "array", message)


def on_both_devices(call):
    """The outcomes on the CPU and on the strict stand-in, which must be the same."""
    cpu, strict = (outcome(call, device) for device in DEVICES)
    assert cpu[0] == strict[0], (cpu, strict)
    if cpu[0] == "value":
        np.testing.assert_allclose(_flat(strict[1]), _flat(cpu[1]), rtol=1e-12, atol=0)
    else:
        assert cpu[1] == strict[1], (cpu, strict)
    return cpu


def _flat(value):
    if isinstance(value, dict):
        return np.concatenate([np.ravel(value[k]) for k in sorted(value)])
    return np.ravel(value)


def refused(call, *words):
    """``call`` raises TypeError or ValueError on both devices alike, one line with ``words``."""
    kind, message = on_both_devices(call)
    assert kind in (TypeError, ValueError), f"not refused: {message!r}"
    assert "\n" not in message and all(word in message for word in words), message
    return message


def device_data(x):
    """``x`` on the device in use (the data a learner moved there), arrays only."""
    return backend.to_device(x) if isinstance(x, np.ndarray) and x.dtype != object else x


# --------------------------------------------------------------------------- networks


def call_door(network_name, method, x, t):
    def call():
        net = NETWORKS[network_name]()
        xd = device_data(x) if isinstance(x, np.ndarray) and x.dtype.kind in "biuf" else x
        td = device_data(t) if isinstance(t, np.ndarray) and t.dtype.kind in "biuf" else t
        if method == "predict":
            return net.predict(xd)
        return getattr(net, method)(xd, td)

    return call


METHODS = ("predict", "loss", "gradient", "accuracy")


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", BAD_X)
def test_network_doors_refuse_bad_x(network, method, case):
    refused(call_door(network, method, BAD_X[case], GOOD_T), "x")


@pytest.mark.parametrize("network", NETWORKS)
def test_network_doors_take_a_list_of_rows_as_its_array_or_refuse_it(network):
    kind, value = on_both_devices(call_door(network, "predict", GOOD_X.tolist(), None))
    if kind == "value":
        _, expected = on_both_devices(call_door(network, "predict", GOOD_X, None))
        np.testing.assert_allclose(value, expected)
    else:
        assert kind is TypeError and "x" in value, value


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("method", ("loss", "gradient", "accuracy"))
@pytest.mark.parametrize("case", BAD_T)
def test_network_doors_refuse_bad_labels(network, method, case):
    refused(call_door(network, method, GOOD_X, BAD_T[case]), "label")


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("method", METHODS)
def test_network_doors_move_host_data_to_the_parameters_device(network, method):
    """One policy for every network: host arrays fed to it are moved to its device."""

    def call():
        net = NETWORKS[network]()
        return net.predict(GOOD_X) if method == "predict" else getattr(net, method)(GOOD_X, GOOD_T)

    kind, _ = on_both_devices(call)
    assert kind == "value"


@pytest.mark.parametrize("network", NETWORKS)
def test_network_numerical_gradient_door_refuses_bad_labels(network):
    refused(call_door(network, "numerical_gradient", GOOD_X, BAD_T["label -1"]), "label")


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: MultiLayerNet(0, [5], C), "input_size"),
        (lambda: MultiLayerNet(D, 5, C), "hidden_size_list"),
        (lambda: MultiLayerNet(D, [0], C), "hidden_size_list"),
        (lambda: MultiLayerNet(D, [5], C, activation="tanh"), "activation"),
        (lambda: MultiLayerNet(D, [5], C, weight_init_std=float("nan")), "weight_init_std"),
        (lambda: MultiLayerNet(D, [5], C, weight_init_std="lecun"), "weight_init_std"),
        (lambda: MultiLayerNet(D, [5], C, weight_decay_lambda=-1), "weight_decay_lambda"),
        (lambda: MultiLayerNet(D, [5], C, dtype=int), "dtype"),
        (lambda: MultiLayerNetExtend(D, [5], C, dropout_ration=1.5), "dropout"),
        (lambda: TwoLayerNet(D, 0, C), "TwoLayerNet"),
        (lambda: TwoLayerNet(D, 5, C, dtype=int), "dtype"),
        (lambda: NumericalTwoLayerNet(D, 5, C, weight_init_std=-1), "weight_init_std"),
    ],
)
def test_network_constructors_refuse_bad_settings(make, words):
    refused(make, words)


# --------------------------------------------------------------------------- the Trainer


def trainer_with(x=GOOD_X, t=GOOD_T):
    def call():
        net = MultiLayerNet(D, [5], C, dtype=np.float64)
        return Trainer(net, x, t, x, t, epochs=1, mini_batch_size=2, verbose=False).iter_per_epoch

    return call


@pytest.mark.parametrize("case", BAD_T)
def test_trainer_refuses_bad_labels_when_built(case):
    refused(trainer_with(t=BAD_T[case]), "Trainer", "label")


@pytest.mark.parametrize(
    "x, words",
    [
        (np.where(np.eye(N, D) > 0, np.nan, GOOD_X), "NaN"),
        (np.where(np.eye(N, D) > 0, np.inf, GOOD_X), "NaN or infinite"),
        (np.zeros((N, D + 1)), "x has shape"),
        (np.array([["a"] * D] * N), "x"),
    ],
)
def test_trainer_refuses_bad_data_when_built(x, words):
    refused(trainer_with(x=x), words)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": float("nan")}, "epochs"),
        ({"mini_batch_size": 0}, "mini_batch_size"),
        ({"iters": 0}, "iters"),
        ({"evaluate_sample_num_per_epoch": 0}, "evaluate_sample_num_per_epoch"),
        ({"optimizer": "adamw"}, "optimizer"),
        ({"optimizer_param": {"lr": -1}}, "lr"),
        ({"optimizer_param": {"momentum": 0.9}}, "momentum"),
        ({"epochs": 0.01}, "steps"),  # int(0.01 x 2 steps an epoch) = 0: nothing would train
        ({"optimizer": SGD}, "optimizer object"),  # the class, not an optimizer
        ({"optimizer": SGD(lr=0.5), "optimizer_param": {"lr": 0.001}}, "ignored"),
    ],
)
def test_trainer_refuses_bad_options_when_built(options, words):
    def call():
        net = MultiLayerNet(D, [5], C, dtype=np.float64)
        settings = {"epochs": 1, "mini_batch_size": 2, "verbose": False, **options}
        return Trainer(net, GOOD_X, GOOD_T, GOOD_X, GOOD_T, **settings)

    refused(call, words)


def test_training_reads_nothing_back_from_the_device_per_step():
    """Inside the Trainer's loop (data checked once, when it was built) no step reads a
    device value back: on a GPU each read would wait for the device."""
    x = np.random.RandomState(1).randn(40, D)
    t = np.arange(40) % C
    with backend.using_device("strict"):
        np.random.seed(0)
        nets = [
            MultiLayerNet(D, [5], C),
            MultiLayerNetExtend(D, [5], C, use_batchnorm=True, use_dropout=True),
            TwoLayerNet(D, 5, C),
            NumericalTwoLayerNet(D, 5, C),
        ]
        # evaluate=False: the epoch's accuracies are read back by design, once an epoch
        trainers = [
            Trainer(net, x, t, x, t, mini_batch_size=8, verbose=False, evaluate=False)
            for net in nets
        ]
        with strict_device.counting_host_transfers() as transfers, checks.data_checked():
            for trainer in trainers:
                for _ in range(3):
                    trainer.train_step()
        assert transfers() == 0


# --------------------------------------------------------------------------- losses


LOSSES = {
    "cross_entropy_error": lambda y, t: cross_entropy_error(y, t),
    "softmax_loss": lambda y, t: softmax_loss(y, t),
    "SoftmaxWithLoss": lambda y, t: SoftmaxWithLoss().forward(y, t),
}
SCORES = np.full((N, C), 1.0 / C)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("case", BAD_T)
def test_losses_refuse_bad_labels(loss, case):
    refused(lambda: LOSSES[loss](device_data(SCORES), device_data(BAD_T[case])), loss, "label")


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(
    "t",
    [[0, 1, 2, 1], np.array([0, 1, 2, 1], dtype=np.uint8), np.eye(C)[[0, 1, 2, 1]]],
    ids=["a list", "uint8", "one-hot"],
)
def test_losses_take_every_meaningful_kind_of_label_alike(loss, t):
    def call():
        return LOSSES[loss](device_data(SCORES), device_data(np.asarray(t)) if np.ndim(t) else t)

    kind, value = on_both_devices(call)
    assert kind == "value" and np.isclose(value, np.log(C), rtol=1e-6), value


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_take_one_example_with_a_number_as_its_label(loss):
    kind, value = on_both_devices(lambda: LOSSES[loss](device_data(SCORES[0]), 2))
    assert kind == "value" and np.isclose(value, np.log(C), rtol=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_refuse_an_empty_batch(loss):
    refused(lambda: LOSSES[loss](device_data(np.zeros((0, C))), device_data(GOOD_T[:0])), loss)


def test_sum_squared_error_refuses_shapes_that_would_broadcast():
    y = np.full((N, C), 0.5)
    refused(lambda: sum_squared_error(device_data(y), device_data(y[0])), "sum_squared_error")


# --------------------------------------------------------------------------- constructors


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "0.1", True, None])
def test_optimizers_refuse_a_bad_learning_rate_when_made(name, lr):
    refused(lambda: OPTIMIZERS[name](lr=lr), OPTIMIZERS[name].__name__, "lr")


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: OPTIMIZERS["momentum"](momentum=1.0), "momentum"),
        (lambda: OPTIMIZERS["nesterov"](momentum=-0.1), "momentum"),
        (lambda: OPTIMIZERS["rmsprop"](decay_rate=float("nan")), "decay_rate"),
        (lambda: Adam(beta1=1.0), "beta1"),
        (lambda: Adam(beta2=2), "beta2"),
        (lambda: Dropout(1.5), "dropout_ratio"),
        (lambda: Dropout(float("nan")), "dropout_ratio"),
        (lambda: Pooling(2, 2, stride=0), "stride"),
        (lambda: Pooling(2.5, 2), "pool_h"),
        (lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(2), pad=-1), "pad"),
        (lambda: Convolution(np.zeros((2, 1, 3, 3)), np.zeros(3)), "b"),
        (lambda: BatchNormalization(np.ones(3), np.zeros(3), momentum=2), "momentum"),
        (lambda: BatchNormalization(np.ones(3), np.zeros(4)), "beta"),
    ],
)
def test_constructors_refuse_bad_settings(make, words):
    refused(make, words)


def test_an_optimizer_refuses_a_gradient_that_would_broadcast():
    def call():
        params = {"W": device_data(np.ones((2, 3)))}
        Adam().update(params, {"W": device_data(np.ones(3))})

    refused(call, "Adam.update", "'W'", "(2, 3)")


def test_chapter_4_network_takes_images_as_rows_like_the_others():
    """(N, 1, 2, 2) images are N rows of 4 values: the same answers as the (N, 4) array."""
    x = np.random.RandomState(2).rand(5, 4)
    net = NumericalTwoLayerNet(4, 3, 2)
    t = np.array([0, 1, 1, 0, 1])
    assert net.accuracy(x.reshape(5, 1, 2, 2), t) == net.accuracy(x, t) <= 1
    assert net.predict(x.reshape(5, 1, 2, 2)).shape == (5, 2)
