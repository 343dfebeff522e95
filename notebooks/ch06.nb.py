# ---
# jupyter:
#   jupytext:
#     formats: ipynb,.nb.py:percent
#     notebook_metadata_filter: -jupytext.text_representation
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 6 — Training techniques
#
# Backpropagation gives the gradients; this chapter is about using them well. Better update
# rules than plain SGD, a sensible scale for the initial weights, batch normalization, two
# defences against overfitting (weight decay and dropout), and a search for hyperparameters on
# validation data. Everything here comes from `common`: the optimizers, `MultiLayerNet` (any
# depth) and `MultiLayerNetExtend` (with batch norm and dropout), and the `Trainer` loop.

# %% [markdown]
# **Before running.** This notebook loads MNIST with `dataset.mnist.load_mnist`, as the chapter
# scripts do. The first load needs the data from somewhere: `MNIST_DIR` pointing at a folder with
# the four MNIST files, or a network connection; it then fills a cache, and later runs need neither
# (see *MNIST data* in the README). Start Jupyter in the environment where the course is installed
# (`pip install -e .`), for example with `jupyter lab notebooks/` from the repository root: the
# course's packages (`common`, `dataset`, `ch03` ... `ch06`) then import from any folder, and
# nothing here depends on the working directory. Run the cells from top to bottom; random numbers
# are seeded, so every run prints the same numbers (timings apart).
#
# Training runs here are shortened so that the notebook runs in about a minute on a laptop CPU;
# the chapter's scripts do the full runs, with the book's settings except where a script's `--help`
# says why not: `python ch06/optimizer_compare_naive.py`,
# `ch06/optimizer_compare_mnist.py`, `ch06/weight_init_activation_histogram.py`,
# `ch06/weight_init_compare.py`, `ch06/batch_norm_test.py`, `ch06/overfit_weight_decay.py`,
# `ch06/overfit_dropout.py` and `ch06/hyperparameter_optimization.py`.

# %%
# %matplotlib inline
import copy

from ch06.batch_norm_test import train_with_and_without
from ch06.experiments import (
    axes_grid,
    plot_accuracies,
    plot_smoothed_losses,
    print_final_losses,
    train_epochs_side_by_side,
    train_side_by_side,
)
from ch06.optimizer_compare_naive import descend, f, plot_paths
from ch06.optimizer_compare_naive import optimizers as valley_optimizers
from ch06.weight_init_activation_histogram import ACTIVATIONS, histogram_grid
from ch06.weight_init_compare import STARTING_SCALES
from common import backend, plotting
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from common.trainer import Trainer
from dataset.mnist import load_mnist

import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update(plotting.STYLE)  # the course's figure style (100 dpi keeps the notebook small)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 6.1 Optimizers
#
# Every optimizer in `common.optimizer` has `update(params, grads)`, which changes the arrays in
# `params` in place. With gradient $g$ and learning rate $\eta$:
#
# | optimizer | update |
# |---|---|
# | SGD | $W \leftarrow W - \eta g$ |
# | Momentum | $v \leftarrow \alpha v - \eta g$, $\;W \leftarrow W + v$ |
# | Nesterov | momentum, looking one step ahead: $W \leftarrow W + \alpha v - \eta g$ (new $v$) |
# | AdaGrad | $h \leftarrow h + g^2$, $\;W \leftarrow W - \eta g / \sqrt{h}$ |
# | RMSprop | AdaGrad with $h$ a moving average, $h \leftarrow \rho h + (1 - \rho) g^2$ |
# | Adam | momentum on $g$ and a moving average of $g^2$, with bias correction |
#
# A hard case for SGD is a long, narrow valley such as $f(x, y) = \frac{x^2}{20} + y^2$: its
# gradient $(x/10, 2y)$ points mostly across the valley, not along it towards the minimum at
# $(0, 0)$. Each optimizer starts at $(-7, 2)$ and takes 30 steps; the learning rates are
# chosen per method, as in the book.
#
# The pieces come from `ch06/optimizer_compare_naive.py`: `f` and its gradient `df`,
# `optimizers()` (the six, with those learning rates) and `descend(optimizer, steps)`. That
# loop keeps $x$ and $y$ as 0-d arrays in a dictionary, like a network's parameters, and
# calls `optimizer.update(params, grads)` with the gradient from `df` at every step; it
# returns the path, one row $(x, y)$ per point.

