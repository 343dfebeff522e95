"""common.autograd: every Function against numerical differentiation, the engine's order,
accumulation, memory and modes, equality with chapter 5's layers, and the scripts."""

import gc
import re
import sys
import weakref

from ch05.autograd_buy_apple_orange import autograd_buy_apple_orange
from ch05.autograd_two_layer_net import PARAMS, AutogradTwoLayerNet, gradient_difference, train
from ch05.computational_graph import collect, label, to_dot, two_layer_loss
from ch05.two_layer_net import TwoLayerNet
from common import autograd as ag
from common import backend
from common.autograd import Function, Variable, no_grad
from common.gradient import numerical_gradient

import numpy as np
import pytest
import strict_device
from conftest import requires_mnist, run_script
from gradcheck import REL_TOL, rel_error, relu_margin

RNG = np.random.RandomState(0)
C = RNG.rand(4, 3)  # a constant matrix (the same at every evaluation of f)


def rand(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, size=shape)


def positive(*shape):
    return rand(*shape, low=0.5, high=2.0)


def away_from_zero(*shape):
    """Values with |x| >= 0.2: a ReLU's kink stays out of reach of h = 1e-4."""
    return np.sign(rand(*shape)) * rand(*shape, low=0.2, high=1.0)


def check_gradients(f, *arrays):
    """Backprop of L = sum(f(*xs) * R) for random R against central differences, per input."""
    variables = [Variable(a) for a in arrays]
    y = f(*variables)
    R = RNG.randn(*y.shape)
    (y * R).sum().backward()

    def loss(_):
        with no_grad():
            return float((f(*[Variable(a, requires_grad=False) for a in arrays]).data * R).sum())

    for i, (a, v) in enumerate(zip(arrays, variables)):
        assert v.grad is not None, f"input {i} received no gradient"
        assert v.grad.shape == a.shape, f"input {i}: gradient shape {v.grad.shape} != {a.shape}"
        error = rel_error(v.grad, numerical_gradient(loss, a))
        assert error <= REL_TOL, f"input {i}: relative error {error:.2e}"


