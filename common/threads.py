"""How many CPU threads NumPy's matrix products (BLAS) use.

The course's matrices are small (a batch of 100 by 784 by 50).  On an idle machine a
thread per core makes chapter 5's training faster; but whenever another program holds
a core, OpenBLAS's threads spin waiting for the one that cannot run, and the same job
becomes several times slower.  So the course counts the cores that are free when
``common`` is first imported, and uses that many threads:

    threads = max(1, usable cores - other runnable tasks)

where the runnable tasks are the kernel's count in ``/proc/loadavg`` (Linux; the
smallest of three readings, so that a task passing through is not counted).  Where
there is no such count (macOS, Windows) the course uses one thread, the choice that is
never slow.  ``DLFS_CPU_THREADS`` overrides:

* ``DLFS_CPU_THREADS=4``: four threads;
* ``DLFS_CPU_THREADS=0``: the library's own default (usually every core).

The setting is applied through threadpoolctl, which changes the loaded BLAS library in
place: unlike ``OPENBLAS_NUM_THREADS`` it works after NumPy is imported.
"""

import os

THREADS_VAR = "DLFS_CPU_THREADS"
LOADAVG = "/proc/loadavg"

_library_default = None  # BLAS's own thread count, read before the first change
env_error = None  # the message, if $DLFS_CPU_THREADS could not be understood


def _blas():
    import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl looks for)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def get_cpu_threads():
    """The number of threads NumPy's BLAS uses now (1 where threadpoolctl finds no BLAS)."""
    return max([lib["num_threads"] for lib in _blas().info()], default=1)


def set_cpu_threads(n):
    """Let NumPy's BLAS use ``n`` threads; 0 or ``None``: the library's default (every core)."""
    global _library_default
    if _library_default is None:
        _library_default = get_cpu_threads()
    _blas().limit(limits=n or _library_default)


def free_cores():
    """The cores this process may use that no other program is running on now (at least 1)."""
    try:
        cores = len(os.sched_getaffinity(0))
        others = min(_runnable_tasks() for _ in range(3)) - 1  # the count includes us
    except (AttributeError, OSError, ValueError, IndexError):
        return 1
    return max(1, cores - max(others, 0))


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
    """Set BLAS's threads from ``$DLFS_CPU_THREADS`` (default: the free cores).

    A bad value must not kill an import with a traceback: the default is used and
    the message kept in ``env_error``, which ``common.cli.setup`` reports in one
    line, refusing to run a script with it.
    """
    global env_error
    text = os.environ.get(THREADS_VAR, "").strip()
    threads = None
    if text:
        try:
            threads = parse_threads(text)
        except ValueError as exc:
            env_error = str(exc)
    set_cpu_threads(free_cores() if threads is None else threads)
