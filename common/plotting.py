"""One look for every figure of the course, and one way to show or save it.

Scripts build figures with Matplotlib as usual and end with ``show_or_save``:
a window where one can open, PNG files (paths printed) with ``--save DIR`` or
when Matplotlib has no interactive backend (a headless machine, a test run).
A headless run never blocks.  A folder that cannot be written (read-only, full)
is one line naming it and ``--save`` (``cli.OutputError``), and each PNG is written
whole or not at all (``cli.atomic_path``).
"""

import os

from common.cli import OutputError, atomic_path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.backends import BackendFilter, backend_registry

DEFAULT_SAVE_DIR = "figures"

STYLE = {
    "figure.figsize": (6.4, 4.4),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
}

plt.rcParams.update(STYLE)


def can_show():
    """True when Matplotlib's backend opens windows."""
    name = matplotlib.get_backend().lower()
    return name in backend_registry.list_builtin(BackendFilter.INTERACTIVE)


def show_or_save(figures, save_dir=None):
    """Show ``figures`` (a dict name -> Figure) in windows, or write them as ``DIR/name.png``.

    Returns the list of written paths (empty when shown).
    """
    if save_dir is None and can_show():
        plt.show()
        return []
    save_dir = save_dir or DEFAULT_SAVE_DIR
    paths = []
    for name, fig in figures.items():
        path = os.path.join(save_dir, f"{name}.png")
        try:
            with atomic_path(path) as temp:  # which makes the folder if needed
                fig.savefig(temp, format="png")
        except OutputError:
            raise
        except OSError as exc:  # read-only or full file system, no permission, ...
            raise OutputError(
                f"cannot write figures into {os.path.abspath(save_dir)!r} "
                f"({exc.strerror or exc}); choose a writable folder with --save DIR"
            ) from None
        plt.close(fig)
        print(f"saved figure: {path}")
        paths.append(path)
    return paths
