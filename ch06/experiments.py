"""What the chapter 6 experiments share (a helper module, not a script).

Every script of this chapter compares: update rules, initial weight scales, networks
with and without batch norm, with and without regularization, draws of
hyperparameters. The training itself is ``common.trainer``'s: a ``Trainer`` per
network, all stepped by ``train_together`` on the same mini-batches, so that two
curves differ in the one thing compared. What is left to share is written here:

* ``train_side_by_side`` trains networks for a number of steps and returns their
  losses; ``print_final_losses`` and ``plot_smoothed_losses`` report them
  (optimizer_compare_mnist.py, weight_init_compare.py);
* ``train_epochs_side_by_side`` trains Trainers and prints every network's
  accuracies in one line per epoch (batch_norm_test.py, the overfitting scripts);
* ``overfitting_experiment``: the overfitting scripts' runs, report and figure;
* ``load_first_examples``: MNIST with only the first N training examples;
* ``plot_accuracies`` and ``axes_grid`` draw accuracies, and grids of small plots.
"""

import itertools
import math

from common.progress import say
from common.trainer import Trainer, train_together
from common.util import smooth_curve
from dataset.mnist import load_mnist_or_exit

import matplotlib.pyplot as plt
import numpy as np

LINE_STYLES = [("o", "-"), ("s", "--"), ("D", "-."), ("^", ":"), ("x", "-"), ("v", "--")]


# --- several networks, the same mini-batches ------------------------------------------------


def loss_line(label, losses):
    """One line of output: ``label | name 0.1234 | name 0.5678 ...`` for a dict name -> loss."""
    return " | ".join([label] + [f"{name} {loss:.4f}" for name, loss in losses.items()])


def train_side_by_side(
    networks, optimizers, x_train, t_train, iters, batch_size, print_every=100, progress=True
):
    """Train every network of ``networks`` with its optimizer, for ``iters`` steps.

    networks, optimizers: dicts with the same keys (the names printed and plotted).
    After step 1 and every ``print_every`` steps after it (0: never) a line shows
    each network's loss, numbered from 0 like the book's loop; ``progress=False``
    hides the progress bar (for notebooks, whose stored output should not hold it).
    Returns a dict name -> list of the loss at every step, as floats.
    """
    trainers = {
        name: Trainer(
            network,
            x_train,
            t_train,
            None,
            None,
            mini_batch_size=batch_size,
            optimizer=optimizers[name],
            verbose=False,
            iters=iters,
            evaluate=False,
        )
        for name, network in networks.items()
    }

    def report(step):
        if print_every and (step - 1) % print_every == 0:
            last = {name: trainer.losses.last() for name, trainer in trainers.items()}
            say(loss_line(f"iteration {step - 1}", last))

    train_together(list(trainers.values()), progress=progress, on_step=report)
    return {name: trainer.train_loss_list for name, trainer in trainers.items()}


def print_final_losses(losses, last=100):
    """The mean loss of each network over its last ``last`` steps (less noisy than one batch)."""
    last = min(last, min(len(values) for values in losses.values()))
    means = {name: float(np.mean(values[-last:])) for name, values in losses.items()}
    say(loss_line(f"mean of the last {last} iterations", means))


