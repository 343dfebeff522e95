"""Progress bars for long loops: tqdm, set up once for the course.

    with progress_bar(total=10000, desc="training") as bar:
        for i in range(10000):
            ...
            bar.update()
            if epoch_ended:
                say(f"epoch {epoch:3d} | ...")   # printed above the bar, never through it

On a terminal the bar redraws itself in place (with rate and ETA). Where stderr is a
file or a pipe (a log, CI, a notebook's captured output) carriage returns would pile
up into one unreadable line, so there it prints a plain line every ``LOG_INTERVAL``
seconds instead (none at all for a loop that ends sooner).
"""

import sys

from tqdm import tqdm

LOG_INTERVAL = 5.0  # seconds between progress lines where stderr is not a terminal


class _Lines:
    """A stream for tqdm that turns each redraw into one ordinary line."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        text = text.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self):
        self.stream.flush()


def progress_bar(total, desc="", enabled=True, stream=None):
    """A tqdm bar over ``total`` steps on stderr; ``enabled=False`` gives a silent one."""
    stream = stream or sys.stderr
    on_terminal = hasattr(stream, "isatty") and stream.isatty()
    options = dict(total=total, desc=desc, disable=not enabled, leave=False, dynamic_ncols=True)
    if not on_terminal:
        # No line for loops shorter than LOG_INTERVAL, then one every LOG_INTERVAL seconds.
        options.update(
            file=_Lines(stream), mininterval=LOG_INTERVAL, delay=LOG_INTERVAL, ncols=80, ascii=True
        )
    else:
        options.update(file=stream)
    return tqdm(**options)


def say(line):
    """Print ``line`` on stdout without breaking a progress bar that is being drawn."""
    tqdm.write(line, file=sys.stdout)
