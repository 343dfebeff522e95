"""A small define-by-run automatic differentiation engine (after chapter 5).

Chapter 5 writes every layer's ``backward`` by hand and calls them in reverse
order by hand.  This module keeps the first half and automates the second:

* a ``Function`` has ``forward`` (arrays in, an array out) and, beside it, its
  *local* backward rule: given dL/dy it returns dL/dx for each input, the same
  rules as ``common.layers`` (a product swaps its inputs, a sum passes dL/dy on);
* every call of a Function on ``Variable`` objects records itself as the
  output's ``creator``, so the computation *is* the graph ("define by run");
* ``loss.backward()`` applies the chain rule, dL/dx = sum over uses of
  (dL/dy)(dy/dx), visiting the functions in reverse topological order.

Order.  Each Variable has a *generation*: 0 for leaves, one more than its
creator's otherwise; a function's generation is that of its newest input.  A
function's output is only ever used by functions of a higher generation, so
popping functions from a heap highest generation first guarantees that every
contribution to dL/dy has been added before y's creator runs.  A plain loop,
no recursion: a chain of 10 000 operations is fine.

Memory.  Outputs hold their creator (and through it the inputs) strongly, but a
function holds its output only through a ``weakref``: there is no cycle, so
when the last reference to the loss goes, the whole graph goes with it.

Broadcasting.  ``(N, M) + (M,)`` broadcasts the bias over the rows, so the bias
was used N times and its gradient is the column sum.  The engine does this once
for every function: a gradient whose shape differs from its input's is summed
back to that shape (``sum_to``).

Inputs that are not Variables (a batch of images, a Python number) become
constants: no gradient is computed for them.  Under ``with no_grad():`` no graph
is recorded at all (evaluation, parameter updates).

``backward(create_graph=True)`` runs the same local rules on Variables instead of
arrays, so the gradients are Variables with graphs of their own and can be
differentiated again (second derivatives).
"""

import contextlib
import heapq
import itertools
import numbers
import weakref

import numpy

from common import backend
from common.backend import get_array_module
from common.functions import log_softmax as _log_softmax_array
from common.functions import sigmoid as _sigmoid_array

_grad_enabled = True


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
    Variable with ``create_graph=True``); ``creator``: the Function whose output
    this is (None for leaves and constants); ``requires_grad``: False for
    constants, which get no gradient.
    """

    __array_ufunc__ = None  # ndarray + Variable defers to Variable.__radd__, etc.
    __array_priority__ = 200

    def __init__(self, data, name=None, requires_grad=True):
        if isinstance(data, Variable):
            raise TypeError(f"Variable: data is already a Variable ({data!r}); pass data.data")
        if not hasattr(data, "dtype") and not isinstance(data, (int, float)):
            raise TypeError(
                f"Variable: data must be an array or a number, got {type(data).__name__}"
            )
        if requires_grad and not hasattr(data, "shape"):
            data = backend.get_xp().asarray(data)  # a number: a 0-d array on the current device
        self.data = data
        self.name = name
        self.requires_grad = requires_grad
        self.grad = None
        self.creator = None
        self.generation = 0

    shape = property(lambda self: getattr(self.data, "shape", ()))
    ndim = property(lambda self: len(self.shape))
    dtype = property(lambda self: self.data.dtype)
    T = property(lambda self: transpose(self))

    def __repr__(self):
        name = f" {self.name!r}" if self.name else ""
        return f"<Variable{name} shape {self.shape} {getattr(self.data, 'dtype', '')}>"

    def cleargrad(self):
        self.grad = None

    def reshape(self, *shape):
        return reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return transpose(self, axes or None)

    def sum(self, axis=None, keepdims=False):
        return sum(self, axis, keepdims)

    def backward(self, retain_grad=False, create_graph=False):
        """Fill ``grad`` of every leaf this Variable depends on with d(self)/d(leaf).

        The seed is d(self)/d(self) = 1 (of self's shape).  Gradients add up across
        calls: call ``cleargrad()`` on the leaves first when reusing them.  The
        intermediate Variables' gradients are dropped unless ``retain_grad``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"Variable.backward: {self!r} does not require a gradient (it was "
                "computed under no_grad() or from constants only)"
            )
        if self.grad is None:
            seed = get_array_module(self.data).ones_like(self.data)
            self.grad = Variable(seed, requires_grad=False) if create_graph else seed
        heap, seen, order = [], set(), itertools.count()

        def push(function):
            if function not in seen:
                seen.add(function)
                heapq.heappush(heap, (-function.generation, next(order), function))

        if self.creator is not None:
            push(self.creator)
        with _grad_mode(create_graph):
            while heap:
                function = heapq.heappop(heap)[-1]
                y = function.output()  # alive: a later function (or the caller) holds it
                if create_graph:
                    gxs = function.backward(function.inputs, y, y.grad)
                else:
                    xs = tuple(x.data for x in function.inputs)
                    gxs = function.backward(xs, y.data, y.grad)
                if not isinstance(gxs, tuple):
                    gxs = (gxs,)
                for x, gx in zip(function.inputs, gxs):
                    if gx is None or not x.requires_grad:
                        continue
                    if gx.shape != x.shape:  # x was broadcast in forward: add up its copies
                        gx = _sum_to(gx, x.shape)
                    # Accumulate (x used twice), never in place: gx may be another's gradient.
                    x.grad = gx if x.grad is None else x.grad + gx
                    if x.creator is not None:
                        push(x.creator)
                if not retain_grad:
                    y.grad = None


