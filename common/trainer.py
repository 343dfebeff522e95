"""Mini-batch training, written once: the book's ``Trainer`` and ``train_together``.

    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=20,
                      mini_batch_size=100, optimizer='Adam', optimizer_param={'lr': 0.001})
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list

Each step draws a random mini-batch (with replacement, as in the book), computes the
gradients by backpropagation and lets the optimizer update ``network.params``.

The book's schedule: ``iter_per_epoch = max(train_size / mini_batch_size, 1)``,
``int(epochs * iter_per_epoch)`` steps, the accuracies when ``step % iter_per_epoch
== 0`` (steps from 0; the first line is "epoch 1"), as in every loop of the course.
The data are checked whole once, when the Trainer is built, on the host; the loop
runs inside ``checks.data_checked()``, so no step waits to read labels back.
``train_together`` steps several Trainers on the same mini-batches.

Losses are read back from the device a block at a time; a non-finite loss stops
training with ``TrainingDiverged``, Ctrl-C with ``TrainingInterrupted`` (both in
``common/training.py``), saying where training stood.
"""

import inspect
import os
import sys

from common import backend, checks
from common.optimizer import OPTIMIZERS, SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from common.progress import progress_bar, say
from common.training import LOSS_BLOCK, LossLog, TrainingDiverged, TrainingInterrupted, draw_batch

import numpy as np


def make_optimizer(optimizer, optimizer_param=None):
    """An optimizer from its name ('SGD', 'Momentum', ..., case-insensitive) and its
    parameters (the book's default: ``{'lr': 0.01}``), or an optimizer already made."""
    if not isinstance(optimizer, str):
        checks.optimizer_instance("Trainer", optimizer, optimizer_param)
        return optimizer
    names = [c.__name__ for c in OPTIMIZERS.values()]
    optimizer_class = OPTIMIZERS[checks.one_of("Trainer", "optimizer", optimizer, names)]
    params = {"lr": 0.01} if optimizer_param is None else dict(optimizer_param)
    accepted = inspect.signature(optimizer_class).parameters
    checks.known_keywords(f"{optimizer_class.__name__} (optimizer_param)", params, accepted)
    return optimizer_class(**params)


def _kind(value):
    return "None" if value is None else f"of shape {tuple(value.shape)}"


