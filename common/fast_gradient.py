"""Chapter 4's numerical gradient of the two-layer network, computed fast.

``fast_numerical_gradient(params, x, t)`` returns exactly the central differences
of the book's loop, (L(theta + h e_i) - L(theta - h e_i)) / 2h for every parameter
of ``ch04/two_layer_net.py``'s network, about a thousand times faster for a
784-50-10 network and 100 MNIST images.  It still evaluates the perturbed loss for
every single parameter; it only avoids recomputing the parts of the forward pass
that a perturbation leaves unchanged, and handles many perturbations at once.

It lives here, not in the chapter's file, so that ``ch04/two_layer_net.py`` reads
like the book's; ``TwoLayerNet.numerical_gradient(x, t, fast=True)`` calls it.
"""

from common import checks
from common.backend import get_array_module
from common.functions import sigmoid, softmax


def fast_numerical_gradient(params, x, t, h=1e-4, max_elements=1 << 19):
    """The loop's central differences, (L(theta + h e_i) - L(theta - h e_i)) / 2h, computed fast.

    params: the network's dict (W1, b1, W2, b2); x: a batch of inputs (N, D) or
    one input (D,); t: class indices or one-hot (or probability) rows.
    Returns a dict like TwoLayerNet.numerical_gradient, on the device of x.
    x and t are checked here (this function is a door of its own).

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
    W1, b1, W2, b2 = (params[key] for key in ("W1", "b1", "W2", "b2"))
    n_hidden, n_out = W2.shape
    if hasattr(t, "size"):  # one example: a batch of one
        x, t = checks.one_example(x, t, n_out)
    checks.batch("fast_numerical_gradient", x, W1.shape[0])
    one_hot = checks.labels("fast_numerical_gradient", t, x.shape[0], n_out)
    xp = get_array_module(x)
    dtype = W1.dtype
    x = x.reshape(x.shape[0], -1).astype(dtype, copy=False)
    n_rows, n_in = x.shape
    labels = _label_weights(t, one_hot, n_out, dtype, xp)  # (N, K)
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


def _label_weights(t, one_hot, n_out, dtype, xp):
    """The labels as an (N, K) matrix, read the way softmax_loss reads them:
    (N, K) rows of weights as they are, N class indices as one-hot rows."""
    if one_hot:
        return t.astype(dtype, copy=False)
    weights = xp.zeros((t.shape[0], n_out), dtype=dtype)
    weights[xp.arange(t.shape[0]), t] = 1
    return weights