def as_variable(obj):
    """``obj`` itself if it is a Variable, else a constant Variable holding it."""
    return obj if isinstance(obj, Variable) else Variable(obj, requires_grad=False)


def _data(v):
    return v.data if isinstance(v, Variable) else v


class Function:
    """One operation of the graph.  Subclasses define, side by side:

    ``forward(*xs)``: arrays in, one array out;
    ``backward(xs, y, gy)``: the inputs, the output and dL/dy in, dL/dx for each
    input out (a tuple, or one value for one input; None where not needed).
    Those are arrays, or Variables under ``create_graph=True``: written with
    operators and methods only, one rule serves both.

    A Function object is used once: calling it records its inputs and output.
    """

    generation = 0
    inputs = None
    output = None

    def __call__(self, *inputs):
        if self.inputs is not None:
            raise RuntimeError(
                f"{type(self).__name__}: a Function object is called once; make a new one"
            )
        inputs = [as_variable(x) for x in inputs]
        try:
            y = self.forward(*[x.data for x in inputs])
        except ValueError as exc:
            shapes = ", ".join(str(x.shape) for x in inputs)
            raise ValueError(f"{type(self).__name__} on shapes {shapes}: {exc}") from None
        if isinstance(y, numpy.generic):  # NumPy reductions return scalars: keep arrays
            y = numpy.asarray(y)
        record = _grad_enabled and any(x.requires_grad for x in inputs)
        output = Variable(y, requires_grad=record)
        if record:
            self.generation = max(x.generation for x in inputs)
            self.inputs = inputs
            self.output = weakref.ref(output)  # weak: the output owns the function, not back
            output.creator = self
            output.generation = self.generation + 1
        return output

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, xs, y, gy):
        raise NotImplementedError


def _sum_to_array(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, to ``shape``."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if lead else g


def _sum_to(g, shape):
    return SumTo(shape)(g) if isinstance(g, Variable) else _sum_to_array(g, shape)


def _broadcast_to(g, shape):
    if isinstance(g, Variable):
        return BroadcastTo(shape)(g)
    return get_array_module(g).broadcast_to(g, shape).copy()  # a writable gradient, not a view


def _exp(v):
    return exp(v) if isinstance(v, Variable) else get_array_module(v).exp(v)


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, xs, y, gy):
        return gy, gy  # d(a + b)/da = d(a + b)/db = 1


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, xs, y, gy):
        return gy, -gy


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
    """Y = X W for matrices:  dL/dX = dL/dY W^T,  dL/dW = X^T dL/dY (as in Affine)."""

    def forward(self, x, W):
        if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[0]:
            raise ValueError(
                f"shapes {tuple(x.shape)} @ {tuple(W.shape)} do not line up: "
                "expected (N, K) @ (K, M)"
            )
        return x @ W

    def backward(self, xs, y, gy):
        x, W = xs
        # A constant X (the data) needs no gradient: skip that product, like Affine's compute_dx.
        gx = gy @ W.T if self.inputs[0].requires_grad else None
        return gx, x.T @ gy


