"""Tests for common/optimizer.py: every update rule against two steps worked out here,
book defaults, in-place updates, and progress on f(x, y) = x^2/20 + y^2."""

import inspect
import re

from common.backend import to_cpu, to_device
from common.multi_layer_net import MultiLayerNet
from common.optimizer import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

import numpy as np
import pytest

EPS = 1e-7  # the small constant the book adds to denominators


def two_gradients():
    rng = np.random.RandomState(0)
    W0 = {"W": rng.randn(3, 2), "b": rng.randn(2)}
    g1 = {k: rng.randn(*v.shape) for k, v in W0.items()}
    g2 = {k: rng.randn(*v.shape) for k, v in W0.items()}
    return W0, g1, g2


def run_two_steps(optimizer):
    """Apply two updates with device arrays; return the parameters after each step (NumPy)."""
    W0, g1, g2 = two_gradients()
    params = {k: to_device(v.copy()) for k, v in W0.items()}
    held = dict(params)  # the objects a layer would hold
    after = []
    for g in (g1, g2):
        optimizer.update(params, {k: to_device(v) for k, v in g.items()})
        after.append({k: to_cpu(v).copy() for k, v in params.items()})
    for key in params:
        assert params[key] is held[key], f"{type(optimizer).__name__} replaced params[{key!r}]"
    return after


def expected_sgd(W, g1, g2, lr=0.01):
    W1 = W - lr * g1
    return W1, W1 - lr * g2


def expected_momentum(W, g1, g2, lr=0.01, mu=0.9):
    v1 = -lr * g1  # v starts at zero
    W1 = W + v1
    v2 = mu * v1 - lr * g2
    return W1, W1 + v2


def expected_nesterov(W, g1, g2, lr=0.01, mu=0.9):
    # Bengio et al. (2012): with Theta = theta + mu v the look-ahead point,
    # v_new = mu v - lr grad(Theta);  Theta_new = Theta + mu v_new - lr grad(Theta).
    v1 = -lr * g1
    W1 = W + mu * v1 - lr * g1
    v2 = mu * v1 - lr * g2
    return W1, W1 + mu * v2 - lr * g2


def expected_adagrad(W, g1, g2, lr=0.01):
    h1 = g1**2
    W1 = W - lr * g1 / (np.sqrt(h1) + EPS)
    h2 = h1 + g2**2
    return W1, W1 - lr * g2 / (np.sqrt(h2) + EPS)


def expected_rmsprop(W, g1, g2, lr=0.01, rho=0.99):
    h1 = (1 - rho) * g1**2
    W1 = W - lr * g1 / (np.sqrt(h1) + EPS)
    h2 = rho * h1 + (1 - rho) * g2**2
    return W1, W1 - lr * g2 / (np.sqrt(h2) + EPS)


