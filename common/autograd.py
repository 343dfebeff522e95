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

The rules a learner will meet again in PyTorch, kept here:

* only floating-point data can have a gradient (``Variable(3)`` and integer or
  boolean arrays are refused; as constants, ``requires_grad=False``, they are fine);
* a gradient has its variable's dtype and shape, and is an array of its own
  (writable: clip it, zero it); leaves add gradients up across ``backward`` calls;
* ``backward()`` with no seed needs a one-value result (dL/dL = 1); for another
  result pass ``gradient=`` (dL/dy, y's shape) or call ``y.sum().backward()``;
* ``no_grad()`` holds for the thread that entered it;
* ``W -= lr * W.grad`` under ``no_grad()`` updates the leaf W in place;
* ``==``, ``<``, ... compare values elementwise; ``bool(v)`` needs one value.

Where this engine differs on purpose (DeZero's conventions, simpler to read):
``backward(retain_grad=True)`` keeps every intermediate gradient (PyTorch: one
``retain_grad()`` per tensor); the graph stays after ``backward`` (PyTorch frees
it unless ``retain_graph=True``); data must be an array or a number, not a list;
comparisons give NumPy arrays, not Variables; ``size`` is the number of values
(NumPy's; PyTorch's ``size()`` is the shape); dtypes follow NumPy's promotion
(float32 times a 0-d float64 array is float64; PyTorch keeps float32); ``y += 1``
on a result makes a new Variable (PyTorch records an in-place operation: the same
value and gradient); ``create_graph=True`` gradients are Variables; backward's
first argument is ``retain_grad`` (PyTorch's is the seed: here ``gradient=``); integer
one-hot label rows are read as ``SoftmaxWithLoss`` reads them (PyTorch wants floats).
"""

import contextlib
import heapq
import itertools
import numbers
import operator
import threading
import weakref

from common import backend, checks
from common.backend import get_array_module
from common.functions import log_softmax as _log_softmax
from common.functions import sigmoid as _sigmoid

import numpy


class _Mode(threading.local):
    grad_enabled = True  # False inside no_grad(): values only, no graph; one flag per thread


_mode = _Mode()


@contextlib.contextmanager
def _grad_mode(enabled):
    saved, _mode.grad_enabled = _mode.grad_enabled, enabled
    try:
        yield
    finally:
        _mode.grad_enabled = saved


def no_grad():
    """``with no_grad():`` computes values only: no creators, no graph, nothing kept.

    The mode is this thread's: another thread records its graphs meanwhile."""
    return _grad_mode(False)


class Variable:
    """An array with a gradient slot and a link to the function that made it.

    ``data``: the array (a number becomes a 0-d array); ``grad``: dL/d(data) after
    ``backward`` (an array of data's shape and dtype, or a Variable after
    ``create_graph=True``); ``creator``: the Function whose output this is (None for
    leaves and constants); ``requires_grad``: False for constants, which get no
    gradient.  A Variable that requires a gradient holds floating-point data.
    """

    __array_ufunc__ = None  # ndarray + Variable defers to Variable.__radd__, etc.
    __array_priority__ = 200  # the same for CuPy
    __hash__ = object.__hash__  # == compares values (below); a Variable stays a dict key
    grad = creator = None  # until backward; a leaf's creator stays None
    generation = 0  # a leaf's; a result's is set by its creator

    def __init__(self, data, name=None, requires_grad=True):
        if not isinstance(data, numpy.ndarray):
            data = _as_array(data, requires_grad)  # a number: see _as_array; arrays stay
        kind = data.dtype.kind
        if kind not in "biuf" or (requires_grad and kind != "f"):
            _refuse(data, requires_grad)
        self.data, self.name, self.requires_grad = data, name, requires_grad

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)  # NumPy's and DeZero's (PyTorch: numel())
    dtype = property(lambda self: self.data.dtype)
    T = property(lambda self: Transpose()(self))

    def __repr__(self):
        name = f" {self.name!r}" if self.name else ""
        return f"<Variable{name} shape {self.shape} {self.dtype}>"

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"{self!r}: the truth value of {self.data.size} values is ambiguous; "
                "use (v.data > 0).any() or .all()"
            )
        return bool(self.data)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{self!r}: NumPy would lose the graph; use its .data array")

    def cleargrad(self):
        self.grad = None

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return Reshape(_integers("Variable.reshape", "shape", shape))(self)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return Transpose(_integers("Variable.transpose", "axes", axes) if axes else None)(self)

    def sum(self, axis=None, keepdims=False, dtype=None, out=None):
        """The sum over ``axis`` (an int, a tuple or list of ints, or None for all).

        ``dtype`` and ``out`` are there because ``np.sum(v)`` passes them; neither is
        supported (a sum is a new Variable of data's dtype)."""
        if dtype is not None or out is not None:
            raise TypeError("Variable.sum: dtype= and out= are not supported")
        if axis is not None:
            axis = _integers(
                "Variable.sum", "axis", axis if isinstance(axis, (tuple, list)) else (axis,)
            )
        return Sum(axis, keepdims)(self)

    def backward(self, retain_grad=False, create_graph=False, gradient=None):
        """Add d(self)/d(leaf) to the ``grad`` of every leaf that self depends on.

        The seed dL/d(self) is 1 for a one-value result, else ``gradient`` (an array of
        self's shape), never a ``grad`` left from before.  Leaves add their gradients up
        across calls (``cleargrad()`` starts again); an intermediate one is kept (and
        added up) only with ``retain_grad``.
        """
        if not (isinstance(retain_grad, bool) and isinstance(create_graph, bool)):
            raise TypeError(  # PyTorch's first argument is the seed; here it is retain_grad
                "Variable.backward: retain_grad and create_graph are True or False; "
                "pass a seed as gradient=..."
            )
        if not self.requires_grad:
            raise RuntimeError(
                f"Variable.backward: {self!r} does not require a gradient (it was "
                "computed under no_grad() or from constants only)"
            )
        xp = get_array_module(self.data)
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"Variable.backward: {self!r} is not one value, so dL/dy = 1 makes no "
                    "sense: call .sum().backward(), or pass gradient= (dL/dy, of y's shape)"
                )
            seed = xp.ones(self.shape, dtype=self.dtype)  # dL/dL = 1
        else:
            seed = xp.asarray(gradient.data if isinstance(gradient, Variable) else gradient)
            if seed.shape != self.shape:
                raise ValueError(
                    f"Variable.backward: gradient has shape {seed.shape}, expected "
                    f"{self.shape} (that of {self!r})"
                )
            seed = seed.astype(self.dtype)  # a copy of its own, in y's dtype
        if create_graph:
            seed = Variable(seed, requires_grad=False)
        if self.creator is None:  # a leaf: d(self)/d(self) is all there is
            _add_grad(self, seed)
        elif create_graph:  # the rules, given Variables, record a graph of their own
            with _grad_mode(True):
                _backpropagate(self, seed, retain_grad, create_graph)
        else:  # the rules are given arrays, on which a Function records nothing
            _backpropagate(self, seed, retain_grad, create_graph)


