"""How much of each teaching module is the book's math, and how much is input checking.

For the seven modules that the book's repository also has, it prints the code lines
(no blank, comment or docstring lines) here and in the book, their ratio, the share
of this repository's code lines that are checks, and the line where each module's
first teaching class or function starts.

A check line is a line of a ``raise`` statement, of the ``if`` test that leads only
to a ``raise``, or of a call to a ``common.checks`` helper.

    python benchmarks/teaching_size.py --book PATH

PATH is a checkout of the book's repository (oreilly-japan/deep-learning-from-scratch),
or its git directory (then the files are read at HEAD with ``git show``).
"""

import argparse
import ast
import io
import pathlib
import subprocess
import sys
import tokenize

REPO = pathlib.Path(__file__).resolve().parents[1]
MODULES = [
    "common/functions.py",
    "common/gradient.py",
    "common/layers.py",
    "common/optimizer.py",
    "common/multi_layer_net.py",
    "common/multi_layer_net_extend.py",
    "common/trainer.py",
]


def code_lines(source):
    """Line numbers that hold code: not blank, not only a comment, not a docstring."""
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            lines.update(range(token.start[0], token.end[0] + 1))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines -= set(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def check_lines(source):
    """Line numbers of raises, of the if-tests that lead only to a raise, of checks.* calls."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise):
            lines.update(range(node.lineno, node.end_lineno + 1))
        elif isinstance(node, ast.If) and all(isinstance(s, ast.Raise) for s in node.body):
            lines.update(range(node.test.lineno, node.test.end_lineno + 1))
            lines.add(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "checks"
        ):
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def first_teaching_line(source):
    """The line of the first public top-level class or function."""
    for node in ast.parse(source).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and not node.name.startswith("_"):
            return node.lineno
    return None


def book_source(book, path):
    book = pathlib.Path(book)
    if (book / path).is_file():
        return (book / path).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", f"--git-dir={book}", "show", f"HEAD:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", required=True, help="the book's checkout or git directory")
    args = parser.parse_args(argv)
    rows, total_here, total_book, total_checks = [], 0, 0, 0
    for path in MODULES:
        source = (REPO / path).read_text(encoding="utf-8")
        code = code_lines(source)
        checks = check_lines(source) & code
        book = len(code_lines(book_source(args.book, path)))
        rows.append((path, len(code), book, len(checks), first_teaching_line(source)))
        total_here, total_book, total_checks = (
            total_here + len(code),
            total_book + book,
            total_checks + len(checks),
        )
    print(f"{'module':34} {'here':>5} {'book':>5} {'ratio':>6} {'checks':>7} {'first':>6}")
    for path, here, book, checks, first in rows:
        print(f"{path:34} {here:5d} {book:5d} {here / book:5.2f}x {checks / here:6.0%} {first:6d}")
    print(
        f"{'all seven':34} {total_here:5d} {total_book:5d} {total_here / total_book:5.2f}x "
        f"{total_checks / total_here:6.0%}"
    )


if __name__ == "__main__":
    sys.exit(main())
