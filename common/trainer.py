"""Trainer: the training loop of chapter 6, written once.

    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=20,
                      mini_batch_size=100, optimizer='Adam', optimizer_param={'lr': 0.001})
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list

Each step draws a random mini-batch (with replacement, as in the book), computes
the gradients by backpropagation and lets the optimizer update ``network.params``.
After each epoch (train_size / mini_batch_size steps) it measures the accuracy on
the training and test data, or on their first ``evaluate_sample_num_per_epoch``
examples.  The data are moved to the current device once, here, not per batch.
``x_test=None, t_test=None`` skips the test set (``test_acc_list`` stays empty).
"""
import numpy as np

from common import backend
from common.optimizer import OPTIMIZERS
from common.progress import Progress


def make_optimizer(optimizer, optimizer_param=None):
    """An optimizer from its name ('SGD', 'Momentum', ..., case-insensitive) or an instance."""
    if not isinstance(optimizer, str):
        return optimizer
    try:
        optimizer_class = OPTIMIZERS[optimizer.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of "
                         f"{', '.join(c.__name__ for c in OPTIMIZERS.values())}") from None
    return optimizer_class(**(optimizer_param or {}))


class Trainer:
    def __init__(self, network, x_train, t_train, x_test, t_test,
                 epochs=20, mini_batch_size=100, optimizer="SGD", optimizer_param=None,
                 evaluate_sample_num_per_epoch=None, verbose=True):
        self.network = network
        self.verbose = verbose
        self.x_train, self.t_train = backend.to_device(x_train), backend.to_device(t_train)
        self.has_test = x_test is not None
        self.x_test = backend.to_device(x_test) if self.has_test else None
        self.t_test = backend.to_device(t_test) if self.has_test else None
        self.epochs = epochs
        self.batch_size = mini_batch_size
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch
        self.optimizer = make_optimizer(optimizer, {"lr": 0.01} if optimizer_param is None else optimizer_param)

        self.train_size = self.x_train.shape[0]
        self.iter_per_epoch = max(self.train_size // mini_batch_size, 1)
        self.max_iter = int(epochs * self.iter_per_epoch)
        self.current_iter = 0
        self.current_epoch = 0

        self.train_loss_list = []
        self.train_acc_list = []
        self.test_acc_list = []
        self._progress = Progress(self.max_iter, enabled=False)

    def train_step(self):
        """One mini-batch: gradient, update, record the loss."""
        batch_index = np.random.choice(self.train_size, self.batch_size)
        if backend.get_array_module(self.x_train) is not np:
            batch_index = backend.to_device(batch_index)
        x_batch, t_batch = self.x_train[batch_index], self.t_train[batch_index]

        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)

        # The loss of this batch, as computed during `gradient` (before the update);
        # networks that do not record it are asked again.
        loss = getattr(self.network, "last_loss", None)
        if loss is None:
            loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(float(loss))

        self.current_iter += 1
        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            self._evaluate()

    def _accuracy(self, x, t):
        n = self.evaluate_sample_num_per_epoch
        return self.network.accuracy(x, t) if n is None else self.network.accuracy(x[:n], t[:n])

    def _evaluate(self):
        train_acc = self._accuracy(self.x_train, self.t_train)
        self.train_acc_list.append(train_acc)
        line = f"epoch {self.current_epoch:3d} | train acc {train_acc:.4f}"
        if self.has_test:
            test_acc = self._accuracy(self.x_test, self.t_test)
            self.test_acc_list.append(test_acc)
            line += f" | test acc {test_acc:.4f}"
        if self.verbose:
            self._progress.clear()
            print(line)

    def train(self):
        """Run all the steps; return the final test accuracy (None without a test set)."""
        self._progress = Progress(self.max_iter, "training", enabled=None if self.verbose else False)
        for i in range(self.max_iter):
            self.train_step()
            self._progress.update(i + 1)
        self._progress.clear()

        if not self.has_test:
            return None
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            print(f"final test acc {test_acc:.4f}")
        return test_acc