def _backpropagate(y, seed, retain_grad, create_graph):
    """The chain rule from y (seeded with dL/dy) back to the leaves: Variable.backward's loop."""
    grads = {id(y): seed}  # this pass's dL/dy of the results on the way, by id
    given = set()  # ids of the gradients given to a variable in this pass
    # The functions to run, highest generation first (heapq pops the smallest: -generation);
    # ties, equal generations, pop in the order they came.
    heap, ties = [(-y.creator.generation, 0, y.creator)], itertools.count(1)
    while heap:
        function = heapq.heappop(heap)[-1]
        y = function.output()  # alive: a later function, or the caller, holds it
        gy = grads.pop(id(y))
        if retain_grad:
            _add_grad(y, gy)
        if create_graph:
            gxs = function.backward(function.inputs, y, gy)
        else:
            gxs = function.backward(function.xs, y.data, gy)
        for x, gx in zip(function.inputs, gxs if isinstance(gxs, tuple) else (gxs,)):
            if gx is None or not x.requires_grad:
                continue
            data = x.data
            if gx.shape != data.shape:  # x was broadcast in forward: add up its copies
                gx = sum_to(gx, data.shape)
            if gx.dtype != data.dtype:  # float32 x times a float64 constant
                gx = Cast(data.dtype)(gx)
            key = id(x)
            if x.creator is None:  # a leaf: into its grad
                _add_grad(x, gx, owned=id(gx) not in given)
            elif key in grads:  # x used twice: add up, never in place (gx may be another's)
                grads[key] = grads[key] + gx
            else:  # the first gradient to reach x: its creator has to run (once)
                grads[key] = gx
                heapq.heappush(heap, (-x.creator.generation, next(ties), x.creator))
            given.add(id(gx))


