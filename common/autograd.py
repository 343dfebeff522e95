"""A small define-by-run automatic differentiation engine (after chapter 5).

Chapter 5 writes every layer's ``backward`` by hand and calls the layers in reverse
order by hand.  This module keeps the first half and automates the second:

* a ``Function`` has ``forward`` (arrays in, an array out) and, beside it, its
  *local* backward rule, dL/dy in, dL/dx for each input out: the rules of
  ``common.layers`` (a product swaps its inputs, a sum passes dL/dy on);
* calling a Function on ``Variable`` objects records it as the output's
  ``creator``: running the computation builds its graph ("define by run");
* ``loss.backward()`` applies the chain rule, dL/dx = sum over the uses of x of
  (dL/dy)(dy/dx), visiting the functions in reverse topological order.

Order: a leaf has generation 0, a function that of its newest input, its output
one more.  A variable only feeds functions of a higher generation than its
creator's, so popping the highest generation first means that all of dL/dy is in
before y's creator runs; a loop, not a recursion, so 10 000 operations are fine.
Memory: a function holds its output through a ``weakref`` only, so there is no
cycle and the graph goes with the last reference to its result.  Broadcasting:
the bias of ``(N, M) + (M,)`` is used N times, so its gradient sums N rows; any
gradient whose shape differs from its input's is summed back to it (``sum_to``).

Arrays and numbers among the inputs are constants (no gradient); under ``with
no_grad():`` nothing is recorded; given no Variable at all, a Function returns
``forward``'s array.  So one backward rule serves twice: on arrays for a plain
``backward()``, and on Variables for ``backward(create_graph=True)``, whose
gradients are then Variables with graphs of their own (second derivatives).
"""

import contextlib
import heapq
import itertools
import numbers
import weakref

import numpy

from common import backend
from common.backend import get_array_module
from common.functions import log_softmax as _log_softmax
from common.functions import sigmoid as _sigmoid

_grad_enabled = True  # False inside no_grad(): values only, no graph


@contextlib.contextmanager
def _grad_mode(enabled):
    global _grad_enabled
    saved, _grad_enabled = _grad_enabled, enabled
    try:
        yield
    finally:
        _grad_enabled = saved


def no_grad():
    """``with no_grad():`` computes values only: no creators, no graph, nothing kept."""
    return _grad_mode(False)


