"""Random search for the learning rate and the weight decay (section 6.5).

Hyperparameters are chosen on VALIDATION data, never on the test data (that
would fit them to the test set, which then no longer measures generalization).
Here 500 MNIST training examples are shuffled and split: 20% (100) for
validation, 400 for training.

Each trial draws, on a log scale (what matters is the order of magnitude),

    learning rate  lr = 10^u,  u ~ Uniform(-6, -2)
    weight decay   wd = 10^v,  v ~ Uniform(-8, -4)

trains a 784-[100]*6-10 ReLU network with SGD for 50 epochs and records the
validation accuracy.  Every trial is printed as it finishes, then the best ones,
sorted by final validation accuracy ("best 1 | val acc 0.8400 | lr 9.12e-03 |
weight decay 2.30e-06"), and the validation
(solid) and training (dashed) curves of the top 20 are plotted, with a map of
every trial over (lr, wd).  The book's next step: narrow the ranges around the
good region and search again.

Reproducible, serial or parallel: every trial gets its own seed, derived from
``--seed`` and the trial's number (``numpy.random.SeedSequence(seed).spawn``);
it draws its hyperparameters, initial weights and mini-batches from that seed
alone.  So ``--jobs 4`` (trials in 4 worker processes) prints the same results
as ``--jobs 1``, whatever order the trials finish in. The workers always run on
the CPU; with ``--device gpu`` the trials run one after another on the GPU
(``--jobs`` is then ignored, with a note: one GPU gains nothing from several
processes sharing it), with the same results.
"""

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from ch06.experiments import axes_grid
from common import backend
from common.cli import (
    batch_size,
    fraction,
    int_range,
    positive_int,
    run,
    script_parser,
    setup,
    train_size,
)
from common.multi_layer_net import MultiLayerNet
from common.plotting import show_or_save  # importing it also applies the course's figure style
from common.progress import progress_bar, say
from common.trainer import Trainer
from common.util import shuffle_dataset
from dataset.mnist import load_mnist_or_exit

import matplotlib.pyplot as plt
import numpy as np

LR_RANGE = (-6, -2)  # log10 of the learning rate
WEIGHT_DECAY_RANGE = (-8, -4)  # log10 of the weight decay


def trial_seeds(seed, trials):
    """One 32-bit seed per trial, from independent streams (SeedSequence.spawn).

    Trial i's seed depends only on ``seed`` and i: ``--trials 10`` repeats the
    first 10 trials of ``--trials 100``.
    """
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(trials)]


def run_trial(trial_seed, data, epochs, batch_size, device="cpu"):
    """Draw lr and weight decay, train, return (lr, wd, validation and training accuracies).

    Everything random in a trial comes from NumPy's global generator, seeded
    here from the trial's own seed: the result depends on nothing else. The
    device is named, not inherited: a worker process must not pick up
    ``$DLFS_DEVICE`` from its environment.
    """
    with backend.using_device(device):
        return _train_trial(trial_seed, data, epochs, batch_size)


def _train_trial(trial_seed, data, epochs, batch_size):
    backend.seed(trial_seed)
    lr = 10 ** np.random.uniform(*LR_RANGE)
    weight_decay = 10 ** np.random.uniform(*WEIGHT_DECAY_RANGE)

    x_train, t_train, x_val, t_val = data
    network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay)
    # The Trainer's "test" data are our validation data.
    trainer = Trainer(
        network,
        x_train,
        t_train,
        x_val,
        t_val,
        epochs=epochs,
        mini_batch_size=batch_size,
        optimizer="SGD",
        optimizer_param={"lr": lr},
        verbose=False,
    )
    trainer.train()
    return lr, weight_decay, trainer.test_acc_list, trainer.train_acc_list


def run_trials(seeds, data, epochs, batch_size, jobs):
    """Yield the trials' results in trial order, computed here or in ``jobs`` worker processes."""
    if jobs == 1:
        for trial_seed in seeds:
            yield run_trial(trial_seed, data, epochs, batch_size, backend.get_device())
        return
    # Workers are started fresh ("spawn"), each with a single-threaded BLAS: with
    # N workers on N cores, multi-threaded matrix products would only fight for them.
    # (DLFS_CPU_THREADS too: else each worker gives its evaluations the cores it finds free.)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "DLFS_CPU_THREADS"):
        os.environ.setdefault(name, "1")
    # Under pdb the script's module lacks __spec__, which "spawn" looks up (CPython
    # issue 87115); None means "a script run by its path".  (pdb cannot step into
    # the workers anyway: use --jobs 1 to follow a trial.)
    main_module = sys.modules["__main__"]
    if not hasattr(main_module, "__spec__"):
        main_module.__spec__ = None
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        # map() hands the results back in trial order, whichever worker finishes first
        yield from pool.map(
            run_trial, seeds, [data] * len(seeds), [epochs] * len(seeds), [batch_size] * len(seeds)
        )


def trial_line(label, result):
    """``label | val acc 0.8400 | lr 9.12e-03 | weight decay 2.30e-06`` for one trial's result."""
    lr, weight_decay, val_acc, _ = result
    return f"{label} | val acc {val_acc[-1]:.4f} | lr {lr:.2e} | weight decay {weight_decay:.2e}"


