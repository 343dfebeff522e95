"""One check per exercise: the cases it runs, the reference it compares with, the mistakes it knows.

Every check takes the learner's function or class and returns quietly when it passes;
on the first failing case it raises ``checker.Failed``.  Expected answers come from the
course's own code (``common``, ``ch04``, ``ch05``; ``exercises.solutions`` for the three
that ``common`` writes inline); each known mistake is that reference's answer under the
mistake, computed here, so a hint is given only when the learner's answer equals it.
Gradients are also compared with float64 numerical differentiation
(``common.gradient.numerical_gradient``).
"""

import contextlib
import copy

from common import functions as F
from common import gradient as G
from common import layers as L
from common import optimizer as O
from common.multi_layer_net import init_scale
from exercises import solutions
from exercises.checker import Failed, call, check_pair, compare, describe

import numpy as np

RNG_SEED = 2024


def rng():
    return np.random.default_rng(RNG_SEED)


@contextlib.contextmanager
def patched(fn, **names):
    """Inside the block, the learner's ``fn`` sees some global names replaced; restored after."""
    module_globals = getattr(fn, "__globals__", {})
    saved = {k: module_globals[k] for k in names if k in module_globals}
    module_globals.update(names)
    try:
        yield
    finally:
        for key in names:
            if key in saved:
                module_globals[key] = saved[key]
            else:
                module_globals.pop(key, None)


def numerical_input_gradient(what, forward, x, dout, case):
    """d sum(forward(x) * dout) / dx by float64 central differences (forward is the learner's)."""

    def f(_):
        return float(np.sum(np.asarray(call(what, forward, x, case=case)) * dout))

    return G.numerical_gradient(f, x)


# ---------------------------------------------------------------- chapter 3


def check_step_function(step_function):
    r = rng()
    for x in (np.array([-2.0, -0.5, 0.0, 0.5, 3.0]), r.normal(size=(3, 4)), np.zeros((2, 2))):
        case = describe(x=x)
        got = call("step_function(x)", step_function, x, case=case)
        compare(
            "step_function(x)",
            got,
            F.step_function(x),
            case,
            mistakes={"at_zero": x >= 0, "step_sign": np.sign(x)},
        )


def check_sigmoid(sigmoid):
    r = rng()
    cases = [
        (np.linspace(-5, 5, 11), False),
        (r.normal(size=(4, 3)), False),
        (np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]), True),
    ]
    for x, large in cases:
        case = describe(x=x) + (", values up to +-1000" if large else "")
        got = call("sigmoid(x)", sigmoid, x, case=case)
        with np.errstate(all="ignore"):
            mistakes = {"sign": F.sigmoid(-x), "precedence": 1 + np.exp(-x)}
        compare("sigmoid(x)", got, F.sigmoid(x), case, mistakes=mistakes, large=large)


def check_relu(relu):
    r = rng()
    for x in (np.array([-2.0, -0.5, 0.0, 0.5, 3.0]), r.normal(size=(3, 4))):
        case = describe(x=x)
        try:
            got = call("relu(x)", relu, x, case=case)
        except Failed as failure:
            if "integer scalar" in failure.headline or "axis" in failure.headline:
                failure.hint = failure.hint or "np_max"
            raise
        compare(
            "relu(x)",
            got,
            F.relu(x),
            case,
            mistakes={"min_max": np.minimum(0, x), "sign": np.maximum(0, -x)},
        )


def check_softmax(softmax):
    r = rng()
    cases = [
        (np.array([0.3, 2.9, 4.0]), False),
        (r.normal(size=(4, 5)), False),
        (r.normal(size=(1, 5)), False),
        (np.array([1010.0, 1000.0, 990.0]), True),
        (np.array([[1000.0, 999.0, 998.0], [-1000.0, -999.0, -1001.0]]), True),
    ]
    for a, large in cases:
        case = describe(a=a) + (", scores near +-1000" if large else "")
        got = call("softmax(a)", softmax, a, case=case)
        with np.errstate(all="ignore"):
            e = np.exp(a - a.max())
            mistakes = [("axis", e / e.sum())]  # summed over the whole batch
            if a.ndim == 2:
                e0 = np.exp(a - a.max(axis=0))
                mistakes.append(("axis", e0 / e0.sum(axis=0)))  # over axis 0
        compare("softmax(a)", got, F.softmax(a), case, mistakes=mistakes, large=large)


def _book_network():
    """The weights of the book's three-layer example (section 3.4.3)."""
    return {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b2": np.array([0.1, 0.2]),
        "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
        "b3": np.array([0.1, 0.2]),
    }


def _forward_variant(network, x, hidden=F.sigmoid, output=F.identity_function, drop=None):
    net = {k: (np.zeros_like(v) if k == drop else v) for k, v in network.items()}
    z1 = hidden(x @ net["W1"] + net["b1"])
    z2 = hidden(z1 @ net["W2"] + net["b2"])
    return output(z2 @ net["W3"] + net["b3"])


