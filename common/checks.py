"""The checks made at the doors a learner uses, each one line at its call site.

The teaching code (functions, layers, optimizers) reads like the book's: the math,
and at most one check where a mistake would otherwise give a silent wrong answer.
The rest is checked once, where a learner's data and settings come in: the
networks' public methods, the ``Trainer`` (the whole data set, once), optimizer and
layer constructors, ``load_mnist`` and the scripts' option types.

Every check raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (right
kind, wrong value) with one line: who was called (``owner``), what was wrong, and
what was expected.  Each gives the same answer on every device: values on a
device are read back with one reduction (one wait for the device), so value
checks that a training loop would repeat (labels in range, no NaN) run once per
data set, and the loop runs inside ``data_checked()``.
"""

import contextlib
import math
import numbers

from common.backend import get_array_module, to_device

import numpy as np

# The checks of values that wait for the device are skipped inside data_checked().
_data_checked = 0


@contextlib.contextmanager
def data_checked():
    """A block whose data were checked whole beforehand (``Trainer``): skip per-batch
    value checks, so that no step waits for the device to read a label back."""
    global _data_checked
    _data_checked += 1
    try:
        yield
    finally:
        _data_checked -= 1


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def positive_number(owner, name, value):
    """A finite real number > 0 (a learning rate, an epsilon)."""
    if not _is_real(value):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value!r}")
    return value


def number_in(owner, name, value, low, high, high_open=True):
    """A real number in [low, high) (or [low, high] with ``high_open=False``); NaN refused."""
    if not _is_real(value):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if not (low <= value < high if high_open else low <= value <= high):
        right = ")" if high_open else "]"
        raise ValueError(f"{owner}: {name} must be in [{low:g}, {high:g}{right}, got {value!r}")
    return value


def whole_number(owner, name, value, low=1):
    """An integer >= low (a layer size, a stride, a number of iterations)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{owner}: {name} must be a whole number >= {low}, got {value!r}")
    return int(value)


def one_of(owner, name, value, choices):
    """``value`` (a string: case ignored) is one of ``choices``; returns it in lower case."""
    key = value.lower() if isinstance(value, str) else value
    if not isinstance(key, str) or key not in [c.lower() for c in choices]:
        raise ValueError(f"{owner}: {name} must be one of {', '.join(choices)}, got {value!r}")
    return key


def sizes(owner, name, values):
    """A list of layer sizes, each a whole number >= 1 (e.g. [100, 100])."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{owner}: {name} must be a list of sizes, e.g. [100, 100], got {values!r}")
    return [whole_number(owner, f"each of {name}", n) for n in values]


def known_keywords(owner, given, accepted):
    """Every key of ``given`` is a parameter name in ``accepted`` (a typo such as 'lrr')."""
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise ValueError(
            f"{owner}: unknown parameter(s) {', '.join(unknown)}; it takes {', '.join(accepted)}"
        )


def optimizer_instance(owner, optimizer, optimizer_param):
    """An optimizer already made (with ``update``), and no parameters that it would ignore."""
    if isinstance(optimizer, type) or not callable(getattr(optimizer, "update", None)):
        raise TypeError(
            f"{owner}: optimizer must be a name ('SGD', 'Adam', ...) or an optimizer object "
            f"such as SGD(lr=0.1), got {optimizer!r}"
        )
    if optimizer_param is not None:
        raise ValueError(
            f"{owner}: optimizer_param {optimizer_param!r} would be ignored by the optimizer "
            f"object given; set its parameters when making it, or pass its name"
        )


def float_dtype(owner, dtype):
    """A NumPy float dtype: integer weights would be truncated to zero."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{owner}: dtype must be a NumPy float type, got {dtype!r}") from None
    if dtype.kind != "f":
        raise TypeError(
            f"{owner}: dtype must be a float type (np.float32 or np.float64), got {dtype}"
        )
    return dtype


def numbers_array(owner, name, x):
    """An array (NumPy or CuPy) of real numbers or booleans."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind not in "biuf" or not hasattr(x, "shape"):
        got = f"an array of dtype {dtype}" if dtype is not None else type(x).__name__
        raise TypeError(f"{owner}: {name} must be a NumPy/CuPy array of numbers, got {got}")


def shape(owner, name, actual, expected):
    """``actual`` must equal ``expected`` (tuples of sizes)."""
    if tuple(actual) != tuple(expected):
        raise ValueError(f"{owner}: {name} has shape {tuple(actual)}, expected {tuple(expected)}")