CASES = {
    "add (N, M) + (M,)": (lambda a, b: a + b, (rand(4, 3), rand(3))),
    "add (N, M) + (N, 1)": (lambda a, b: a + b, (rand(4, 3), rand(4, 1))),
    "add scalar + (N, M)": (lambda a, b: a + b, (rand(), rand(2, 3))),
    "sub (M,) - (N, M)": (lambda a, b: a - b, (rand(3), rand(4, 3))),
    "mul (N, 1) * (N, M)": (lambda a, b: a * b, (rand(4, 1), rand(4, 3))),
    "mul (1, M) * (N, 1)": (lambda a, b: a * b, (rand(1, 3), rand(4, 1))),
    "div (N, M) / (M,)": (lambda a, b: a / b, (rand(4, 3), positive(3))),
    "neg": (lambda a: -a, (rand(3, 2),)),
    "pow x ** 3": (lambda a: a**3, (rand(3, 2),)),
    "pow x ** -0.5": (lambda a: a**-0.5, (positive(3, 2),)),
    "reflected 2 - x, 3 / x, 2 * x": (lambda a: (2 - a) * (3 / a) + 2 * a, (positive(5),)),
    "reflected array @ W": (lambda w: C @ w, (rand(3, 2),)),
    "matmul (N, K) @ (K, M)": (lambda a, b: a @ b, (rand(4, 3), rand(3, 2))),
    "sum all": (lambda a: a.sum(), (rand(3, 4),)),
    "sum axis 0": (lambda a: a.sum(axis=0), (rand(3, 4),)),
    "sum axis -1 keepdims": (lambda a: a.sum(axis=-1, keepdims=True), (rand(3, 4),)),
    "sum axis (0, 2)": (lambda a: a.sum(axis=(0, 2)), (rand(2, 3, 4),)),
    "sum axis (0, 2) keepdims": (lambda a: a.sum(axis=(0, 2), keepdims=True), (rand(2, 3, 4),)),
    "sum keepdims, all axes": (lambda a: a.sum(keepdims=True), (rand(2, 3),)),
    "reshape": (lambda a: a.reshape(6, 4) * np.arange(24.0).reshape(6, 4), (rand(2, 3, 4),)),
    "reshape -1": (lambda a: a.reshape(-1) * np.arange(6.0), (rand(2, 3),)),
    "transpose": (lambda a: a.transpose() * np.arange(24.0).reshape(4, 3, 2), (rand(2, 3, 4),)),
    "transpose axes": (
        lambda a: a.transpose(1, 0, 2) * np.arange(24.0).reshape(3, 2, 4),
        (rand(2, 3, 4),),
    ),
    "transpose negative axes": (lambda a: a.transpose((-1, 0, 1)), (rand(2, 3, 4),)),
    ".T": (lambda a: a.T @ a, (rand(3, 2),)),
    "sum_to": (lambda a: ag.sum_to(a, (1, 3)), (rand(4, 3),)),
    "broadcast_to": (lambda a: ag.broadcast_to(a, (4, 3)), (rand(3),)),
    "exp": (ag.exp, (rand(3, 2),)),
    "log": (ag.log, (positive(3, 2),)),
    "relu": (ag.relu, (away_from_zero(4, 3),)),
    "sigmoid": (ag.sigmoid, (rand(4, 3, low=-4, high=4),)),
    "log_softmax": (ag.log_softmax, (rand(4, 5, low=-3, high=3),)),
    "softmax_cross_entropy, one-hot": (
        lambda x: ag.softmax_cross_entropy(x, np.eye(5)[[0, 3, 4, 1]]),
        (rand(4, 5),),
    ),
    "softmax_cross_entropy, indices": (
        lambda x: ag.softmax_cross_entropy(x, np.array([2, 0, 4, 4])),
        (rand(4, 5),),
    ),
    "softmax_cross_entropy, one example": (
        lambda x: ag.softmax_cross_entropy(x, np.array([3])),
        (rand(5),),
    ),
    "a graph with shared nodes": (
        lambda a, b: ag.exp(a * b) * a + (a - b) / (b * b + 1),
        (rand(3), rand(3)),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_backward_matches_numerical_gradient(name):
    f, arrays = CASES[name]
    check_gradients(f, *[a.copy() for a in arrays])


def two_layer_for_checks(seed=0, std=0.5):
    """Both networks, float64, same parameters: larger weights and random biases (ReLUs off 0)."""
    nets = []
    for cls in (TwoLayerNet, AutogradTwoLayerNet):
        np.random.seed(seed)
        nets.append(cls(6, 5, 3, weight_init_std=std, dtype=np.float64))
    biases = np.random.RandomState(seed + 1)
    for key in ("b1", "b2"):
        value = backend.to_device(biases.normal(0, 0.3, nets[0].params[key].shape))
        nets[0].params[key][...] = value
        nets[1].params[key][...] = value
    return nets


def test_two_layer_loss_matches_numerical_gradient():
    layers, engine = two_layer_for_checks()
    x, t = backend.to_device(RNG.randn(4, 6)), backend.to_device(np.array([0, 2, 1, 2]))
    assert relu_margin(layers, x) > 1e-3  # the check is only valid away from the ReLU kink
    backprop = engine.gradient(x, t)
    for key in PARAMS:
        numerical = numerical_gradient(lambda _: float(engine.loss(x, t).data), engine.params[key])
        assert rel_error(backprop[key], numerical) <= REL_TOL, key


@pytest.mark.parametrize("labels", ["indices", "one-hot"])
def test_two_layer_gradients_equal_the_layer_networks(labels):
    layers, engine = two_layer_for_checks(seed=3)
    x = RNG.randn(8, 6)
    t = RNG.randint(0, 3, 8)
    if labels == "one-hot":
        t = np.eye(3)[t]
    x, t = backend.to_device(x), backend.to_device(t)
    assert float(engine.loss(x, t).data) == pytest.approx(float(layers.loss(x, t)), abs=1e-12)
    expected, got = layers.gradient(x, t), engine.gradient(x, t)
    for key in PARAMS:
        assert got[key].dtype == np.float64
        assert np.abs(got[key] - expected[key]).max() <= 1e-12, key
    # A second call gives the same, not twice as much: gradient() clears the old ones.
    again = engine.gradient(x, t)
    assert all(np.array_equal(again[k], got[k]) for k in PARAMS)


def test_gradient_difference_is_at_rounding_level_with_the_books_initialisation():
    x = backend.to_device(np.random.RandomState(1).rand(5, 784))
    t = backend.to_device(np.eye(10)[np.random.RandomState(2).randint(0, 10, 5)])
    diffs = gradient_difference(x, t, hidden_size=20)
    assert set(diffs) == set(PARAMS)
    assert max(diffs.values()) <= 1e-12


def test_initial_weights_are_those_of_two_layer_net():
    np.random.seed(7)
    layers = TwoLayerNet(784, 50, 10)
    np.random.seed(7)
    engine = AutogradTwoLayerNet(784, 50, 10)
    for key in PARAMS:
        assert engine.params[key].dtype == layers.params[key].dtype == np.float32
        assert np.array_equal(engine.params[key], layers.params[key]), key
        assert engine.params[key] is engine.variables[key].data  # updates in place reach the graph


def test_apple_orange_gives_the_books_numbers():
    price, inputs = autograd_buy_apple_orange()
    assert float(price.data) == pytest.approx(715)
    grads = {name: float(v.grad) for name, v in inputs.items()}
    assert grads == pytest.approx(
        {"apple_num": 110, "apple": 2.2, "orange": 3.3, "orange_num": 165, "tax": 650}
    )


def test_a_chain_of_ten_thousand_operations_backpropagates():
    x = Variable(np.array(0.5))
    y = x
    for i in range(10_000):
        y = y * 1.0001 if i % 2 else y + 0.25  # 5000 products, 5000 sums: no recursion depth
    assert y.generation == 10_000
    y.backward()
    assert sys.getrecursionlimit() < 10_000  # so a recursive backward would have failed
    assert float(x.grad) == pytest.approx(1.0001**5000, rel=1e-12)


def test_a_variable_used_twice_accumulates_its_gradient():
    x = Variable(np.array([3.0, -2.0]))
    (x * x).sum().backward()
    assert np.array_equal(x.grad, [6.0, -4.0])  # d(x^2)/dx = 2x
    x.cleargrad()
    (x + x).sum().backward()
    assert np.array_equal(x.grad, [2.0, 2.0])
    x.cleargrad()
    y = x * x
    (y * x + y).sum().backward()  # x^3 + x^2: two paths through y, one direct
    assert np.allclose(x.grad, 3 * x.data**2 + 2 * x.data)


def test_accumulation_never_changes_a_gradient_shared_with_another_variable():
    # Add hands the same dL/dy to both inputs; adding to it in place would change b's too.
    a, b = Variable(np.array(1.0)), Variable(np.array(1.0))
    ((a + b) + a).backward()
    assert (float(a.grad), float(b.grad)) == (2.0, 1.0)


def test_gradients_add_up_across_backward_calls_until_cleared():
    x = Variable(np.array(2.0))
    (x * 3).backward()
    (x * 3).backward()
    assert float(x.grad) == 6.0
    x.cleargrad()
    assert x.grad is None


def test_intermediate_gradients_are_kept_only_on_request():
    x = Variable(np.array(2.0))
    h = x * x
    y = h * 3
    y.backward()
    assert h.grad is None and float(x.grad) == 12.0
    x.cleargrad()
    y = (x * x) * 3
    y.backward(retain_grad=True)
    assert float(y.grad) == 1.0 and float(y.creator.inputs[0].grad) == 3.0


def test_backward_order_follows_generations_not_call_order():
    # y depends on x along a long and a short path; x's creator must run after both arrive.
    a = Variable(np.array(1.5))
    x = a * 2
    long = x
    for _ in range(5):
        long = long * 1.0
    y = long + x
    y.backward()
    assert float(a.grad) == 4.0  # 2 per path; running x's creator early would give 2


def test_no_grad_records_no_graph():
    x = Variable(np.ones(3))
    with no_grad():
        y = (x * 2 + 1).sum()
        assert ag.exp(x).creator is None
    assert y.creator is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()
    assert (x * 2).creator is not None  # recording is back on after the block


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            raise ZeroDivisionError
    assert (Variable(np.ones(2)) * 2).creator is not None


def test_constants_get_no_gradient_and_cost_no_product():
    x = np.ones((2, 3))  # a plain array: a constant of the graph
    W = Variable(np.ones((3, 4)))
    y = x @ W
    assert type(y.creator).__name__ == "MatMul"
    assert not y.creator.inputs[0].requires_grad
    y.sum().backward()
    assert y.creator.inputs[0].grad is None and W.grad.shape == (3, 4)


def live_engine_objects():
    """Variables and Functions the interpreter tracks, garbage not yet collected included."""
    return sum(isinstance(o, (Variable, Function)) for o in gc.get_objects())


def test_a_graph_is_freed_when_its_result_goes_without_the_garbage_collector():
    x = Variable(np.ones(3))
    loss = (ag.exp(x * 2) + x).sum()
    function = weakref.ref(loss.creator)
    intermediate = weakref.ref(loss.creator.inputs[0])
    loss.backward()
    gc.disable()  # no cycles: reference counting alone must free the graph
    try:
        del loss
        assert function() is None and intermediate() is None
    finally:
        gc.enable()
    assert x.grad is not None  # the leaf and its gradient stay


def test_repeated_training_steps_do_not_grow_the_live_variables_or_functions():
    np.random.seed(0)
    network = AutogradTwoLayerNet(20, 8, 4)
    x = backend.to_device(RNG.rand(16, 20).astype(np.float32))
    t = backend.to_device(np.eye(4, dtype=np.float32)[RNG.randint(0, 4, 16)])

    def steps(n):
        for _ in range(n):
            grads = network.gradient(x, t)
            for key in PARAMS:
                network.params[key] -= 0.1 * grads[key]

    steps(3)
    gc.collect()
    gc.disable()  # a graph kept alive by a reference cycle would now pile up, step after step
    try:
        before = live_engine_objects()
        steps(50)
        after = live_engine_objects()
    finally:
        gc.enable()
    assert after == before


def test_second_derivative_with_create_graph():
    x = Variable(np.array([2.0, -1.0]))
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Variable) and np.allclose(first.data, 3 * x.data**2)
    x.cleargrad()
    first.sum().backward()
    assert isinstance(x.grad, np.ndarray)  # a plain backward: plain arrays
    assert np.allclose(x.grad, 6 * np.array([2.0, -1.0]))  # d^2(x^3)/dx^2 = 6x


def check_second_derivative(f, a):
    """d/da of (df/da . R) by the engine (create_graph) against central differences of it."""
    R = RNG.randn(*a.shape)
    v = Variable(a)
    f(v).backward(create_graph=True)
    first = v.grad
    assert isinstance(first, Variable) and first.creator is not None
    v.cleargrad()
    (first * R).sum().backward()

    def first_dot_r(_):
        w = Variable(a)
        f(w).backward()
        return float((w.grad * R).sum())

    assert rel_error(v.grad, numerical_gradient(first_dot_r, a)) <= 1e-6


def test_second_derivative_of_a_composite_matches_numerical_differentiation():
    def f(v):
        return (ag.sigmoid(v) * ag.exp(v * 0.5) / (v * v + 1) - v**3 + ag.log(v * v + 2)).sum()

    check_second_derivative(f, rand(4, low=-2, high=2))


def test_second_derivative_through_broadcasting():
    M = RNG.randn(4, 3)  # (4, 3) + (3,) and (4, 1) * (4, 3): SumTo and BroadcastTo in the graph
    check_second_derivative(lambda b: ag.sigmoid(M + b * b).sum(), rand(3))
    check_second_derivative(lambda c: (ag.exp(c * M) * c).sum(), rand(4, 1))


@pytest.mark.parametrize("labels", ["indices", "one-hot"])
def test_second_derivative_of_the_two_layer_loss_matches_numerical_differentiation(labels):
    """Through SoftmaxCrossEntropy, MatMul, Relu, the bias's broadcast, and log_softmax."""
    rng = np.random.RandomState(6)
    x, W2 = rng.randn(6, 5), rng.randn(4, 3)
    b1, b2 = np.array([0.3, -0.2, 0.25, 0.4]), rng.randn(3)
    t = np.array([0, 1, 2, 2, 1, 0])
    if labels == "one-hot":
        t = np.eye(3)[t]
    W1 = rng.randn(5, 4)
    assert np.abs(x @ W1 + b1).min() > 1e-2  # away from the ReLU kink

    def f(W):
        return ag.softmax_cross_entropy(ag.relu(x @ W + b1) @ W2 + b2, t)

    check_second_derivative(f, W1)


def test_second_derivative_through_log_softmax_and_reductions():
    def f(s):
        logp = ag.log_softmax(s)
        return (logp * logp).sum(axis=0).sum() + (s.T.reshape(-1) ** 2).sum()

    check_second_derivative(f, np.random.RandomState(4).randn(3, 4))


def test_errors_name_the_object_and_the_problem():
    with pytest.raises(TypeError, match="Variable: data must be an array or a number, got list"):
        Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="already a Variable"):
        Variable(Variable(np.ones(2)))
    with pytest.raises(ValueError, match=r"MatMul on shapes \(2, 3\), \(2, 3\): .*do not line up"):
        Variable(np.ones((2, 3))) @ Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Add on shapes \(2, 3\), \(4,\)"):
        Variable(np.ones((2, 3))) + np.ones(4)
    with pytest.raises(TypeError, match="Pow: the exponent must be a number"):
        Variable(np.ones(2)) ** Variable(np.ones(2))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: labels t must be 2 class"):
        ag.softmax_cross_entropy(Variable(np.zeros((2, 4))), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="integers"):
        ag.softmax_cross_entropy(Variable(np.zeros((2, 4))), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"class indices in 0\.\.3, got values from -1 to 0"):
        ag.softmax_cross_entropy(Variable(np.zeros((2, 4))), np.array([0, -1]))
    mul = ag.Mul()
    mul(Variable(np.ones(2)), 2.0)
    with pytest.raises(RuntimeError, match="Mul: a Function object is called once"):
        mul(Variable(np.ones(2)), 2.0)


