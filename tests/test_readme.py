"""The README stays true: its commands are the ones CI runs, its scripts exist."""

import re

from conftest import REPO

README = (REPO / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    command = "pip install -q -r requirements-dev.txt -e . && python -m pytest -n auto"
    assert command in README
    assert command in ci


def test_every_script_in_the_readme_exists_and_every_script_is_listed():
    mentioned = set(re.findall(r"`(ch0[3-6]/\w+\.py)`", README))
    on_disk = {
        p.relative_to(REPO).as_posix()
        for p in REPO.glob("ch0[3-6]/*.py")
        if p.name != "__init__.py"
    }
    assert mentioned - on_disk == set()
    assert on_disk - mentioned == set()


def test_every_requirements_file_the_readme_names_exists():
    named = set(re.findall(r"\b(requirements[\w-]*\.txt)\b", README))
    assert "requirements.txt" in named and "requirements-dev.txt" in named
    assert {name for name in named if not (REPO / name).is_file()} == set()


def test_the_readme_speaks_about_the_course_alone():
    """No traces of how the work was organised: issue numbers, sessions, goals."""
    leaks = re.findall(r"\b(?:issue \d+|see issue|the session|goal of)\b", README, re.I)
    assert leaks == []
