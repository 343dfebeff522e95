"""What every training loop of the course shares, besides the loop itself.

``draw_batch`` draws a mini-batch's indices the book's way; ``LossLog`` keeps the
loss of every step on the device and reads it back a block at a time (``LOSS_BLOCK``
steps: one device sync per block, not per step), stopping with ``TrainingDiverged``
at a non-finite loss; ``TrainingInterrupted`` is Ctrl-C, saying where training
stood.  The loops themselves are in ``common/trainer.py`` and the chapter scripts.
"""

from common import backend

import numpy as np

LOSS_BLOCK = 100  # steps whose losses are read back from the device in one transfer


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite: further steps cannot recover."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training; the message says where it stopped."""


def draw_batch(train_size, batch_size):
    """Indices of a random mini-batch (with replacement, the book's ``np.random.choice``).

    ``np.random.choice(n, size)`` draws its indices with ``np.random.randint(0, n,
    size)``; calling that directly gives the same numbers from the same seed, without
    choice's checks of its arguments (half the time of the call).  Drawn on the host
    from NumPy's global generator (so seeds give the same batches on every device),
    then sent to the device where the data are.
    """
    return backend.to_device(np.random.randint(0, train_size, batch_size))


class LossLog:
    """The loss of every step: device scalars, turned into floats a block at a time."""

    def __init__(self, block=LOSS_BLOCK, stop_on_divergence=True):
        self.values = []  # floats, on the host
        self._pending = []  # device scalars not yet read
        self.block = block
        self.stop_on_divergence = stop_on_divergence

    def append(self, loss):
        self._pending.append(loss)
        if len(self._pending) >= self.block:
            self.flush()

    def last(self):
        """The latest loss, as a float (reads the pending ones from the device)."""
        return self.flush()[-1]

    def flush(self):
        """Read the pending losses in one transfer; raise TrainingDiverged at a non-finite one."""
        if not self._pending:
            return self.values
        xp = backend.get_array_module(self._pending[0])
        block = backend.to_cpu(xp.stack([xp.asarray(v) for v in self._pending]))
        self._pending = []
        start = len(self.values)
        self.values.extend(float(v) for v in block)
        bad = np.flatnonzero(~np.isfinite(block))
        if bad.size and self.stop_on_divergence:
            step = start + int(bad[0]) + 1
            raise TrainingDiverged(
                f"the loss became {block[bad[0]]} at step {step}: training diverged; "
                "try a smaller learning rate (--lr)"
            )
        return self.values
