"""The figures the README and the scripts' ``--help`` quote are the ones the scripts print.

Each deterministic run whose results are quoted is run once here, at the size the
quote is about (the script's defaults, or the options the text names), and its
printed numbers are compared with every place that quotes them. The expected
text is built from the run, never written into this file, so that when a change
to a script moves its results, this test fails and its message shows the new
text to paste. Which runs feed which quotes:

* ``ch05/train_neuralnet.py`` (the main job): the README's count of accuracy lines,
  its ``final test acc`` line and the chapter table's rounded accuracy; the range
  in the script's own docstring.
* ``ch05/gradient_check.py``: the README's range of differences.
* ``ch03/neuralnet_mnist.py``: its accuracy in the README and its docstring.
* ``ch06/overfit_dropout.py``, at its defaults and at the book's settings: the
  README's accuracies and the docstring's table.
* ``ch06/batch_norm_test.py``: the README's two tables, its count of scales where
  batch norm is ahead, and the figures in the script's docstring.

The runs take about a minute and a half on one core, hence ``slow``; they are about
NumPy on the CPU, hence ``cpu_only`` (the stand-in device would only repeat them).
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import REPO, requires_mnist, run_script

README = (REPO / "README.md").read_text()

pytestmark = [pytest.mark.slow, pytest.mark.cpu_only, requires_mnist]

_runs = {}


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """Where the runs' figures go (not looked at here: other tests check them)."""
    return tmp_path_factory.mktemp("figures")


def run_output(script, *args):
    """The standard output of ``python script *args``, each run made once per session."""
    key = (script, *map(str, args))
    if key not in _runs:
        _runs[key] = run_script(script, *args, timeout=900).stdout
    return _runs[key]


def docstring(script):
    """The module docstring of ``script``: what ``--help`` prints above the options."""
    return run_script(script, "--help").stdout


def quoted(text, pattern, where):
    """Every match of ``pattern`` in ``text``; at least one, or the quote went missing."""
    found = re.findall(pattern, text)
    assert found, f"{where}: no text matches {pattern!r} any more"
    return found


def as_quoted(value, quote):
    """``value`` written with as many decimals as ``quote`` has (0.8048 as '0.805')."""
    decimals = len(quote.split(".")[1]) if "." in quote else 0
    return f"{value:.{decimals}f}"


def check_quotes(text, pattern, values, where):
    """Each match of ``pattern`` (one group per value) quotes ``values`` as the run printed."""
    for match in quoted(text, pattern, where):
        match = (match,) if isinstance(match, str) else match
        expected = tuple(as_quoted(v, q) for v, q in zip(values, match))
        assert tuple(match) == expected, (
            f"{where} quotes {match} where the run prints {values} (write {expected})"
        )


# --------------------------------------------------------------------------- chapter 3 and 5


def test_main_job_quotes():
    out = run_output("ch05/train_neuralnet.py")
    lines = [line for line in out.splitlines() if re.match(r"epoch\s+\d+\b", line)]
    final = float(re.search(r"final test acc (\d\.\d+)", out).group(1))

    counts = quoted(README, r"(\d+) accuracy lines", "README")
    assert counts == [str(len(lines))] * len(counts), (
        f"README says {counts} accuracy lines; the main job prints {len(lines)}"
    )
    check_quotes(README, r"`final test acc (\d\.\d+)`", [final], "README")
    check_quotes(README, r"10 000 iterations\), test accuracy (\d\.\d+)", [final], "README")
    low, high = quoted(
        docstring("ch05/train_neuralnet.py"), r"about (\d\.\d+)-(\d\.\d+)", "--help"
    )[0]
    assert float(low) <= final <= float(high), f"--help expects {low}-{high}, the run: {final}"


def test_gradient_check_quotes():
    out = run_output("ch05/gradient_check.py")
    diffs = [float(d) for d in re.findall(r"^\w+: (\S+)$", out, re.M)]
    assert len(diffs) == 4, out
    low, high = f"{min(diffs):.0e}", f"{max(diffs):.0e}"
    found = quoted(README, r"`ch05/gradient_check.py` \|[^|]*\(seed 0: (\S+) to (\S+)\)", "README")
    assert found == [(low, high)], f"README quotes {found}; the run prints {low} to {high}"


def test_sample_network_accuracy_quotes():
    out = run_output("ch03/neuralnet_mnist.py")
    accuracy = float(re.search(r"Accuracy:(\d\.\d+)", out).group(1))
    check_quotes(README, r"accuracy (\d\.\d+) with this repository's weights", [accuracy], "README")
    check_quotes(README, r"prints (\d\.\d+) where the book", [accuracy], "README")
    help_text = docstring("ch03/neuralnet_mnist.py")
    check_quotes(help_text, r"prints\s+Accuracy:(\d\.\d+),\s+where the book", [accuracy], "--help")


# --------------------------------------------------------------------------- chapter 6