def check_forward(forward):
    """Run with the course's sigmoid and identity_function in place of the learner's own."""
    names = {"sigmoid": F.sigmoid, "identity_function": F.identity_function}
    with patched(forward, **names):
        r = rng()
        random_net = {k: r.normal(size=v.shape) for k, v in _book_network().items()}
        for network, x in (
            (_book_network(), np.array([1.0, 0.5])),
            (random_net, r.normal(size=(4, 2))),
        ):
            case = describe(x=x, **network)
            got = call("forward(network, x)", forward, network, x, case=case)
            mistakes = [
                ("output_activation", _forward_variant(network, x, output=F.sigmoid)),
                ("hidden_activation", _forward_variant(network, x, hidden=F.relu)),
            ] + [("missing_bias", _forward_variant(network, x, drop=b)) for b in ("b1", "b2", "b3")]
            compare("forward(network, x)", got, solutions.forward(network, x), case, mistakes)


# ---------------------------------------------------------------- chapter 4

H = 1e-4


def _quadratic(w, c):
    """f(x) = sum(w x^2) + sum(c x): its central difference is exact, its gradient 2 w x + c."""
    return lambda x: float(np.sum(w * x**2) + np.sum(c * x))


def _forward_difference(f, x):
    grad = np.zeros_like(x)
    flat, out = x.copy().reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        base = f(flat.reshape(x.shape))
        flat[i] += H
        out[i] = (f(flat.reshape(x.shape)) - base) / H
        flat[i] -= H
    return grad


def _not_restored(f, x):
    """What a loop that leaves x[i] at x[i] - h gets."""
    moved = x.copy().reshape(-1)
    grad = np.zeros(moved.size)
    for i in range(moved.size):
        original = moved[i]
        moved[i] = original + H
        f_plus = f(moved.reshape(x.shape))
        moved[i] = original - H
        grad[i] = (f_plus - f(moved.reshape(x.shape))) / (2 * H)
    return grad.reshape(x.shape)


def check_numerical_diff(numerical_diff):
    cases = [
        (lambda x: 0.01 * x**2 + 0.1 * x, 5.0, "f(x) = 0.01 x^2 + 0.1 x"),
        (lambda x: 0.01 * x**2 + 0.1 * x, 10.0, "f(x) = 0.01 x^2 + 0.1 x"),
        (lambda x: 3 * x**2 - 2 * x, -1.5, "f(x) = 3 x^2 - 2 x"),
    ]
    for f, x, text in cases:
        case = f"{text}, x = {x}"
        got = call("numerical_diff(f, x)", numerical_diff, f, x, case=case)
        mistakes = {
            "forward_difference": (f(x + H) - f(x)) / H,
            "divided_by_h": (f(x + H) - f(x - H)) / H,
            "h_too_small": 0.0,
        }
        expected = G.numerical_diff(f, x)
        compare("numerical_diff(f, x)", got, expected, case, mistakes, rtol=1e-7, atol=1e-9)


def check_numerical_gradient(numerical_gradient):
    r = rng()
    for shape in ((3,), (1,), (2, 3)):
        x, w, c = r.normal(size=shape), r.uniform(0.5, 2, size=shape), r.normal(size=shape)
        f = _quadratic(w, c)
        case = f"f(x) = sum(w x^2) + sum(c x), x {x.shape} float64"
        got = call(
            "numerical_gradient(f, x)",
            numerical_gradient,
            f,
            x,
            case=case,
            in_place_hint="not_restored",
        )
        mistakes = {
            "forward_difference": _forward_difference(f, x),
            "divided_by_h": 2 * (2 * w * x + c),
            "h_too_small": np.zeros(shape),
            "not_restored": _not_restored(f, x),
        }
        expected = G.numerical_gradient(f, x.copy())
        compare("numerical_gradient(f, x)", got, expected, case, mistakes, rtol=1e-6, atol=1e-7)


def check_numerical_gradient_2d(numerical_gradient_2d):
    r = rng()
    for shape in ((3, 2), (1, 4), (4,)):
        X, w, c = r.normal(size=shape), r.uniform(0.5, 2, size=shape[-1]), r.normal(size=shape[-1])

        def f(x, w=w, c=c):  # not separable: on a whole batch its gradient differs
            return float(np.sum(w * x) ** 2 + np.sum(c * x))

        case = f"f(x) = (sum(w x))^2 + sum(c x), X {X.shape} float64"
        got = call(
            "numerical_gradient_2d(f, X)",
            numerical_gradient_2d,
            f,
            X,
            case=case,
            in_place_hint="not_restored",
        )
        rows = np.atleast_2d(X)
        mistakes = {
            "whole_batch": G.numerical_gradient(f, X.copy()),
            "forward_difference": np.array([_forward_difference(f, row) for row in rows]).reshape(
                shape
            ),
            "divided_by_h": 2 * G.numerical_gradient_2d(f, X.copy()),
        }
        expected = G.numerical_gradient_2d(f, X.copy())
        compare("numerical_gradient_2d(f, X)", got, expected, case, mistakes, atol=1e-6)


