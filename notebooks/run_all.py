"""Re-execute the chapter notebooks and store them with their outputs.

    python notebooks/run_all.py              # every notebook, ch03 ... ch06 (a few minutes)
    python notebooks/run_all.py ch04 ch05    # only these

Each notebook is a jupytext pair (see ``jupytext.toml``): ``notebooks/chXX.nb.py``, in the
``py:percent`` format, holds the cells and is what diffs and reviews show;
``notebooks/chXX.ipynb`` holds the same cells with their outputs, figures included, so that
the notebook renders with its results where learners open it. With jupytext installed,
saving either file in Jupyter updates the other.

For each notebook this script

1. takes the cells from the ``.nb.py`` file, and the cell ids and metadata of the cells that the
   stored ``.ipynb`` already has (so an unchanged cell keeps its id, and the diff stays small);
2. runs them from top to bottom in a fresh kernel: NumPy on the CPU, one BLAS thread, the
   inline figure backend (the same settings as ``tests/test_notebooks.py``, apart from the
   device, which is the CPU here whatever ``DLFS_DEVICE`` says, so stored outputs do not
   depend on the machine that made them);
3. writes the ``.ipynb`` with the new outputs and touches the ``.nb.py``, so that Jupyter sees
   the pair as in sync.

It stops, changing nothing, if an ``.ipynb`` is newer than its ``.nb.py`` and has different
cells: it was edited without jupytext, and ``jupytext --sync notebooks/chXX.ipynb`` carries
those edits over to the ``.nb.py`` first. Outputs are deterministic apart from timings: random
numbers are seeded, and no execution times are recorded in the cells.

A failure is one line naming the notebook and the cell (an error in a cell, no ``python3``
kernel, a kernel that dies, Ctrl-C), and leaves the stored notebook as it was.
"""

import argparse
import atexit
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs

HERE = Path(__file__).resolve().parent
NAMES = ["ch03", "ch04", "ch05", "ch06"]

KERNEL_NAME = "python3"  # the kernel of the environment that runs Jupyter (see README)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CELL_TIMEOUT = 300  # seconds per cell: generous, the slowest cell takes well under a minute
STARTUP_TIMEOUT = 120  # seconds for the kernel to start on a busy machine


def kernel_environment(device=None):
    """The environment of the kernel that executes a notebook.

    * ``MPLBACKEND`` is the inline backend, as a Jupyter kernel has it: a caller may have set
      ``Agg`` (the test suite does), which the kernel would inherit and then show nothing;
    * the BLAS libraries run one thread unless the environment already says otherwise: on a
      shared or busy machine, multi-threaded products of the course's small matrices wait for
      each other (one notebook was measured 10 to 30 times slower that way);
    * ``device`` ('cpu' or 'gpu'), if given, replaces ``DLFS_DEVICE``.
    """
    env = dict(os.environ, MPLBACKEND=INLINE_BACKEND)
    for variable in (*BLAS_THREAD_VARIABLES, "DLFS_CPU_THREADS"):
        env.setdefault(variable, "1")
    if device is not None:
        env["DLFS_DEVICE"] = device
    return env


class NotebookFailed(Exception):
    """A notebook could not be run to its end; the message is one line saying where and why."""


def _cell_label(notebook, index):
    """'cell 7 (`net = TwoLayerNet(...`)': the cell's number from 1 and its first line."""
    if index is None:
        return "before the first cell"
    first = next((line for line in notebook.cells[index].source.splitlines() if line.strip()), "")
    first = first if len(first) <= 40 else first[:37] + "..."
    return f"cell {index + 1} (`{first}`)"


