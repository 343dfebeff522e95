"""The chapter notebooks: notebooks/chXX.ipynb, paired by jupytext with notebooks/chXX.nb.py.

* Fast: every notebook is a pair, declared in jupytext.toml and in the notebook's own metadata,
  and saving it the way Jupyter does writes both files; the .ipynb has the same cells as its
  .nb.py; the stored outputs come from one run from top to bottom (execution counts 1, 2, ...
  in order, no error, no warning), include at least one figure, and keep the file under 2 MB;
  ``notebooks/run_all.py`` keeps the stored cell ids and refuses to overwrite edits it would lose.
* Slow (need MNIST): each notebook runs top to bottom in a fresh Jupyter kernel, started in
  ``notebooks/`` as Jupyter starts it, without an error or a warning, draws at least one inline
  figure, and produces the outputs stored in the .ipynb (the same figures and the same printed
  lines, numbers apart: timings vary, and a GPU run rounds differently).

The kernel runs with the settings of ``notebooks/run_all.py`` (``kernel_environment``): the
inline figure backend (``conftest`` sets ``Agg``, which a kernel would inherit and then draw
nothing) and one BLAS thread unless the environment says otherwise (these tests check results,
not speed, and on a busy machine multi-threaded products of this size wait for each other).
"""

import importlib.util
import os
import re
import shutil

import jupytext
import nbformat
import pytest
from conftest import REPO, requires_mnist
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file
from jupytext.paired_paths import paired_paths

NOTEBOOK_DIR = REPO / "notebooks"
NAMES = ["ch03", "ch04", "ch05", "ch06"]
PACKAGES = ["common", "dataset", "ch03", "ch04", "ch05", "ch06"]  # see pyproject.toml
MAX_BYTES = 2_000_000
TEXT_FORMAT = ".nb.py:percent"


