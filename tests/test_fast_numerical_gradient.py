"""TwoLayerNet.numerical_gradient(x, t, fast=True) against the book's loop and backprop.

The fast path must give the loop's central differences (not an approximation of
them, not backprop), so every comparison here is with the loop on small
networks.  Its speed is measured by benchmarks/bench_numerical_gradient.py, not here.
Arrays go through backend.to_device / to_cpu, so the file also runs with DLFS_DEVICE=gpu.
"""

import re

from ch04.two_layer_net import TwoLayerNet
from common.backend import get_array_module, to_cpu, to_device
from common.fast_gradient import fast_numerical_gradient
from common.gradient import numerical_gradient

import numpy as np
import pytest
from conftest import requires_mnist, run_script

KEYS = ("W1", "b1", "W2", "b2")
TOLERANCE = 1e-6  # ||fast - reference|| / ||reference||, per parameter


def relative_difference(result, reference):
    result, reference = to_cpu(result), to_cpu(reference)
    return np.linalg.norm(result - reference) / max(np.linalg.norm(reference), 1e-300)


def make_network(sizes=(20, 7, 4), weight_init_std=0.5, random_biases=True, seed=0):
    """A small network; with random_biases, b1 puts the sigmoids off their centre."""
    np.random.seed(seed)
    network = TwoLayerNet(*sizes, weight_init_std=weight_init_std)
    if random_biases:
        rng = np.random.default_rng(seed + 100)
        network.params["b1"][...] = to_device(rng.normal(0, 1.5, sizes[1]))
        network.params["b2"][...] = to_device(rng.normal(0, 0.5, sizes[2]))
    return network


def make_batch(rows=9, inputs=20, classes=4, zero_fraction=0.4, seed=1):
    """Inputs in [0, 1) with some exact zeros (as in images), and class indices."""
    rng = np.random.default_rng(seed)
    x = rng.random((rows, inputs))
    x[rng.random((rows, inputs)) < zero_fraction] = 0
    return x, rng.integers(0, classes, rows)


def assert_same_gradients(result, reference, tolerance=TOLERANCE):
    assert sorted(result) == sorted(reference) == sorted(KEYS)
    for key in KEYS:
        assert result[key].shape == reference[key].shape, key
        assert relative_difference(result[key], reference[key]) <= tolerance, (
            f"{key}: {relative_difference(result[key], reference[key]):.2e}"
        )


@pytest.mark.parametrize("labels", ["indices", "one-hot"])
@pytest.mark.parametrize(
    "weight_init_std, random_biases", [(0.01, False), (0.5, True), (2.0, True)]
)
def test_fast_equals_the_loop_and_backprop(labels, weight_init_std, random_biases):
    network = make_network(weight_init_std=weight_init_std, random_biases=random_biases)
    x, indices = make_batch()
    t = indices if labels == "indices" else np.eye(4)[indices]
    x, t = to_device(x), to_device(t)

    fast = network.numerical_gradient(x, t, fast=True)
    assert_same_gradients(fast, network.numerical_gradient(x, t))
    assert_same_gradients(fast, network.gradient(x, t))
    for key in KEYS:
        assert fast[key].dtype == network.params[key].dtype == np.float64
        assert get_array_module(fast[key]) is get_array_module(network.params[key])


def test_soft_labels_are_read_as_softmax_loss_reads_them():
    network = make_network()
    x, _ = make_batch()
    t = np.random.default_rng(2).dirichlet(np.ones(4), size=9)  # probability rows, not one-hot
    x, t = to_device(x), to_device(t)
    assert_same_gradients(
        network.numerical_gradient(x, t, fast=True), network.numerical_gradient(x, t)
    )


def test_it_is_finite_differencing_not_backprop():
    # With a large h the central difference is visibly not the derivative; the
    # fast path must still equal the loop's difference quotient, not the gradient.
    network = make_network(weight_init_std=1.0)
    x, t = (to_device(a) for a in make_batch())
    h = 0.5
    loop = {
        key: numerical_gradient(lambda _: network.loss(x, t), network.params[key], h=h)
        for key in KEYS
    }
    fast = fast_numerical_gradient(network.params, x, t, h=h)
    assert_same_gradients(fast, loop, tolerance=1e-9)
    backprop = network.gradient(x, t)
    assert min(relative_difference(fast[key], backprop[key]) for key in KEYS) > 1e-3


