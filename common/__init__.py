"""The course's shared package: functions, layers, networks, optimizers, training, backend.

Every network of the course (``MultiLayerNet``, ``MultiLayerNetExtend``, chapter 4's
and chapter 5's ``TwoLayerNet``, the autograd network of chapter 5) follows one
contract, which is all that the ``Trainer`` and the chapters' training loops use:

* ``params``: a dict of the parameter arrays, by name (``W1``, ``b1``, ...); an
  optimizer updates them in place.
* ``predict(x, train_flg=False)``: the scores for a batch ``x``; ``train_flg=True``
  switches layers such as Dropout and BatchNorm to their training behaviour (the
  other layers accept it and ignore it).
* ``loss(x, t)``: the mean loss of the batch against the labels ``t`` (class indices
  or one-hot rows).
* ``gradient(x, t)``: a dict of the loss's gradients, one per key of ``params``, and
  of the same shape; it also sets ``last_loss``, a plain attribute holding the loss
  of that forward pass (so a loop records the loss without a second forward pass).
* ``accuracy(x, t)``: the fraction of rows whose highest score is the label.

These public methods are the doors where a learner's data come in: they check x
(``common.checks``) and move host arrays to the parameters' device; the labels are
checked by the loss layer (and by ``common.util.accuracy``).

Importing the package sets NumPy's BLAS threads: one for a training step's small
products, the free cores for an evaluation's large ones; ``DLFS_CPU_THREADS``
overrides (see ``common/threads.py``). It also makes Ctrl-C and SIGTERM end a script
in one line (see ``common/signals.py``), from the first import on.
"""

from common import signals as _signals
from common import threads as _threads

_signals.install()
_threads.apply_environment()