def _descend(f, x, lr, steps):
    x = np.array(x, dtype=np.float64)
    for _ in range(steps):
        x = x - lr * G.numerical_gradient(f, x.copy())
    return x


def check_gradient_descent(gradient_descent):
    """Run with the course's numerical_gradient in place of the learner's own."""
    from ch04.gradient_method import gradient_descent as reference  # returns (x, path)

    names = {"numerical_gradient": G.numerical_gradient}
    with patched(gradient_descent, **names):
        scale = np.array([1.0, 3.0])
        cases = [
            (lambda x: float(np.sum(x**2)), np.array([-3.0, 4.0]), 0.1, 20, "sum(x^2)"),
            (
                lambda x: float(np.sum(scale * (x - [1.0, 2.0]) ** 2)),
                np.array([0.5, -1.0]),
                0.05,
                7,
                "sum([1, 3] (x - [1, 2])^2)",
            ),
        ]
        for f, x0, lr, steps, text in cases:
            case = f"f(x) = {text}, init_x {x0.tolist()}, lr={lr}, step_num={steps}"
            got = call(
                "gradient_descent(f, init_x, lr, step_num)",
                gradient_descent,
                f,
                x0,
                lr=lr,
                step_num=steps,
                case=case,
            )
            mistakes = [
                ("ascent", _descend(f, x0, -lr, steps)),
                ("step_count", _descend(f, x0, lr, steps + 1)),
                ("step_count", _descend(f, x0, lr, steps - 1)),
                ("no_lr", _descend(f, x0, 1.0, steps)),
            ]
            expected = reference(f, x0.copy(), lr=lr, step_num=steps)[0]
            compare("gradient_descent(...)", got, expected, case, mistakes, rtol=1e-6, atol=1e-9)


def check_cross_entropy_error(cross_entropy_error):
    r = rng()
    book_y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    book_t = np.eye(10)[2]
    probs = F.softmax(r.normal(size=(4, 5)))
    labels = np.array([1, 0, 4, 2])
    zero_prob = probs.copy()
    zero_prob[0] = [0.5, 0.0, 0.5, 0.0, 0.0]  # the label, 1, has probability 0
    cases = [
        (book_y, book_t, "one example, one-hot label"),
        (probs, labels, "a batch, class-index labels"),
        (probs, np.eye(5)[labels], "a batch, one-hot labels"),
        (probs[:1], labels[:1], "a batch of one"),
        (zero_prob, labels, "the label's probability is 0"),
    ]
    for y, t, text in cases:
        case = f"{text}: {describe(y=y, t=t)}"
        error_hint = "one_example_batch" if y.ndim == 1 else ("labels" if t.ndim == 1 else None)
        got = call(
            "cross_entropy_error(y, t)", cross_entropy_error, y, t, case=case, error_hint=error_hint
        )
        yb = y if y.ndim == 2 else y.reshape(1, -1)
        idx = np.atleast_2d(t).argmax(axis=1) if t.shape == y.shape else t
        picked = yb[np.arange(yb.shape[0]), idx]
        with np.errstate(all="ignore"):
            mistakes = {"no_delta": -np.sum(np.log(picked)) / yb.shape[0]}
        expected = F.cross_entropy_error(y, t)
        if y.ndim == 1:
            mistakes["one_example_batch"] = expected / y.size
        compare(
            "cross_entropy_error(y, t)",
            got,
            expected,
            case,
            mistakes,
            n=yb.shape[0],
            rtol=1e-5,
            atol=1e-7,
        )


# ---------------------------------------------------------------- chapter 5


def check_mul_layer(MulLayer):
    r = rng()
    cases = [(100.0, 2.0, 1.0), (r.normal(size=3), r.normal(size=3), r.normal(size=3))]
    for x, y, dout in cases:
        case = describe(x=x, y=y, dout=dout)
        layer = call("MulLayer()", MulLayer, case=case)
        got = call("forward(x, y)", layer.forward, x, y, case=case)
        compare("forward(x, y)", got, x * y, case)
        dx, dy = check_pair("backward(dout)", call("backward", layer.backward, dout), 2, case)
        compare("backward: dx", dx, dout * y, case, {"no_swap": dout * x, "forgot_dout": y * 1.0})
        compare("backward: dy", dy, dout * x, case, {"no_swap": dout * y, "forgot_dout": x * 1.0})
    # the second forward's inputs, not the first's
    layer = MulLayer()
    call("forward", layer.forward, 2.0, 3.0)
    call("forward", layer.forward, 5.0, 7.0)
    case = "forward(2, 3), then forward(5, 7), then backward(1.5)"
    dx, dy = check_pair("backward(dout)", call("backward", layer.backward, 1.5), 2, case)
    compare("backward: dx", dx, 1.5 * 7.0, case, {"stale": 1.5 * 3.0, "no_swap": 1.5 * 5.0})


