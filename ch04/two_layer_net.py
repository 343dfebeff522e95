"""A two-layer network written out by hand, with both ways to get its gradients (chapter 4.5).

    a1 = x W1 + b1,   z1 = sigmoid(a1),   a2 = z1 W2 + b2,   y = softmax(a2)
    L  = cross-entropy of y against the labels t, averaged over the batch

numerical_gradient(x, t) nudges every parameter in turn and measures how L
changes (two loss evaluations per parameter: slow but obviously right).
gradient(x, t) gets the same numbers from one forward and one backward pass,
using the chain rule worked out by hand for this network (chapter 5 explains it):

    dL/da2 = (y - t) / N                        (t as one-hot rows, N the batch size)
    dL/dW2 = z1^T dL/da2,         dL/db2 = column sums of dL/da2
    dL/da1 = (dL/da2 W2^T) * sigmoid'(a1)
    dL/dW1 = x^T dL/da1,          dL/db1 = column sums of dL/da1

numerical_gradient(x, t, fast=True) computes exactly the same central
differences as the loop, (L(theta + h e_i) - L(theta - h e_i)) / 2h for every
parameter, but about a thousand times faster for a 784-50-10 network and 100
MNIST images (see fast_numerical_gradient below).
It still evaluates the perturbed loss for every single parameter; it only
avoids recomputing the parts of the forward pass that a perturbation leaves
unchanged, and handles many perturbations at once.

Elsewhere the course builds networks from the layers in common.layers; this one
is the exception, written with plain functions so that every formula of the
chapter is visible in one place.  Its parameters are float64, because
numerical gradients in float32 keep only a few correct digits.

Every public method takes x (and t) as NumPy arrays, lists or arrays on the
parameters' device, and moves them to that device first (a no-op when they
are there already), so the chapter's code runs unchanged with --device gpu.
x must have input_size values per example; t must be class indices in
0..output_size-1 or one-hot rows (index values checked for NumPy arrays only:
on a GPU that check would wait for the device).
"""

import math
import numbers

import numpy as np

from common import backend
from common.backend import get_array_module
from common.functions import _check_labels, sigmoid, sigmoid_grad, softmax, softmax_loss
from common.gradient import numerical_gradient
from common.util import accuracy


def _check_size(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"TwoLayerNet: {name} must be a whole number >= 1, got {value!r}")