class Trainer:
    """Train ``network`` (``gradient``, ``params``, ``accuracy``) with an optimizer."""

    def __init__(
        self,
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=20,
        mini_batch_size=100,
        optimizer="SGD",
        optimizer_param=None,
        evaluate_sample_num_per_epoch=None,
        verbose=True,
        *,
        iters=None,
        evaluate=True,
        stop_on_divergence=True,
    ):
        """The book's arguments, and three of the course's: ``iters`` sets the number of
        steps directly (instead of ``epochs`` times the steps per epoch),
        ``evaluate=False`` skips the accuracies (for comparisons of losses alone), and
        ``stop_on_divergence=False`` trains on through a NaN loss (for experiments
        where diverging is a possible outcome, like chapter 6's weight scales)."""
        self.network = network
        self.verbose = verbose
        if (x_test is None) != (t_test is None):
            raise ValueError(
                "Trainer: give both x_test and t_test, or neither (None, None) to train "
                f"without a test set; got x_test {_kind(x_test)} and t_test {_kind(t_test)}"
            )
        self.has_test = x_test is not None
        self.epochs = checks.positive_number("Trainer", "epochs", epochs)
        self.batch_size = checks.whole_number("Trainer", "mini_batch_size", mini_batch_size)
        if iters is not None:  # iters=0 would train nothing and return as if it had
            iters = checks.whole_number("Trainer", "iters", iters)
        n_eval = evaluate_sample_num_per_epoch
        if n_eval is not None:  # x[:-1] would silently evaluate on all examples but one
            checks.whole_number("Trainer", "evaluate_sample_num_per_epoch", n_eval)
        self.evaluate_sample_num_per_epoch = n_eval
        self.optimizer = make_optimizer(optimizer, optimizer_param)

        # The whole data set, checked once here (then never per step), and moved once.
        self.x_train, self.t_train = self._checked(x_train, t_train, "training")
        if self.has_test:
            self.x_test, self.t_test = self._checked(x_test, t_test, "test")
        else:
            self.x_test = self.t_test = None
        self.train_size = self.x_train.shape[0]
        self.iter_per_epoch = max(self.train_size / self.batch_size, 1)
        if iters is None:  # epochs=0.01 would make 0 steps: nothing trained, no word said
            steps = int(epochs * self.iter_per_epoch)
            self.max_iter = checks.whole_number("Trainer", "epochs x steps per epoch", steps)
        else:
            self.max_iter = iters
        self.evaluate_each_epoch = evaluate
        self.current_iter = 0
        self.current_epoch = 0

        self.losses = LossLog(stop_on_divergence=stop_on_divergence)
        self.train_acc_list = []
        self.test_acc_list = []

    def _checked(self, x, t, which):
        """``x``, ``t`` checked whole (on the host where they are given there), then moved to
        the device: x fits the network and has no NaN, t holds one label per example of x,
        each in the network's classes (or one-hot rows of them)."""
        owner = f"Trainer ({which} data)"
        checks.numbers_array(owner, "x", x)
        checks.finite(owner, "x", x)
        # One example through the network: its door checks x, and the number of
        # scores is the number of classes the labels must fit.
        classes = self.network.predict(x[:1]).shape[-1]
        checks.labels(owner, t, x.shape[0], classes)
        return backend.to_device(x), backend.to_device(t)

    @property
    def train_loss_list(self):
        """The loss of every step so far, as floats (the book's attribute)."""
        return self.losses.flush()

    def train_step(self, batch_mask=None):
        """One mini-batch (drawn here unless given): gradient, update, loss; evaluate at epochs."""
        if batch_mask is None:
            batch_mask = draw_batch(self.train_size, self.batch_size)
        x_batch, t_batch = self.x_train[batch_mask], self.t_train[batch_mask]

        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)

        self.losses.append(self.network.last_loss)  # this batch's, before the update

        if self.current_iter % self.iter_per_epoch == 0:  # the book's epoch rule
            self.current_epoch += 1
            if self.evaluate_each_epoch:
                self.evaluate()
        self.current_iter += 1

    def _accuracy(self, x, t):
        n = self.evaluate_sample_num_per_epoch
        return self.network.accuracy(x, t) if n is None else self.network.accuracy(x[:n], t[:n])

    def evaluate(self):
        """Record (and, verbose, print) the accuracy on the training and the test data."""
        self.losses.flush()  # a diverged run stops here, before its accuracies are printed
        train_acc = self._accuracy(self.x_train, self.t_train)
        self.train_acc_list.append(train_acc)
        line = f"epoch {self.current_epoch:3d} | train acc {train_acc:.4f}"
        if self.has_test:
            test_acc = self._accuracy(self.x_test, self.t_test)
            self.test_acc_list.append(test_acc)
            line += f" | test acc {test_acc:.4f}"
        if self.verbose:
            say(line)

    def where(self):
        """Where training stands, in words: the step and the last accuracies."""
        text = f"step {self.current_iter}/{self.max_iter}"
        if self.train_acc_list:
            text += f", last train acc {self.train_acc_list[-1]:.4f}"
        if self.test_acc_list:
            text += f", last test acc {self.test_acc_list[-1]:.4f}"
        return text

    def train(self):
        """Run all the steps; return the final test accuracy (None without a test set)."""
        train_together([self], progress=self.verbose)
        if not self.has_test:
            return None
        with checks.data_checked():
            test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            say(f"final test acc {test_acc:.4f}")
        return test_acc


def train_together(trainers, progress=True, on_step=None):
    """Run several Trainers' steps on the same mini-batches, drawn once per step.

    The trainers must agree on the number of training examples, the batch size and
    the number of steps. ``on_step(i)``, if given, is called after step ``i`` (from 1).
    """
    first = trainers[0]
    for other in trainers[1:]:
        ours = (first.train_size, first.batch_size, first.max_iter)
        theirs = (other.train_size, other.batch_size, other.max_iter)
        if ours != theirs:
            raise ValueError(
                "train_together: the trainers must have the same (training examples, batch "
                f"size, steps); got {ours} and {theirs}"
            )
    bar = progress_bar(first.max_iter - first.current_iter, "training", enabled=progress)
    with bar, checks.data_checked():  # each Trainer checked its data when it was built
        try:
            while first.current_iter < first.max_iter:
                batch_mask = draw_batch(first.train_size, first.batch_size)
                for trainer in trainers:
                    trainer.train_step(batch_mask)
                bar.update()
                if on_step is not None:
                    on_step(first.current_iter)
            for trainer in trainers:
                trainer.losses.flush()
        except KeyboardInterrupt:
            raise TrainingInterrupted(f"interrupted at {first.where()}") from None


# The book's trainer.py has no __all__ and does `import sys, os`, `import numpy as np` and
# `from common.optimizer import *`, so its star import hands all of those on; scripts
# typed from the book may rely on them. This list is that surface plus the course's own.
__all__ = [
    "sys",
    "os",
    "np",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSprop",
    "Adam",
    "Trainer",
    "train_together",
    "TrainingDiverged",
    "TrainingInterrupted",
    "make_optimizer",
    "LOSS_BLOCK",  # and the loop machinery of common.training, handed on
    "LossLog",
    "draw_batch",
]