def check_add_layer(AddLayer):
    r = rng()
    for x, y, dout in ((100.0, 2.0, 1.5), (r.normal(size=3), r.normal(size=3), r.normal(size=3))):
        case = describe(x=x, y=y, dout=dout)
        layer = call("AddLayer()", AddLayer, case=case)
        got = call("forward(x, y)", layer.forward, x, y, case=case)
        compare("forward(x, y)", got, np.add(x, y), case, {"sign": np.subtract(x, y)})
        pair = check_pair("backward(dout)", call("backward", layer.backward, dout), 2, case)
        for name, got_d in zip(("dx", "dy"), pair):
            expected = np.broadcast_to(dout, np.shape(x)) * 1.0
            compare(
                f"backward: {name}",
                np.broadcast_to(got_d, np.shape(expected)) if np.size(got_d) == 1 else got_d,
                expected,
                case,
                {"forgot_dout": np.ones_like(expected), "swapped": y * dout},
            )


def _layer_case(Layer, reference, x, dout, what, extra_mistakes=None, numerical=True, keep=True):
    """Forward and backward of a one-input layer against the reference; dx numerically too."""
    case = describe(x=x, dout=dout)
    layer = call(f"{what}()", Layer, case=case)
    got = call("forward(x)", layer.forward, x, case=case)
    expected = reference.forward(x.copy())
    compare("forward(x)", got, expected, case)
    got_dx = call("backward(dout)", layer.backward, dout.copy(), case=case, keep_args=False)
    expected_dx = reference.backward(dout.copy())
    ones = copy.deepcopy(reference)
    mistakes = {"forgot_dout": ones.backward(np.ones_like(dout))}
    mistakes.update(extra_mistakes or {})
    compare("backward(dout)", got_dx, expected_dx, case, mistakes)
    if numerical:
        numeric = numerical_input_gradient(
            "forward(x)", lambda x: Layer().forward(x), x.copy(), dout, case
        )
        compare(
            "backward(dout) against float64 numerical differentiation",
            got_dx,
            numeric,
            case,
            mistakes,
            rtol=1e-5,
            atol=1e-7,
        )


def check_relu_layer(Relu):
    r = rng()
    x0 = np.array([[-1.0, 0.0, 2.0], [0.5, -3.0, 0.0]])
    cases = [(x0, False), (r.normal(size=(4, 3)), True), (r.normal(size=(2, 3, 2)), True)]
    for x, numerical in cases:
        x = np.where(np.abs(x) < 0.05, 0.5, x) if numerical else x  # no kink within h
        dout = r.normal(size=x.shape)
        _layer_case(
            Relu, L.Relu(), x, dout, "Relu", {"at_zero": dout * (x >= 0)}, numerical=numerical
        )
    # backward after two forwards uses the second one's mask
    x1, x2, dout = r.normal(size=(3, 3)), r.normal(size=(3, 3)), r.normal(size=(3, 3))
    layer = Relu()
    call("forward(x)", layer.forward, x1)
    call("forward(x)", layer.forward, x2)
    case = "forward(x1), then forward(x2), then backward(dout): " + describe(x2=x2)
    got = call("backward(dout)", layer.backward, dout.copy(), case=case, keep_args=False)
    compare("backward(dout)", got, dout * (x2 > 0), case, {"stale": dout * (x1 > 0)})


def check_sigmoid_layer(Sigmoid):
    r = rng()
    for x in (r.normal(size=(4, 3)), r.normal(size=(2, 3, 2)), np.array([[-1000.0, 0.0, 40.0]])):
        dout = r.normal(size=x.shape)
        uses_x = dout * (1 - x) * x
        _layer_case(
            Sigmoid,
            L.Sigmoid(),
            x,
            dout,
            "Sigmoid",
            {"uses_x": uses_x},
            numerical=np.abs(x).max() < 100,
        )


