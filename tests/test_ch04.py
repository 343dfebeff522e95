"""Chapter 4: numerical differentiation, gradients, gradient descent, the two-layer network."""

import importlib
import re

from ch04.gradient_2d import function_2, numerical_gradient
from ch04.gradient_method import gradient_descent
from ch04.gradient_simplenet import simpleNet
from ch04.two_layer_net import TwoLayerNet
from common import backend
from common.functions import softmax
from common.gradient import numerical_gradient as gradient_at_point

import numpy as np
import pytest
from conftest import REPO, requires_mnist, run_script

SCRIPTS = [
    "gradient_1d",
    "gradient_2d",
    "gradient_method",
    "gradient_simplenet",
    "two_layer_net",
    "train_neuralnet",
]


def non_separable(x):
    """x0^2/20 + x1^2 + x0*x1 for a point (2,) or stacked points (2, ...): x0*x1 couples them."""
    return x[0] ** 2 / 20 + x[1] ** 2 + x[0] * x[1]


def non_separable_gradient(X):
    """Its exact gradient at each row of X (N, 2)."""
    x0, x1 = X[:, 0], X[:, 1]
    return np.column_stack([x0 / 10 + x1, 2 * x1 + x0])


def book_column_gradient(f, X):
    """The book's gradient_2d scheme, for comparison: the grids go in as one row per
    COORDINATE (np.array([X0, X1]), i.e. X.T), and each such row, the x0 (or x1) of all
    points together, is handed to f as if it were one point."""
    by_coordinate = np.ascontiguousarray(X.T, dtype=np.float64)
    grad = np.zeros_like(by_coordinate)
    for i, row in enumerate(by_coordinate):
        grad[i] = gradient_at_point(f, row)
    return grad.T


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def assert_png(path):
    assert path.is_file(), f"{path} was not written"
    assert path.stat().st_size > 0


# --- --help and the import convention -----------------------------------------------


def test_every_script_has_help(capsys):
    for name in SCRIPTS:
        module = importlib.import_module(f"ch04.{name}")
        assert module.__doc__ and module.__doc__.strip()
        if not hasattr(module, "main"):  # two_layer_net is a library module
            continue
        with pytest.raises(SystemExit) as exit_info:
            module.main(["--help"])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage:") and module.__doc__.strip().splitlines()[0] in out


def test_train_neuralnet_help_warns_that_numerical_is_slow(capsys):
    from ch04.train_neuralnet import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for option in (
        "--iters",
        "--batch-size",
        "--lr",
        "--hidden",
        "--grad",
        "--train-size",
        "--seed",
        "--device",
    ):
        assert option in out
    assert "PER STEP" in out and "(default: 10000;" in " ".join(out.split())


def test_sources_do_not_touch_sys_path():
    for path in (REPO / "ch04").glob("*.py"):
        assert "sys.path" not in path.read_text(), f"{path.name} manipulates sys.path"


# --- gradient_2d -------------------------------------------------------------------


def test_function_2_takes_a_point_or_stacked_grids():
    assert function_2(np.array([3.0, 4.0])) == pytest.approx(25.0)
    X0, X1 = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 1, 3))
    values = function_2(np.stack([X0, X1]))
    assert values.shape == (3, 5)
    np.testing.assert_allclose(values, X0**2 + X1**2)


def test_numerical_gradient_at_one_point():
    np.testing.assert_allclose(
        numerical_gradient(function_2, np.array([3.0, 4.0])), [6, 8], atol=1e-6
    )
    np.testing.assert_allclose(
        numerical_gradient(function_2, np.array([0, 2])), [0, 4], atol=1e-6
    )  # ints


