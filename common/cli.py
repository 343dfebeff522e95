"""Command-line conventions shared by every chapter script.

    def main(argv=None):
        parser = script_parser(__doc__, training=True, figures=True)
        parser.add_argument("--iters", type=positive_int, default=10000, help="...")
        args = parser.parse_args(argv)
        setup(args)          # selects the device and seeds the generators
        ...

    if __name__ == "__main__":
        run(main)

* ``--help`` prints the script's docstring and every option with its default.
* Every option is checked when it is parsed, by its type (``positive_int``,
  ``learning_rate``, ``fraction``, ``output_dir``, ...): a bad value stops the script
  at once with one line naming the option and what it accepts, before any work.
* Every output (``--save``, ``--output``, ``--dot``) goes through one rule, checked when
  parsed (``output_dir``, ``output_file``) and again when written (``atomic_path``): a
  file is a regular file or a new name in a writable folder, never a device, a FIFO or a
  link to one; it is written whole under a temporary name of its own and renamed, so
  nothing half-written is ever left, even when two runs write into one folder.
* ``run(main)`` turns the failures a learner can cause (no MNIST, no GPU, a diverging
  learning rate, an output that cannot be written, Ctrl-C, SIGTERM) into one line on
  stderr and an exit status, not a traceback.
"""

import argparse
import contextlib
import math
import os
import stat
import sys
import tempfile

from common import backend, threads
from common.signals import Terminated, exit_status, stop_message

# --- option types: each refuses a bad value with a message argparse prints -----------------


def _number(text, kind):
    try:
        value = kind(text)
    except ValueError:
        name = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def int_range(low, high=None):
    """An option type for whole numbers ``low <= n <= high`` (``high=None``: no bound)."""

    def parse(text):
        value = _number(text, int)
        if value < low or (high is not None and value > high):
            bound = f"at least {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value

    parse.__name__ = "whole number"
    return parse


def float_range(low, high, low_open=False, high_open=False):
    """An option type for finite numbers between ``low`` and ``high`` (open ends excluded)."""

    def parse(text):
        value = _number(text, float)
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if too_low or too_high:
            left, right = "(" if low_open else "[", ")" if high_open else "]"
            raise argparse.ArgumentTypeError(
                f"must be in {left}{low:g}, {high:g}{right}, got {text}"
            )
        return value

    parse.__name__ = "number"
    return parse


positive_int = int_range(1)
nonnegative_int = int_range(0)
finite_float = float_range(-math.inf, math.inf)
positive_float = float_range(0, math.inf, low_open=True)
nonnegative_float = float_range(0, math.inf)
#: learning rates: positive and finite (the course's scripts use 1e-6 to 10)
learning_rate = float_range(0, 100, low_open=True)
#: dropout ratios and other shares: 0 <= x < 1
fraction = float_range(0, 1, high_open=True)
#: mini-batch sizes: at least one example, at most all of MNIST's training set
batch_size = int_range(1, 60_000)
#: seeds of NumPy's global generator (np.random.seed takes 0 to 2**32 - 1, no more)
random_seed = int_range(0, 2**32 - 1)
#: units in a hidden layer (a million-wide layer would not fit in memory)
layer_width = int_range(1, 10_000)
#: training-set sizes taken from the start of MNIST's 60 000 training images
train_size = int_range(1, 60_000)