def check_affine(Affine):
    r = rng()
    cases = [((4, 3), 5), ((1, 3), 2), ((2, 3, 2, 2), 5)]
    for x_shape, out in cases:
        x = r.normal(size=x_shape)
        n, d = x_shape[0], int(np.prod(x_shape[1:]))
        W, b, dout = r.normal(size=(d, out)), r.normal(size=out), r.normal(size=(n, out))
        case = describe(x=x, W=W, b=b, dout=dout)
        layer = call("Affine(W, b)", Affine, W, b, case=case)
        got = call("forward(x)", layer.forward, x, case=case, error_hint="not_flattened")
        ref = L.Affine(W.copy(), b.copy())
        compare("forward(x)", got, ref.forward(x.copy()), case)
        dx = call("backward(dout)", layer.backward, dout.copy(), case=case, keep_args=False)
        expected_dx = ref.backward(dout.copy())
        ones = L.Affine(W.copy(), b.copy())  # the layer as if dout were all ones
        ones.forward(x.copy())
        no_dout_dx = ones.backward(np.ones_like(dout))
        compare(
            "backward: dx",
            dx,
            expected_dx,
            case,
            {"forgot_dout": no_dout_dx, "not_flattened": dout @ W.T},
        )
        for name, expected, no_dout, extra in (
            ("dW", ref.dW, ones.dW, {}),
            ("db", ref.db, ones.db, {"db_sum": dout}),
        ):
            if not hasattr(layer, name) or getattr(layer, name) is None:
                raise Failed(f"backward did not set self.{name}", [f"case: {case}"])
            extra = dict(extra, forgot_dout=no_dout)
            compare(f"backward: self.{name}", getattr(layer, name), expected, case, extra, n=n)
        numeric = numerical_input_gradient(
            "forward(x)", lambda x, W=W, b=b: Affine(W, b).forward(x), x.copy(), dout, case
        )
        compare("backward: dx against float64 numerical differentiation", dx, numeric, case,
                rtol=1e-5, atol=1e-7)  # fmt: skip


def check_softmax_with_loss(SoftmaxWithLoss):
    r = rng()
    labels = np.array([2, 0, 4, 1])
    cases = [
        (r.normal(size=(4, 5)), labels, False),
        (r.normal(size=(4, 5)), np.eye(5)[labels], False),
        (r.normal(size=(1, 5)), labels[:1], False),
        (np.array([[1000.0, 999.0, 998.0], [-1000.0, -999.0, -1001.0]]), np.array([0, 1]), True),
    ]
    for x, t, large in cases:
        case = describe(x=x, t=t)
        n = x.shape[0]
        layer = call("SoftmaxWithLoss()", SoftmaxWithLoss, case=case)
        hint = "labels" if t.ndim == 1 else None
        loss = call("forward(x, t)", layer.forward, x, t, case=case, error_hint=hint)
        ref = L.SoftmaxWithLoss()
        compare("forward(x, t): the loss", loss, ref.forward(x.copy(), t), case, n=n, large=large)
        dx = call("backward()", layer.backward, case=case, error_hint=hint)
        t_hot = t if t.ndim == 2 else np.eye(x.shape[1])[t]
        expected = ref.backward(1)
        compare(
            "backward(): dx",
            dx,
            expected,
            case,
            {"sign": (t_hot - F.softmax(x)) / n},
            n=n,
            large=large,
        )
        if not large:

            def loss_of(x_, t=t, case=case):
                return float(call("forward(x, t)", SoftmaxWithLoss().forward, x_, t, case=case))

            numeric = G.numerical_gradient(loss_of, x.copy())
            compare("backward(): dx against float64 numerical differentiation", dx, numeric,
                    case, n=n, rtol=1e-5, atol=1e-7)  # fmt: skip


def _two_layer_pair(TwoLayerNet, r):
    from ch05.two_layer_net import TwoLayerNet as Reference

    net = call("TwoLayerNet(4, 5, 3)", TwoLayerNet, 4, 5, 3)
    ref = Reference(4, 5, 3, dtype=np.float64)
    for key in ("W1", "b1", "W2", "b2"):
        value = r.normal(scale=0.8, size=ref.params[key].shape)
        ref.params[key][...] = value
        net.params[key][...] = value  # in place: the layers hold these arrays
    return net, ref


def check_two_layer_net_gradient(TwoLayerNet):
    r = rng()
    net, ref = _two_layer_pair(TwoLayerNet, r)
    labels = np.array([0, 2, 1])
    x_first = r.normal(size=(3, 4))
    first = ref.gradient(x_first, labels)
    first = {k: v.copy() for k, v in first.items()}
    call("gradient(x, t)", net.gradient, x_first, labels, error_hint="not_kept")
    for x, t in (
        (r.normal(size=(3, 4)), labels),
        (r.normal(size=(3, 4)), np.eye(3)[labels]),
        (r.normal(size=(1, 4)), labels[:1]),
    ):
        case = describe(x=x, t=t) + " (after a first call with other x)"
        got = call("gradient(x, t)", net.gradient, x, t, case=case, error_hint="not_kept")
        expected = ref.gradient(x, t)
        numeric = ref.numerical_gradient(x, t)
        if not isinstance(got, dict) or set(got) != set(expected):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            raise Failed(f"gradient returned {keys}, expected a dict with W1, b1, W2, b2")
        other = {"W1": "W2", "W2": "W1", "b1": "b2", "b2": "b1"}
        for key in ("W1", "b1", "W2", "b2"):
            mistakes = {"swapped_keys": expected[other[key]]}
            if first[key].shape == expected[key].shape and x.shape[0] == 3:
                mistakes["stale"] = first[key]
            compare(f"gradient: {key}", got[key], expected[key], case, mistakes, n=x.shape[0])
            compare(f"gradient: {key} against float64 numerical differentiation", got[key],
                    numeric[key], case, mistakes, rtol=1e-5, atol=1e-7)  # fmt: skip


