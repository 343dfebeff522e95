"""The machinery every exercise's check uses: call the learner's code, compare, diagnose.

A check is a function ``check(obj)`` that calls the learner's function or class ``obj``
through ``call`` and compares each answer with the reference's through ``compare``.
Both raise ``Failed`` with a diagnosis: the case (input shapes), expected against got
(largest absolute and relative difference, and where), and the key of a hint from
``HINTS`` when the answer equals what a known mistake would give.  A known mistake is
recognised by computing it (the reference under the mistake) and comparing, never by
guessing from the code.
"""

import traceback
import warnings

import numpy as np

#: Known mistakes: key -> what the hint tells the learner.
HINTS = {
    "missing_1/N": "missing 1/N: you got expected * N (N = batch size); average over the batch",
    "extra_1/N": "extra 1/N: you got expected / N (N = batch size); this quantity is not averaged",
    "transposed": "transposed product: you got the transpose of the answer; check the order "
    "of the factors (dW = x^T dout, dx = dout W^T)",
    "forgot_dout": "forgotten dout: your answer does not use the upstream gradient dout; "
    "multiply the local derivative by dout",
    "sign": "sign error: you got -expected",
    "in_place": "input changed in place: your code changed an array it was given (x[...] = , "
    "x -= ...); the caller still needs it: work on a copy",
    "not_kept": "backward relies on something forward did not keep: forward must store "
    "(self.x = ..., self.out = ...) what backward needs",
    "stale": "backward used what an earlier forward kept: store it on every forward call",
    "overflow": "overflow at large scores: exp(1000) is inf and inf / inf is NaN; subtract "
    "the largest score first (the result does not change)",
    "nan": "NaN in your answer where the expected one is finite",
    "swapped": "the two answers are swapped (dx is dout * y, dy is dout * x)",
    "no_swap": "dx and dy not swapped: d(x*y)/dx is y, so dx = dout * y",
    "at_zero": "at x = 0: the book takes step(0) = 0 and passes no gradient there (x > 0, "
    "mask = x <= 0)",
    "forward_difference": "forward difference (f(x+h) - f(x)) / h: use the central "
    "difference (f(x+h) - f(x-h)) / 2h, whose error shrinks like h^2",
    "divided_by_h": "divided by h instead of 2h: the central difference spans 2h",
    "h_too_small": "h too small: in float64, x + 1e-50 == x, so f(x+h) - f(x-h) is 0; use h = 1e-4",
    "not_restored": "x[i] not restored after the two evaluations: every later element sees a "
    "moved point",
    "whole_batch": "f was given the whole batch: evaluate f on each row X[i] separately",
    "step_count": "wrong number of steps: step_num steps, no more, no fewer",
    "ascent": "gradient ascent: x -= lr * grad goes downhill, x += goes uphill",
    "no_lr": "the learning rate is missing: the step is lr * grad",
    "no_delta": "log(0) = -inf: add a tiny delta inside the log, log(y + 1e-7)",
    "one_example_batch": "a single example (1-D y) counts as a batch of one: reshape y and t to "
    "(1, C) first, or you divide by the number of classes",
    "axis": "normalised over the wrong axis: each row (one example) sums to 1; use "
    "axis=-1 with keepdims=True",
    "precedence": "operator precedence: 1 / 1 + e is 1 + e; write 1 / (1 + e)",
    "output_activation": "the output layer of forward is the identity: no activation on a3",
    "hidden_activation": "the hidden layers use sigmoid",
    "missing_bias": "a bias is missing: a = x W + b in every layer",
    "not_flattened": "N-D input: flatten x to (N, -1) in forward and reshape dx back to x's "
    "original shape in backward",
    "db_sum": "db is the sum of dout over the batch axis (axis=0), one value per output",
    "swapped_keys": "gradients under the wrong names: W1/b1 belong to Affine1, W2/b2 to Affine2",
    "not_in_place": "params[key] = ... makes a new array that the network's layers never see: "
    "update in place (params[key] -= ...)",
    "state_reset": "state not kept between updates: create v (or h, m) once, on the first "
    "update, and keep it in self",
    "no_sqrt": "the square root is missing: divide by sqrt(h) + 1e-7",
    "no_eps": "division by zero: add 1e-7 to the denominator (a gradient of 0 gives 0 / 0)",
    "bias_correction": "Adam's bias correction is missing: lr_t = lr * sqrt(1 - beta2^t) / "
    "(1 - beta1^t), with t counted from 1",
    "betas_swapped": "beta1 and beta2 swapped: beta1 (0.9) is for m, beta2 (0.999) for v",
    "he_xavier": "He's scale is sqrt(2 / n), Xavier's sqrt(1 / n): you gave the other one",
    "no_sqrt_scale": "the square root is missing: a standard deviation, sqrt(k / n)",
    "test_scale": "test mode multiplies by (1 - dropout_ratio), the share of units kept in "
    "training",
    "inverted": "inverted dropout (scaling by 1 / (1 - ratio) while training): the book scales at "
    "test time instead",
    "keep_probability": "units are kept with probability dropout_ratio: keep them where "
    "rand > dropout_ratio",
    "mask_ignored": "backward passes gradient through dropped units: multiply dout by the mask",
    "ddof": "the variance divides by N (np.var's default, ddof=0), not N - 1",
    "test_batch_stats": "test mode normalises with the running mean and variance, not the batch's",
    "bn_backward_partial": "backward treats the mean and variance as constants: they depend on "
    "every x, which adds the terms - mean(dxn) - xn * mean(dxn * xn)",
    "running_update": "running statistics: running = momentum * running + (1 - momentum) * batch",
    "half": "the factor 0.5 is missing (or doubled): the penalty is 0.5 lambda sum W^2, its "
    "gradient lambda W",
    "biases_decayed": "biases are not decayed: only the weights W1, W2, ... take part",
    "l1": "L1 instead of L2: the penalty squares the weights",
    "step_sign": "negative inputs give 0, not -1: the step function is 0 or 1 (np.sign is not it)",
    "labels": "t holds class indices here (shape (N,)): pick y[np.arange(N), t]; one-hot rows are "
    "the other case",
    "uses_x": "backward used the input x; the derivative is y (1 - y), with y the output "
    "forward kept",
    "ambiguous": "this code works on one number only (`if x > 0` on an array): use array "
    "operations such as x > 0, np.maximum",
    "np_max": "np.max(0, x) is the largest element along an axis; use np.maximum(0, x), "
    "elementwise",
    "min_max": "np.minimum keeps the negative part; ReLU keeps the positive part: np.maximum",
}