@pytest.fixture(scope="module")
def run_all():
    """notebooks/run_all.py, imported from its path (notebooks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("run_all", NOTEBOOK_DIR / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ipynb_path(name):
    return NOTEBOOK_DIR / f"{name}.ipynb"


def text_path(name):
    return NOTEBOOK_DIR / f"{name}.nb.py"


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def inputs(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def stream_text(notebook, stream):
    return "".join(
        output.get("text", "")
        for cell in code_cells(notebook)
        for output in cell.outputs
        if output.output_type == "stream" and output.name == stream
    )


def image_count(notebook):
    return sum(
        "image/png" in output.get("data", {})
        for cell in code_cells(notebook)
        for output in cell.outputs
    )


# ---- the pairs ----------------------------------------------------------------------------


def test_every_notebook_is_a_pair_and_none_shadows_a_package():
    assert sorted(path.stem for path in NOTEBOOK_DIR.glob("*.ipynb")) == NAMES
    assert sorted(path.name for path in NOTEBOOK_DIR.glob("*.nb.py")) == [
        f"{name}.nb.py" for name in NAMES
    ]
    # Jupyter starts a kernel in the notebook's folder, first on sys.path: a notebooks/ch03.py
    # would be what `import ch03` finds there, instead of the chapter package.
    for package in PACKAGES:
        for shadow in (NOTEBOOK_DIR / f"{package}.py", NOTEBOOK_DIR / package):
            assert not shadow.exists(), f"{shadow} would shadow the package {package}"


@pytest.mark.parametrize("name", NAMES)
def test_pairing_is_declared_in_the_config_and_in_the_notebook(name):
    expected = {str(ipynb_path(name)), str(text_path(name))}

    config_file = find_jupytext_configuration_file(NOTEBOOK_DIR)
    assert config_file == str(REPO / "jupytext.toml")
    formats = load_jupytext_configuration_file(config_file).default_formats(str(ipynb_path(name)))
    assert formats, f"jupytext.toml pairs nothing with {ipynb_path(name)}"
    assert {path for path, _ in paired_paths(str(ipynb_path(name)), "ipynb", formats)} == expected

    # The notebook's own metadata: what Jupyter started in notebooks/ goes by.
    for path in (ipynb_path(name), text_path(name)):
        metadata = jupytext.read(path).metadata
        assert metadata["jupytext"]["formats"] == f"ipynb,{TEXT_FORMAT}", path
        assert metadata["kernelspec"]["name"] == "python3", path


@pytest.mark.parametrize("name", NAMES)
def test_ipynb_has_the_cells_of_its_text_notebook(name):
    stored = jupytext.read(ipynb_path(name))
    text = jupytext.read(text_path(name))
    assert inputs(stored) == inputs(text), (
        f"notebooks/{name}.ipynb and notebooks/{name}.nb.py have different cells: save the "
        f"notebook in Jupyter with jupytext installed, or run `jupytext --sync "
        f"notebooks/{name}.nb.py` (the newer file wins), then `python notebooks/run_all.py {name}`"
    )


def test_saving_in_jupyter_writes_both_files(tmp_path):
    """Jupyter started in notebooks/ (``jupyter lab notebooks/``), saving through jupytext."""
    from jupyter_server.services.contents.largefilemanager import LargeFileManager
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    for path in (ipynb_path("ch03"), text_path("ch03")):
        shutil.copy2(path, tmp_path / path.name)
    manager = build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    notebook = manager.get("ch03.ipynb")["content"]
    notebook.cells[0].source += "\n\nAn added line."
    manager.save({"type": "notebook", "content": notebook}, "ch03.ipynb")

    text = (tmp_path / "ch03.nb.py").read_text(encoding="utf-8")
    assert "# An added line." in text
    assert text.splitlines()[:10] == text_path("ch03").read_text(encoding="utf-8").splitlines()[:10]
    saved = nbformat.read(tmp_path / "ch03.ipynb", as_version=4)
    assert saved.cells[0].source.endswith("An added line.")
    assert image_count(saved) == image_count(nbformat.read(ipynb_path("ch03"), as_version=4))


# ---- the stored outputs -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_ran_top_to_bottom_and_shows_its_figures(name):
    assert ipynb_path(name).stat().st_size < MAX_BYTES, f"{name}.ipynb is over {MAX_BYTES} bytes"
    notebook = nbformat.read(ipynb_path(name), as_version=4)
    nbformat.validate(notebook)
    cells = code_cells(notebook)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), (
        f"{name}.ipynb was not run once from top to bottom: `python notebooks/run_all.py {name}`"
    )
    errors = [cell.id for cell in cells for output in cell.outputs if output.output_type == "error"]
    assert not errors, f"{name}.ipynb stores errors in cells {errors}"
    assert "Warning" not in stream_text(notebook, "stderr")
    assert image_count(notebook) >= 1, f"{name}.ipynb stores no figure"
    for cell in cells:
        assert "execution" not in cell.metadata, f"cell {cell.id} stores execution times"


# ---- notebooks/run_all.py -----------------------------------------------------------------


def copy_pair(name, folder):
    for path in (ipynb_path(name), text_path(name)):
        shutil.copy2(path, folder / path.name)
    return folder / f"{name}.nb.py", folder / f"{name}.ipynb"


def set_newer(path, than):
    mtime = than.stat().st_mtime + 10
    os.utime(path, (mtime, mtime))


def test_run_all_takes_the_text_cells_and_keeps_the_stored_ids(run_all, tmp_path):
    source, ipynb = copy_pair("ch04", tmp_path)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("# ## 4.2 Loss functions", "# ## 4.2 Loss functions!"), "utf-8")
    set_newer(source, than=ipynb)

    notebook = run_all.notebook_to_run("ch04", folder=tmp_path)
    stored = nbformat.read(ipynb, as_version=4)
    assert inputs(notebook) == inputs(jupytext.read(source)) != inputs(stored)
    assert [cell.id for cell in notebook.cells] == [cell.id for cell in stored.cells]


def test_run_all_refuses_to_drop_edits_made_without_jupytext(run_all, tmp_path):
    source, ipynb = copy_pair("ch05", tmp_path)
    notebook = nbformat.read(ipynb, as_version=4)
    notebook.cells[0].source += "\n\nEdited in a Jupyter without jupytext."
    nbformat.write(notebook, ipynb)
    set_newer(ipynb, than=source)

    with pytest.raises(SystemExit, match=r"jupytext --sync .*ch05\.ipynb"):
        run_all.notebook_to_run("ch05", folder=tmp_path)
    set_newer(source, than=ipynb)  # the .nb.py edited after: its cells win
    assert inputs(run_all.notebook_to_run("ch05", folder=tmp_path)) == inputs(jupytext.read(source))


def test_run_all_rejects_an_unknown_notebook(run_all, capsys):
    with pytest.raises(SystemExit):
        run_all.main(["ch07"])
    assert "unknown notebook(s) ['ch07']" in capsys.readouterr().err


# ---- a fresh run --------------------------------------------------------------------------

NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?(e[-+]?\d+)?")
WHITESPACE = re.compile(r"\s+")


def printed_outline(cell):
    """What ``cell`` printed on stdout, every number as # and every run of blanks as one space.

    Timings differ from run to run, and the last digits of a result from one machine (or a GPU)
    to another; the lines, their words and the place of every number do not.
    """
    text = "".join(
        output.get("text", "")
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )
    return WHITESPACE.sub(" ", NUMBER.sub("#", text)).strip()


def output_outline(notebook):
    """Per code cell: how many figures it drew, and the outline of what it printed."""
    return [
        (
            sum("image/png" in output.get("data", {}) for output in cell.outputs),
            printed_outline(cell),
        )
        for cell in code_cells(notebook)
    ]


@pytest.mark.slow
@requires_mnist
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_and_gives_the_stored_outputs(run_all, name):
    notebook = jupytext.read(text_path(name))
    run_all.execute(notebook, cwd=NOTEBOOK_DIR, env=run_all.kernel_environment())
    # raised CellExecutionError, with the traceback, on any error

    assert image_count(notebook) >= 1, f"{name} drew no figure"
    stderr = stream_text(notebook, "stderr")
    assert "Warning" not in stderr, f"{name} printed a warning:\n{stderr[-3000:]}"
    stored = nbformat.read(ipynb_path(name), as_version=4)
    assert output_outline(notebook) == output_outline(stored), (
        f"notebooks/{name}.ipynb stores outputs that its cells no longer give: "
        f"run `python notebooks/run_all.py {name}`"
    )