# ---------------------------------------------------------------- chapter 6


def _optimizer_problem(r):
    params = {"W1": r.normal(size=(3, 2)), "b1": r.normal(size=2)}
    steps = []
    for _ in range(3):
        g = {"W1": r.normal(size=(3, 2)), "b1": r.normal(size=2)}
        g["W1"][0, 0] = 0.0  # a zero gradient (AdaGrad's first step divides by sqrt(0) + eps)
        steps.append(g)
    return params, steps


def _simulate(rule, params, steps, **settings):
    """Each optimizer's update written out, with switches for the known mistakes."""
    p = {k: v.copy() for k, v in params.items()}
    state = {}
    history = []
    for t, grads in enumerate(steps, start=1):
        if settings.get("reset"):
            state = {}
        for k, g in grads.items():
            p[k] = p[k] + rule(state, k, g, t, **settings)
        history.append({k: v.copy() for k, v in p.items()})
    return history


def _sgd(state, k, g, t, lr=0.1, sign=-1, **_):
    return sign * lr * g


def _momentum(state, k, g, t, lr=0.1, momentum=0.9, sign=-1, **_):
    v = state.get(k, 0) * momentum + sign * lr * g
    state[k] = v
    return v


def _adagrad(state, k, g, t, lr=0.1, sign=-1, root=np.sqrt, eps=1e-7, **_):
    h = state.get(k, 0) + g * g
    state[k] = h
    with np.errstate(all="ignore"):
        return sign * lr * g / (root(h) + eps)


def _adam(state, k, g, t, lr=0.1, beta1=0.9, beta2=0.999, sign=-1, corrected=True, **_):
    m, v = state.get(k, (0, 0))
    m = m + (1 - beta1) * (g - m)
    v = v + (1 - beta2) * (g * g - v)
    state[k] = (m, v)
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) if corrected else lr
    return sign * lr_t * m / (np.sqrt(v) + 1e-7)


def _check_optimizer(Optimizer, reference, rule, kwargs, mistakes):
    r = rng()
    params, steps = _optimizer_problem(r)
    ref_params = {k: v.copy() for k, v in params.items()}
    opt = call(f"{Optimizer.__name__}({kwargs})", Optimizer, **kwargs)
    ref = reference(**kwargs)
    histories = {key: _simulate(rule, params, steps, **flags) for key, flags in mistakes.items()}
    originals = dict(params)
    for step, grads in enumerate(steps):
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        case = f"update {step + 1} of 3, {settings}, params W1 (3, 2) and b1 (2,)"
        call("update(params, grads)", opt.update, params, {k: v.copy() for k, v in grads.items()})
        ref.update(ref_params, {k: v.copy() for k, v in grads.items()})
        for key in params:
            if params[key] is not originals[key]:
                raise Failed(
                    f"update replaced params[{key!r}] with a new array", [f"case: {case}"],
                    hint="not_in_place",
                )  # fmt: skip
            compare(
                f"params[{key!r}] after the update",
                params[key],
                ref_params[key],
                case,
                {name: history[step][key] for name, history in histories.items()},
                nan="no_eps",
            )


def check_sgd(SGD):
    _check_optimizer(SGD, O.SGD, _sgd, {"lr": 0.1}, {"ascent": {"sign": 1}, "no_lr": {"lr": 1.0}})


def check_momentum(Momentum):
    _check_optimizer(
        Momentum,
        O.Momentum,
        _momentum,
        {"lr": 0.1, "momentum": 0.9},
        {"state_reset": {"reset": True}, "ascent": {"sign": 1}, "no_lr": {"lr": 1.0}},
    )


def check_adagrad(AdaGrad):
    _check_optimizer(
        AdaGrad,
        O.AdaGrad,
        _adagrad,
        {"lr": 0.1},
        {
            "state_reset": {"reset": True},
            "no_sqrt": {"root": lambda h: h},
            "ascent": {"sign": 1},
        },
    )