_NO_LABELS = object()  # what _inputs gets from the methods that take no labels


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("output_size", output_size),
        ):
            _check_size(name, value)
        if not (isinstance(weight_init_std, numbers.Real) and math.isfinite(weight_init_std)):
            raise ValueError(
                f"TwoLayerNet: weight_init_std must be a finite number, got {weight_init_std!r}"
            )

        # Drawn with NumPy (seeded by --seed) and then moved to the current device,
        # so a seed gives the same initial weights on the CPU and on a GPU.
        def weights(rows, cols):
            return backend.to_device(weight_init_std * np.random.randn(rows, cols))

        self.params = {
            "W1": weights(input_size, hidden_size),
            "b1": backend.to_device(np.zeros(hidden_size)),
            "W2": weights(hidden_size, output_size),
            "b2": backend.to_device(np.zeros(output_size)),
        }

    def _to_params_device(self, a):
        """``a`` as an array on the device of the parameters (unchanged if it is there)."""
        xp = get_array_module(self.params["W1"])
        if get_array_module(a) is xp and hasattr(a, "shape"):
            return a
        return backend.to_cpu(a) if xp is np else xp.asarray(a)

    def _inputs(self, method, x, t=_NO_LABELS):
        """x (and t) checked and on the parameters' device.

        With labels (loss and gradients) one example (D,) becomes a batch of one,
        its label a number or a one-hot row; without (predict, scores) x keeps its shape.
        """
        name = f"TwoLayerNet.{method}"
        x = self._to_params_device(x)
        n_in, n_out = self.params["W1"].shape[0], self.params["W2"].shape[1]
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{name}: x must be numbers, got dtype {x.dtype}")
        if x.ndim not in (1, 2) or x.shape[-1] != n_in:
            raise ValueError(
                f"{name}: x has shape {tuple(x.shape)}, expected (N, {n_in}) "
                f"or one example ({n_in},): the network has {n_in} inputs"
            )
        if t is _NO_LABELS:
            return x
        t = self._to_params_device(t)
        if x.ndim == 1:
            x = x.reshape(1, -1)
            t = t.reshape(1, -1) if t.size == n_out and n_out > 1 else t.reshape(-1)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: the batch is empty (x has shape {tuple(x.shape)})")
        _check_labels(name, t, (x.shape[0], n_out))
        return x, t

    def scores(self, x):
        """a2, the output layer's input to softmax."""
        x = self._inputs("scores", x)
        return self._scores(x)

    def _scores(self, x):
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        a1 = x @ W1 + b1
        z1 = sigmoid(a1)
        return z1 @ W2 + b2

    def predict(self, x):
        """Class probabilities, softmax(a2), one row per example."""
        return softmax(self._scores(self._inputs("predict", x)))

    def loss(self, x, t):
        """Cross-entropy loss; t: class indices or one-hot rows.

        The book computes cross_entropy_error(self.predict(x), t), whose
        log(y + 1e-7) changes the loss slightly: its true gradient then differs
        from the one gradient() computes by about 1e-7 / y relative (y the
        probability of the right class: 1e-6 when y = 0.1), which a gradient
        check sees.  softmax_loss takes log(softmax) exactly from the scores
        (log-sum-exp), so the two gradients agree to within rounding (~1e-9).
        """
        x, t = self._inputs("loss", x, t)
        return softmax_loss(self._scores(x), t)

    def accuracy(self, x, t):
        """Fraction of rows whose most probable class is the label (t: indices or one-hot).

        common.util.accuracy works through x a chunk at a time: NumPy converts
        float32 images to float64 for the product with these float64 weights,
        and all 60 000 training images at once would make a 376 MB copy.
        """
        x = self._inputs("accuracy", x)
        t = self._to_params_device(t)
        return accuracy(self.predict, x, t, name="TwoLayerNet.accuracy")

    def numerical_gradient(self, x, t, *, fast=False):
        """dL/d(each parameter) by central differences: two loss evaluations per parameter.

        The default is the book's loop: nudge one parameter, run the whole
        forward pass, nudge it back, repeat (2 x 39 760 forward passes for a
        784-50-10 network).  fast=True returns the same differences from
        fast_numerical_gradient, which re-runs only the part of the forward pass
        that each nudge changes, for thousands of nudges at once.
        """
        x, t = self._inputs("numerical_gradient", x, t)
        if fast:
            return fast_numerical_gradient(self.params, x, t)
        # float32 images times float64 weights: NumPy converts x to float64 inside
        # every product.  Converting once here, rather than in each of the
        # 2 x (number of parameters) loss evaluations, makes each one faster.
        x = x.astype(self.params["W1"].dtype, copy=False)

        # The argument W is ignored: common.gradient.numerical_gradient perturbs
        # self.params[key] in place, and _scores() reads the parameters from there.
        def loss_W(W):
            return softmax_loss(self._scores(x), t)

        grads = {}
        for key in ("W1", "b1", "W2", "b2"):
            grads[key] = numerical_gradient(loss_W, self.params[key])
        return grads

    def gradient(self, x, t):
        """dL/d(each parameter) by backpropagation (formulas in the module docstring)."""
        x, t = self._inputs("gradient", x, t)
        xp = get_array_module(x)
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        grads = {}
        batch_num = x.shape[0]

        # forward
        a1 = x @ W1 + b1
        z1 = sigmoid(a1)
        a2 = z1 @ W2 + b2
        y = softmax(a2)

        # backward
        if t.ndim == 1:  # class indices: subtracting one-hot t is subtracting 1 at the label
            dy = y.copy()
            dy[xp.arange(batch_num), t] -= 1
            dy /= batch_num
        else:
            dy = (y - t) / batch_num
        grads["W2"] = z1.T @ dy
        grads["b2"] = dy.sum(axis=0)

        da1 = dy @ W2.T
        dz1 = sigmoid_grad(a1) * da1
        grads["W1"] = x.T @ dz1
        grads["b1"] = dz1.sum(axis=0)
        return grads


