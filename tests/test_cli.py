"""Tests for common/cli.py: option types refuse bad values at parse time, with a message
naming the option; the shared options; setup(); run() turns failures into one line."""

import argparse
import math
import os
import subprocess
import sys
import textwrap

from common import backend, cli
from common.trainer import TrainingDiverged, TrainingInterrupted

import pytest


def parse(option_type, *values, default=None):
    parser = argparse.ArgumentParser(prog="script")
    parser.add_argument("--opt", type=option_type, default=default)
    return parser.parse_args([f"--opt={v}" for v in values]).opt


def refused(option_type, value, capsys):
    with pytest.raises(SystemExit) as info:
        parse(option_type, value)
    assert info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "option_type, good",
    [
        (cli.positive_int, [("1", 1), ("10000", 10000)]),
        (cli.nonnegative_int, [("0", 0), ("7", 7)]),
        (cli.batch_size, [("1", 1), ("60000", 60000)]),
        (cli.learning_rate, [("0.1", 0.1), ("1e-10", 1e-10), ("10", 10.0)]),
        (cli.fraction, [("0", 0.0), ("0.5", 0.5), ("0.999", 0.999)]),
        (cli.finite_float, [("-3.5", -3.5), ("1e300", 1e300)]),
        (cli.positive_float, [("1e-300", 1e-300)]),
        (cli.nonnegative_float, [("0", 0.0)]),
        (cli.random_seed, [("0", 0), (str(2**32 - 1), 2**32 - 1)]),
    ],
)
def test_good_values_are_parsed(option_type, good):
    for text, value in good:
        assert parse(option_type, text) == value


@pytest.mark.parametrize(
    "option_type, bad, words",
    [
        (cli.positive_int, "0", "at least 1"),
        (cli.positive_int, "-5", "at least 1"),
        (cli.positive_int, "2.5", "whole number"),
        (cli.positive_int, "ten", "whole number"),
        (cli.batch_size, "60001", "from 1 to 60000"),
        (cli.batch_size, "-5", "from 1 to 60000"),
        (cli.learning_rate, "nan", "finite"),
        (cli.learning_rate, "inf", "finite"),
        (cli.learning_rate, "0", "(0, 100]"),
        (cli.learning_rate, "-0.1", "(0, 100]"),
        (cli.fraction, "1", "[0, 1)"),
        (cli.fraction, "-0.5", "[0, 1)"),
        (cli.fraction, "nan", "finite"),
        (cli.nonnegative_float, "-1e-9", "[0, inf]"),
        (cli.layer_width, "1000000", "from 1 to 10000"),
        (cli.random_seed, "-1", "from 0 to 4294967295"),
        (cli.random_seed, str(2**32), "from 0 to 4294967295"),
    ],
)
def test_bad_values_are_refused_naming_the_option(option_type, bad, words, capsys):
    line = refused(option_type, bad, capsys)
    assert line.startswith("script: error: argument --opt:"), line
    assert words in line, line


