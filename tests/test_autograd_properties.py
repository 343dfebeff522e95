"""common.autograd on random expressions, and no_grad from two threads at once.

Each case draws (seeded) an expression of depth up to 3 over ``+ - * / @ ** exp log
relu sigmoid sum reshape transpose``, whose inputs have random shapes that
broadcast against each other, then compares the engine's gradient of
L = sum(f(inputs) * R) for a random R with float64 central differences, input by input.
"""

import contextlib
import threading

from common import autograd as ag
from common.autograd import Variable, no_grad
from common.gradient import numerical_gradient

import numpy as np
import pytest
from gradcheck import REL_TOL, rel_error

CASES = 300
# h = 1e-5, not the book's 1e-4: composites of exp, ** and / curve enough that the
# O(h^2) error of central differences reaches 3e-7 at 1e-4 (3 of 653 inputs), 3e-9 here.
H = 1e-5
OPS = ("leaf", "+", "-", "*", "/", "@", "**", "exp", "log", "relu", "sigmoid", "sum")
OPS += ("reshape", "transpose")


def broadcastable(rng, shape):
    """A shape that broadcasts to ``shape``: leading axes dropped, others set to 1 at random."""
    drop = rng.randint(0, len(shape) + 1)
    return tuple(1 if rng.rand() < 0.3 else n for n in shape[drop:])


class Expression:
    """A random expression: ``build`` draws it, ``__call__`` evaluates it on Variables.

    ``kinks`` collects the inputs of every relu at the last evaluation, and ``values``
    every intermediate result, so that a draw can be refused where central
    differences are not valid (a relu input near 0) or values overflow.
    """

    def __init__(self, rng, shape):
        self.rng, self.shapes, self.kinks, self.values, self.kinds = rng, [], [], [], []
        self.f, self.shape = self.build(shape, depth=3)

    def leaf(self, shape):
        i = len(self.shapes)
        self.shapes.append(shape)
        return (lambda v: v[i]), shape

    def exact(self, shape, depth):
        """A sub-expression of exactly ``shape`` (broadcast to it if it comes out smaller)."""
        f, s = self.build(shape, depth)
        return f if s == shape else (lambda v: ag.broadcast_to(f(v), shape))

    def build(self, shape, depth):
        """(f, f's shape), where f's shape broadcasts to ``shape``."""
        rng = self.rng
        kind = OPS[rng.randint(len(OPS))] if depth else "leaf"
        if kind == "@" and len(shape) != 2:
            kind = "*"
        self.kinds.append(kind)
        if kind == "leaf":
            return self.leaf(broadcastable(rng, shape))
        if kind in ("+", "-", "*", "/"):
            (fa, sa), (fb, sb) = self.build(shape, depth - 1), self.build(shape, depth - 1)
            op = {
                "+": lambda a, b: a + b,
                "-": lambda a, b: a - b,
                "*": lambda a, b: a * b,
                "/": lambda a, b: a / (b * b + 1),  # a denominator >= 1
            }[kind]
            return (lambda v: self.seen(op(fa(v), fb(v)))), np.broadcast_shapes(sa, sb)
        if kind == "@":
            k = rng.randint(1, 4)
            fa, fb = self.exact((shape[0], k), depth - 1), self.exact((k, shape[1]), depth - 1)
            return (lambda v: self.seen(fa(v) @ fb(v))), shape
        if kind == "sum":
            axis = rng.randint(len(shape) + 1)
            if rng.rand() < 0.5 and shape:  # keepdims: sum an axis of size k down to 1
                axis = min(axis, len(shape) - 1)
                inner = shape[:axis] + (rng.randint(2, 4),) + shape[axis + 1 :]
                f = self.exact(inner, depth - 1)
                out = shape[:axis] + (1,) + shape[axis + 1 :]
                return (lambda v: f(v).sum(axis=axis, keepdims=True)), out
            inner = shape[:axis] + (rng.randint(1, 4),) + shape[axis:]
            f = self.exact(inner, depth - 1)
            axis = [axis] if rng.rand() < 0.5 else axis - len(inner)  # a list, or a negative int
            return (lambda v: f(v).sum(axis=axis)), shape
        if kind == "reshape":
            f = self.exact(shape[::-1], depth - 1)
            return (lambda v: f(v).reshape(shape)), shape
        if kind == "transpose":
            perm = tuple(rng.permutation(len(shape)))
            inverse = tuple(int(i) for i in np.argsort(perm))
            f = self.exact(tuple(shape[i] for i in inverse), depth - 1)
            return (lambda v: f(v).transpose(perm) if perm else f(v).T), shape
        f, s = self.build(shape, depth - 1)
        if kind == "**":
            c = [2, 3, -1, 0.5, -1.5, 0][rng.randint(6)]
            return (lambda v: self.seen((f(v) * f(v) + 0.5) ** c)), s
        if kind == "log":
            return (lambda v: ag.log(f(v) * f(v) + 1)), s
        if kind == "relu":
            return (lambda v: ag.relu(self.kink(f(v)))), s
        return (lambda v: self.seen({"exp": ag.exp, "sigmoid": ag.sigmoid}[kind](f(v)))), s

    def seen(self, y):
        self.values.append(y.data)
        return y

    def kink(self, y):
        self.kinks.append(y.data)
        return y

    def __call__(self, variables):
        self.kinks, self.values = [], []
        return self.f(variables)

    def fit_for_central_differences(self, inputs):
        """Relu inputs at least 0.01 from the kink, every value below 1e3 in size."""
        with no_grad():
            self([Variable(a, requires_grad=False) for a in inputs])
        away = all(np.abs(k).min() > 1e-2 for k in self.kinks if np.size(k))
        return away and all(np.abs(v).max() < 1e3 for v in self.values if np.size(v))