class Variable:
    """An array with a gradient slot and a link to the function that made it.

    ``data``: the array; ``grad``: dL/d(data) after ``backward`` (an array, or a
    Variable after ``create_graph=True``); ``creator``: the Function whose output
    this is (None for leaves and constants); ``requires_grad``: False for
    constants, which get no gradient.
    """

    __array_ufunc__ = None  # ndarray + Variable defers to Variable.__radd__, etc.
    __array_priority__ = 200  # the same for CuPy

    def __init__(self, data, name=None, requires_grad=True):
        if isinstance(data, Variable):
            raise TypeError(f"Variable: data is already a Variable ({data!r}); pass data.data")
        if not hasattr(data, "dtype") and not isinstance(data, (int, float)):
            raise TypeError(
                f"Variable: data must be an array or a number, got {type(data).__name__}"
            )
        if requires_grad and not hasattr(data, "shape"):
            data = backend.get_xp().asarray(data)  # a number: a 0-d array on the current device
        self.data, self.name, self.requires_grad = data, name, requires_grad
        self.grad = self.creator = None
        self.generation = 0

    shape = property(lambda self: getattr(self.data, "shape", ()))
    ndim = property(lambda self: len(self.shape))
    dtype = property(lambda self: self.data.dtype)
    T = property(lambda self: Transpose()(self))

    def __repr__(self):
        name = f" {self.name!r}" if self.name else ""
        return f"<Variable{name} shape {self.shape} {getattr(self.data, 'dtype', '')}>"

    def cleargrad(self):
        self.grad = None

    def reshape(self, *shape):
        return Reshape(shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape)(self)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return Transpose(axes or None)(self)

    def sum(self, axis=None, keepdims=False):
        return Sum(axis, keepdims)(self)

    def backward(self, retain_grad=False, create_graph=False):
        """Add d(self)/d(leaf) to the ``grad`` of every leaf that self depends on.

        The seed is d(self)/d(self) = 1.  Gradients add up across calls (``cleargrad()``
        starts again); intermediate ones are dropped once used, unless ``retain_grad``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"Variable.backward: {self!r} does not require a gradient (it was "
                "computed under no_grad() or from constants only)"
            )
        if self.grad is None:
            seed = get_array_module(self.data).ones_like(self.data)
            self.grad = Variable(seed, requires_grad=False) if create_graph else seed
        heap, seen, ties = [], set(), itertools.count()  # ties: equal generations pop in order

        def push(function):
            if function is not None and function not in seen:
                seen.add(function)
                heapq.heappush(heap, (-function.generation, next(ties), function))

        push(self.creator)
        with _grad_mode(create_graph):  # the rules record a graph of their own only if asked
            while heap:
                function = heapq.heappop(heap)[-1]
                y = function.output()  # alive: a later function, or the caller, holds it
                if create_graph:
                    gxs = function.backward(function.inputs, y, y.grad)
                else:
                    gxs = function.backward([x.data for x in function.inputs], y.data, y.grad)
                for x, gx in zip(function.inputs, gxs if isinstance(gxs, tuple) else (gxs,)):
                    if gx is None or not x.requires_grad:
                        continue
                    if gx.shape != x.shape:  # x was broadcast in forward: add up its copies
                        gx = sum_to(gx, x.shape)
                    # Accumulate (x used twice), never in place: gx may be another's gradient.
                    x.grad = gx if x.grad is None else x.grad + gx
                    push(x.creator)
                if not retain_grad:
                    y.grad = None


def as_variable(obj):
    """``obj`` itself if it is a Variable, else a constant Variable holding it."""
    return obj if isinstance(obj, Variable) else Variable(obj, requires_grad=False)


class Function:
    """One operation of the graph; a subclass defines, side by side:

    ``forward(*xs)``: arrays in, one array out;
    ``backward(xs, y, gy)``: the inputs, the output and dL/dy in; dL/dx for each input
    out (a tuple, or one value for one input; None where not needed).  They are arrays,
    or Variables under ``create_graph=True``: one rule, written with operators, serves both.
    A Function object is used once: calling it records its inputs and output.
    """

    inputs = output = None

    def __call__(self, *inputs):
        if self.inputs is not None:
            raise RuntimeError(
                f"{type(self).__name__}: a Function object is called once; make a new one"
            )
        xs = [x.data if isinstance(x, Variable) else x for x in inputs]
        try:
            y = self.forward(*xs)
        except ValueError as exc:
            shapes = ", ".join(str(getattr(x, "shape", ())) for x in xs)
            raise ValueError(f"{type(self).__name__} on shapes {shapes}: {exc}") from None
        if not any(isinstance(x, Variable) for x in inputs):
            return y  # arrays only (a backward rule at work): the value, nothing to record
        inputs = [as_variable(x) for x in inputs]
        output = Variable(y, requires_grad=_grad_enabled and any(x.requires_grad for x in inputs))
        if output.requires_grad:
            self.generation = max(x.generation for x in inputs)
            self.inputs, self.output = inputs, weakref.ref(output)  # weak: no cycle
            output.creator, output.generation = self, self.generation + 1
        return output


# The rules.  For y = f(a, b), backward returns (dL/dy)(dy/da) and (dL/dy)(dy/db).
class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, xs, y, gy):
        return gy, gy  # dy/da = dy/db = 1


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, xs, y, gy):
        return gy, -gy  # dy/db = -1


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, xs, y, gy):
        a, b = xs
        return gy * b, gy * a  # the inputs swap


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, xs, y, gy):
        a, b = xs
        return gy / b, -gy * a / (b * b)  # d(a/b)/db = -a / b^2


class Pow(Function):
    """y = x ** c for a constant number c:  dy/dx = c x^(c-1)."""

    def __init__(self, c):
        if isinstance(c, (Variable, bool)) or not isinstance(c, numbers.Real):
            raise TypeError(f"Pow: the exponent must be a number, got {type(c).__name__}")
        self.c = c

    def forward(self, x):
        return x**self.c

    def backward(self, xs, y, gy):
        return self.c * xs[0] ** (self.c - 1) * gy


class MatMul(Function):
    """Y = X W:  dL/dX = dL/dY W^T,  dL/dW = X^T dL/dY (the Affine layer's rules)."""

    def forward(self, x, W):
        if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[0]:
            raise ValueError("the shapes do not line up: expected (N, K) @ (K, M)")
        return x @ W

    def backward(self, xs, y, gy):
        x, W = xs
        # A constant X (the images) needs no gradient: skip that product.
        return gy @ W.T if self.inputs[0].requires_grad else None, x.T @ gy


class Sum(Function):
    """y = the sum over ``axis`` (all axes if None): each x it sums gets dL/dy, copied back."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        y = x.sum(axis=self.axis, keepdims=True)
        self.kept = y.shape  # x's shape with 1s for the summed axes: dL/dy broadcasts from it
        return y if self.keepdims else y.squeeze(self.axis)

    def backward(self, xs, y, gy):
        return broadcast_to(gy.reshape(self.kept), xs[0].shape)


def sum_to(x, shape):
    """Sum ``x`` over the axes that broadcasting added or stretched, down to ``shape``."""
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    y = x.sum(axis=axes, keepdims=True) if axes else x  # Sum on a Variable, so differentiable
    return y.reshape(shape) if lead else y


class BroadcastTo(Function):
    """y = x repeated along new or size-1 axes: its gradient is the sum of the copies."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, xs, y, gy):
        return sum_to(gy, xs[0].shape)


def broadcast_to(x, shape):
    return BroadcastTo(shape)(x)


class Reshape(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, xs, y, gy):
        return gy.reshape(xs[0].shape)  # the same numbers, back in the input's shape


class Transpose(Function):
    """Permute the axes (reverse them if ``axes`` is None); backward permutes them back."""

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        self.axes = tuple(reversed(range(x.ndim))) if self.axes is None else tuple(self.axes)
        return x.transpose(self.axes)

    def backward(self, xs, y, gy):
        n = len(self.axes)  # x's axis k is y's axis i with axes[i] = k: sort the i by axes[i]
        return gy.transpose(tuple(sorted(range(n), key=lambda i: self.axes[i] % n)))


class Exp(Function):
    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, xs, y, gy):
        return gy * y  # d exp(x)/dx = exp(x) = y