def test_numerical_gradient_row_by_row_is_right_for_a_non_separable_function():
    X = np.random.default_rng(0).uniform(-2, 2, size=(30, 2))
    before = X.copy()
    expected = non_separable_gradient(X)
    np.testing.assert_allclose(numerical_gradient(non_separable, X), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(X, before)  # the caller's points are untouched

    # The book's scheme agrees on the separable x0^2 + x1^2 ...
    np.testing.assert_allclose(book_column_gradient(function_2, X), 2 * X, rtol=1e-6, atol=1e-8)
    # ... but not once the coordinates interact.
    assert not np.allclose(book_column_gradient(non_separable, X), expected, rtol=1e-3, atol=1e-3)


# --- gradient_method ---------------------------------------------------------------


def test_gradient_descent_converges_to_the_minimum():
    init = np.array([-3.0, 4.0])
    x, path = gradient_descent(function_2, init, lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [0, 0], atol=1e-8)
    assert path.shape == (101, 2)
    np.testing.assert_array_equal(path[0], [-3, 4])
    np.testing.assert_array_equal(path[-1], x)
    np.testing.assert_array_equal(init, [-3, 4])  # the book would have overwritten init_x

    x20, _ = gradient_descent(function_2, init, lr=0.1, step_num=20)
    np.testing.assert_allclose(x20, 0.8**20 * init, rtol=1e-6)  # each step multiplies x by 1 - 2 lr


# --- gradient_simplenet ------------------------------------------------------------


def test_simplenet_numerical_gradient_matches_the_formula():
    np.random.seed(1)
    net = simpleNet()
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    dW = gradient_at_point(lambda W: net.loss(x, t), net.W)
    # dL/dW = x^T (softmax(x W) - t); up to the book's 1e-7 inside the log
    np.testing.assert_allclose(dW, np.outer(x, softmax(net.predict(x)) - t), rtol=1e-4, atol=1e-6)


# --- two_layer_net -----------------------------------------------------------------


@pytest.mark.parametrize("one_hot", [True, False])
@pytest.mark.parametrize("weight_init_std", [0.01, 1.0])
def test_two_layer_net_backprop_matches_numerical_gradient(one_hot, weight_init_std):
    np.random.seed(0)
    net = TwoLayerNet(input_size=7, hidden_size=5, output_size=4, weight_init_std=weight_init_std)
    x = np.random.rand(6, 7)
    labels = np.array([0, 3, 1, 2, 3, 0])
    t = np.eye(4)[labels] if one_hot else labels
    assert all(p.dtype == np.float64 for p in net.params.values())

    backprop = net.gradient(x, t)
    numerical = net.numerical_gradient(x, t)
    assert sorted(backprop) == sorted(numerical) == ["W1", "W2", "b1", "b2"]
    for key in backprop:
        assert backprop[key].shape == net.params[key].shape
        assert relative_error(backprop[key], numerical[key]) <= 1e-7, key


def test_two_layer_net_shapes_and_accuracy():
    np.random.seed(0)
    net = TwoLayerNet(784, 50, 10)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (784, 50),
        "b1": (50,),
        "W2": (50, 10),
        "b2": (10,),
    }
    x = np.random.rand(25, 784).astype(np.float32)  # host data, whatever the device
    y = backend.to_cpu(net.predict(x))
    assert y.shape == (25, 10)
    np.testing.assert_allclose(y.sum(axis=1), 1)
    labels = y.argmax(axis=1)
    assert net.accuracy(x, labels) == 1.0
    assert net.accuracy(x, np.eye(10)[labels]) == 1.0  # one-hot
    other_labels = np.random.default_rng(0).integers(0, 10, size=25)
    # tiny weights: a near-uniform guess
    assert float(net.loss(x, other_labels)) == pytest.approx(np.log(10), rel=0.01)


def test_two_layer_net_moves_host_data_to_its_parameters_device():
    """Fed NumPy arrays (or lists) while its parameters live on a device, the network
    moves them there: same numbers as on the CPU, results on the device."""
    rng = np.random.default_rng(1)
    x, t = rng.random((4, 6)), np.array([0, 2, 1, 2])
    with backend.using_device("cpu"):
        np.random.seed(3)
        cpu_net = TwoLayerNet(6, 5, 3, weight_init_std=0.5)
    with backend.using_device("strict"):
        np.random.seed(3)
        device_net = TwoLayerNet(6, 5, 3, weight_init_std=0.5)
        on_device = backend.get_array_module(device_net.params["W1"])
        assert on_device is not np
        grads = device_net.gradient(x, t)
        assert all(backend.get_array_module(g) is on_device for g in grads.values())
        for key, g in grads.items():
            np.testing.assert_allclose(backend.to_cpu(g), cpu_net.gradient(x, t)[key], rtol=1e-12)
        loss = float(device_net.loss(x.tolist(), t.tolist()))
        assert loss == pytest.approx(float(cpu_net.loss(x, t)), rel=1e-12)
        assert device_net.accuracy(x, t) == cpu_net.accuracy(x, t)
        numerical = device_net.numerical_gradient(x, t, fast=True)
        assert relative_error(backend.to_cpu(numerical["W1"]), backend.to_cpu(grads["W1"])) < 1e-7