class Failed(Exception):
    """A check failed: ``headline`` (one line), ``details`` (lines), ``hint`` (a HINTS key)."""

    def __init__(self, headline, details=(), hint=None, status="failed"):
        super().__init__(headline)
        self.headline = headline
        self.details = list(details)
        self.hint = hint
        self.status = status


def describe(**inputs):
    """The case as text: each input's shape and dtype (or its value if it is a number)."""
    parts = []
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{name} {value.shape} {value.dtype}")
        elif isinstance(value, dict):
            parts.append(f"{name} {{{', '.join(value)}}}")
        else:
            parts.append(f"{name} = {value!r}")
    return ", ".join(parts)


def _where(exc, files):
    """' (at FILE line N)' for the innermost frame of ``exc`` in the learner's files, if any."""
    return next(
        (
            f" (at {frame.filename} line {frame.lineno})"
            for frame in reversed(traceback.extract_tb(exc.__traceback__))
            if frame.filename in files
        ),
        "",
    )


#: Files whose frames are named in error messages (the learner's working copy).
LEARNER_FILES = set()


def _exception_hint(exc):
    text = str(exc)
    if isinstance(exc, AttributeError) and "object has no attribute" in text:
        return "not_kept"
    if "truth value of an array" in text:
        return "ambiguous"
    if isinstance(exc, TypeError) and "NoneType" in text:
        return "not_kept"
    return None


def call(
    what, fn, *args, case="", error_hint=None, in_place_hint="in_place", keep_args=True, **kwargs
):
    """``fn(*args, **kwargs)``, the learner's code, with its failures turned into ``Failed``.

    An array argument that comes back changed is a failure (the "in_place" hint),
    NotImplementedError is "not started", any other exception one line naming its
    type, message and line in the learner's file, with ``error_hint`` where the exception
    has no hint of its own.  ``keep_args=False`` allows changing the arguments (the book's
    Relu.backward writes into dout).  NumPy's warnings are silenced: a
    result's NaN or inf is diagnosed from the values instead.
    """
    # to find an argument changed in place (not looked for with keep_args=False)
    copies = [np.copy(a) if isinstance(a, np.ndarray) else None for a in args] if keep_args else []
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(*args, **kwargs)
    except NotImplementedError:
        raise Failed(f"{what} raises NotImplementedError", status="not started") from None
    except Exception as exc:  # the learner's bug, reported in one line
        line = str(exc).splitlines()[0] if str(exc) else ""
        raise Failed(
            f"{what} raised {type(exc).__name__}: {line}{_where(exc, LEARNER_FILES)}",
            [f"case: {case}"] if case else [],
            hint=_exception_hint(exc) or error_hint,
        ) from None
    if not keep_args:
        return result
    for index, (arg, copy) in enumerate(zip(args, copies)):
        if copy is not None and not np.array_equal(arg, copy, equal_nan=True):
            raise Failed(
                f"{what} changed its input (argument {index + 1}, {arg.shape}) in place",
                [f"case: {case}"] if case else [],
                hint=in_place_hint,
            )
    return result


