"""Tests for common/progress.py: a bar on terminals, plain lines in logs, say() above it."""

import io

from common import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_bar_redraws_in_place():
    stream = Terminal()
    with progress.progress_bar(3, "training", stream=stream) as bar:
        for _ in range(3):
            bar.update()
    text = stream.getvalue()
    assert text.startswith("\rtraining:") and "0/3" in text  # drawn, then redrawn in place
    assert text.endswith("\r")  # and cleared at the end (leave=False): no stale bar


def test_in_a_log_short_loops_print_nothing(monkeypatch):
    stream = io.StringIO()  # not a terminal
    with progress.progress_bar(100, "training", stream=stream) as bar:
        for _ in range(100):
            bar.update()
    assert stream.getvalue() == ""


def test_in_a_log_long_loops_print_whole_lines(monkeypatch):
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    stream = io.StringIO()
    with progress.progress_bar(5, "training", stream=stream) as bar:
        for _ in range(5):
            bar.update()
    lines = stream.getvalue().splitlines()
    assert lines, "no progress line"
    assert "\r" not in stream.getvalue()
    assert all(line.startswith("training:") for line in lines), lines
    assert any("5/5" in line for line in lines), lines


def test_disabled_bar_prints_nothing():
    stream = Terminal()
    with progress.progress_bar(5, "training", enabled=False, stream=stream) as bar:
        bar.update(5)
    assert stream.getvalue() == ""


def test_say_prints_a_line_on_stdout(capsys):
    progress.say("epoch   1 | train acc 0.5000")
    assert capsys.readouterr().out == "epoch   1 | train acc 0.5000\n"