def exp(x):
    return Exp()(x)


class Log(Function):
    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, xs, y, gy):
        return gy / xs[0]  # d log(x)/dx = 1/x


def log(x):
    return Log()(x)


class Relu(Function):
    def forward(self, x):
        self.mask = x > 0  # kept, as in the Relu layer: a constant of the rule
        return get_array_module(x).maximum(x, 0)

    def backward(self, xs, y, gy):
        return gy * self.mask  # dL/dy where x > 0, else 0


def relu(x):
    return Relu()(x)


class Sigmoid(Function):
    def forward(self, x):
        return _sigmoid(x)

    def backward(self, xs, y, gy):
        return gy * (1.0 - y) * y  # dy/dx = y (1 - y)


def sigmoid(x):
    return Sigmoid()(x)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along the last axis, as ``common.functions.log_softmax``.

    dL/dx = dL/dy - softmax(x) * (the row's sum of dL/dy), where softmax(x) = exp(y).
    """

    def forward(self, x):
        return _log_softmax(x)

    def backward(self, xs, y, gy):
        return gy - exp(y) * gy.sum(axis=-1, keepdims=True)


def log_softmax(x):
    return LogSoftmax()(x)


class SoftmaxCrossEntropy(Function):
    """The mean cross-entropy of softmax(x) against labels t: ``SoftmaxWithLoss`` fused.

    The layer's numerics: the loss from log_softmax (one-hot rows weight it, class
    indices pick from it), dL/dx = (softmax(x) - t) / N with t as one-hot rows.
    """

    def __init__(self, t):
        self.t = t

    def forward(self, x):
        if x.ndim != 2:
            raise ValueError("scores must be one example (C,) or a batch (N, C)")
        t, (n, classes), xp = self.t, x.shape, get_array_module(x)
        self.logp = logp = _log_softmax(x)
        if t.shape == x.shape:  # one-hot (or probability) rows
            return -(t * logp).sum() / n
        if t.shape != (n,) or t.dtype.kind not in "iu":
            raise ValueError(
                f"labels t have shape {tuple(t.shape)} and dtype {t.dtype}, expected ({n},) "
                f"class indices (integers) or {(n, classes)} one-hot rows"
            )
        if xp is numpy and n and (t.min() < 0 or t.max() >= classes):  # host arrays only
            raise ValueError(f"labels must be in 0..{classes - 1}, got {t.min()}..{t.max()}")
        return -logp[xp.arange(n), t].sum() / n

    def backward(self, xs, y, gy):
        # softmax(x) = exp(log_softmax(x)): the forward's, or anew on Variables (create_graph)
        x, t = xs[0], self.t
        p = exp(log_softmax(x) if isinstance(x, Variable) else self.logp)
        if t.ndim == 1:  # indices -> one-hot rows: p - 1 and p - 0, what the layer computes
            t = get_array_module(t).eye(p.shape[1], dtype=p.dtype)[t]
        return (p - t) * (gy / p.shape[0])


def softmax_cross_entropy(x, t):
    """Mean cross-entropy of scores ``x`` (N, C), or one example (C,), against labels ``t``.

    ``t`` (a constant): class indices (N,) or one-hot rows (N, C), as for the layer.
    """
    x, t = as_variable(x), t.data if isinstance(t, Variable) else t
    if x.ndim == 1:  # one example: a batch of one, as in the layer (t: an index or a row)
        t = t.reshape(1, -1) if t.size == x.shape[0] and t.size > 1 else t.reshape(1)
        x = x.reshape(1, -1)
    return SoftmaxCrossEntropy(t)(x)


# Operators: each makes a new Function object; the reflected forms serve ``2 * x``, ``array @ W``.
Variable.__add__ = lambda self, other: Add()(self, other)
Variable.__radd__ = lambda self, other: Add()(other, self)
Variable.__sub__ = lambda self, other: Sub()(self, other)
Variable.__rsub__ = lambda self, other: Sub()(other, self)
Variable.__mul__ = lambda self, other: Mul()(self, other)
Variable.__rmul__ = lambda self, other: Mul()(other, self)
Variable.__truediv__ = lambda self, other: Div()(self, other)
Variable.__rtruediv__ = lambda self, other: Div()(other, self)
Variable.__matmul__ = lambda self, other: MatMul()(self, other)
Variable.__rmatmul__ = lambda self, other: MatMul()(other, self)
Variable.__neg__ = lambda self: Mul()(self, -1)
Variable.__pow__ = lambda self, c: Pow(c)(self)