def batch(owner, x, features):
    """x: a non-empty batch of numbers, ``features`` values per example ((N, features) or N-D)."""
    numbers_array(owner, "x", x)
    if x.ndim == 0 or x.size != x.shape[0] * features:
        raise ValueError(
            f"{owner}: x has shape {tuple(x.shape)}, expected (N, {features}) "
            f"(or N-D input with {features} values per example)"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{owner}: the batch is empty (x has shape {tuple(x.shape)})")


def door(owner, x, features, t=None):
    """The door of a network's public method: x checked (``batch``), then x and the labels
    t (when an array) moved to the current device, so every network takes host data alike.
    The labels themselves are checked by the loss (or by ``common.util.accuracy``)."""
    batch(owner, x, features)
    return to_device(x), (to_device(t) if hasattr(t, "shape") else t)


def labels(owner, t, n, classes):
    """Check labels for ``n`` examples of ``classes`` classes; return True for one-hot rows.

    ``t`` is either n class indices (integers in 0..classes-1: NumPy would read -1 as
    the last class without a word) or an (n, classes) array of one-hot rows.
    """
    t_shape, kind = getattr(t, "shape", None), getattr(getattr(t, "dtype", None), "kind", "")
    if t_shape == (n, classes) and kind == "f":  # one-hot or probability (weight) rows
        return True
    if t_shape == (n, classes) and kind in "biu":  # integer rows must be one 1 and zeros
        if n and not _data_checked and not _rows_one_hot(t):
            raise ValueError(
                f"{owner}: integer labels t of shape {t_shape} are read as one-hot rows, but "
                "not every row is one 1 and zeros (class indices: one per example; "
                "probabilities: a float array)"
            )
        return True
    if t_shape != (n,) or kind not in "iu":
        got = f"shape {t_shape} and dtype {t.dtype}" if t_shape is not None else repr(t)
        raise ValueError(
            f"{owner}: labels t must be {n} class indices (integers) or ({n}, {classes}) "
            f"one-hot rows, got {got}"
        )
    # one read from the device: the values are named only when one is out of range
    if n and not _data_checked and bool(((t < 0) | (t >= classes)).any()):
        raise ValueError(
            f"{owner}: labels must be class indices in 0..{classes - 1}, "
            f"got values from {int(t.min())} to {int(t.max())}"
        )
    return False


def _rows_one_hot(t):
    """Every row of the integer array t is one 1 and zeros (one read from the device)."""
    return bool((((t == 0) | (t == 1)).all(axis=1) & (t.sum(axis=1) == 1)).all())


def finite(owner, name, x):
    """No NaN and no infinity in x (once per data set: it reads every value)."""
    if x.dtype.kind == "f" and not bool(get_array_module(x).isfinite(x).all()):
        raise ValueError(f"{owner}: {name} contains NaN or infinite values")


def update_fits(owner, params, grads, state=None):
    """The one check of an optimizer's update, made before anything moves.

    Each parameter is a float array (or a plain number, which the update replaces in
    the dict, as the book's comparison on f(x, y) needs) with a gradient of numbers of
    its own shape (NumPy would broadcast another shape into it), and, after the first
    update, a state of its own shape: the state belongs to the parameters the
    optimizer was first used on.
    """
    if not isinstance(params, dict) or not hasattr(grads, "get"):
        raise TypeError(
            f"{owner}.update: params and grads must be dicts of arrays, got "
            f"{type(params).__name__} and {type(grads).__name__}"
        )
    for key, param in params.items():
        grad = grads.get(key)
        if getattr(grad, "shape", ()) != getattr(param, "shape", ()) or grad is None:
            got = "none" if grad is None else f"shape {getattr(grad, 'shape', ())}"
            raise ValueError(
                f"{owner}.update: the gradient of {key!r} has {got}, "
                f"expected shape {getattr(param, 'shape', ())}"
            )
        if _kind(param) != "f" or _kind(grad) not in "biuf":
            raise TypeError(
                f"{owner}.update: params[{key!r}] must be a float array and its gradient an "
                f"array of numbers, got {_describe(param)} and {_describe(grad)}"
            )
        if state is not None and getattr(state.get(key), "shape", 0) != getattr(param, "shape", ()):
            raise ValueError(
                f"{owner}.update: parameter {key!r} is not one this {owner} was first used "
                f"on (or has another shape); make a new {owner}() for other parameters"
            )


def _kind(x):
    """NumPy's letter for the numbers in x ('f' float, 'i' integer, 'O' not numbers)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None:  # a Python number
        return "f" if _is_real(x) else "O"
    return dtype.kind


def _describe(x):
    return f"{type(x).__name__} of dtype {x.dtype}" if hasattr(x, "dtype") else type(x).__name__


def one_example(x, t, classes):
    """One example x (D,) becomes a batch of one (1, D), its label t (a number, a (1,)
    array or a one-hot row of ``classes``) a batch of one label; a batch is left as it is."""
    if getattr(x, "ndim", None) != 1:
        return x, t
    one_hot_row = t.size == classes and classes > 1
    return x.reshape(1, -1), t.reshape(1, -1) if one_hot_row else t.reshape(-1)


def scores_and_labels(owner, y, t):
    """A batch of scores (N, C) and its checked labels: ``(y, t, one_hot)``.

    One example (C,) becomes a batch of one, its label a number, a (1,) array or a
    (C,) one-hot row; lists become arrays on the scores' device.
    """
    xp = get_array_module(y)
    y, t = xp.asarray(y), xp.asarray(t)
    y, t = one_example(y, t, y.shape[-1] if y.ndim else 0)
    numbers_array(owner, "scores", y)
    if y.ndim != 2 or 0 in y.shape:
        raise ValueError(
            f"{owner}: scores have shape {tuple(y.shape)}, expected one example (C,) "
            "or a non-empty batch (N, C)"
        )
    return y, t, labels(owner, t, *y.shape)