# The door's checks (Variable.__init__): what data a Variable may hold.
def _as_array(data, requires_grad):
    if isinstance(data, Variable):
        raise TypeError(f"Variable: data is already a Variable ({data!r}); pass data.data")
    if isinstance(data, numpy.generic):  # a NumPy scalar: what a host reduction gives
        return numpy.asarray(data)
    if isinstance(data, numbers.Number):
        # A number that needs a gradient: a 0-d array on the current device.  A constant
        # (2 in 2 * x) stays a NumPy scalar, which mixes with host and device arrays alike.
        return backend.get_xp().asarray(data) if requires_grad else numpy.asarray(data)[()]
    if not (hasattr(data, "dtype") and hasattr(data, "shape")):
        raise TypeError(f"Variable: data must be an array or a number, got {type(data).__name__}")
    return data


def _refuse(data, requires_grad):
    if data.dtype.kind not in "biuf":
        raise TypeError(f"Variable: data must be numbers, got an array of dtype {data.dtype}")
    raise TypeError(
        f"Variable: only floating-point data can have a gradient, got {data.dtype} "
        "(write 3.0, or .astype(float); a constant takes requires_grad=False)"
    )


def _add_grad(v, g, owned=False):
    """v.grad += g, never in place; v.grad ends as a writable array of v's own.

    ``owned``: no other variable was given g in this pass, so v may keep g itself if
    g is a new array (not a view of another); else v takes a copy.  PyTorch decides
    the same way (it keeps an incoming gradient that nothing else refers to).
    """
    if v.grad is not None:
        g, owned = v.grad + g, True  # a new array (or Variable)
    if isinstance(g, Variable):  # create_graph: a constant (the seed itself) is copied
        v.grad = g if g.creator else Variable(g.data.copy(), requires_grad=False)
    elif isinstance(g, numpy.generic):  # NumPy gives 0-d results as read-only scalars
        v.grad = numpy.array(g)
    else:
        v.grad = g if owned and g.base is None else g.copy()


def _integers(owner, name, values):
    """A tuple of ints (a shape or axes), or one line saying what was given instead."""
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{owner}: {name} must be integers, got {values!r}") from None


def as_variable(obj):
    """``obj`` itself if it is a Variable, else a constant Variable holding it."""
    return obj if isinstance(obj, Variable) else Variable(obj, requires_grad=False)


def _in_place(update):
    """``W -= lr * W.grad`` and the like: on a leaf under ``no_grad()``, W's data changes
    in place (as in PyTorch); on a result, a new Variable, as ``W = W - ...`` would be."""

    def method(self, other):
        if _mode.grad_enabled and self.creator is None and self.requires_grad:
            raise RuntimeError(
                f"{self!r}: an in-place update of a leaf that requires a gradient would "
                "make it a result without one: write it under `with no_grad():` "
                "(or as W.data -= lr * W.grad)"
            )
        if _mode.grad_enabled or self.creator is not None:
            return NotImplemented  # Python then computes self - other: a new Variable
        update(self.data, other.data if isinstance(other, Variable) else other)
        return self

    return method