def fast_numerical_gradient(params, x, t, h=1e-4, max_elements=1 << 19):
    """The loop's central differences, (L(theta + h e_i) - L(theta - h e_i)) / 2h, computed fast.

    params: the network's dict (W1, b1, W2, b2); x: a batch of inputs (N, D) or
    one input (D,); t: class indices or one-hot (or probability) rows.
    Returns a dict like TwoLayerNet.numerical_gradient, on the device of x.

    Why the loop is slow: each of its 2 x 39 760 loss evaluations (784-50-10)
    reruns the whole forward pass, although nudging one weight changes only a
    sliver of it: one column of a1 (or of a2), and only in some rows.  This
    function runs the forward pass once, then for every nudge recomputes only
    what that nudge changes, thousands of nudges at a time as array operations.

    Nothing is linearised: for every parameter the loss is evaluated with that
    parameter moved up by h and down by h, and the two are subtracted, as the
    loop does (no derivative formula is used anywhere).  With p = softmax(a2)
    of the unperturbed network, and a nudge that moves a2[n] to a2[n] + d:

        loss term of row n:  l_n(a) = s_n * logsumexp(a) - t_n . a
                             (s_n = sum of t_n: 1 for labels)
        logsumexp(a2[n] + d) - logsumexp(a2[n]) = log1p(sum_k p[n, k] * expm1(d_k))

    so l_n(a2[n] + d_up) - l_n(a2[n] + d_down) comes out of log1p/expm1 of small
    numbers without cancelling two large losses, and the rows a perturbation
    does not reach contribute exactly 0.  Per parameter:

    * b2[k] +- h:   a2[:, k] moves by +-h in every row (nothing else does).
    * W2[j, k] +- h: a2[:, k] moves by +-h * z1[:, j].
    * b1[j] +- h:   a1[:, j] moves by +-h; z1[:, j] by
                    dz = sigmoid(a1 +- h) - sigmoid(a1); a2 by dz * W2[j, :].
    * W1[i, j] +- h: a1[n, j] moves by +-h * x[n, i]; then as for b1.  Rows with
                    x[n, i] == 0 do not move, so only the nonzero entries of x
                    are visited (about 19% of the pixels of MNIST images), and a
                    pixel that is 0 in every row gets a gradient of exactly 0.

    b2 is handled as W2's row for an extra hidden unit whose output is always 1,
    and b1 as W1's row for an extra input that is always 1.  The change of the
    sigmoid is taken as -expm1(-e) * sigmoid(a + e) * sigmoid(-a), which is
    sigmoid(a + e) - sigmoid(a) rewritten (an identity, not an approximation)
    so that no digits cancel.
    The per-row differences are summed over the batch and divided by N * 2h:
    the loss is the batch mean.  For W1 they are gathered per (pixel, hidden
    unit) with bincount.  The perturbations of W1 and b1 are processed in
    chunks of at most ``max_elements`` (nonzero entry, hidden unit, class)
    triples, so each temporary array stays under 4 MB (by default) whatever
    the batch size.

    Uses only array operations that NumPy and CuPy share.
    """
    xp = get_array_module(x)
    W1, b1, W2, b2 = (params[key] for key in ("W1", "b1", "W2", "b2"))
    dtype = W1.dtype
    x = x.astype(dtype, copy=False)
    n_hidden, n_out = W2.shape
    if x.ndim == 1:
        x = x.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == n_out and n_out > 1 else t.reshape(-1)
    if x.ndim != 2 or x.shape[1] != W1.shape[0]:
        raise ValueError(
            f"fast_numerical_gradient: x has shape {tuple(x.shape)}, "
            f"expected (N, {W1.shape[0]}) for W1 of shape {tuple(W1.shape)}"
        )
    n_rows, n_in = x.shape
    if n_rows == 0:
        raise ValueError("fast_numerical_gradient: the batch is empty")
    labels = _label_weights(t, n_rows, n_out, dtype, xp)  # (N, K)
    label_sums = labels.sum(axis=1)  # s_n: 1 for labels

    # The unperturbed forward pass, once for all perturbations.
    a1 = x @ W1 + b1
    z1 = sigmoid(a1)
    p = softmax(z1 @ W2 + b2)

    def row_differences(s_rows, u_up, u_down, label_term):
        # l_n(up) - l_n(down), where u = sum_k p[n, k] expm1(d_k) for each move d of a2[n]
        # (so that log1p(u) is the change of logsumexp) and label_term = t_n . (d_up - d_down).
        return s_rows * (xp.log1p(u_up) - xp.log1p(u_down)) - label_term

    # --- W2 and b2: one column of a2 moves, by +-h * z (z = z1[:, j], or 1 for b2)
    z = xp.concatenate([z1, xp.ones((n_rows, 1), dtype=dtype)], axis=1)  # (N, H + 1)
    grad_out = xp.zeros((n_hidden + 1, n_out), dtype=dtype)
    rows_per_chunk = max(1, max_elements // ((n_hidden + 1) * n_out))
    for r0 in range(0, n_rows, rows_per_chunk):
        rs = slice(r0, r0 + rows_per_chunk)
        shift = h * z[rs, :, None]  # (n, H + 1, 1): how far a2[n, k] moves
        p_rows = p[rs, None, :]  # (n, 1, K)
        diff = row_differences(
            label_sums[rs, None, None],
            p_rows * xp.expm1(shift),
            p_rows * xp.expm1(-shift),
            labels[rs, None, :] * (shift - (-shift)),
        )
        grad_out += diff.sum(axis=0)
    grad_out /= n_rows * 2 * h

    # --- W1 and b1: a1[n, j] moves by +-h * x[n, i] (x[n, i] = 1 for b1), only where x[n, i] != 0
    rows, cols = xp.nonzero(x)
    values = x[rows, cols]
    rows = xp.concatenate([rows, xp.arange(n_rows, dtype=rows.dtype)])
    cols = xp.concatenate([cols, xp.full(n_rows, n_in, dtype=cols.dtype)])  # "input" n_in is b1's
    values = xp.concatenate([values, xp.ones(n_rows, dtype=dtype)])
    sigmoid_minus_a1 = sigmoid(-a1)  # 1 - z1, without the cancellation
    label_dot_w2 = labels @ W2.T  # (N, H): t_n . W2[j, :], for the linear part of l_n

    grad_in = xp.zeros((n_in + 1, n_hidden), dtype=dtype)
    units_per_chunk = max(1, min(n_hidden, max_elements // n_out))
    for j0 in range(0, n_hidden, units_per_chunk):
        js = slice(j0, min(j0 + units_per_chunk, n_hidden))
        n_units = js.stop - js.start
        w2 = W2[js]  # (J, K): a2 moves by dz * W2[j, :]
        pairs_per_chunk = max(1, max_elements // (n_units * n_out))
        buffer = xp.empty((min(pairs_per_chunk, rows.size), n_units, n_out), dtype=dtype)
        unit_index = xp.arange(n_units, dtype=cols.dtype)
        for m0 in range(0, rows.size, pairs_per_chunk):
            r = rows[m0 : m0 + pairs_per_chunk]
            eps = h * values[m0 : m0 + pairs_per_chunk, None]  # (m, 1): how far a1[n, j] moves
            a = a1[r, js]  # (m, J)
            dz_up = -xp.expm1(-eps) * sigmoid(a + eps) * sigmoid_minus_a1[r, js]
            dz_down = -xp.expm1(eps) * sigmoid(a - eps) * sigmoid_minus_a1[r, js]
            p_rows = p[r][:, :, None]  # (m, K, 1)
            u = []
            for dz in (dz_up, dz_down):
                d = buffer[: r.size]
                xp.multiply(dz[:, :, None], w2, out=d)  # the move of a2[n]: (m, J, K)
                xp.expm1(d, out=d)
                u.append((d @ p_rows)[:, :, 0])  # sum_k p[n, k] expm1(d_k)
            diff = row_differences(
                label_sums[r, None], u[0], u[1], (dz_up - dz_down) * label_dot_w2[r, js]
            )
            # Add each pair's difference to its (input, hidden unit) entry.
            flat = (cols[m0 : m0 + pairs_per_chunk, None] * n_units + unit_index).reshape(-1)
            grad_in[:, js] += xp.bincount(
                flat, weights=diff.reshape(-1), minlength=(n_in + 1) * n_units
            ).reshape(n_in + 1, n_units)
    grad_in /= n_rows * 2 * h

    return {
        "W1": grad_in[:n_in],
        "b1": grad_in[n_in],
        "W2": grad_out[:n_hidden],
        "b2": grad_out[n_hidden],
    }


def _label_weights(t, n_rows, n_out, dtype, xp):
    """The labels as an (N, K) matrix, read the way softmax_loss reads them:
    (N, K) rows of weights as they are, N class indices as one-hot rows."""
    if _check_labels("fast_numerical_gradient", t, (n_rows, n_out)):
        return t.astype(dtype, copy=False)
    weights = xp.zeros((n_rows, n_out), dtype=dtype)
    weights[xp.arange(n_rows), t] = 1
    return weights


if __name__ == "__main__":
    # Run as a script: say what this module is, and compare its gradients on a tiny batch.
    from common.cli import run, script_parser

    def main(argv=None):
        script_parser(
            __doc__ + "\nRun as a script, it compares the three ways of computing the gradient "
            "of a 784-10-10 network on 3 random images (ch04/train_neuralnet.py trains it)."
        ).parse_args(argv)
        np.random.seed(0)
        network = TwoLayerNet(784, 10, 10)
        x, t = np.random.rand(3, 784), np.array([1, 2, 3])
        backprop = network.gradient(x, t)
        numerical = network.numerical_gradient(x, t, fast=True)
        for key in ("W1", "b1", "W2", "b2"):
            diff = float(np.abs(backend.to_cpu(numerical[key] - backprop[key])).max())
            print(f"{key}: max |numerical (fast) - backprop| = {diff:.1e}")

    run(main)