def check_adam(Adam):
    _check_optimizer(
        Adam,
        O.Adam,
        _adam,
        {"lr": 0.1, "beta1": 0.9, "beta2": 0.999},
        {
            "bias_correction": {"corrected": False},
            "betas_swapped": {"beta1": 0.999, "beta2": 0.9},
            "state_reset": {"reset": True},
            "ascent": {"sign": 1},
        },
    )


def _check_scale(fn, kind, other):
    for n in (1, 50, 784):
        case = f"node_num = {n}"
        got = call(f"{fn.__name__}({n})", fn, n, case=case)
        mistakes = {"he_xavier": init_scale(other, n), "no_sqrt_scale": init_scale(kind, n) ** 2}
        compare(f"{fn.__name__}({n})", got, init_scale(kind, n), case, mistakes)


def check_he_scale(he_scale):
    _check_scale(he_scale, "he", "xavier")


def check_xavier_scale(xavier_scale):
    _check_scale(xavier_scale, "xavier", "he")


def check_dropout(Dropout):
    r = rng()
    ratio = 0.3
    x = r.normal(size=(200, 50))
    case = describe(x=x) + f", dropout_ratio = {ratio}"
    layer = call("Dropout(0.3)", Dropout, ratio, case=case)
    out = np.asarray(call("forward(x, train_flg=True)", layer.forward, x, True, case=case))
    if out.shape != x.shape:
        raise Failed(f"forward(x, True) has shape {out.shape}, expected {x.shape}", [case])
    kept = out != 0
    if np.allclose(out[kept], x[kept] / (1 - ratio)):
        raise Failed("forward(x, True) scales the kept units", [f"case: {case}"], hint="inverted")
    if not np.allclose(out[kept], x[kept]):
        raise Failed(
            "forward(x, True): a unit must be either dropped (0) or passed unchanged",
            [f"case: {case}"],
        )
    share = kept.mean()
    if abs(share - (1 - ratio)) > 0.03:
        hint = "keep_probability" if abs(share - ratio) < 0.03 else None
        raise Failed(
            f"forward(x, True) kept {share:.1%} of the units, expected about {1 - ratio:.0%}",
            [f"case: {case}"],
            hint=hint,
        )
    dout = r.normal(size=x.shape)
    dx = call("backward(dout)", layer.backward, dout.copy(), case=case, keep_args=False)
    compare(
        "backward(dout)",
        dx,
        dout * kept,
        case + " (the mask of the forward pass before)",
        {"mask_ignored": dout, "forgot_dout": kept * 1.0},
    )
    test = call("forward(x, train_flg=False)", layer.forward, x, False, case=case)
    expected = L.Dropout(ratio).forward(x.copy(), train_flg=False)
    compare(
        "forward(x, train_flg=False)",
        test,
        expected,
        case,
        {"test_scale": x, "keep_probability": x * ratio},
    )


def _bn_train(x, gamma, beta, ddof=0, eps=10e-7):
    var = x.var(axis=0, ddof=ddof)
    return gamma * (x - x.mean(axis=0)) / np.sqrt(var + eps) + beta


