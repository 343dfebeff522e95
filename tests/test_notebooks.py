"""The chapter notebooks (notebooks/ch03.ipynb ... ch06.ipynb).

* Fast: the stored notebooks are exactly what ``notebooks/build_notebooks.py`` writes
  (so they cannot drift from their source), and are stored without outputs.
* Slow (need MNIST): each notebook runs top to bottom in a fresh Jupyter kernel, started in
  ``notebooks/``, without an error or a warning, and draws at least one inline figure.

The kernel gets two environment settings of its own:

* ``MPLBACKEND`` is set to the inline backend, as a Jupyter kernel would have it
  (``conftest`` sets ``Agg`` for the script tests, and a kernel would inherit that and
  draw nothing);
* the BLAS libraries are limited to one thread unless the environment already says
  otherwise.  These tests check results, not speed, and on a shared or busy machine
  multi-threaded matrix products of this size wait for each other: one notebook was
  measured 10 to 30 times slower that way.
"""
import importlib.util
import os
import time

import nbformat
import pytest

from conftest import REPO, requires_mnist

NOTEBOOK_DIR = REPO / "notebooks"
NAMES = ["ch03", "ch04", "ch05", "ch06"]

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CELL_TIMEOUT = 300  # seconds per cell: generous, the slowest cell takes a few seconds


def notebook_path(name):
    return NOTEBOOK_DIR / f"{name}.ipynb"


@pytest.fixture(scope="module")
def builder():
    """notebooks/build_notebooks.py, imported from its path (notebooks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOK_DIR / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_covers_every_stored_notebook(builder):
    stored = sorted(path.stem for path in NOTEBOOK_DIR.glob("*.ipynb"))
    assert stored == sorted(builder.NOTEBOOKS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_is_what_the_build_script_writes(builder, name):
    stored = notebook_path(name).read_text(encoding="utf-8")  # CRLF is read as LF
    assert stored == builder.render(name), (
        f"notebooks/{name}.ipynb is not what notebooks/build_notebooks.py writes: edit the cells in "
        "build_notebooks.py (not the .ipynb) and run `python notebooks/build_notebooks.py`")


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_is_valid_and_has_no_outputs(name):
    notebook = nbformat.read(notebook_path(name), as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    for cell in code_cells:
        assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} has stored output"


def kernel_environment():
    env = dict(os.environ, MPLBACKEND=INLINE_BACKEND)
    for variable in BLAS_THREAD_VARIABLES:
        env.setdefault(variable, "1")
    return env


def stream_text(notebook, stream):
    return "".join(output.get("text", "")
                   for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs
                   if output.output_type == "stream" and output.name == stream)


def image_count(notebook):
    return sum("image/png" in output.get("data", {})
               for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs)


@pytest.mark.slow
@requires_mnist
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name):
    from nbclient import NotebookClient  # here: importing it takes a second or two, and only this test needs it

    notebook = nbformat.read(notebook_path(name), as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, startup_timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    client.execute(env=kernel_environment())  # raises CellExecutionError, with the traceback, on any error
    elapsed = time.perf_counter() - start

    assert image_count(notebook) >= 1, f"{name}.ipynb drew no figure"
    stderr = stream_text(notebook, "stderr")
    assert "Warning" not in stderr, f"{name}.ipynb printed a warning:\n{stderr[-3000:]}"
    print(f"{name}.ipynb: {len(notebook.cells)} cells, {image_count(notebook)} figures, {elapsed:.1f} s")
