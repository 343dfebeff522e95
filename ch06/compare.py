"""The pieces the chapter 6 experiments share (a helper module, not a script).

Every script of this chapter compares: update rules, initial weight scales,
networks with and without batch norm, with and without regularization, draws
of hyperparameters.  What those comparisons do alike is written once, here:

* ``train_side_by_side`` trains several networks, each with its own optimizer,
  on the same mini-batches and returns every network's loss per iteration;
  ``loss_line`` and ``plot_smoothed_losses`` print and draw those losses
  (optimizer_compare_mnist.py, weight_init_compare.py);
* ``load_first_examples`` is MNIST with only the first N training examples, the
  small training sets of batch_norm_test.py and of the overfitting scripts;
* ``add_overfit_arguments``, ``train_and_report`` and ``plot_accuracies`` are the
  overfitting experiment that overfit_weight_decay.py and overfit_dropout.py run
  with different networks;
* ``axes_grid`` lays out one small plot per case (batch_norm_test.py,
  hyperparameter_optimization.py).
"""
import itertools
import math

import matplotlib.pyplot as plt
import numpy as np

from common.backend import get_device, to_device
from common.cli import load_mnist_or_exit
from common.progress import Progress
from common.trainer import Trainer
from common.util import smooth_curve

MARKERS = "osD^xv"  # one per curve, in turn, unless a script picks its own


# --- several networks, the same mini-batches ------------------------------------------------

def loss_line(label, losses):
    """One line of output: ``label | name 0.1234 | name 0.5678 ...`` for a dict name -> loss."""
    return " | ".join([label] + [f"{name} {float(loss):.4f}" for name, loss in losses.items()])


def train_side_by_side(networks, optimizers, x_train, t_train, iters, batch_size, print_every=100):
    """Train every network of ``networks`` with its optimizer on the same mini-batches.

    networks, optimizers: dicts with the same keys (the names printed and plotted).
    Every ``print_every`` iterations (0: never) a line shows each network's loss.
    Returns a dict name -> list of the loss at every iteration, as floats.
    """
    x_train, t_train = to_device(x_train), to_device(t_train)  # once, not per batch
    train_size = x_train.shape[0]
    losses = {name: [] for name in networks}
    progress = Progress(iters, "training")
    for i in range(iters):
        # the indices go where the data are (to_device does nothing on the CPU)
        batch_index = to_device(np.random.choice(train_size, batch_size))
        x_batch, t_batch = x_train[batch_index], t_train[batch_index]
        for name, network in networks.items():
            grads = network.gradient(x_batch, t_batch)
            optimizers[name].update(network.params, grads)
            # The batch's loss, from the forward pass inside ``gradient`` (before the
            # update).  It is kept as it comes, a scalar on the device, and becomes a
            # Python float only where it is printed, or at the end, for the plot.
            losses[name].append(network.last_loss)
        if print_every and i % print_every == 0:
            progress.clear()
            print(loss_line(f"iteration {i}", {name: values[-1] for name, values in losses.items()}))
        progress.update(i + 1)
    progress.clear()
    return {name: [float(loss) for loss in values] for name, values in losses.items()}


def print_final_losses(losses, last=100):
    """The mean loss of each network over its last ``last`` iterations (less noisy than one batch)."""
    last = min(last, min(len(values) for values in losses.values()))
    print(loss_line(f"mean of the last {last} iterations",
                    {name: np.mean(values[-last:]) for name, values in losses.items()}))


def plot_smoothed_losses(losses, title, ylim, markers=None):
    """One smoothed loss curve per network; ``markers``: a dict name -> marker, or None."""
    fig, ax = plt.subplots()
    iters = max(len(values) for values in losses.values())
    default_markers = itertools.cycle(MARKERS)
    for name, values in losses.items():
        marker = markers[name] if markers else next(default_markers)
        ax.plot(smooth_curve(values), marker=marker, markevery=max(iters // 20, 1), markersize=5, label=name)
    ax.set(title=title, xlabel="iterations", ylabel="loss", ylim=ylim)
    ax.legend()
    return fig


# --- a small training set, and the overfitting experiment -----------------------------------

def load_first_examples(train_size):
    """Normalized MNIST with only the first ``train_size`` training examples (all test examples)."""
    (x_train, t_train), test = load_mnist_or_exit(normalize=True)
    return (x_train[:train_size], t_train[:train_size]), test


def add_overfit_arguments(parser, epochs):
    """The options of the overfitting experiment: a big network, few examples, plain SGD."""
    parser.add_argument("--epochs", type=int, default=epochs, help="training epochs")
    parser.add_argument("--train-size", type=int, default=300,
                        help="training examples (from the start of MNIST): few, so that the network overfits")
    parser.add_argument("--batch-size", type=int, default=100, help="examples per mini-batch")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")


def train_and_report(network, args, setting):
    """Train ``network`` with SGD on ``args.train_size`` examples; training and test accuracy per epoch.

    The Trainer prints both accuracies after every epoch; at the end the gap between
    them (the measure of overfitting) is printed.  Returns (train_acc, test_acc) lists.
    """
    (x_train, t_train), (x_test, t_test) = load_first_examples(args.train_size)
    # The Trainer moves the data to the device once, and evaluates after every epoch.
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=args.epochs,
                      mini_batch_size=args.batch_size, optimizer="SGD", optimizer_param={"lr": args.lr},
                      verbose=True)
    print(f"device: {get_device()}, {len(x_train)} training examples, {setting}")
    trainer.train()
    train_acc, test_acc = trainer.train_acc_list, trainer.test_acc_list
    print(f"final: train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}, "
          f"gap {train_acc[-1] - test_acc[-1]:.4f}")
    return train_acc, test_acc


def plot_accuracies(train_acc, test_acc, title):
    """Training and test accuracy after every epoch (epochs counted from 1)."""
    fig, ax = plt.subplots()
    epochs = np.arange(1, len(train_acc) + 1)
    ax.plot(epochs, train_acc, marker="o", markevery=10, markersize=4, label="train")
    ax.plot(epochs, test_acc, marker="s", markevery=10, markersize=4, label="test")
    ax.set(title=title, xlabel="epochs", ylabel="accuracy", ylim=(0, 1.0))
    ax.legend(loc="lower right")
    return fig


# --- figures of many small plots ------------------------------------------------------------

def axes_grid(count, cols, cell_size, xlabel, ylabel, ylim=None):
    """A figure with ``count`` small plots, ``cols`` a row, sharing both axes (and ``ylim``).

    Spare places of the last row stay empty; the bottom row gets ``xlabel``, the
    first column ``ylabel``.  Returns (figure, list of the ``count`` axes).
    """
    rows = math.ceil(count / cols)
    width, height = cell_size
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), sharex=True, sharey=True,
                             squeeze=False, layout="constrained")
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    if ylim is not None:
        axes[0, 0].set_ylim(ylim)  # shared: every plot gets it
    return fig, list(axes.flat[:count])