def plot_results(results, count, lr_range, wd_range):
    """Top ``count`` trials' curves (validation solid, training dashed) and a map of all trials."""
    best = results[:count]
    curves, axes = axes_grid(
        len(best),
        min(5, len(best)),
        cell_size=(2.8, 2.3),
        xlabel="epochs",
        ylabel="accuracy",
        ylim=(0, 1),
    )
    for rank, (ax, (lr, wd, val_acc, train_acc)) in enumerate(zip(axes, best), start=1):
        epochs = np.arange(1, len(val_acc) + 1)  # epoch 1: measured after its first step
        ax.plot(epochs, val_acc, label="validation")
        ax.plot(epochs, train_acc, "--", label="train")
        # the figure the ranking is by, beside the hyperparameters that gave it
        ax.set_title(
            f"best {rank}: val acc {val_acc[-1]:.2f}\nlr {lr:.1e}, wd {wd:.1e}", fontsize=9
        )
    curves.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
    curves.suptitle(f"Random search: the best {len(best)} of {len(results)} trials")

    search_map, ax = plt.subplots(figsize=(6.8, 4.8), layout="constrained")  # no label cut
    lrs, wds, final = zip(*[(lr, wd, val_acc[-1]) for lr, wd, val_acc, _ in results])
    # Colours span the accuracies reached (short runs stay far below 1), and the best
    # trials carry their rank, as in the figure of their curves.
    points = ax.scatter(lrs, wds, c=final, cmap="viridis", vmin=0, vmax=max(max(final), 1e-3))
    search_map.colorbar(points, label="final validation accuracy")
    for rank, (lr, wd, _, _) in enumerate(results[:5], start=1):
        ax.annotate(str(rank), (lr, wd), xytext=(4, 4), textcoords="offset points", fontsize=9)
    ax.text(  # what the numbers mean, in a corner away from the good (high-lr) trials
        0.02,
        0.02,
        "numbers: the ranks of the five best trials\n(as in the figure of their curves)",
        transform=ax.transAxes,
        fontsize=8,
        va="bottom",
    )
    # A margin of a tenth of a decade: markers at the ranges' ends are not cut in half.
    ax.set(
        xscale="log",
        yscale="log",
        xlim=[10.0 ** (lr_range[0] - 0.1), 10.0 ** (lr_range[1] + 0.1)],
        ylim=[10.0 ** (wd_range[0] - 0.1), 10.0 ** (wd_range[1] + 0.1)],
        xlabel="learning rate",
        ylabel="weight decay",
        title="Every trial: where the good hyperparameters are",
    )
    return {"hyperparameter_best": curves, "hyperparameter_map": search_map}


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument(
        "--trials",
        # every trial's seed is made up front: 10^9 of them would exhaust the memory
        type=int_range(1, 100_000),
        default=100,
        help="number of random (lr, weight decay) draws",
    )
    parser.add_argument("--epochs", type=positive_int, default=50, help="training epochs per trial")
    parser.add_argument(
        "--train-size",
        type=train_size,
        default=500,
        help="MNIST training examples used, validation included",
    )
    parser.add_argument(
        "--validation-rate",
        type=fraction,
        default=0.2,
        help="share of them held out for validation",
    )
    parser.add_argument(
        "--batch-size", type=batch_size, default=100, help="examples per mini-batch"
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        help="trials run at once in worker processes on the CPU (1 = in this process)",
    )
    parser.add_argument(
        "--show", type=positive_int, default=20, help="how many of the best trials to plot"
    )
    args = parser.parse_args(argv)
    setup(args)
    if args.jobs > 1 and backend.get_device() != "cpu":
        say(
            f"note: --jobs {args.jobs} runs CPU worker processes; on --device {args.device} "
            "the trials run one after another instead (same results)"
        )
        args.jobs = 1
    validation_num = int(args.train_size * args.validation_rate)
    if not 1 <= validation_num < args.train_size:
        parser.error(
            f"--validation-rate {args.validation_rate:g} of --train-size {args.train_size} "
            f"leaves {validation_num} validation examples: need at least one of each kind"
        )

    (x_train, t_train), _ = load_mnist_or_exit(normalize=True)
    x_train, t_train = shuffle_dataset(x_train[: args.train_size], t_train[: args.train_size])
    x_val, t_val = x_train[:validation_num], t_train[:validation_num]
    x_train, t_train = x_train[validation_num:], t_train[validation_num:]
    data = (x_train, t_train, x_val, t_val)
    if args.jobs == 1:
        data = tuple(
            backend.to_device(a) for a in data
        )  # once, for all trials (workers get NumPy arrays)

    say(
        f"device: {backend.get_device()}, {args.jobs} job(s), {args.trials} trials "
        f"of {args.epochs} epochs; {len(x_train)} training and {len(x_val)} validation examples"
    )
    seeds = trial_seeds(args.seed, args.trials)
    results = []
    with progress_bar(args.trials, "trials") as bar:
        for i, result in enumerate(
            run_trials(seeds, data, args.epochs, args.batch_size, args.jobs)
        ):
            results.append(result)
            say(trial_line(f"trial {i + 1}", result))
            bar.update()

    print(f"the {min(args.show, len(results))} best trials, by final validation accuracy:")
    # sorted() is stable: equal accuracies keep trial order, so the ranking is reproducible
    results = sorted(results, key=lambda result: result[2][-1], reverse=True)
    for rank, result in enumerate(results[: args.show], start=1):
        print(trial_line(f"best {rank}", result))

    show_or_save(plot_results(results, args.show, LR_RANGE, WEIGHT_DECAY_RANGE), args.save)


if __name__ == "__main__":
    run(main)