def expected_adam(W, g1, g2, lr=0.001, b1=0.9, b2=0.999):
    # Kingma & Ba, Algorithm 1 with the bias corrections folded into the step size.
    m = v = 0
    out = []
    for t, g in enumerate((g1, g2), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        W = W - step * m / (np.sqrt(v) + EPS)
        out.append(W)
    return tuple(out)


CASES = [
    (SGD, expected_sgd),
    (Momentum, expected_momentum),
    (Nesterov, expected_nesterov),
    (AdaGrad, expected_adagrad),
    (RMSprop, expected_rmsprop),
    (Adam, expected_adam),
]


@pytest.mark.parametrize("cls, expected", CASES, ids=[c.__name__ for c, _ in CASES])
def test_two_steps_with_defaults(cls, expected):
    after = run_two_steps(cls())
    W0, g1, g2 = two_gradients()
    for key in W0:
        step1, step2 = expected(W0[key], g1[key], g2[key])
        np.testing.assert_allclose(
            after[0][key], step1, rtol=1e-12, atol=1e-15, err_msg=f"{key}, step 1"
        )
        np.testing.assert_allclose(
            after[1][key], step2, rtol=1e-12, atol=1e-15, err_msg=f"{key}, step 2"
        )


@pytest.mark.parametrize("cls, expected", CASES, ids=[c.__name__ for c, _ in CASES])
def test_two_steps_with_custom_learning_rate(cls, expected):
    after = run_two_steps(cls(lr=0.3))
    W0, g1, g2 = two_gradients()
    _, step2 = expected(W0["W"], g1["W"], g2["W"], lr=0.3)
    np.testing.assert_allclose(after[1]["W"], step2, rtol=1e-12, atol=1e-15)


def test_book_default_hyperparameters():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert (Nesterov().lr, Nesterov().momentum) == (0.01, 0.9)
    assert AdaGrad().lr == 0.01
    assert (RMSprop().lr, RMSprop().decay_rate) == (0.01, 0.99)
    assert (Adam().lr, Adam().beta1, Adam().beta2) == (0.001, 0.9, 0.999)


def test_optimizer_names():
    assert OPTIMIZERS == {
        "sgd": SGD,
        "momentum": Momentum,
        "nesterov": Nesterov,
        "adagrad": AdaGrad,
        "rmsprop": RMSprop,
        "adam": Adam,
    }


def test_nesterov_equals_classic_look_ahead_form():
    """Classic NAG evaluates the gradient at theta + mu v; the optimizer's parameters
    are that look-ahead point.  On a quadratic both must trace the same path."""
    A = np.array([[3.0, 0.5], [0.5, 1.0]])

    def grad(p):
        return A @ p

    lr, mu = 0.05, 0.9
    theta, v = np.array([2.0, -1.0]), np.zeros(2)
    params = {"p": to_device(theta.copy())}
    opt = Nesterov(lr=lr, momentum=mu)
    for _ in range(20):
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        opt.update(params, {"p": to_device(grad(to_cpu(params["p"])))})
        np.testing.assert_allclose(to_cpu(params["p"]), theta + mu * v, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_updates_reach_the_layers(name):
    """update() writes into the arrays the network's layers hold."""
    np.random.seed(0)
    net = MultiLayerNet(4, [3], 2, dtype=np.float64)
    rng = np.random.RandomState(1)
    x, t = to_device(rng.randn(5, 4)), to_device(rng.randint(0, 2, size=5))
    before = {k: to_cpu(v).copy() for k, v in net.params.items()}
    ids = {k: id(v) for k, v in net.params.items()}
    OPTIMIZERS[name](lr=0.1).update(net.params, net.gradient(x, t))
    assert {k: id(v) for k, v in net.params.items()} == ids
    for idx in (1, 2):
        affine = net.layers[f"Affine{idx}"]
        assert affine.W is net.params[f"W{idx}"] and affine.b is net.params[f"b{idx}"]
    assert not np.array_equal(to_cpu(net.params["W2"]), before["W2"])


def test_state_is_created_on_the_parameters_device_and_dtype():
    params = {"W": to_device(np.ones((2, 2), dtype=np.float32))}
    grads = {"W": to_device(np.full((2, 2), 0.5, dtype=np.float32))}
    opt = Adam()
    opt.update(params, grads)
    assert type(opt.m["W"]) is type(params["W"])
    assert opt.m["W"].dtype == np.float32 and params["W"].dtype == np.float32


# Learning rates as in the book's comparison on f(x, y) = x^2/20 + y^2.
LEARNING_RATES = {
    "sgd": 0.95,
    "momentum": 0.1,
    "nesterov": 0.1,
    "adagrad": 1.5,
    "rmsprop": 0.1,
    "adam": 0.3,
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_minimizes_elongated_bowl(name):
    def f(x, y):
        return x**2 / 20 + y**2

    params = {"x": to_device(np.array([-7.0])), "y": to_device(np.array([2.0]))}
    opt = OPTIMIZERS[name](lr=LEARNING_RATES[name])
    start = f(-7.0, 2.0)
    for _ in range(30):
        grads = {"x": params["x"] / 10, "y": 2 * params["y"]}
        opt.update(params, grads)
    end = f(float(to_cpu(params["x"])[0]), float(to_cpu(params["y"])[0]))
    assert end < 0.05 * start, f"{name}: f went from {start} to {end}"


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_plain_numbers_as_in_the_books_comparison(name):
    """The book's optimizer_compare_naive.py keeps x and y as Python floats: the update
    replaces them in the dict (params[key] -= ...) and must agree with 0-d arrays."""
    lr = LEARNING_RATES[name]
    floats, arrays = {"x": -7.0, "y": 2.0}, {"x": np.array(-7.0), "y": np.array(2.0)}
    opt_floats, opt_arrays = OPTIMIZERS[name](lr=lr), OPTIMIZERS[name](lr=lr)
    for _ in range(5):
        opt_floats.update(floats, {"x": floats["x"] / 10.0, "y": 2.0 * floats["y"]})
        opt_arrays.update(arrays, {"x": arrays["x"] / 10.0, "y": 2.0 * arrays["y"]})
    for key in floats:
        assert float(floats[key]) == pytest.approx(float(arrays[key]), rel=1e-12)
    assert floats["x"] != -7.0


STATEFUL = [name for name in sorted(OPTIMIZERS) if name != "sgd"]


def one_step(optimizer, shapes):
    params = {k: to_device(np.ones(s)) for k, s in shapes.items()}
    optimizer.update(params, {k: to_device(np.full(s, 0.5)) for k, s in shapes.items()})
    return params


@pytest.mark.parametrize("name", STATEFUL)
def test_reused_on_other_keys_says_to_make_a_new_optimizer(name):
    optimizer = OPTIMIZERS[name]()
    one_step(optimizer, {"W1": (2, 3), "b1": (3,)})
    cls = OPTIMIZERS[name].__name__
    with pytest.raises(ValueError) as info:
        one_step(optimizer, {"W1": (2, 3), "W2": (3, 2)})
    message = str(info.value)
    assert message.startswith(f"{cls}.update: parameter 'W2'")
    assert f"make a new {cls}()" in message and "\n" not in message


@pytest.mark.parametrize("name", STATEFUL)
def test_reused_on_another_shape_says_to_make_a_new_optimizer(name):
    optimizer = OPTIMIZERS[name]()
    one_step(optimizer, {"W": (2, 3)})
    cls = OPTIMIZERS[name].__name__
    with pytest.raises(ValueError, match=rf"^{cls}\.update: parameter 'W' .*make a new {cls}\(\)"):
        one_step(optimizer, {"W": (3, 2)})


@pytest.mark.parametrize("name", STATEFUL)
def test_state_follows_a_subset_of_its_parameters(name):
    """Updating some of the parameters it was made for (others frozen) is allowed."""
    optimizer = OPTIMIZERS[name]()
    one_step(optimizer, {"W": (2, 3), "b": (3,)})
    assert not np.array_equal(to_cpu(one_step(optimizer, {"b": (3,)})["b"]), np.ones(3))


def bad_updates():
    W, g = np.ones((3, 2)), np.full((3, 2), 0.5)
    return {
        "params not a dict": (
            [W],
            {"W": g},
            TypeError,
            "params and grads must be dicts of arrays, got list",
        ),
        "missing gradient": ({"W": W, "b": np.ones(2)}, {"W": g}, ValueError, "'b' has none"),
        "gradient of another shape": ({"W": W}, {"W": g.T}, ValueError, "'W' has shape (2, 3)"),
        "broadcastable gradient": ({"W": W}, {"W": g[:1]}, ValueError, "'W' has shape (1, 2)"),
        "None gradient": ({"W": W}, {"W": None}, ValueError, "'W' has none"),
        "integer parameter": ({"W": W.astype(int)}, {"W": g}, TypeError, "dtype int64"),
        "object gradient": ({"W": W}, {"W": g.astype(object)}, TypeError, "dtype object"),
        "list parameter": ({"W": [1.0]}, {"W": [0.5]}, TypeError, "params['W']"),
    }


@pytest.mark.parametrize("case", list(bad_updates()))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_bad_updates_give_one_line_and_move_nothing(name, case):
    params, grads, error, words = bad_updates()[case]
    if isinstance(params, dict):  # arrays on the suite's device, as a network's would be
        params = {k: to_device(v) if isinstance(v, np.ndarray) else v for k, v in params.items()}
        grads = {k: to_device(v) if isinstance(v, np.ndarray) else v for k, v in grads.items()}
    before = {k: to_cpu(v).copy() for k, v in params.items()} if isinstance(params, dict) else {}
    optimizer = OPTIMIZERS[name]()
    with pytest.raises(error) as info:
        optimizer.update(params, grads)
    message = str(info.value)
    assert message.startswith(f"{OPTIMIZERS[name].__name__}.update: ") and words in message
    assert "\n" not in message
    for key, value in before.items():  # checked before anything moved
        np.testing.assert_array_equal(to_cpu(params[key]), value)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: SGD(lr=0), "SGD: lr must be a finite number > 0"),
        (lambda: SGD(lr="0.1"), "SGD: lr must be a number"),
        (lambda: Momentum(momentum=1.0), "Momentum: momentum must be in [0, 1)"),
        (lambda: Nesterov(momentum=float("nan")), "Nesterov: momentum must be in [0, 1)"),
        (lambda: AdaGrad(lr=float("inf")), "AdaGrad: lr must be a finite number > 0"),
        (lambda: RMSprop(decay_rate=-0.1), "RMSprop: decay_rate must be in [0, 1)"),
        (lambda: Adam(beta2=1), "Adam: beta2 must be in [0, 1)"),
    ],
)
def test_hyperparameters_are_checked_when_made(make, words):
    with pytest.raises((TypeError, ValueError), match=re.escape(words)):
        make()


def test_the_first_teaching_class_opens_the_module():
    """The module reads like the book's: SGD comes right after the docstring and imports."""
    assert inspect.getsourcelines(SGD)[1] <= 40


def test_adam_keeps_float32_parameters_in_float32_arithmetic():
    """Its step size is a Python float: a NumPy float64 would make every update float64."""
    params = {"W": np.ones((3, 2), dtype=np.float32)}
    optimizer = OPTIMIZERS["adam"]()
    optimizer.update(params, {"W": np.full((3, 2), 0.5, dtype=np.float32)})
    assert params["W"].dtype == np.float32 and optimizer.m["W"].dtype == np.float32
    m, v = optimizer.m["W"], optimizer.v["W"]
    lr_t = 0.001 * (1.0 - 0.999) ** 0.5 / (1.0 - 0.9)  # a Python float
    expected = np.ones((3, 2), dtype=np.float32) - lr_t * m / (np.sqrt(v) + 1e-7)
    assert expected.dtype == np.float32 and (params["W"] == expected).all()