def test_output_dir_accepts_new_and_existing_writable_folders(tmp_path):
    assert parse(cli.output_dir, str(tmp_path)) == str(tmp_path)
    assert parse(cli.output_dir, str(tmp_path / "new" / "deeper")) == str(
        tmp_path / "new" / "deeper"
    )
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_output_dir_refuses_a_file_and_a_path_under_a_file(tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    assert "not a folder" in refused(cli.output_dir, str(tmp_path / "a_file"), capsys)
    assert "not a folder" in refused(cli.output_dir, str(tmp_path / "a_file" / "sub"), capsys)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_output_paths_where_nothing_can_be_written_are_refused(capsys):
    """/proc takes no new files, not even from root (CI runs as root): a real refusal."""
    assert "not writable" in refused(cli.output_dir, "/proc", capsys)
    assert "not writable" in refused(cli.output_dir, "/proc/no-such-folder", capsys)
    assert "not writable" in refused(cli.output_file, "/proc/weights.npz", capsys)


def test_output_file(tmp_path, capsys):
    assert parse(cli.output_file, str(tmp_path / "w.npz")) == str(tmp_path / "w.npz")
    assert parse(cli.output_file, str(tmp_path / "new" / "w.npz")) == str(
        tmp_path / "new" / "w.npz"
    )
    assert "is a folder" in refused(cli.output_file, str(tmp_path), capsys)
    (tmp_path / "f").write_text("x")
    assert "not a folder" in refused(cli.output_file, str(tmp_path / "f" / "w.npz"), capsys)


def test_script_parser_options(monkeypatch):
    monkeypatch.setenv(backend.ENV_VAR, "cpu")
    parser = cli.script_parser("A script.\n\n  an indented line", training=True, figures=True)
    args = parser.parse_args([])
    # --device defaults to None: $DLFS_DEVICE, read once by the backend, decides
    assert (args.seed, args.device, args.save) == (0, None, None)
    assert parser.parse_args(["--device", "GPU"]).device == "gpu"
    help_text = parser.format_help()
    assert "  an indented line" in help_text  # the docstring keeps its layout
    words = " ".join(help_text.split())
    assert "(default: 0)" in words and "default: None" not in words


def test_device_option_refuses_unknown_devices(capsys):
    with pytest.raises(SystemExit):
        cli.script_parser("x", training=True).parse_args(["--device", "tpu"])
    assert "--device: choose cpu or gpu, got 'tpu'" in capsys.readouterr().err


def test_fill_defaults_keeps_what_was_given():
    args = argparse.Namespace(iters=None, lr=0.5)
    cli.fill_defaults(args, {"iters": 100, "lr": 0.1})
    assert (args.iters, args.lr) == (100, 0.5)


@pytest.mark.cpu_only
def test_setup_without_cupy_exits_with_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    with backend.using_device("cpu"), pytest.raises(SystemExit) as info:
        cli.setup(argparse.Namespace(device="gpu", seed=0))
    message = str(info.value.code)
    assert message.startswith("error: --device gpu:") and "pip install cupy" in message


def test_setup_seeds(monkeypatch):
    import numpy as np

    with backend.using_device("cpu"):
        cli.setup(argparse.Namespace(device="cpu", seed=5))
        first = np.random.rand()
        cli.setup(argparse.Namespace(device="cpu", seed=5))
        assert np.random.rand() == first


def test_run_turns_divergence_and_ctrl_c_into_one_line(capsys):
    def diverges(argv):
        raise TrainingDiverged("the loss became nan at step 3")

    with pytest.raises(SystemExit) as info:
        cli.run(diverges)
    assert info.value.code == "error: the loss became nan at step 3"

    def interrupted(argv):
        raise TrainingInterrupted("interrupted at step 5/10, last test acc 0.5000")

    with pytest.raises(SystemExit) as info:
        cli.run(interrupted)
    assert info.value.code == 130
    assert capsys.readouterr().err.strip() == (
        "stopped by Ctrl-C interrupted at step 5/10, last test acc 0.5000"
    )
    assert cli.run(lambda argv: 42) == 42


def test_a_bad_thread_count_stops_a_script_in_one_line():
    code = textwrap.dedent("""
        from common.cli import script_parser, setup
        setup(script_parser("x", training=True).parse_args([]))
        print("should not get here")
        """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, DLFS_CPU_THREADS="abc"),
        timeout=60,
    )
    assert result.returncode == 1 and "should not get here" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: $DLFS_CPU_THREADS must be"), lines


@pytest.mark.parametrize("script", ["ch05/buy_apple.py", "ch05/layer_naive.py"])
def test_a_bad_thread_count_stops_even_scripts_without_setup(script):
    """Scripts that select no device and seed nothing never call setup(); run() checks."""
    result = subprocess.run(
        [sys.executable, script],
        capture_output=True,
        text=True,
        env=dict(os.environ, DLFS_CPU_THREADS="abc"),
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        timeout=60,
    )
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: $DLFS_CPU_THREADS must be"), lines


def test_float_range_names_open_and_closed_ends():
    assert math.isclose(parse(cli.float_range(0, 1), "1"), 1.0)
    with pytest.raises(SystemExit):
        parse(cli.float_range(0, 1, low_open=True), "0")


def test_the_shared_seed_option_takes_only_what_numpy_can_seed(capsys):
    """np.random.seed(2**40) is a ValueError deep in NumPy: refused when parsed instead."""
    parser = cli.script_parser("doc", training=True)
    assert parser.parse_args(["--seed", str(2**32 - 1)]).seed == 2**32 - 1
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--seed", str(2**40)])
    assert info.value.code == 2
    assert "argument --seed: must be from 0 to 4294967295" in capsys.readouterr().err


@pytest.mark.parametrize(
    "raised, status, line",
    [
        (cli.Terminated(), 143, "stopped by SIGTERM"),
        (KeyboardInterrupt("at iteration 5"), 130, "stopped by Ctrl-C at iteration 5"),
    ],
)
def test_run_ends_a_signal_in_one_line_with_the_shells_status(raised, status, line, capsys):
    def main(argv):
        raise raised

    with pytest.raises(SystemExit) as info:
        cli.run(main)
    assert info.value.code == status
    assert capsys.readouterr().err.strip() == line


def test_run_reports_an_unwritable_output_in_one_line():
    def main(argv):
        raise cli.OutputError("cannot write figures into '/ro' (Read-only file system)")

    with pytest.raises(SystemExit) as info:
        cli.run(main)
    assert info.value.code == "error: cannot write figures into '/ro' (Read-only file system)"