def final_accuracies(out):
    """{network: (train, test, gap)} from the overfitting scripts' closing lines."""
    pattern = r"^(.+): final train acc (\S+), test acc (\S+), gap (\S+)$"
    return {name: tuple(map(float, rest)) for name, *rest in re.findall(pattern, out, re.M)}


def table_row(ratio, lr, epochs, runs):
    """The docstring's table row for one run: 'ratio lr epochs train/test gap -> ...'."""
    (plain, dropped) = runs.values()
    cells = [f"{train:.3f}/{test:.3f} {gap:.3f}" for train, test, gap in (plain, dropped)]
    return f"{ratio:<6} {lr:<5} {epochs:>4}   {cells[0]}  ->  {cells[1]}"


def test_overfit_dropout_quotes(figures):
    book_settings = ["--dropout-ratio", "0.2", "--lr", "0.01"]
    # the two runs at once: each uses one core (the tests run with one BLAS thread)
    with ThreadPoolExecutor(2) as pool:
        default_run = pool.submit(run_output, "ch06/overfit_dropout.py", "--save", figures)
        book_run = pool.submit(
            run_output, "ch06/overfit_dropout.py", *book_settings, "--save", figures
        )
        runs, book = final_accuracies(default_run.result()), final_accuracies(book_run.result())
    (plain, dropped), (book_plain, book_dropped) = runs.values(), book.values()
    help_text = docstring("ch06/overfit_dropout.py")

    check_quotes(
        README,
        r"ratio 0\.15\): test accuracy (\d\.\d+) against (\d\.\d+)",
        [dropped[1], plain[1]],
        "README",
    )
    check_quotes(
        help_text,
        r"seed 0 gives test (\d\.\d+) against (\d\.\d+)\s+\(gap (\d\.\d+) against (\d\.\d+)\)",
        [dropped[1], plain[1], dropped[2], plain[2]],
        "--help",
    )
    for row in (table_row(0.2, 0.01, 301, book), table_row(0.15, 0.1, 301, runs)):
        assert row in help_text, f"--help lacks the table row {row!r}"
    check_quotes(
        help_text,
        r"\(train (\d\.\d+), test (\d\.\d+), against (\d\.\d+) and (\d\.\d+)\s+without dropout\)",
        [book_dropped[0], book_dropped[1], book_plain[0], book_plain[1]],
        "--help",
    )
    check_quotes(
        README,
        r"ends at training accuracy (\d\.\d+) and test (\d\.\d+)",
        [book_dropped[0], book_dropped[1]],
        "README",
    )


def batch_norm_results(figures):
    """[(std as printed, accuracy without BN, with BN)] after the last epoch of each scale."""
    out = run_output("ch06/batch_norm_test.py", "--save", figures)
    results, std = [], None
    for line in out.splitlines():
        if match := re.match(r"scale \d+/\d+ \| weight init std (\S+)", line):
            std = match.group(1)
            results.append(None)
        elif match := re.match(
            r"epoch.*without BN: train acc (\S+) \| with BN: train acc (\S+)", line
        ):
            results[-1] = (std, float(match.group(1)), float(match.group(2)))
    assert len(results) == 16 and None not in results, out[-2000:]
    return results


def markdown_tables(results):
    """The README's two tables of eight scales each, exactly as the run gives them."""
    tables = []
    for half in (results[:8], results[8:]):
        rows = [
            "| weight std | " + " | ".join(f"{float(std):.2g}" for std, _, _ in half) + " |",
            "|---" * 9 + "|",
            "| without BN | " + " | ".join(f"{a:.3f}" for _, a, _ in half) + " |",
            "| with BN | " + " | ".join(f"{b:.3f}" for _, _, b in half) + " |",
        ]
        tables.append("\n".join(rows))
    return tables


def test_batch_norm_quotes(figures):
    results = batch_norm_results(figures)
    for table in markdown_tables(results):
        assert table in README, f"the README's batch-norm table should read:\n{table}"

    behind = [f"{float(std):.2g}" for std, without, with_bn in results if with_bn < without]
    ahead = sum(with_bn > without for _, without, with_bn in results)
    help_text = docstring("ch06/batch_norm_test.py")
    for text, where in ((README, "README"), (help_text, "--help")):
        counts = quoted(text, r"ahead\s+at\s+(\d+)\s+of\s+(?:the\s+)?16", where)
        assert counts == [str(ahead)] * len(counts), f"{where}: ahead at {counts}, run: {ahead}"
        for pair in quoted(text, r"behind\s+at\s+(\S+)\s+and\s+(\d\.\d+)", where):
            assert list(pair) == behind, f"{where}: behind at {pair}, the run: {behind}"
    # "(0.97 at 0.29, 0.83 at 0.16, ...": the plain network's two good scales
    plain = {f"{float(std):.2g}": without for std, without, _ in results}
    for accuracy, std in quoted(help_text, r"(\d\.\d+) at (\d\.\d+)[,)]", "--help"):
        assert std in plain, f"--help names a scale {std} the run does not have"
        assert accuracy == as_quoted(plain[std], accuracy), (
            f"--help: {accuracy} at {std}; the run: {plain[std]}"
        )
