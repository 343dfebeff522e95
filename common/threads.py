"""How many CPU threads NumPy's matrix products (BLAS) use.

The course's products come in two sizes.  A training step multiplies a batch of 100
rows (100 x 784 by 784 x 50): so small that a second thread gains little, and costs a
lot whenever another program holds a core (OpenBLAS's threads then spin, waiting for
the one that cannot run, and the job becomes several times slower).  An evaluation
runs all 60 000 training images through the network, 2 000 rows to a product: large
enough that every core pays.  So, unless told otherwise, the course uses

* one thread for everything, except
* inside ``evaluation()`` (``common.util.accuracy`` runs its products there): the
  cores that are free when ``common`` is first imported,

    free cores = max(1, usable cores - other runnable tasks)

where the runnable tasks are the kernel's count in ``/proc/loadavg`` (Linux; the
smallest of three readings 2 ms apart, so that a program passing through, one that
is starting or ending, is not counted).  Where there is no such count (macOS,
Windows) it is one thread, the choice that is never slow.  ``DLFS_CPU_THREADS`` sets
one count for both sizes:

* ``DLFS_CPU_THREADS=4``: four threads;
* ``DLFS_CPU_THREADS=0``: the library's own default (usually every core).

The counts are applied through threadpoolctl, which changes the loaded BLAS library
in place: unlike ``OPENBLAS_NUM_THREADS`` it works after NumPy is imported.
"""

import contextlib
import os
import time

THREADS_VAR = "DLFS_CPU_THREADS"
LOADAVG = "/proc/loadavg"

_library_default = None  # BLAS's own thread count, read before the first change
_libraries = []  # threadpoolctl's controllers of the BLAS libraries, found by set_cpu_threads
_step_threads = None  # the count for everything outside evaluation() (None: untouched)
_evaluation_threads = None  # the count inside evaluation()
_depth = 0  # evaluation() blocks entered and not yet left (they may nest)
env_error = None  # the message, if $DLFS_CPU_THREADS could not be understood


def _blas():
    import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl looks for)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def get_cpu_threads():
    """The number of threads NumPy's BLAS uses now (1 where threadpoolctl finds no BLAS)."""
    return max([lib["num_threads"] for lib in _blas().info()], default=1)


def _apply(n):
    """Set the BLAS libraries to ``n`` threads (0: their default); about a microsecond."""
    for library in _libraries:
        library.set_num_threads(n or _library_default)


def set_cpu_threads(n, evaluation=None):
    """Let NumPy's BLAS use ``n`` threads; 0 or ``None``: the library's default (every core).

    ``evaluation``: another count for the products inside ``evaluation()``; ``None``
    (the default) means the same as ``n``, and 0 the library's default.
    """
    global _step_threads, _evaluation_threads, _libraries, _library_default
    blas = _blas()  # looked up again: a BLAS library loaded since is included
    if _library_default is None:  # read before the first change
        _library_default = max([lib["num_threads"] for lib in blas.info()], default=1)
    _libraries = blas.lib_controllers
    _step_threads = n or 0
    _evaluation_threads = _step_threads if evaluation is None else evaluation or 0
    _apply(_step_threads)


def describe():
    """The counts as the benchmarks print them: ``"1+2"`` (a step's, then an evaluation's)
    where they differ, else one number (``"0"``: the library's default)."""
    if _evaluation_threads == _step_threads:
        return str(_step_threads)
    return f"{_step_threads}+{_evaluation_threads}"


@contextlib.contextmanager
def evaluation():
    """Inside this block, BLAS uses the evaluation's thread count (see the module docstring).

    Blocks may nest: the step's count comes back when the outermost one is left.
    """
    global _depth
    switch = _evaluation_threads != _step_threads  # False also before any setting
    if switch and _depth == 0:
        _apply(_evaluation_threads)
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if switch and _depth == 0:
            _apply(_step_threads)


def free_cores():
    """The cores this process may use that no other program is running on now (at least 1)."""
    try:
        cores = len(os.sched_getaffinity(0))
        others = _fewest_runnable_tasks() - 1  # the count includes us
    except (AttributeError, OSError, ValueError, IndexError):
        return 1
    return max(1, cores - max(others, 0))


def _fewest_runnable_tasks(readings=3, gap=0.002):
    """The smallest of ``readings`` counts ``gap`` seconds apart (one if it says only us)."""
    fewest = _runnable_tasks()
    for _ in range(readings - 1):
        if fewest <= 1:  # only this process: nothing to wait for
            break
        time.sleep(gap)
        fewest = min(fewest, _runnable_tasks())
    return fewest


def _runnable_tasks():
    with open(LOADAVG) as f:  # e.g. "0.50 0.40 0.30 3/345 12345": 3 tasks runnable now
        return int(f.read().split()[3].split("/")[0])


def parse_threads(text):
    """``$DLFS_CPU_THREADS`` as a count (0: library default); ValueError naming the variable."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit(), not to int()
        raise ValueError(
            f"${THREADS_VAR} must be a whole number of threads (0: every core), got {text!r}"
        )
    return int(text)


def apply_environment():
    """Set BLAS's threads from ``$DLFS_CPU_THREADS`` (default: see the module docstring).

    A bad value must not kill an import with a traceback: the default is used and
    the message kept in ``env_error``, which ``common.cli.setup`` reports in one
    line, refusing to run a script with it.
    """
    global env_error
    text = os.environ.get(THREADS_VAR, "").strip()
    if text:
        try:
            set_cpu_threads(parse_threads(text))
            return
        except ValueError as exc:
            env_error = str(exc)
    set_cpu_threads(1, evaluation=free_cores())