def plot_smoothed_losses(losses, title, ylim=None, log=False, styles=None, window=11):
    """One smoothed loss curve per network, each with its own marker and line style.

    ``styles``: a dict name -> (marker, linestyle), or None for the course's order.
    ``log=True`` draws the loss on a log scale, where curves close to 0 part.
    ``window``: the points each smoothed value averages (the book's 11 by default).
    """
    fig, ax = plt.subplots()
    iters = max(len(values) for values in losses.values())
    # A short run (a quick try with --iters 30) gets a window that fits it, not an empty plot.
    shortest = min(len(values) for values in losses.values())
    window = window if shortest >= 2 * window else max(1, shortest // 4 * 2 + 1)
    default_styles = itertools.cycle(LINE_STYLES)
    for name, values in losses.items():
        marker, linestyle = styles[name] if styles else next(default_styles)
        ax.plot(
            smooth_curve(values, window) if window > 1 else values,
            marker=marker,
            linestyle=linestyle,
            markevery=max(iters // 20, 1),
            markersize=5,
            label=name,
        )
    ax.set(
        title=title,
        xlabel="iterations",
        ylabel=f"loss (smoothed over {window} iterations)" if window > 1 else "loss",
    )
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(ylim)
    ax.legend()
    return fig


def train_epochs_side_by_side(trainers, test=True, verbose=True):
    """Train ``trainers`` (a dict name -> Trainer, verbose=False) on the same mini-batches.

    After every evaluation one line shows every network's accuracies:
    ``epoch   3 | no weight decay: train acc 0.5000, test acc 0.4000 | ...``;
    ``verbose=False`` prints nothing (no lines, no progress bar).
    """
    first = next(iter(trainers.values()))
    shown = 0

    def report(step):
        nonlocal shown
        if verbose and first.current_epoch > shown:
            shown = first.current_epoch
            parts = []
            for name, trainer in trainers.items():
                part = f"{name}: train acc {trainer.train_acc_list[-1]:.4f}"
                if test:
                    part += f", test acc {trainer.test_acc_list[-1]:.4f}"
                parts.append(part)
            say(" | ".join([f"epoch {shown:3d}"] + parts))

    train_together(list(trainers.values()), progress=verbose, on_step=report)


# --- small training sets --------------------------------------------------------------------


def load_first_examples(train_size):
    """Normalized MNIST with only the first ``train_size`` training examples (all test examples)."""
    (x_train, t_train), test = load_mnist_or_exit(normalize=True)
    return (x_train[:train_size], t_train[:train_size]), test


def plot_accuracies(results, title):
    """One panel per run: training (solid) and test (dashed) accuracy per epoch.

    ``results``: dict run name -> (train accuracies, test accuracies). Side by side
    rather than on one axes, because two runs that both reach 100% would hide one
    training curve under the other; each panel's title gives its final figures, so
    the gaps can be compared without reading them off the curves.
    """
    labels = {"xlabel": "epochs", "ylabel": "accuracy", "ylim": (0, 1.02)}
    fig, axes = axes_grid(len(results), len(results), cell_size=(4.6, 3.8), **labels)
    for ax, (name, (train_acc, test_acc)) in zip(axes, results.items()):
        epochs = np.arange(1, len(train_acc) + 1)  # numbered as the epoch lines print them
        ax.plot(epochs, train_acc, label="train")
        ax.plot(epochs, test_acc, "--", label="test")
        gap = train_acc[-1] - test_acc[-1]
        ax.set_title(
            f"{name}\nfinal: train {train_acc[-1]:.3f}, test {test_acc[-1]:.3f}, gap {gap:.3f}",
            fontsize="medium",
        )
    axes[0].legend(loc="lower right")
    fig.suptitle(title)
    return fig


def overfitting_experiment(networks, args, title):
    """The overfitting runs: ``networks`` (a dict name -> network) trained side by side.

    Plain SGD (``args.lr``) on the first ``args.train_size`` training examples for
    ``args.epochs`` epochs of ``args.batch_size``; one line per epoch with every
    network's accuracies, then each one's final training and test accuracy and their
    gap (the measure of overfitting). Returns the figure of all the curves.
    """
    (x_train, t_train), (x_test, t_test) = load_first_examples(args.train_size)
    trainers = {
        name: Trainer(
            network,
            x_train,
            t_train,
            x_test,
            t_test,
            epochs=args.epochs,
            mini_batch_size=args.batch_size,
            optimizer="SGD",
            optimizer_param={"lr": args.lr},
            verbose=False,
        )
        for name, network in networks.items()
    }
    say(f"{args.train_size} training examples, 784-[100]x6-10, SGD lr {args.lr:g}")
    train_epochs_side_by_side(trainers)
    results = {name: (t.train_acc_list, t.test_acc_list) for name, t in trainers.items()}
    for name, (train_acc, test_acc) in results.items():
        say(
            f"{name}: final train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}, "
            f"gap {train_acc[-1] - test_acc[-1]:.4f}"
        )
    return plot_accuracies(results, f"{title} ({args.train_size} examples)")


# --- figures of many small plots ------------------------------------------------------------


def axes_grid(count, cols, cell_size, xlabel, ylabel, ylim=None):
    """A figure with ``count`` small plots, ``cols`` a row, sharing both axes (and ``ylim``).

    Spare places of the last row stay empty; the bottom row gets ``xlabel``, the
    first column ``ylabel``. Returns (figure, list of the ``count`` axes).
    """
    rows = math.ceil(count / cols)
    width, height = cell_size
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(width * cols, height * rows),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    if ylim is not None:
        axes[0, 0].set_ylim(ylim)  # shared: every plot gets it
    return fig, list(axes.flat[:count])