def test_numbers_keep_the_dtype_of_the_arrays():
    x = Variable(np.ones(3, dtype=np.float32))
    y = (2 * x + 1) / 3 - x**2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_graph_walk_finds_every_node_and_edge():
    price, _ = autograd_buy_apple_orange()
    variables, functions, edges = collect(price)
    assert (len(variables), len(functions), len(edges)) == (9, 4, 12)
    assert sorted(type(f).__name__ for f in functions) == ["Add", "Mul", "Mul", "Mul"]
    assert label(price).split("\n") == ["price", "715", "grad 1"]
    tax = next(v for v in variables if v.name == "tax")
    assert label(tax).split("\n") == ["tax", "1.1", "grad 650"]

    loss = two_layer_loss(batch_size=7, hidden_size=5)
    variables, functions, edges = collect(loss)
    assert (len(variables), len(functions), len(edges)) == (11, 6, 16)
    names = {v.name for v in variables if v.name}
    assert names == {"x", "W1", "b1", "W2", "b2", "loss"}
    x = next(v for v in variables if v.name == "x")
    assert label(x) == "x\n(7, 784)"  # a constant: no gradient
    W1 = next(v for v in variables if v.name == "W1")
    assert label(W1).startswith("W1\n(784, 5)\ngrad norm ")