# --- the scripts, run headless -----------------------------------------------------


@pytest.mark.slow
def test_gradient_1d_prints_derivatives_and_plots(tmp_path):
    result = run_script("ch04/gradient_1d.py", "--save", tmp_path)
    derivatives = [
        float(v) for v in re.findall(r"^f'\([0-9.]+\) = ([0-9.e+-]+)", result.stdout, re.MULTILINE)
    ]
    assert derivatives == pytest.approx([0.2, 0.3], abs=1e-9)
    assert_png(tmp_path / "gradient_1d.png")


@pytest.mark.slow
def test_gradient_2d_draws_field_and_surface(tmp_path):
    result = run_script("ch04/gradient_2d.py", "--save", tmp_path)
    assert "gradient at (3, 4): [6. 8.]" in result.stdout
    assert_png(tmp_path / "gradient_field.png")
    assert_png(tmp_path / "gradient_surface.png")


@pytest.mark.slow
def test_gradient_method_runs_as_module_from_another_folder(tmp_path):
    result = run_script(
        "ch04/gradient_method.py", "--save", tmp_path / "figs", module=True, cwd=tmp_path
    )
    final = re.search(r"after 20 steps with lr=0.1: \[(\S+)\s+(\S+)\]", result.stdout)
    assert final, result.stdout
    assert [float(v) for v in final.groups()] == pytest.approx([-0.03458765, 0.04611686], rel=1e-6)
    assert_png(tmp_path / "figs" / "gradient_method.png")


@pytest.mark.slow
def test_gradient_simplenet_prints_dw():
    result = run_script("ch04/gradient_simplenet.py", "--seed", 0)
    assert "dL/dW =" in result.stdout
    rows = result.stdout.split("dL/dW =")[1].replace("[", " ").replace("]", " ").split()
    dW = np.array(rows, dtype=float).reshape(2, 3)
    np.testing.assert_allclose(dW.sum(axis=1), 0, atol=1e-6)  # softmax - t sums to 0 in each row


def train(*args, tmp_path):
    result = run_script("ch04/train_neuralnet.py", *args, "--save", tmp_path)
    accuracies = [
        (float(a), float(b))
        for a, b in re.findall(
            r"^epoch +\d+ \| train acc ([0-9.]+) \| test acc ([0-9.]+)$", result.stdout, re.M
        )
    ]
    final_loss = float(re.search(r"last loss ([0-9.]+)", result.stdout).group(1))
    assert_png(tmp_path / "loss.png")
    assert_png(tmp_path / "accuracy.png")
    return accuracies, final_loss


@requires_mnist
@pytest.mark.slow
def test_train_neuralnet_learns(tmp_path):
    accuracies, final_loss = train(
        "--iters", 50, "--train-size", 1000, "--lr", 1.0, tmp_path=tmp_path
    )
    assert len(accuracies) == 5  # at the start of each epoch of 1000 / 100 steps, from step 1
    assert all(0 <= a <= 1 for pair in accuracies for a in pair)
    assert accuracies[-1][1] > accuracies[0][1] + 0.1
    assert final_loss < 2.2  # started near log(10) = 2.30


