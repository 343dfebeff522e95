"""A one-line progress indicator for long loops (shown only on a terminal)."""
import sys
import time


class Progress:
    """Rewrites one stderr line, at most ten times a second:  ``label  37%  3700/10000  2.1s``.

    Nothing is printed when stderr is not a terminal (logs, tests, notebooks
    capture), so output stays clean there.
    """

    def __init__(self, total, label="", stream=None, enabled=None):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, done):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last_draw < 0.1 and done < self.total:
            return
        self._last_draw = now
        percent = 100 * done // self.total
        self.stream.write(f"\r{self.label}  {percent:3d}%  {done}/{self.total}  {now - self.start:.1f}s ")
        self.stream.flush()

    def clear(self):
        """Erase the line so that ordinary prints continue on a clean line."""
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