def test_dot_text_declares_every_node_it_connects():
    price, _ = autograd_buy_apple_orange()
    text = to_dot({"apple": price, 'a "quoted" title': two_layer_loss(3, 4)})
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    declared = set(re.findall(r"^\s+(g\d+n\d+) \[label=", text, re.M))
    arrows = re.findall(r"^\s+(g\d+n\d+) -> (g\d+n\d+);", text, re.M)
    assert len(declared) == 13 + 17 and len(arrows) == 12 + 16
    assert {n for edge in arrows for n in edge} == declared
    assert 'label="a \\"quoted\\" title";' in text
    assert '"price\\n715\\ngrad 1"' in text


def test_apple_orange_script_prints_what_the_layer_version_prints():
    # The layer version's numbers (715; 110, 2.2, 3.3, 165, 650) are pinned in test_ch05.py.
    layer = run_script("ch05/buy_apple_orange.py").stdout.split()
    engine = run_script("ch05/autograd_buy_apple_orange.py").stdout.split()
    assert engine == layer and len(engine) == 12


@pytest.mark.slow
def test_computational_graph_script_writes_figures_and_dot(tmp_path):
    dot = tmp_path / "out" / "graphs.dot"
    out = run_script(
        "ch05/computational_graph.py", "--save", tmp_path, "--dot", dot, "--batch-size", "5"
    ).stdout
    assert f"saved DOT text: {dot}" in out
    assert dot.read_text().count("subgraph cluster_") == 2
    for name in ("graph_apple_orange", "graph_two_layer_net"):
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in dot.parent.iterdir()) == ["graphs.dot"]  # no temporary left