def draw(seed):
    """An expression that suits central differences, its inputs and its output shape."""
    rng = np.random.RandomState(seed)
    while True:
        shape = tuple(rng.randint(1, 4, size=rng.randint(0, 4)))
        expression = Expression(rng, shape)
        inputs = [np.asarray(rng.uniform(-1.5, 1.5, size=s)) for s in expression.shapes]
        if expression.fit_for_central_differences(inputs):
            return expression, inputs


@pytest.mark.parametrize("seed", range(CASES))
def test_random_expression_gradients_match_central_differences(seed):
    expression, inputs = draw(seed)
    variables = [Variable(a) for a in inputs]
    y = expression(variables)
    R = np.random.RandomState(seed + 10_000).randn(*y.shape)
    (y * R).sum().backward()

    def loss(_):
        with no_grad():
            y = expression([Variable(a, requires_grad=False) for a in inputs])
            return float((y.data * R).sum())

    for i, (a, v) in enumerate(zip(inputs, variables)):
        # Gradients of their own: an in-place edit of one (clipping) changes no other.
        assert not any(np.shares_memory(v.grad, w.grad) for w in variables[i + 1 :]), i
        numerical = numerical_gradient(loss, a, h=H)
        assert v.grad is not None and v.grad.shape == a.shape, f"input {i}"
        assert v.grad.dtype == np.float64 and v.grad.flags.writeable, f"input {i}"
        if np.abs(numerical).max() == 0:  # an input that does not matter (x ** 0, say)
            assert np.abs(v.grad).max() == 0, f"input {i}"
            continue
        error = rel_error(v.grad, numerical)
        assert error <= REL_TOL, f"input {i} of shape {a.shape}: relative error {error:.2e}"


def test_the_random_expressions_cover_every_operation_and_broadcasting():
    """The draws above use every operation often, and many have inputs smaller than y."""
    counts = dict.fromkeys(OPS, 0)
    broadcast = 0
    for seed in range(CASES):
        expression, _ = draw(seed)
        for kind in expression.kinds:
            counts[kind] += 1
        broadcast += any(s != expression.shape for s in expression.shapes)
    assert min(counts.values()) >= 20, counts
    assert broadcast >= CASES // 4, broadcast


def test_no_grad_in_two_threads_at_once():
    """Two threads in opposite phases: each records exactly when it is not in no_grad()."""
    x = Variable(np.ones(2))
    barrier = threading.Barrier(2, timeout=10)
    wrong = []

    def work(phase):
        for i in range(200):
            quiet = (i + phase) % 2 == 1
            with no_grad() if quiet else contextlib.nullcontext():
                barrier.wait()  # both threads are now in their block, one of them in no_grad
                y = x * 2
                if (y.creator is None) != quiet:
                    wrong.append((phase, i))
                barrier.wait()

    threads = [threading.Thread(target=work, args=(phase,)) for phase in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert (x * 2).creator is not None  # and this thread records