def as_number_array(what, got, expected_shape, case):
    """The learner's answer as an array of numbers, or ``Failed`` saying what it was."""
    if got is None:
        raise Failed(
            f"{what} returned None (is `return` missing?)",
            [f"case: {case}", f"expected: an array of shape {expected_shape}"],
        )
    try:
        array = np.asarray(got)
    except Exception:
        array = None
    if array is None or array.dtype.kind not in "biuf":
        raise Failed(
            f"{what} returned {type(got).__name__}"
            + (f" of dtype {array.dtype}" if array is not None else "")
            + f", expected numbers of shape {expected_shape}",
            [f"case: {case}"],
        )
    return array.astype(np.float64)


def _close(a, b, rtol, atol):
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=False)


def _fmt(value):
    return f"{value:.6g}"


def difference_lines(got, expected):
    """Two lines: the largest absolute and relative difference, each with where and both values."""
    if got.size == 0:
        return []
    with np.errstate(all="ignore"):
        abs_diff = np.abs(got - expected)
        abs_diff = np.where(np.isnan(abs_diff), np.inf, abs_diff)
        rel_diff = abs_diff / np.maximum(np.abs(expected), 1e-300)
    lines = []
    for label, diff in (("absolute", abs_diff), ("relative", rel_diff)):
        i = np.unravel_index(int(np.argmax(diff)), diff.shape)
        where = f" at {list(map(int, i))}" if got.ndim else ""
        shown = abs(float(got[i]) - float(expected[i]))  # nan stays nan (diff has inf there)
        if label == "relative":
            shown /= max(abs(float(expected[i])), 1e-300)
        lines.append(
            f"largest {label} difference {_fmt(shown)}{where} "
            f"(expected {_fmt(float(expected[i]))}, got {_fmt(float(got[i]))})"
        )
    return lines


def compare(
    what, got, expected, case, mistakes=None, n=None, rtol=1e-6, atol=1e-8, large=False, nan=None
):
    """Pass if ``got`` is close to ``expected``; else ``Failed`` with a diagnosis.

    ``mistakes`` maps a HINTS key to the answer that mistake gives (a dict, or a list of
    pairs where one mistake has several forms) (computed from the
    reference); ``n`` (the batch size) adds the 1/N mistakes; every comparison also
    tries the sign error and the transpose.  ``large`` says the case has large scores,
    so a NaN there is the overflow; ``nan`` names the hint for a NaN in other cases.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = as_number_array(what, got, expected.shape, case)
    if _close(got, expected, rtol, atol):
        return
    candidates = list(mistakes.items() if isinstance(mistakes, dict) else mistakes or ())
    if n is not None and n > 1:
        candidates += [("missing_1/N", expected * n), ("extra_1/N", expected / n)]
    if np.abs(expected).max(initial=0) > atol:
        candidates.append(("sign", -expected))
    if expected.ndim == 2 and expected.shape[0] != expected.shape[1]:
        candidates.append(("transposed", expected.T))
    hint = next(
        (
            key
            for key, value in candidates
            if _close(got, np.asarray(value, dtype=np.float64), rtol, atol)
        ),
        None,
    )
    if hint is None and not np.isfinite(got).all() and np.isfinite(expected).all():
        hint = "overflow" if large else (nan or "nan")
    details = [f"case: {case}"]
    if got.shape != expected.shape:
        raise Failed(f"{what} has shape {got.shape}, expected {expected.shape}", details, hint=hint)
    raise Failed(f"{what} is wrong", details + difference_lines(got, expected), hint=hint)


def check_pair(what, got, count, case):
    """The learner returned ``count`` values (a tuple, as ``dx, dy``); else ``Failed``."""
    if not isinstance(got, (tuple, list)) or len(got) != count:
        kind = f"{len(got)} values" if isinstance(got, (tuple, list)) else type(got).__name__
        raise Failed(f"{what} returned {kind}, expected {count} values", [f"case: {case}"])
    return got
