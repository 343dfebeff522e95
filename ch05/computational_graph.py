"""Draw the computational graphs that common.autograd records: apple-and-orange, two-layer loss.

Chapter 5 draws its graphs by hand.  These are read from the engine itself: the
script computes

    price = (apple * apple_num + orange * orange_num) * tax
    loss  = softmax_cross_entropy(relu(x @ W1 + b1) @ W2 + b2, t)

calls ``backward(retain_grad=True)``, and walks from the result back through
every ``creator`` and its inputs.  Boxes are operations (the Function's class),
rounded boxes are Variables, labelled with their name, their value (for a
number) or shape (for an array) and, after backward, their gradient (its value,
or for an array its norm, the square root of the sum of its squares).  Data go
left to right, from the inputs to the result; gradients flow the other way.
Blue: leaves that receive a gradient (inputs, parameters); grey: constants (the
images x); white: intermediate results.

The two-layer net is chapter 5's (784-50-10, batch 100) fed random stand-in
images: the graph's shape does not depend on the data.

``--dot FILE`` also writes the two graphs as Graphviz DOT text (``dot -Tpng FILE
-o graph.png`` renders it where Graphviz is installed; the figure needs none);
``--dot -`` writes it to stdout, for a pipe: ``... --dot - | dot -Tpng -o graph.png``.
"""

import contextlib
import sys

from ch05.autograd_buy_apple_orange import autograd_buy_apple_orange
from ch05.autograd_two_layer_net import AutogradTwoLayerNet
from common import backend, cli
from common.autograd import Variable
from common.cli import batch_size, layer_width, run, script_parser, setup
from common.plotting import show_or_save

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

COLORS = {"leaf": "#cfe2f3", "constant": "#e6e6e6", "variable": "white", "function": "#fde9c9"}


def collect(root):
    """The graph behind Variable ``root``: (variables, functions, edges), found without recursion.

    Edges are (source, target) pairs: input Variable -> Function -> output Variable.
    """
    variables, functions, edges = [root], [], []
    seen, stack = {id(root)}, [root]
    while stack:
        function = stack.pop().creator
        if function is None or id(function) in seen:
            continue
        seen.add(id(function))
        functions.append(function)
        edges.append((function, function.output()))
        for x in function.inputs:
            edges.append((x, function))
            if id(x) not in seen:
                seen.add(id(x))
                variables.append(x)
                stack.append(x)
    return variables, functions, edges


def _describe(array):
    """A number's value, or an array's shape."""
    array = backend.to_cpu(array)
    return f"{array.item():.4g}" if array.size == 1 else str(tuple(array.shape))


def label(node):
    """The text of a node: the operation, or name / value or shape / gradient."""
    if not isinstance(node, Variable):
        extra = f"\nt {tuple(node.t.shape)}" if hasattr(node, "t") else ""
        return type(node).__name__ + extra
    lines = [node.name] if node.name else []
    lines.append(_describe(node.data) if hasattr(node.data, "shape") else f"{node.data:.4g}")
    if node.grad is not None:
        grad = backend.to_cpu(node.grad)
        lines.append(
            # an array's gradient as one number, its norm (the figure's legend says so)
            f"grad {grad.item():.4g}" if grad.size == 1 else f"grad norm {np.linalg.norm(grad):.3g}"
        )
    return "\n".join(lines)


def kind(node):
    if not isinstance(node, Variable):
        return "function"
    if node.creator is not None:
        return "variable"
    return "leaf" if node.requires_grad else "constant"


def layout(variables, functions, edges):
    """(column, row) of every node, by id: columns follow the generations, left to right.

    A Function of generation g goes to column 2g + 1, its output to 2g + 2; a leaf
    goes just left of its first use.  Rows are set column by column from the right:
    each node at the mean row of the nodes it feeds, results before leaves, and
    pushed upwards where the row is taken (so the main chain runs straight).
    """
    consumers = {}
    for source, target in edges:
        consumers.setdefault(id(source), []).append(target)
    column = {id(f): 2 * f.generation + 1 for f in functions}
    for v in variables:
        if v.creator is not None:
            column[id(v)] = 2 * v.generation
        else:
            column[id(v)] = min((column[id(f)] for f in consumers.get(id(v), [])), default=1) - 1
    used = sorted(set(column.values()))
    row = {}
    for c in reversed(used):
        nodes = [n for n in variables + functions if column[id(n)] == c]
        wanted = [np.mean([row[id(t)] for t in consumers.get(id(n), [])] or [0.0]) for n in nodes]
        order = sorted(range(len(nodes)), key=lambda i: (wanted[i], kind(nodes[i]) != "variable"))
        top = -np.inf
        for i in order:
            top = row[id(nodes[i])] = max(float(wanted[i]), top + 1.0)
    return {key: (used.index(column[key]), row[key]) for key in column}