def test_computational_graph_refuses_a_bad_dot_path_before_any_work(tmp_path):
    result = run_script(
        "ch05/computational_graph.py", "--dot", tmp_path, "--save", tmp_path, check=False
    )
    assert result.returncode == 2
    assert "argument --dot" in result.stderr and "is a folder" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no figure was drawn


@requires_mnist
@pytest.mark.slow
def test_two_layer_script_checks_gradients_trains_and_times_both():
    out = run_script("ch05/autograd_two_layer_net.py", "--iters", "600", "--hidden", "20").stdout
    diff = float(re.search(r"max \|difference\| = (\S+) ", out).group(1))
    assert diff <= 1e-12, out
    # The course's epoch rule: one line after the first step (epoch 1), then one per epoch.
    assert len(re.findall(r"^epoch +\d+ \| train acc 0\.\d+ \| test acc 0\.\d+$", out, re.M)) == 1
    assert re.search(r"^epoch +1 \|", out, re.M), out
    finals = dict(
        re.findall(r"^(autograd|layers): +final test acc ([0-9.]+) \| [0-9.]+ s in 600", out, re.M)
    )
    assert set(finals) == {"autograd", "layers"}, out
    assert float(finals["autograd"]) > 0.85, out
    # Same initial weights, same batches, same arithmetic: the same network comes out.
    assert finals["autograd"] == finals["layers"]
    assert re.search(r"^autograd / layers: \d+\.\d\dx the time", out, re.M), out


