"""Count the input checks made in one training step (issue 20's figure).

Every public function of ``common.checks`` is wrapped with a counter; a call made
from inside another check (``checks.batch`` calling ``checks.numbers_array``) is
part of that check and not counted again.  Then one step is run, after a warm-up
step (which builds nothing that a step would check again):

* a 784-[100, 100]-10 ``MultiLayerNet``: ``gradient`` + ``optimizer.update`` (SGD),
* the same network in a ``Trainer``: one ``train_step`` inside the training loop.

    python benchmarks/count_checks.py
"""

import contextlib
import functools
import inspect

from common import checks
from common.cli import run, script_parser
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD
from common.trainer import Trainer

import numpy as np

BATCH, SIZES = 100, (784, [100, 100], 10)


class CheckCounter:
    """Wraps every public function of common.checks; counts the outermost calls by name."""

    def __init__(self):
        self.calls, self._depth = [], 0

    def wrap(self, name, function):
        @functools.wraps(function)
        def counted(*args, **kwargs):
            if self._depth == 0:
                self.calls.append(name)
            self._depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1

        return counted

    @contextlib.contextmanager
    def installed(self):
        originals = {
            name: f
            for name, f in vars(checks).items()
            if inspect.isfunction(f)
            and not name.startswith("_")
            and f.__module__ == checks.__name__
            and name != "data_checked"  # the loop's context, not a check
        }
        for name, function in originals.items():
            setattr(checks, name, self.wrap(name, function))
        try:
            yield self
        finally:
            for name, function in originals.items():
                setattr(checks, name, function)

    def count(self, step):
        """The check calls made by ``step()``, by name."""
        self.calls = []
        step()
        return list(self.calls)


def main(argv=None):
    script_parser(__doc__).parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.random((1000, SIZES[0]), dtype=np.float32)
    t = rng.integers(0, SIZES[2], 1000)
    x_batch, t_batch = x[:BATCH], t[:BATCH]

    np.random.seed(0)
    network = MultiLayerNet(*SIZES)
    optimizer = SGD(lr=0.1)
    trainer = Trainer(MultiLayerNet(*SIZES), x, t, None, None, verbose=False, evaluate=False)

    def network_step():
        optimizer.update(network.params, network.gradient(x_batch, t_batch))

    def trainer_step():
        # The Trainer's loop runs inside checks.data_checked(), entered once for all steps.
        with checks.data_checked():
            trainer.train_step()

    with CheckCounter().installed() as counter:
        for name, step in (("MultiLayerNet step", network_step), ("Trainer step", trainer_step)):
            step()  # warm-up
            calls = counter.count(step)
            print(f"{name}: {len(calls)} check calls ({', '.join(calls)})")


if __name__ == "__main__":
    run(main)