def draw_graph(root, title=None, ax=None):
    """Draw the graph behind ``root`` on ``ax`` (a new figure if None); return the figure."""
    variables, functions, edges = collect(root)
    nodes = variables + functions
    where = layout(variables, functions, edges)
    labels = {id(n): label(n) for n in nodes}
    # x in units of characters: each column as wide as its widest label, plus a gap for arrows.
    widths = {}
    for n in nodes:
        c = where[id(n)][0]
        widths[c] = max(widths.get(c, 0), max(len(line) for line in labels[id(n)].split("\n")))
    x, gap = {0: widths[0] / 2}, 5
    for c in range(1, len(widths)):
        x[c] = x[c - 1] + (widths[c - 1] + widths[c]) / 2 + gap
    right = x[len(widths) - 1] + widths[len(widths) - 1] / 2
    rows = [r for _, r in where.values()]
    if ax is None:
        # about 0.1 inch a character of the 10-point labels, 0.8 inch a row
        size = (max(6.4, 0.1 * right + 0.6), max(2.8, 0.8 * (max(rows) - min(rows) + 1) + 1.4))
        _, ax = plt.subplots(figsize=size)
    texts = {}
    for n in nodes:
        c, r = where[id(n)]
        style = "square,pad=0.35" if kind(n) == "function" else "round,pad=0.35"
        box = dict(boxstyle=style, facecolor=COLORS[kind(n)], edgecolor="0.3")
        texts[id(n)] = ax.text(
            x[c], r, labels[id(n)], ha="center", va="center", fontsize=10, bbox=box
        )
    for source, target in edges:  # from the right edge of the source to the left edge of the target
        ax.annotate(
            "",
            xy=(0, 0.5),
            xycoords=texts[id(target)],
            xytext=(1, 0.5),
            textcoords=texts[id(source)],
            # the anchors are the text's edges, inside the padded box: shrink past the pad
            arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.0, shrinkA=5, shrinkB=5),
        )
    ax.set_xlim(-1, right + 1)
    # row 0 at the top, the next rows below it: inputs read top-down, as in the book's drawings
    ax.set_ylim(max(rows) + 0.7, min(rows) - 0.7)
    ax.axis("off")
    present = [k for k in COLORS if any(kind(n) == k for n in nodes)]
    handles = [Patch(facecolor=COLORS[k], edgecolor="0.3", label=k) for k in present]
    if any("grad norm" in text for text in labels.values()):  # say what the words mean
        note = "grad norm: √(sum of the gradient's squares)"
        handles.append(Patch(facecolor="none", edgecolor="none", label=note))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles))
    if title:
        ax.set_title(title)
    return ax.figure


def to_dot(graphs):
    """Graphviz DOT text for ``graphs`` (a dict title -> root Variable), one cluster each."""

    def quote(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [
        "digraph computational_graphs {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
    ]
    for g, (title, root) in enumerate(graphs.items()):
        variables, functions, edges = collect(root)
        names = {id(n): f"g{g}n{i}" for i, n in enumerate(variables + functions)}
        lines += [f"  subgraph cluster_{g} {{", f"    label={quote(title)};"]
        for node in variables + functions:
            style = "filled" if kind(node) == "function" else "rounded,filled"
            lines.append(
                f"    {names[id(node)]} [label={quote(label(node))}, shape=box, "
                f"style={quote(style)}, fillcolor={quote(COLORS[kind(node)])}];"
            )
        lines += [f"    {names[id(a)]} -> {names[id(b)]};" for a, b in edges]
        lines.append("  }")
    return "\n".join(lines + ["}"]) + "\n"


def write_dot(path, text):
    """Write ``text`` to ``path`` whole or not at all, or to stdout when ``path`` is ``-``."""
    if path == cli.STDOUT:
        sys.stdout.write(text)
        return
    with cli.atomic_path(path) as temp, open(temp, "w") as stream:
        stream.write(text)


def two_layer_loss(batch_size=100, hidden_size=50, seed=0):
    """The loss Variable of chapter 5's two-layer net on random stand-in images, after backward."""
    rng = np.random.RandomState(seed)
    np.random.seed(seed)
    network = AutogradTwoLayerNet(784, hidden_size, 10)
    x = Variable(
        backend.to_device(rng.rand(batch_size, 784).astype(np.float32)),
        name="x",
        requires_grad=False,
    )
    t = backend.to_device(np.eye(10, dtype=np.float32)[rng.randint(0, 10, batch_size)])
    loss = network.loss(x, t)
    loss.name = "loss"
    loss.backward(retain_grad=True)
    return loss


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument(
        "--dot",
        metavar="FILE",
        type=cli.output_file_or_stdout,
        default=None,
        help="also write both graphs as Graphviz DOT text to FILE (-: to stdout)",
    )
    parser.add_argument("--batch-size", type=batch_size, default=100, help="two-layer batch")
    parser.add_argument("--hidden", type=layer_width, default=50, help="hidden units")
    args = parser.parse_args(argv)
    setup(args)

    price, _ = autograd_buy_apple_orange()
    loss = two_layer_loss(args.batch_size, args.hidden, args.seed)
    graphs = {
        "price = (apple * apple_num + orange * orange_num) * tax": price,
        "two-layer net: loss = softmax_cross_entropy(relu(x @ W1 + b1) @ W2 + b2, t)": loss,
    }
    if args.dot:
        try:
            write_dot(args.dot, to_dot(graphs))
        except OSError as exc:  # the checks at parse time cannot foresee everything (a full disk)
            sys.exit(f"error: --dot {args.dot}: cannot write it ({exc.strerror or exc})")
        if args.dot != cli.STDOUT:
            print(f"saved DOT text: {args.dot}")
    figures = {
        "graph_apple_orange": draw_graph(price, next(iter(graphs))),
        "graph_two_layer_net": draw_graph(loss, list(graphs)[1]),
    }
    # with --dot -, stdout carries the DOT text only: the figures' messages go to stderr
    with contextlib.redirect_stdout(sys.stderr if args.dot == cli.STDOUT else sys.stdout):
        show_or_save(figures, args.save)


if __name__ == "__main__":
    run(main)