# %%
paths = {name: descend(optimizer, steps=30) for name, optimizer in valley_optimizers().items()}
for name, path in paths.items():
    x, y = path[-1]
    print(f"{name:<9} ends at ({x:8.4f}, {y:8.4f}),  f = {f(x, y):.6f}")

# %%
plot_paths(paths)  # the script's figure: every path on the contour lines of f
plt.show()

# %% [markdown]
# SGD zig-zags across the valley and is still far from the minimum along $x$. Momentum gathers
# speed along the valley and overshoots; Nesterov's look-ahead damps that. AdaGrad and RMSprop
# scale each coordinate by its own gradient history, so the steep $y$ direction is tamed at once;
# Adam combines both ideas.
#
# On a real problem the picture is similar. A 5-layer ReLU network (784-100-100-100-100-10, He
# initialization) is trained by each optimizer on the same mini-batches of MNIST, from the same
# initial weights, for 300 steps (the script runs 2 000). `train_side_by_side` from
# `ch06/experiments.py` runs that loop for `ch06/optimizer_compare_mnist.py` and here: at every
# step one random mini-batch, then for each network its gradient and its optimizer's update.
# It prints the losses every 100 steps and returns them all.

# %%
(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
x_train_d, t_train_d = backend.to_device(x_train), backend.to_device(t_train)

mnist_optimizers = {
    "SGD": SGD(lr=0.01),
    "Momentum": Momentum(lr=0.01),
    "Nesterov": Nesterov(lr=0.01),
    "AdaGrad": AdaGrad(lr=0.01),
    "RMSprop": RMSprop(lr=0.001),
    "Adam": Adam(lr=0.001),
}
np.random.seed(0)
template = MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std="he")
networks = {name: copy.deepcopy(template) for name in mnist_optimizers}  # the same initial weights
optimizer_losses = train_side_by_side(
    networks, mnist_optimizers, x_train_d, t_train_d, iters=300, batch_size=128
)
print_final_losses(optimizer_losses, last=50)

title = "Optimizers on MNIST (smoothed mini-batch loss)"
# a log scale, as in the script: near 0 the adaptive methods' curves part instead of merging
plot_smoothed_losses(optimizer_losses, title, log=True)
plt.show()


# %% [markdown]
# ## 6.2 The scale of the initial weights
#
# Weights start random, but their *scale* matters a lot. Feed 1 000 random inputs through five
# layers of 100 units, $z \leftarrow h(z W)$, without any training, and look at the histogram of
# each layer's outputs:
#
# * **std 1** with sigmoid: the outputs pile up at 0 and 1, where the sigmoid is flat, so the
#   gradients vanish;
# * **std 0.01** with sigmoid: every unit outputs nearly 0.5; a hundred units that all do the
#   same thing are no better than one;
# * **Xavier**, std $1/\sqrt{n}$ ($n$ = inputs per unit): the spread survives every layer;
# * **He**, std $\sqrt{2/n}$, is the counterpart for ReLU, which zeroes half its inputs (hence
#   the 2).


# %%
def layer_outputs(activation, std, layers=5, units=100, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((1000, units))
    outputs = []
    for _ in range(layers):
        W = rng.standard_normal((units, units)) * std
        z = activation(z @ W)
        outputs.append(z)
    return outputs


n = 100
configurations = [
    ("sigmoid, std 1", "sigmoid", 1.0),
    ("sigmoid, std 0.01", "sigmoid", 0.01),
    ("sigmoid, Xavier", "sigmoid", 1 / np.sqrt(n)),
    ("ReLU, He", "relu", np.sqrt(2 / n)),
]
rows = [(label, name, layer_outputs(ACTIVATIONS[name], std)) for label, name, std in configurations]
# the script's figure: bars as % of all outputs, one y scale per row, ReLU's zeros written apart
histogram_grid(rows, "Activations of five layers for four weight scales")
plt.show()


# %% [markdown]
# The same three scales on MNIST (`MultiLayerNet` takes `weight_init_std` as a number, `'xavier'`
# or `'he'`; `STARTING_SCALES` of `ch06/weight_init_compare.py` lists the three), 5-layer ReLU
# network, plain SGD, 400 steps on the same batches (the script runs 2 000): with std 0.01 the
# signal shrinks at every layer and the loss hardly moves; He learns fastest.

# %%
np.random.seed(0)
networks = {
    label: MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std=scale)
    for label, scale in STARTING_SCALES.items()
}
init_losses = train_side_by_side(
    networks,
    {label: SGD(lr=0.01) for label in networks},
    x_train_d,
    t_train_d,
    iters=400,
    batch_size=128,
)
print_final_losses(init_losses, last=50)

