"""Chapter 5 scripts: the computational-graph examples, gradient check, training."""

import importlib
import re

from ch05.buy_apple import buy_apple
from ch05.buy_apple_orange import buy_apple_orange
from ch05.layer_naive import AddLayer, MulLayer
from ch05.two_layer_net import TwoLayerNet
from common import backend

import numpy as np
import pytest
from conftest import requires_mnist, run_script


def test_mul_and_add_layers_pass_gradients_like_the_book():
    mul, add = MulLayer(), AddLayer()
    assert mul.forward(3.0, 4.0) == 12.0
    assert mul.backward(2.0) == (8.0, 6.0)  # the inputs swap
    assert add.forward(3.0, 4.0) == 7.0
    assert add.backward(2.0) == (2.0, 2.0)  # passed through
    with pytest.raises(RuntimeError, match="before forward"):
        MulLayer().backward(1.0)


def test_buy_apple_values():
    price, grads = buy_apple()
    assert price == pytest.approx(220)
    assert grads == pytest.approx((2.2, 110, 200))


def test_buy_apple_orange_values():
    price, grads = buy_apple_orange()
    assert price == pytest.approx(715)
    assert grads == pytest.approx(
        {"apple_num": 110, "apple": 2.2, "orange": 3.3, "orange_num": 165, "tax": 650}
    )


def test_buy_apple_scripts_print_the_books_numbers():
    out = run_script("ch05/buy_apple.py").stdout
    assert out.split() == ["price:", "220", "dApple:", "2.2", "dApple_num:", "110", "dTax:", "200"]
    out = run_script("ch05/buy_apple_orange.py").stdout
    assert out.split() == [
        "price:",
        "715",
        "dApple_num:",
        "110",
        "dApple:",
        "2.2",
        "dOrange:",
        "3.3",
        "dOrange_num:",
        "165",
        "dTax:",
        "650",
    ]


def test_two_layer_net_layers_are_affine_relu_affine():
    network = TwoLayerNet(4, 3, 2)
    assert list(network.layers) == ["Affine1", "Relu1", "Affine2"]
    assert type(network.lastLayer).__name__ == "SoftmaxWithLoss"
    assert all(p.dtype == np.float32 for p in network.params.values())


def test_two_layer_net_backprop_matches_numerical_gradient():
    rng = np.random.default_rng(0)
    np.random.seed(0)
    network = TwoLayerNet(6, 5, 3, weight_init_std=0.5, dtype=np.float64)
    network.params["b1"][...] = backend.to_device(rng.normal(0, 0.1, 5))  # off the ReLU kink
    x = backend.to_device(rng.normal(size=(4, 6)))
    t = backend.to_device(np.array([0, 2, 1, 2]))
    numerical = network.numerical_gradient(x, t)
    backprop = network.gradient(x, t)
    for key in numerical:
        a, b = backend.to_cpu(backprop[key]), backend.to_cpu(numerical[key])
        assert np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)) <= 1e-7, key


@requires_mnist
def test_gradient_check_script_differences_are_small():
    out = run_script("ch05/gradient_check.py", "--hidden", "10").stdout
    diffs = dict(re.findall(r"^(\w+): ([0-9.e+-]+)$", out, re.M))
    assert set(diffs) == {"W1", "b1", "W2", "b2"}
    assert all(float(v) < 1e-8 for v in diffs.values()), out


@requires_mnist
def test_gradient_speed_prints_the_ratio():
    out = run_script(
        "ch05/gradient_speed.py", "--hidden", "2", "--batch-size", "10", "--repeat", "3"
    ).stdout
    ratio = float(re.search(r"backprop is ([0-9,]+)x faster", out).group(1).replace(",", ""))
    assert ratio > 10


@requires_mnist
def test_train_neuralnet_learns_in_a_few_hundred_iterations():
    out = run_script("ch05/train_neuralnet.py", "--iters", "1200").stdout
    epochs = re.findall(r"epoch\s+(\d+) \| train acc ([0-9.]+) \| test acc ([0-9.]+)", out)
    assert [int(e[0]) for e in epochs] == [1, 2]  # the book's rule: after steps 1 and 601
    final = float(re.search(r"final test acc ([0-9.]+)", out).group(1))
    assert final > 0.88, out


def test_the_training_loop_reads_the_device_once_per_block_not_per_step():
    """Chapter 5's loop on the strict stand-in device: 250 steps, data moved once, and
    the host reads the device a few times per evaluation and once per 100 losses, never
    once a step (on a GPU each read waits for the device)."""
    from ch05.train_neuralnet import train
    from ch05.two_layer_net import TwoLayerNet
    from common import backend

    from strict_device import counting_host_transfers

    rng = np.random.RandomState(0)
    x = rng.rand(500, 784).astype(np.float32)
    t = np.eye(10, dtype=np.float32)[rng.randint(0, 10, 500)]
    with backend.using_device("strict"):
        data = tuple(backend.to_device(a) for a in (x, t, x[:100], t[:100]))
        np.random.seed(0)
        network = TwoLayerNet(784, 20, 10)
        with counting_host_transfers() as count:
            losses, train_acc, _ = train(network, data, 250, 50, 0.1)
    assert len(losses) == 250 and len(train_acc) == 25  # 10 steps an epoch
    # per evaluation: two accuracies (one read each) and a flush of the pending losses
    assert count() <= 25 * 3 + 3, count()


@pytest.mark.parametrize(
    "script, argv, words",
    [
        ("autograd_two_layer_net", ["--batch-size", "10000000"], "--batch-size: must be from 1"),
        ("autograd_two_layer_net", ["--hidden", "100000000"], "--hidden: must be from 1 to"),
        ("autograd_two_layer_net", ["--check-batch", "10000000"], "--check-batch: must be from"),
        ("computational_graph", ["--batch-size", "10000000"], "--batch-size: must be from 1"),
        ("computational_graph", ["--hidden", "100000000"], "--hidden: must be from 1 to"),
        ("train_neuralnet", ["--hidden", "100000000"], "--hidden: must be from 1 to"),
    ],
)
def test_scripts_refuse_sizes_that_do_not_fit(script, argv, words, capsys):
    """Tens or hundreds of GiB asked of NumPy (a MemoryError traceback) or, for
    --check-batch, a count of images that was printed but never used: refused when parsed."""
    module = importlib.import_module(f"ch05.{script}")
    with pytest.raises(SystemExit) as info:
        module.main(argv)
    assert info.value.code == 2
    assert words in capsys.readouterr().err