def test_an_input_that_is_zero_in_every_row_gets_exactly_zero():
    network = make_network()
    x, t = make_batch()
    x[:, [3, 11]] = 0
    x, t = to_device(x), to_device(t)
    fast = to_cpu(network.numerical_gradient(x, t, fast=True)["W1"])
    loop = to_cpu(network.numerical_gradient(x, t)["W1"])
    assert np.all(fast[[3, 11]] == 0) and np.all(loop[[3, 11]] == 0)
    assert np.all(fast[[0, 1, 2]] != 0)


def test_all_zero_inputs_leave_only_the_biases_and_w2():
    network = make_network()
    x, t = (to_device(a) for a in (np.zeros((5, 20)), np.array([0, 1, 2, 3, 0])))
    fast = network.numerical_gradient(x, t, fast=True)
    assert not np.any(to_cpu(fast["W1"]))
    assert_same_gradients(fast, network.numerical_gradient(x, t))


@pytest.mark.parametrize("shape", ["batch of 1", "one example (1-D)"])
def test_a_single_example(shape):
    network = make_network()
    x, t = make_batch(rows=1)
    if shape == "one example (1-D)":
        x, t = x[0], np.eye(4)[t[0]]
    x, t = to_device(x), to_device(t)
    assert_same_gradients(
        network.numerical_gradient(x, t, fast=True), network.numerical_gradient(x, t)
    )


def test_float32_images_and_the_parameters_are_left_untouched():
    network = make_network()
    x, t = make_batch()
    x32 = to_device(x.astype(np.float32))
    t = to_device(t)
    before = {key: to_cpu(value).copy() for key, value in network.params.items()}
    fast = network.numerical_gradient(x32, t, fast=True)
    for key in KEYS:
        np.testing.assert_array_equal(to_cpu(network.params[key]), before[key])
    assert_same_gradients(fast, network.numerical_gradient(x32, t))


@pytest.mark.parametrize("max_elements", [1, 7, 100, 10_000_000])
def test_chunk_size_does_not_change_the_result(max_elements):
    network = make_network(sizes=(30, 11, 5))
    x, t = (to_device(a) for a in make_batch(rows=13, inputs=30, classes=5))
    reference = fast_numerical_gradient(network.params, x, t)
    chunked = fast_numerical_gradient(network.params, x, t, max_elements=max_elements)
    assert_same_gradients(chunked, reference, tolerance=1e-12)


def test_a_wider_network_against_backprop():
    network = make_network(sizes=(64, 32, 10), weight_init_std=0.3)
    x, t = (to_device(a) for a in make_batch(rows=40, inputs=64, classes=10, zero_fraction=0.8))
    assert_same_gradients(network.numerical_gradient(x, t, fast=True), network.gradient(x, t))


@requires_mnist
@pytest.mark.slow
def test_train_neuralnet_numerical_mode_runs(tmp_path):
    # 30 steps of 4 per epoch: evaluations at the start of each of 8 epochs.
    result = run_script(
        "ch04/train_neuralnet.py",
        "--grad",
        "numerical",
        "--iters",
        30,
        "--train-size",
        400,
        "--hidden",
        10,
        "--lr",
        3,
        "--save",
        tmp_path,
    )
    assert "numerical (fast) gradients" in result.stdout
    assert (
        "--iters 30 --batch-size 100 --lr 3.0 --hidden 10" in result.stdout
    )  # given, and the mode's default
    accuracies = [
        float(a)
        for a in re.findall(
            r"^epoch +\d+ \| train acc [0-9.]+ \| test acc ([0-9.]+)$", result.stdout, re.M
        )
    ]
    assert len(accuracies) == 8  # the book's schedule: at steps 1, 5, ..., 29 (4 steps an epoch)
    final = float(re.search(r"final test acc ([0-9.]+)", result.stdout).group(1))
    assert final > accuracies[0] + 0.2  # about 0.1 -> 0.6
    assert (tmp_path / "loss.png").is_file() and (tmp_path / "accuracy.png").is_file()