def _writable(folder):
    """True if a file can be created in ``folder``: tried for real, since permission bits
    say yes to root even where the file system says no (a read-only mount, /proc)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def output_dir(text):
    """An option type for a folder to write into: it must exist and be writable, or be creatable."""
    path = os.path.abspath(text)
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise argparse.ArgumentTypeError(f"{text!r} exists and is not a folder")
        if not _writable(path):
            raise argparse.ArgumentTypeError(f"folder {text!r} is not writable")
        return text
    _check_creatable(text, path)
    return text


#: the ``--dot`` (and any ``output_file_or_stdout``) value that means standard output
STDOUT = "-"


class OutputError(OSError):
    """An output cannot be written where it was asked to go; the message says where and why."""


def _not_a_regular_file(path):
    """Why the existing ``path`` must not be replaced (None: a regular file, or nothing there).
    Links are followed: a link to a regular file is fine (its target gets the new content)."""
    if not os.path.lexists(path):
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "is a link to nothing"
    if stat.S_ISREG(mode):
        return None
    return "is a folder" if stat.S_ISDIR(mode) else "is not a regular file (a device, a FIFO...)"


def output_file(text):
    """An option type for a file to write: a regular file or a new name, in a writable
    (or creatable) folder.  A device, a FIFO or a link to one is refused: writing the
    file replaces what is there, and those are not ours to replace."""
    path = os.path.abspath(text)
    problem = _not_a_regular_file(path)
    if problem == "is a folder":
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, expected a file name")
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} {problem}; give a new file name")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"file {text!r} is not writable")
    folder = os.path.dirname(os.path.realpath(path))
    if os.path.isdir(folder):
        if not _writable(folder):
            raise argparse.ArgumentTypeError(f"folder of {text!r} is not writable")
    else:
        _check_creatable(text, folder)
    return text


def output_file_or_stdout(text):
    """``output_file``, or ``-`` for standard output (to pipe into another program)."""
    return text if text == STDOUT else output_file(text)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary file name beside ``path``; when the block ends, rename it to ``path``.

        with atomic_path("figures/relu.png") as temp:
            fig.savefig(temp, format="png")

    The temporary name is unique to this writer (``tempfile``), so two runs writing the
    same file never collide; on any exception, Ctrl-C and SIGTERM included, it is
    removed and the exception goes on.  A ``path`` that is not a regular file is refused
    with OutputError (a link to a regular file is followed, and stays a link)."""
    problem = _not_a_regular_file(path)
    if problem:
        raise OutputError(f"{path} {problem}: not replaced; give a new file name")
    path = os.path.realpath(path)
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)  # output_file accepted a folder it can create
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        os.close(fd)
        yield temp
        os.chmod(temp, 0o644)  # mkstemp's file is private; a saved one is for all to read
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise


def _check_creatable(text, path):
    parent = path
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise argparse.ArgumentTypeError(f"cannot create {text!r}: {parent!r} is not a folder")
    if not _writable(parent):
        raise argparse.ArgumentTypeError(f"cannot create {text!r}: {parent!r} is not writable")


def device_name(text):
    """An option type for ``--device``: cpu or gpu (or a device plugged in, as the tests' is)."""
    name = text.strip().lower()
    if name not in backend.DEVICES and name not in backend.plugged_in:
        raise argparse.ArgumentTypeError(f"choose cpu or gpu, got {text!r}")
    return name


# --- the parser and the run -----------------------------------------------------------------


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Show defaults (but not "default: None"), and keep the docstring's line breaks."""

    def _get_help_string(self, action):
        if action.default is None or "%(default)" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def script_parser(description, training=False, figures=False, seed=0):
    """An ArgumentParser with the options every script of that kind shares.

    training: ``--seed`` and ``--device {cpu,gpu}``;  figures: ``--save DIR``.
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=_HelpFormatter)
    if training:
        parser.add_argument(
            "--seed",
            type=random_seed,
            default=seed,
            help="seed for NumPy's (and CuPy's) random generator",
        )
        parser.add_argument(
            "--device",
            type=device_name,
            metavar="{cpu,gpu}",
            default=None,  # setup() then keeps the device $DLFS_DEVICE chose (common.backend)
            help=f"array backend: cpu (NumPy) or gpu (CuPy); default: ${backend.ENV_VAR}, else cpu",
        )
    if figures:
        parser.add_argument(
            "--save",
            metavar="DIR",
            type=output_dir,
            default=None,
            help="write figures as PNG files into DIR instead of opening a window "
            "(without a display they go to ./figures)",
        )
    return parser


def fill_defaults(args, defaults):
    """Set each option in ``defaults`` that was not given (is None) to its default value."""
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def setup(args):
    """Check the environment, select the device (one line and exit if unusable), then seed."""
    if threads.env_error:
        sys.exit(f"error: {threads.env_error}")
    if hasattr(args, "device"):
        try:
            if args.device is None:
                backend.get_xp()  # $DLFS_DEVICE's device: its error names the variable
            else:
                backend.use_device(args.device)
        except backend.DeviceError as exc:
            sys.exit(f"error: --device {args.device}: {exc}" if args.device else f"error: {exc}")
        args.device = backend.get_device()
    if hasattr(args, "seed"):
        backend.seed(args.seed)


def run(main, argv=None):
    """Run a script's ``main``: a diverged training, an output that cannot be written,
    Ctrl-C or SIGTERM ends in one line, not a traceback.

    Exit status: 1 for a diverged training or an unwritable output; the shell's
    convention for a signal, 130 for Ctrl-C and 143 for SIGTERM.
    """
    from common.training import TrainingDiverged  # light: not the Trainer and its imports

    if threads.env_error:  # also for the scripts that have no setup() to call
        sys.exit(f"error: {threads.env_error}")
    try:
        return main(argv)
    except (TrainingDiverged, OutputError) as exc:
        sys.exit(f"error: {exc}")
    except (KeyboardInterrupt, Terminated) as exc:
        print(f"\n{stop_message(exc)}", file=sys.stderr)
        sys.exit(exit_status(exc))