title = "Weight initialization on MNIST (SGD, smoothed loss)"
plot_smoothed_losses(init_losses, title, ylim=(0, 2.5))
plt.show()

# %% [markdown]
# ## 6.3 Batch normalization
#
# Instead of hoping the scale is right, batch normalization *makes* it right: after each Affine
# layer, every unit is normalized over the mini-batch and then given a learned scale $\gamma$ and
# shift $\beta$,
#
# $$\mu = \frac{1}{m}\sum_i x_i,\quad \sigma^2 = \frac{1}{m}\sum_i (x_i - \mu)^2,\quad
# \hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \varepsilon}},\quad
# y_i = \gamma \hat{x}_i + \beta.$$
#
# At test time the running averages of $\mu$ and $\sigma^2$ collected during training are used.
# `MultiLayerNetExtend(..., use_batchnorm=True)` inserts such a layer after every hidden Affine
# layer. Below, 784-[100]×5-10 ReLU networks with and without batch norm start from weights of
# four different scales and train with SGD on 1 000 examples for 10 epochs (the script: 16 scales,
# 20 epochs). `train_with_and_without` from `ch06/batch_norm_test.py` builds the pair for one
# scale, trains each with the `Trainer` on the same mini-batches, and returns both training
# accuracies per epoch, from epoch 1 (after the first step). Without batch norm the large
# scales make the scores overflow, which is the failure being shown, so NumPy's warnings about
# it are silenced.

# %%
x_small, t_small = backend.to_device(x_train[:1000]), backend.to_device(t_train[:1000])
scales = [1.0, 0.1, 0.01, 0.001]
bn_results = {}
with np.errstate(over="ignore", invalid="ignore"):
    for scale in scales:
        np.random.seed(0)
        without, with_bn = train_with_and_without(
            scale, x_small, t_small, epochs=10, batch_size=100, lr=0.01
        )
        bn_results[scale] = without, with_bn
        print(f"std {scale:<6g}: training accuracy", end=" ")
        print(f"without BN {without[-1]:.3f}, with BN {with_bn[-1]:.3f}")

# axes_grid (ch06/experiments.py): one small plot per case, with shared axes
labels = {"xlabel": "epoch", "ylabel": "training accuracy", "ylim": (0, 1)}
fig, axes = axes_grid(len(scales), len(scales), cell_size=(3.5, 3.6), **labels)
for ax, scale in zip(axes, scales):
    without, with_bn = bn_results[scale]
    ax.plot(with_bn, label="with batch norm")
    ax.plot(without, "--", label="without")
    ax.set_title(f"initial weight std {scale:g}")
axes[0].legend(loc="upper left")
fig.suptitle("Batch normalization makes training robust to the initial scale")
plt.show()

# %% [markdown]
# Without batch norm none of these four scales trains well in 10 epochs: too large and the scores
# explode, too small and the signal fades. With batch norm all four learn (std 1 slowly), and
# the scales in between learn fast.

# %% [markdown]
# ## 6.4 Overfitting, weight decay and dropout
#
# A network with many parameters and few examples can learn the examples by heart: training
# accuracy approaches 100% while test accuracy lags far behind. To provoke that, train
# 784-[100]×6-10 (ReLU) on just **300** MNIST images. Two remedies, each set against the same
# network without it, from the same initial weights and on the same mini-batches (the settings
# of `ch06/overfit_weight_decay.py` and `ch06/overfit_dropout.py`):
#
# * **Weight decay** adds $\frac{\lambda}{2}\sum W^2$ to the loss, so every gradient gains
#   $\lambda W$: large weights are penalized, and the network cannot bend itself around each
#   training example ($\lambda = 0.1$, SGD with lr 0.01, as in the book).
# * **Dropout** switches off a random share of the hidden units for every mini-batch while
#   training, so no unit can rely on specific others; at test time all units are on, scaled by
#   $1 - \text{ratio}$ (ratio 0.15, SGD with lr 0.1: see below why not the book's 0.2 and 0.01).
#
# `Trainer`s stepped together by `train_epochs_side_by_side` run the loop: 150 epochs of 3
# mini-batches of 100 each (the scripts run 201 and 301), measuring accuracy after every epoch on
# the 300 training images and, to save time, on the first 1 000 test images. `plot_accuracies`
# draws the scripts' figure.