@requires_mnist
@pytest.mark.slow
def test_train_neuralnet_numerical_follows_backprop(tmp_path):
    # Same seed, same mini-batches: the kinds of gradient agree to ~1e-9, so the
    # trainings end at the same loss.  Every setting is given: numerical mode's
    # defaults differ from backprop's.
    tiny = [
        "--iters",
        3,
        "--hidden",
        3,
        "--batch-size",
        5,
        "--train-size",
        20,
        "--lr",
        0.1,
        "--seed",
        1,
    ]
    _, numerical_loss = train(*tiny, "--grad", "numerical", tmp_path=tmp_path / "numerical")
    _, loop_loss = train(*tiny, "--slow-numerical", tmp_path=tmp_path / "loop")
    _, backprop_loss = train(*tiny, "--grad", "backprop", tmp_path=tmp_path / "backprop")
    assert numerical_loss == pytest.approx(backprop_loss, abs=2e-4)
    assert loop_loss == pytest.approx(backprop_loss, abs=2e-4)


# --- train_neuralnet: the defaults of each --grad mode -----------------------------


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            [],
            dict(grad="backprop", iters=10000, batch_size=100, lr=0.1, hidden=50, train_size=60000),
        ),
        (["--grad", "backprop"], dict(grad="backprop", iters=10000, lr=0.1)),
        (
            ["--grad", "numerical"],
            dict(
                grad="numerical",
                iters=1200,
                batch_size=100,
                lr=1.0,
                hidden=50,
                train_size=60000,
                slow_numerical=False,
            ),
        ),
        (
            ["--slow-numerical"],
            dict(
                grad="numerical",
                iters=60,
                batch_size=10,
                lr=1.0,
                hidden=10,
                train_size=200,
                slow_numerical=True,
            ),
        ),
        (
            ["--grad", "numerical", "--slow-numerical", "--iters", "3"],
            dict(grad="numerical", iters=3, hidden=10),
        ),
        # what the command line says wins over the mode's default
        (
            ["--grad", "numerical", "--lr", "0.1", "--iters", "5000", "--batch-size", "50"],
            dict(iters=5000, batch_size=50, lr=0.1, hidden=50),
        ),
        (["--lr", "2", "--hidden", "20"], dict(grad="backprop", iters=10000, lr=2.0, hidden=20)),
    ],
)
def test_train_neuralnet_defaults_depend_on_the_mode(argv, expected):
    from ch04.train_neuralnet import parse_args

    args = parse_args(argv)
    assert {key: getattr(args, key) for key in expected} == expected


def test_train_neuralnet_rejects_slow_numerical_with_backprop(capsys):
    from ch04.train_neuralnet import parse_args

    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--grad", "backprop", "--slow-numerical"])
    assert exit_info.value.code == 2
    assert "--slow-numerical" in capsys.readouterr().err


def test_train_neuralnet_help_gives_the_numerical_defaults(capsys):
    from ch04.train_neuralnet import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())  # undo argparse's line wrapping
    assert "(default: None)" not in out
    assert "1200 with --grad numerical" in out and "1.0 with --grad numerical" in out
    assert "fast=True" in out and "--slow-numerical" in out


def test_two_layer_net_run_as_a_script_compares_its_gradients():
    out = run_script("ch04/two_layer_net.py").stdout
    diffs = re.findall(r"^(W1|b1|W2|b2): max \|numerical \(fast\) - backprop\| = (\S+)$", out, re.M)
    assert [key for key, _ in diffs] == ["W1", "b1", "W2", "b2"]
    assert all(float(value) < 1e-8 for _, value in diffs), diffs


@pytest.mark.parametrize(
    "script, argv, words",
    [
        ("gradient_1d", ["--at", "1e300"], "argument --at: must be in [-10000, 10000]"),
        ("gradient_method", ["--init", "1e300", "0"], "argument --init: must be in"),
        ("gradient_simplenet", ["--seed", "-1"], "argument --seed: must be from 0 to"),
        ("gradient_simplenet", ["--seed", str(2**40)], "argument --seed: must be from 0 to"),
        ("train_neuralnet", ["--hidden", "100000000"], "argument --hidden: must be from 1 to"),
    ],
)
def test_scripts_refuse_values_that_would_overflow_or_not_fit(script, argv, words, capsys):
    """An OverflowError, a NaN path, NumPy's seed error and a 584 GiB allocation before:
    now one line naming the option, before any work."""
    module = importlib.import_module(f"ch04.{script}")
    with pytest.raises(SystemExit) as info:
        module.main(argv)
    assert info.value.code == 2
    assert words in capsys.readouterr().err