class Sum(Function):
    """y = the sum over ``axis`` (all axes if None): every x receives dL/dy unchanged."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, xs, y, gy):
        shape = xs[0].shape
        if self.axis is not None and not self.keepdims:  # put the summed axes back as 1s
            axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
            kept = list(shape)
            for a in axes:
                kept[a % len(shape)] = 1
            gy = gy.reshape(tuple(kept))
        return _broadcast_to(gy, shape)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return _sum_to_array(x, self.shape)

    def backward(self, xs, y, gy):
        return _broadcast_to(gy, xs[0].shape)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, xs, y, gy):
        return _sum_to(gy, xs[0].shape)


class Reshape(Function):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, xs, y, gy):
        return gy.reshape(xs[0].shape)


class Transpose(Function):
    """Permute the axes (reverse them if ``axes`` is None); backward permutes back."""

    def __init__(self, axes=None):
        self.axes = None if axes is None else tuple(axes)

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, xs, y, gy):
        if self.axes is None:
            return gy.transpose()
        n = len(self.axes)
        inverse = sorted(range(n), key=lambda i: self.axes[i] % n)
        return gy.transpose(tuple(inverse))


class Exp(Function):
    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, xs, y, gy):
        return gy * y  # d exp(x)/dx = exp(x) = y


class Log(Function):
    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, xs, y, gy):
        return gy / xs[0]


class Relu(Function):
    def forward(self, x):
        return get_array_module(x).maximum(x, 0)

    def backward(self, xs, y, gy):
        return gy * (_data(xs[0]) > 0)  # 1 where x > 0, else 0 (the mask is a constant)


class Sigmoid(Function):
    def forward(self, x):
        return _sigmoid_array(x)

    def backward(self, xs, y, gy):
        return gy * (1.0 - y) * y  # dy/dx = y (1 - y)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along the last axis (``common.functions.log_softmax``).

    dL/dx = dL/dy - softmax(x) * (sum of dL/dy over the row), softmax(x) = exp(y).
    """

    def forward(self, x):
        return _log_softmax_array(x)

    def backward(self, xs, y, gy):
        return gy - _exp(y) * gy.sum(axis=-1, keepdims=True)


class SoftmaxCrossEntropy(Function):
    """The mean cross-entropy of softmax(x) against labels t, as ``SoftmaxWithLoss``.

    Same numerics as the layer: loss from log_softmax, dL/dx = (softmax(x) - t) / N
    with t as one-hot rows.  ``t``: class indices (N,) or one-hot rows (N, C).
    """

    def __init__(self, t):
        self.t = _data(t)
        self.logp = None

    def forward(self, x):
        xp = get_array_module(x)
        t = self.t
        if x.ndim == 1:  # one example: a batch of one, as in the layer
            x = x.reshape(1, -1)
            t = t.reshape(1, -1) if t.size == x.size and t.size > 1 else t.reshape(1)
        if x.ndim != 2:
            raise ValueError(f"scores must be (N, C) or (C,), got shape {tuple(x.shape)}")
        n, classes = x.shape
        self.logp = _log_softmax_array(x)
        if t.shape == x.shape:  # one-hot (or probability) rows
            self.t = t
            return -(t * self.logp).sum() / n
        if t.shape != (n,):
            raise ValueError(
                f"labels t have shape {tuple(self.t.shape)}, expected ({n},) class "
                f"indices or {(n, classes)} one-hot rows"
            )
        if t.dtype.kind not in "iu":
            raise ValueError(f"class-index labels must be integers, got dtype {t.dtype}")
        if n and (bool((t < 0).any()) or bool((t >= classes).any())):
            raise ValueError(
                f"labels must be in 0..{classes - 1}, got {int(t.min())}..{int(t.max())}"
            )
        self.t = t
        return -self.logp[xp.arange(n), t].sum() / n

    def backward(self, xs, y, gy):
        x = xs[0]
        xp = get_array_module(self.logp)
        n = self.logp.shape[0]
        if isinstance(x, Variable):  # create_graph: softmax(x) must stay differentiable
            p = exp(log_softmax(x.reshape(self.logp.shape)))
        else:
            p = xp.exp(self.logp)
        t = self.t
        if t.ndim == 1:  # indices -> one-hot rows: p - 0 and p - 1 are what the layer computes
            t = xp.zeros_like(self.logp)
            t[xp.arange(n), self.t] = 1
        return ((p - t) * (gy / n)).reshape(x.shape)


def exp(x):
    return Exp()(x)


def log(x):
    return Log()(x)


def relu(x):
    return Relu()(x)


def sigmoid(x):
    return Sigmoid()(x)


def log_softmax(x):
    return LogSoftmax()(x)


def matmul(a, b):
    return MatMul()(a, b)


def reshape(x, shape):
    return Reshape(shape)(x)


def transpose(x, axes=None):
    return Transpose(axes)(x)


def sum(x, axis=None, keepdims=False):  # shadows the builtin here, as numpy.sum does
    return Sum(axis, keepdims)(x)


def sum_to(x, shape):
    return SumTo(shape)(x)


def broadcast_to(x, shape):
    return BroadcastTo(shape)(x)


def softmax_cross_entropy(x, t):
    """Mean cross-entropy loss of scores ``x`` (N, C) against labels ``t`` (a constant)."""
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