# %%
x_300, t_300 = x_train[:300], t_train[:300]
x_test_part, t_test_part = x_test[:1000], t_test[:1000]
sizes = (784, [100] * 6, 10)  # inputs, hidden layers, outputs


def train_pair(networks, lr, epochs=150):
    """Train two networks side by side; return name -> (training, test accuracies)."""
    settings = {"epochs": epochs, "mini_batch_size": 100, "verbose": False}
    settings.update(optimizer="SGD", optimizer_param={"lr": lr})
    trainers = {
        name: Trainer(network, x_300, t_300, x_test_part, t_test_part, **settings)
        for name, network in networks.items()
    }
    train_epochs_side_by_side(trainers, verbose=False)
    return {name: (t.train_acc_list, t.test_acc_list) for name, t in trainers.items()}


np.random.seed(0)
plain = MultiLayerNet(*sizes)
decayed = copy.deepcopy(plain)  # the same initial weights...
decayed.weight_decay_lambda = 0.1  # ...and the penalty
decay_results = train_pair({"no weight decay": plain, "weight decay 0.1": decayed}, lr=0.01)
plot_accuracies(decay_results, "Weight decay against overfitting (300 examples)")
plt.show()

# %%
np.random.seed(0)
dropped = MultiLayerNetExtend(*sizes, use_dropout=True, dropout_ratio=0.15)
plain = MultiLayerNetExtend(*sizes)
for key, value in dropped.params.items():  # the same initial weights, without dropout
    plain.params[key][...] = value
dropout_results = train_pair({"no dropout": plain, "dropout 0.15": dropped}, lr=0.1)
plot_accuracies(dropout_results, "Dropout against overfitting (300 examples)")
plt.show()

# %% [markdown]
# Without regularization the network soon classifies all 300 training images right while the
# test accuracy stalls far below: it has memorized them. Weight decay keeps the training accuracy
# lower and the gap narrower. Dropout does less here: both networks still learn the 300 images by
# heart, and dropout buys a little test accuracy, so a slightly narrower gap. The book's setting
# (ratio 0.2, lr 0.01) shows a narrower gap still, but only because after 301 epochs the network
# has not learned the training images yet (its training accuracy is about 0.6): that is
# underfitting, not less overfitting. `python ch06/overfit_dropout.py --help` gives the figures;
# `--dropout-ratio 0.2 --lr 0.01` runs the book's setting. What to look at is the gap *once the
# training accuracy is high*.
#
# ## 6.5 Hyperparameter search
#
# The learning rate and the weight decay have to be chosen. They must be chosen on
# **validation** data, split off from the training data: choosing them on the test data would
# tune them to the test set, which would then no longer measure how the network does on unseen
# data. The book's recipe is a random search on a log scale (only the order of magnitude
# matters at first): draw $\eta = 10^{u}$, $u \sim U(-6, -2)$ and $\lambda = 10^{v}$,
# $v \sim U(-8, -4)$, train briefly, keep the best, then narrow the ranges and repeat.
#
# Here: 500 training images, shuffled, 100 kept for validation; 20 trials of 30 epochs each (the
# script runs 100 trials of 50 epochs).

# %%
rng = np.random.default_rng(0)
order = rng.permutation(500)
x_val, t_val = x_train[order[:100]], t_train[order[:100]]
x_fit, t_fit = x_train[order[100:]], t_train[order[100:]]

trials = []
for seed in range(20):
    lr = 10 ** rng.uniform(-6, -2)
    weight_decay = 10 ** rng.uniform(-8, -4)
    np.random.seed(seed)
    network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay)
    # the Trainer's "test" data are the validation data here: the test set stays out of the search
    search = {"epochs": 30, "mini_batch_size": 100, "verbose": False}
    search.update(optimizer="SGD", optimizer_param={"lr": lr})
    trainer = Trainer(network, x_fit, t_fit, x_val, t_val, **search)
    trainer.train()
    trial = {"lr": lr, "weight_decay": weight_decay, "val_acc": trainer.test_acc_list[-1]}
    trial.update(val_curve=trainer.test_acc_list, train_curve=trainer.train_acc_list)
    trials.append(trial)