class Function:
    """One operation of the graph; a subclass defines, side by side:

    ``forward(*xs)``: arrays in, one array out;
    ``backward(xs, y, gy)``: the inputs, the output and dL/dy in; dL/dx for each input
    out (a tuple, or one value for one input; None where not needed).  They are forward's
    arrays, or Variables under ``create_graph=True``: one rule, written with operators,
    serves both.
    A Function object is used once: calling it records its inputs and output.
    """

    inputs = output = None

    def __call__(self, *inputs):
        if self.inputs is not None:
            raise RuntimeError(
                f"{type(self).__name__}: a Function object is called once; make a new one"
            )
        # The arrays for forward; how many inputs are Variables, whether one needs a
        # gradient, and the newest generation among them (a constant's is 0).  One pass:
        # this runs for every operation.
        xs, n_variables, needs_grad, generation = [], 0, False, 0
        for x in inputs:
            if isinstance(x, Variable):
                n_variables += 1
                needs_grad = needs_grad or x.requires_grad
                generation = max(generation, x.generation)
                x = x.data
            xs.append(x)
        try:
            y = self.forward(*xs)
        except ValueError as exc:
            shapes = ", ".join(str(getattr(x, "shape", ())) for x in xs)
            raise ValueError(f"{type(self).__name__} on shapes {shapes}: {exc}") from None
        if not n_variables:
            return y  # arrays only (a backward rule at work): the value, nothing to record
        if not (needs_grad and _mode.grad_enabled):
            return Variable(y, requires_grad=False)  # a value only: nothing to differentiate
        output = Variable(y)
        if n_variables < len(inputs):  # arrays and numbers: constants of the graph
            inputs = [as_variable(x) for x in inputs]
        self.inputs = inputs
        self.output = weakref.ref(output)  # weak: no cycle
        self.xs = xs  # the arrays forward saw: backward's xs (as PyTorch saves its tensors)
        self.generation = generation
        output.creator, output.generation = self, generation + 1
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
        if self.c == 0:  # x ** 0 = 1 everywhere: slope 0, also at x = 0 (not 0 * 0 ** -1)
            return gy * 0
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
    lead = x.ndim - len(shape)  # (N, M) + (M,): the bias was copied along a new first axis
    if lead:  # Sum on a Variable, so differentiable
        x = x.sum(axis=tuple(range(lead)))
    if 1 in shape:  # (N, M) + (N, 1): a size-1 axis may have been stretched
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
        if stretched:
            x = x.sum(axis=stretched, keepdims=True)
    return x


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


class Cast(Function):
    """y = x in another dtype; dL/dx goes back in x's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, xs, y, gy):
        return Cast(xs[0].dtype)(gy)


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
    ``t``: checked labels for x's batch (``softmax_cross_entropy`` checks them).
    """

    def __init__(self, t):
        self.t = t

    def forward(self, x):
        t, n = self.t, x.shape[0]
        self.logp = logp = _log_softmax(x)
        if t.ndim == 2:  # one-hot (or probability) rows
            return -(t * logp).sum() / n
        return -logp[get_array_module(x).arange(n), t].sum() / n

    def backward(self, xs, y, gy):
        # softmax(x) = exp(log_softmax(x)): the forward's, or anew on Variables (create_graph)
        x, t = xs[0], self.t
        p = exp(log_softmax(x)) if isinstance(x, Variable) else get_array_module(x).exp(self.logp)
        if t.ndim == 1:  # indices -> one-hot rows: p - 1 and p - 0, what the layer computes
            t = get_array_module(t).eye(p.shape[1], dtype=p.dtype)[t]
        return (p * t.sum(axis=1, keepdims=True) - t) * (gy / p.shape[0])  # p - t, one-hot


def softmax_cross_entropy(x, t):
    """Mean cross-entropy of scores ``x`` (N, C), or one example (C,), against labels ``t``.

    ``t`` (a constant), checked as ``SoftmaxWithLoss`` checks it: class indices (N,)
    in 0..C-1, or one-hot rows (N, C); for one example an index (a number) or a row;
    a list becomes an array.  Integer rows must be one-hot: PyTorch refuses integer
    rows, and read as weights they would give a silent wrong loss.
    """
    x = as_variable(x)
    t = t.data if isinstance(t, Variable) else t
    _, t, _ = checks.scores_and_labels("softmax_cross_entropy", x.data, t)
    if x.ndim == 1:  # one example: a batch of one, as in the layer
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


# Comparisons: elementwise, on the values (a NumPy array; PyTorch gives a bool tensor).
def _compare(compare):
    return lambda self, other: compare(
        self.data, other.data if isinstance(other, Variable) else other
    )


for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(Variable, f"__{_name}__", _compare(getattr(operator, _name)))
# In place: W -= lr * W.grad under no_grad() (see _in_place).
for _name in ("iadd", "isub", "imul", "itruediv"):
    setattr(Variable, f"__{_name}__", _in_place(getattr(operator, _name)))
