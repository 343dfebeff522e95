"""The README stays true: its commands are the ones CI runs, its scripts exist."""
import re

from conftest import REPO

README = (REPO / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    command = "pip install -q -r requirements-dev.txt -e . && python -m pytest"
    assert command in README
    assert command in ci


def test_every_script_in_the_readme_exists_and_every_script_is_listed():
    mentioned = set(re.findall(r"`(ch0[3-6]/\w+\.py)`", README))
    on_disk = {p.relative_to(REPO).as_posix() for p in REPO.glob("ch0[3-6]/*.py") if p.name != "__init__.py"}
    assert mentioned - on_disk == set()
    assert on_disk - mentioned == set()


def test_no_placeholder_left():
    # sections are written in place of one-word upper-case placeholder lines
    assert re.findall(r"^[A-Z][A-Z_]{3,}$", README, re.M) == []
