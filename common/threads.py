"""How many CPU threads NumPy's matrix products (BLAS) use.

The course's matrices are small (a batch of 100 by 784 by 50): a second BLAS thread
saves little on an idle machine and costs two to ten times as much whenever another
program wants the cores, because OpenBLAS's threads spin waiting for each other.
So the course runs BLAS on **one thread** by default. ``DLFS_CPU_THREADS`` overrides:

* ``DLFS_CPU_THREADS=4``: four threads;
* ``DLFS_CPU_THREADS=0``: the library's own default (usually every core).

The setting is applied when ``common`` is first imported (see ``common/__init__.py``),
through threadpoolctl, which changes the loaded BLAS library in place: unlike
``OPENBLAS_NUM_THREADS`` it works after NumPy is imported.
"""

import os

THREADS_VAR = "DLFS_CPU_THREADS"
DEFAULT_THREADS = 1

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


def parse_threads(text):
    """``$DLFS_CPU_THREADS`` as a count (0: library default); ValueError naming the variable."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit(), not to int()
        raise ValueError(
            f"${THREADS_VAR} must be a whole number of threads (0: every core), got {text!r}"
        )
    return int(text)


def apply_environment():
    """Set BLAS's threads from ``$DLFS_CPU_THREADS`` (default: one thread).

    A bad value must not kill an import with a traceback: the default is used and
    the message kept in ``env_error``, which ``common.cli.setup`` reports in one
    line, refusing to run a script with it.
    """
    global env_error
    text = os.environ.get(THREADS_VAR, "").strip()
    threads = DEFAULT_THREADS
    if text:
        try:
            threads = parse_threads(text)
        except ValueError as exc:
            env_error = str(exc)
    set_cpu_threads(threads)