def execute(notebook, cwd, env, record_timing=False):
    """Run every cell of ``notebook`` (in place) in a fresh kernel started in ``cwd``.

    Raises NotebookFailed, one line naming the cell, at the first error or when the
    kernel is missing or dies; KeyboardInterrupt (Ctrl-C) says which cell it stopped.
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient  # here: importing it takes a second or two
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    current = {"index": None}

    def started(cell, cell_index, **_):
        current["index"] = cell_index

    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        kernel_name=KERNEL_NAME,
        record_timing=record_timing,
        coalesce_streams=True,  # one stdout output per cell, however the kernel split it
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=started,
    )
    try:
        # the kernel's own log (a warning at start, tracebacks when it is shut down) is not
        # the learner's business: what a cell prints comes back as its outputs
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except Exception as exc:  # (KeyboardInterrupt goes on, to cli.run)
        # a kernel that never started leaves nbclient's exit-time cleanup registered, which
        # would print a traceback when Python exits
        atexit.unregister(client._cleanup_kernel)
        if isinstance(exc, AssertionError) and exc.__context__ is not None:
            exc = exc.__context__  # nbclient's cleanup failing after the real failure
        where = _cell_label(notebook, current["index"])
        # nbclient answers Ctrl-C itself, by shutting the kernel down (a DeadKernelError);
        # its signal handler leaves this future behind, the one trace that a signal came
        interrupted = getattr(client, "_async_cleanup_kernel_future", None) is not None
        if interrupted or getattr(exc, "ename", None) == "KeyboardInterrupt":
            raise KeyboardInterrupt(f"in {where}") from None
        if isinstance(exc, CellExecutionError):
            raise NotebookFailed(f"{where}: {exc.ename}: {exc.evalue}") from exc  # traceback kept
        if isinstance(exc, NoSuchKernel):
            raise NotebookFailed(
                f"no Jupyter kernel named {KERNEL_NAME!r}; install one in this environment "
                "with `pip install -r requirements-notebooks.txt`"
            ) from None
        if isinstance(exc, DeadKernelError):
            raise NotebookFailed(f"the kernel died in {where}") from None
        if isinstance(exc, RuntimeError):  # "Kernel died before replying to kernel_info", ...
            raise NotebookFailed(f"the kernel did not start ({exc})") from None
        raise
    except KeyboardInterrupt:
        raise KeyboardInterrupt(f"in {_cell_label(notebook, current['index'])}") from None
    return notebook


def cell_inputs(notebook):
    """What a notebook's cells say, without outputs or metadata: (type, source) per cell."""
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def paths(name, folder=HERE):
    """The two files of notebook ``name``: (``<name>.nb.py``, ``<name>.ipynb``)."""
    return folder / f"{name}.nb.py", folder / f"{name}.ipynb"


def notebook_to_run(name, folder=HERE):
    """The cells of ``<name>.nb.py``, with the ids and metadata of the stored ``<name>.ipynb``.

    Raises SystemExit if the .ipynb is the newer file and its cells differ (see the top).
    """
    source_path, ipynb_path = paths(name, folder)
    notebook = jupytext.read(source_path)
    if not ipynb_path.exists():
        return notebook
    stored = nbformat.read(ipynb_path, as_version=4)
    if (
        cell_inputs(stored) != cell_inputs(notebook)
        and ipynb_path.stat().st_mtime > source_path.stat().st_mtime
    ):
        raise SystemExit(
            f"{ipynb_path} is newer than {source_path.name} and has other cells: it was edited "
            f"without jupytext. Carry the edits over with `jupytext --sync {ipynb_path}` (or "
            f"drop them with `touch {source_path}`), then run this again."
        )
    return combine_inputs_with_outputs(notebook, stored)


def run(name, folder=HERE):
    """Execute notebook ``name`` on the CPU and store it with its outputs."""
    source_path, ipynb_path = paths(name, folder)
    notebook = notebook_to_run(name, folder)
    start = time.perf_counter()
    try:
        execute(notebook, cwd=folder, env=kernel_environment(device="cpu"))
    except NotebookFailed as exc:
        raise NotebookFailed(
            f"{source_path.name}: {exc}; {ipynb_path.name} left as it was"
        ) from None
    except KeyboardInterrupt as exc:
        raise KeyboardInterrupt(f"{exc} of {source_path.name}") from None
    nbformat.validate(notebook)
    jupytext.write(notebook, ipynb_path, fmt="ipynb")
    os.utime(source_path)  # the .nb.py is the newer of the two, as after a save in Jupyter
    size = ipynb_path.stat().st_size / 1e6
    seconds = time.perf_counter() - start
    print(f"wrote {ipynb_path} ({size:.2f} MB, executed in {seconds:.0f} s)")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"notebooks to run (default: all of {NAMES})"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown notebook(s) {unknown}: choose from {NAMES}")
    names = args.names or NAMES
    for name in names:  # first check them all, so that a refusal changes nothing
        notebook_to_run(name)
    for name in names:
        try:
            run(name)
        except NotebookFailed as exc:
            sys.exit(f"error: {exc}")
    return 0


if __name__ == "__main__":
    from common.cli import run as run_script  # Ctrl-C and SIGTERM: one line, 130 and 143

    run_script(main)