@requires_mnist
@pytest.mark.slow
def test_bench_autograd_prints_both_rows_and_the_ratio():
    out = run_script("benchmarks/bench_autograd.py", "--rounds", "1", "--iters", "40").stdout
    rows = [line for line in out.splitlines() if line.startswith(("layers ", "autograd ("))]
    assert len(rows) == 2, out
    for line in rows:
        wall, per_step, accuracy, relative = (float(v) for v in line.split()[-4:])
        assert wall > 0 and per_step > 0 and 0 <= accuracy <= 1 and relative > 0
    assert float(rows[0].split()[-1]) == 1.0
    assert re.search(
        r"^autograd / layers: \d+\.\d\dx the time \(goal: at most 1\.15x, (met|NOT met)\)$",
        out,
        re.M,
    ), out


def test_training_learns_with_the_engine():
    rng = np.random.RandomState(5)
    centers = rng.randn(3, 10) * 3
    labels = rng.randint(0, 3, 300)
    x = backend.to_device((centers[labels] + rng.randn(300, 10)).astype(np.float32))
    t = backend.to_device(np.eye(3, dtype=np.float32)[labels])
    np.random.seed(0)
    network = AutogradTwoLayerNet(10, 16, 3, weight_init_std=0.1)
    before = float(network.loss(x, t).data)
    train(network, ((x, t), (x, t)), iters=200, batch_size=30, lr=0.1, seed=0)
    assert float(network.loss(x, t).data) < 0.25 * before
    assert network.accuracy(x, t) > 0.95


def check_on_device(name, steps=3):
    """On device ``name``: the engine's gradients equal the layers', and training steps run."""
    with backend.using_device(name):
        layers, engine = two_layer_for_checks(seed=4)
        x = backend.to_device(RNG.randn(8, 6))
        t = backend.to_device(np.eye(3)[RNG.randint(0, 3, 8)])
        expected, got = layers.gradient(x, t), engine.gradient(x, t)
        for key in PARAMS:
            assert backend.get_array_module(got[key]) is backend.get_xp(), key
            difference = np.abs(backend.to_cpu(got[key]) - backend.to_cpu(expected[key])).max()
            assert difference <= 1e-12, key
        with no_grad():
            assert backend.get_array_module(engine.predict(x).data) is backend.get_xp()

        def train_steps():
            for _ in range(steps):
                grads = engine.gradient(x, t)
                for key in PARAMS:
                    engine.params[key] -= 0.1 * grads[key]

        return train_steps


def test_the_engine_runs_on_the_strict_stand_in_device_without_host_reads():
    train_steps = check_on_device("strict")
    with backend.using_device("strict"), strict_device.counting_host_transfers() as count:
        train_steps()
    assert count() == 0  # a training step never waits for the device


@pytest.mark.gpu
def test_the_engine_runs_on_the_gpu():
    train_steps = check_on_device("gpu")
    with backend.using_device("gpu"):
        train_steps()
