"""Tests for common/plotting.py: one style, and figures saved whole or shown, never lost."""

from common import plotting

import matplotlib
import matplotlib.pyplot as plt
import pytest


def test_the_course_style_is_applied_on_import():
    for key, value in plotting.STYLE.items():
        assert plt.rcParams[key] == (list(value) if isinstance(value, tuple) else value), key


def test_headless_save_writes_every_figure_and_closes_it(tmp_path, capsys):
    assert not plotting.can_show()  # the tests run with MPLBACKEND=Agg
    figures = {}
    for name in ("first", "second"):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0], label=name)
        figures[name] = fig
    paths = plotting.show_or_save(figures, str(tmp_path / "out"))
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["first.png", "second.png"]
    for path in paths:
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["first.png", "second.png"]
    assert not any(plt.fignum_exists(fig.number) for fig in figures.values())
    assert capsys.readouterr().out.count("saved figure:") == 2


def test_without_a_folder_headless_figures_go_to_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig, _ = plt.subplots()
    assert plotting.show_or_save({"x": fig}) == ["figures/x.png"]
    assert (tmp_path / "figures" / "x.png").is_file()


def test_a_failed_save_leaves_no_partial_file(tmp_path, monkeypatch):
    fig, _ = plt.subplots()

    def broken(path, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(OSError):
        plotting.show_or_save({"x": fig}, str(tmp_path))
    assert list(tmp_path.iterdir()) == []  # neither x.png nor its temporary file


def test_with_a_display_figures_are_shown_not_written(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(plotting, "can_show", lambda: True)
    monkeypatch.setattr(plt, "show", lambda: shown.append(True))
    fig, _ = plt.subplots()
    assert plotting.show_or_save({"x": fig}) == []
    assert shown == [True] and not list(tmp_path.iterdir())
    plt.close(fig)


def test_can_show_follows_the_backend(monkeypatch):
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "TkAgg")
    assert plotting.can_show()
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    assert not plotting.can_show()