def check_batch_normalization(BatchNormalization):
    r = rng()
    cases = [(5, (4,)), (1 + 2, (2, 2, 2))]
    for n, feature_shape in cases:
        d = int(np.prod(feature_shape))
        x = r.normal(loc=1.0, scale=2.0, size=(n, *feature_shape))
        x.reshape(n, d)[:, 0] = 3.0  # a constant feature: variance 0, eps keeps it finite
        gamma, beta = r.uniform(0.5, 1.5, size=d), r.normal(size=d)
        dout = r.normal(size=x.shape)
        case = describe(x=x, gamma=gamma, beta=beta, dout=dout)
        layer = call("BatchNormalization(gamma, beta)", BatchNormalization, gamma, beta, case=case)
        ref = L.BatchNormalization(gamma.copy(), beta.copy())
        x2 = x.reshape(n, d)
        got = call("forward(x, train_flg=True)", layer.forward, x, True, case=case)
        compare(
            "forward(x, train_flg=True)",
            got,
            ref.forward(x.copy(), True),
            case,
            {"ddof": _bn_train(x2, gamma, beta, ddof=1).reshape(x.shape)},
            nan="no_eps",
        )
        dx = call("backward(dout)", layer.backward, dout.copy(), case=case, keep_args=False)
        expected = ref.backward(dout.copy())
        dxn = (gamma * dout.reshape(n, d)).reshape(x.shape)
        ones = L.BatchNormalization(gamma.copy(), beta.copy())
        ones.forward(x.copy(), True)
        compare(
            "backward(dout): dx",
            dx,
            expected,
            case,
            {
                "bn_backward_partial": dxn / ref.std.reshape(feature_shape),
                "forgot_dout": ones.backward(np.ones_like(dout)),
            },
        )
        for name in ("dgamma", "dbeta"):
            value = getattr(layer, name, None)
            if value is None:
                raise Failed(f"backward did not set self.{name}", [f"case: {case}"])
            compare(f"backward: self.{name}", value, getattr(ref, name), case)

        # numerically, on a batch without the constant feature (whose 1 / sqrt(eps) slope
        # is too steep for a step of 1e-4)
        x_num = r.normal(loc=1.0, scale=2.0, size=x.shape)
        case = describe(x=x_num, gamma=gamma, beta=beta, dout=dout)

        def loss_of(x_, gamma=gamma, beta=beta, dout=dout, case=case):
            y = call("forward", BatchNormalization(gamma, beta).forward, x_, True, case=case)
            return float(np.sum(np.asarray(y) * dout))

        numeric = G.numerical_gradient(loss_of, x_num.copy())
        layer = BatchNormalization(gamma, beta)
        call("forward(x, train_flg=True)", layer.forward, x_num, True, case=case)
        dx = call("backward(dout)", layer.backward, dout.copy(), case=case, keep_args=False)
        compare("backward: dx against float64 numerical differentiation", dx, numeric, case,
                rtol=1e-5, atol=1e-6)  # fmt: skip
    # running statistics: two training batches, then a test batch
    d = 3
    gamma, beta = np.ones(d), np.zeros(d)
    layer = call("BatchNormalization(gamma, beta, momentum=0.9)", BatchNormalization, gamma, beta,
                 momentum=0.9)  # fmt: skip
    ref = L.BatchNormalization(gamma.copy(), beta.copy(), momentum=0.9)
    batches = [r.normal(loc=2.0, size=(6, d)), r.normal(loc=-1.0, scale=3.0, size=(6, d))]
    for xb in batches:
        call("forward(x, train_flg=True)", layer.forward, xb, True)
        ref.forward(xb.copy(), True)
    x_test = r.normal(size=(4, d))
    case = "two training batches (6, 3), then a test batch " + describe(x=x_test)
    got = call("forward(x, train_flg=False)", layer.forward, x_test, False, case=case)
    mean_w = np.zeros(d)
    var_w = np.zeros(d)
    for xb in batches:  # momentum swapped: running = 0.1 * running + 0.9 * batch
        mean_w = 0.1 * mean_w + 0.9 * xb.mean(axis=0)
        var_w = 0.1 * var_w + 0.9 * xb.var(axis=0)
    compare(
        "forward(x, train_flg=False)",
        got,
        ref.forward(x_test.copy(), False),
        case,
        {
            "test_batch_stats": _bn_train(x_test, gamma, beta),
            "running_update": (x_test - mean_w) / np.sqrt(var_w + 10e-7),
        },
    )


def _weight_decay_problem(r):
    return {
        "W1": r.normal(size=(3, 4)),
        "b1": r.normal(size=4),
        "W2": r.normal(size=(4, 2)),
        "b2": r.normal(size=2),
    }


def check_weight_decay_loss(weight_decay_loss):
    r = rng()
    params = _weight_decay_problem(r)
    for lam in (0.1, 0.0, 2.5):
        case = describe(params=params) + f", weight_decay_lambda = {lam}"
        got = call("weight_decay_loss(params, lambda)", weight_decay_loss, params, lam, case=case)
        weights = [params["W1"], params["W2"]]
        everything = list(params.values())
        mistakes = {
            "half": lam * sum(np.sum(w**2) for w in weights),
            "biases_decayed": 0.5 * lam * sum(np.sum(w**2) for w in everything),
            "l1": 0.5 * lam * sum(np.sum(np.abs(w)) for w in weights),
        }
        expected = solutions.weight_decay_loss(params, lam)
        compare("weight_decay_loss(params, lambda)", got, expected, case, mistakes)


def check_weight_decay_gradient(weight_decay_gradient):
    r = rng()
    params = _weight_decay_problem(r)
    grads = {k: r.normal(size=v.shape) for k, v in params.items()}
    lam = 0.3
    case = describe(grads=grads, params=params) + f", weight_decay_lambda = {lam}"
    snapshot = {k: v.copy() for k, v in grads.items()}
    got = call(
        "weight_decay_gradient(grads, params, lambda)",
        weight_decay_gradient,
        grads,
        params,
        lam,
        case=case,
    )
    expected = solutions.weight_decay_gradient(snapshot, params, lam)
    if not isinstance(got, dict) or set(got) != set(expected):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        raise Failed(f"returned {keys}, expected a dict with the keys of grads", [f"case: {case}"])
    for key in expected:
        is_weight = key.startswith("W")
        mistakes = {
            "half": snapshot[key] + (0.5 * lam * params[key] if is_weight else 0),
            "biases_decayed": snapshot[key] + lam * params[key],
            "sign": snapshot[key] - (lam * params[key] if is_weight else 0),
        }
        compare(f"gradient[{key!r}]", got[key], expected[key], case, mistakes)