trials.sort(key=lambda trial: trial["val_acc"], reverse=True)
for rank, trial in enumerate(trials[:8], start=1):
    print(f"best {rank} | val acc {trial['val_acc']:.2f} | lr {trial['lr']:.2e}", end=" | ")
    print(f"weight decay {trial['weight_decay']:.2e}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
for rank, trial in enumerate(trials[:5], start=1):
    epochs = np.arange(1, len(trial["val_curve"]) + 1)
    # both hyperparameters of the trial: the legend names the pair, not the learning rate alone
    label = f"best {rank}: lr {trial['lr']:.1e}, weight decay {trial['weight_decay']:.1e}"
    (line,) = left.plot(epochs, trial["val_curve"], label=label)
    left.plot(epochs, trial["train_curve"], ":", color=line.get_color())
left.set(
    title="Five best trials (solid: validation, dotted: training)",
    xlabel="epoch",
    ylabel="accuracy",
    ylim=(0, 1),
)
left.legend(loc="upper left", fontsize=8)

accs = np.array([trial["val_acc"] for trial in trials])
lrs = [trial["lr"] for trial in trials]
weight_decays = [trial["weight_decay"] for trial in trials]
dots = right.scatter(
    lrs, weight_decays, c=accs, cmap="viridis", s=60, vmin=0, vmax=max(accs.max(), 0.1)
)
for rank, trial in enumerate(trials[:5], start=1):  # the ranks of the left panel's legend
    right.annotate(
        str(rank), (trial["lr"], trial["weight_decay"]), xytext=(5, 4), textcoords="offset points"
    )
# the search ranges, with a tenth of a decade around them so that no marker is cut at an edge
right.set(
    xscale="log",
    yscale="log",
    xlim=(10**-6.1, 10**-1.9),
    ylim=(10**-8.1, 10**-3.9),
    title="All trials: validation accuracy (numbers: the five best)",
    xlabel="learning rate",
    ylabel="weight decay",
)
fig.colorbar(dots, ax=right, label="validation accuracy")
plt.show()

# %% [markdown]
# The learning rate dominates: the good trials cluster at the top of its range, while the weight
# decay hardly matters in so short a run. The next round would search lr in about
# $[10^{-3}, 10^{-2}]$.
#
# ## Summary
#
# * Momentum and the adaptive methods (AdaGrad, RMSprop, Adam) handle badly scaled problems
#   much better than plain SGD.
# * Initial weights need the right scale: Xavier for sigmoid or tanh, He for ReLU.
# * Batch normalization rescales every layer's inputs during training, which makes learning
#   faster and much less sensitive to the initial scale.
# * With few examples, a big network overfits; weight decay and dropout narrow the gap between
#   training and test accuracy.
# * Hyperparameters are searched at random on a log scale and judged on validation data, never
#   on test data.

# %% [markdown]
# ## Your turn
#
# Write this chapter's functions yourself: `SGD`, `Momentum`, `AdaGrad`, `Adam`, `he_scale`,
# `xavier_scale`, `Dropout`, `BatchNormalization`, `weight_decay_loss` and
# `weight_decay_gradient`. The stubs, with the book's names and the math in their docstrings, are
# in `exercises/ch06.py`. From the repository root:
#
# ```bash
# python -m exercises start ch06     # your copy: my_exercises/ch06.py (never overwritten)
# python -m exercises check ch06     # or one exercise: check ch06.adam
# ```
#
# The checker compares each one with the course's code and says what is wrong. For an `Adam`
# without the bias correction, it prints:
#
# ```text
# ch06.adam                    FAILED       params['W1'] after the update is wrong
#     case: update 1 of 3, lr=0.1, beta1=0.9, beta2=0.999, params W1 (3, 2) and b1 (2,)
#     largest absolute difference 0.216227 at [2, 1] (expected -0.0328034, got -0.249031)
#     largest relative difference 6.59161 at [2, 1] (expected -0.0328034, got -0.249031)
#     hint: Adam's bias correction is missing: lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), with
#       t counted from 1
# passed: ch06 0/1
# ```
#
# `python -m exercises check ch06.adam --solution` shows the reference; `exercises/README.md`
# explains the hints.
