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
# # Chapter 3 — Neural networks
#
# A perceptron adds up weighted inputs and fires when the sum passes a threshold. A neural
# network keeps that idea but swaps the hard threshold for a smooth *activation function*,
# writes each layer as one matrix product, and ends with an output function suited to the
# task (here *softmax*, for classification). This notebook walks that path and finishes by
# running an already-trained network on the MNIST handwritten digits: first one image at a
# time, then in batches.

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
# The chapter's scripts do the same steps one at a time: `python ch03/sig_step_compare.py`,
# `ch03/relu.py` and `ch03/mnist_show.py` draw the figures, `python ch03/neuralnet_mnist.py` and
# `ch03/neuralnet_mnist_batch.py` run the inference.

# %%
# %matplotlib inline
import time
from pathlib import Path

import ch03
from ch03.neuralnet_mnist import init_network, predict
from ch03.neuralnet_mnist_batch import best_time, count_correct_batched
from common import plotting
from common.functions import relu, sigmoid, softmax, step_function
from dataset.mnist import load_mnist

import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update(plotting.STYLE)  # the course's figure style (100 dpi keeps the notebook small)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 3.2 Activation functions
#
# A neuron first forms the weighted sum of its inputs plus a bias, then passes it through an
# activation function $h$:
#
# $$a = b + w_1 x_1 + w_2 x_2, \qquad y = h(a).$$
#
# The perceptron uses the **step function**, $h(a) = 1$ if $a > 0$ and $0$ otherwise. Neural
# networks use smooth functions instead, chiefly the **sigmoid** and the **ReLU**:
#
# $$\operatorname{sigmoid}(a) = \frac{1}{1 + e^{-a}}, \qquad \operatorname{ReLU}(a) = \max(0, a).$$
#
# All three are in `common.functions` and act on every element of an array at once.

# %%
a = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
print("a       ", a)
print("step    ", step_function(a))
print("sigmoid ", sigmoid(a))
print("ReLU    ", relu(a))

# %%
x = np.linspace(-5, 5, 201)  # includes a = 0 exactly

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(x, step_function(x), "k--", drawstyle="steps-pre", label="step")
left.plot(x, sigmoid(x), label="sigmoid")
left.set(title="Step and sigmoid", xlabel="a", ylabel="h(a)", ylim=(-0.1, 1.1))
left.legend(loc="upper left")

right.plot(x, relu(x), color="tab:green", label="ReLU")
right.set(title="ReLU", xlabel="a", ylabel="h(a)", ylim=(-0.5, 5.5))
right.legend(loc="upper left")
plt.show()

# %% [markdown]
# Both the step and the sigmoid go from 0 to 1, but only the sigmoid does it smoothly: a small
# change of $a$ always makes a small change of $h(a)$, and that is what lets a network learn by
# following slopes (chapter 4). The step's slope is 0 everywhere except at the jump.
#
# Why not a linear $h(a) = c\,a$? Because layers of linear functions collapse into one: three
# such layers compute $c^3 a$, which a single layer could do. Depth only pays off with a
# non-linear activation.

# %% [markdown]
# ## 3.3–3.4 A layer is a matrix product
#
# Put a batch of inputs in the rows of a matrix $X$ (shape $N \times n_\text{in}$) and a
# layer's weights in $W$ (shape $n_\text{in} \times n_\text{out}$). Then a whole layer, for all
# examples at once, is
#
# $$A = X W + b, \qquad Z = h(A),$$
#
# with $b$ added to every row. The only rule is that the shapes chain: the columns of $X$ must
# match the rows of $W$. Below, a tiny network 2 → 3 → 2 → 2 with made-up (untrained) weights:
# two sigmoid layers and an identity output.

# %%
rng = np.random.default_rng(3)
tiny = {
    "W1": rng.normal(0, 0.5, (2, 3)),
    "b1": np.array([0.1, 0.0, -0.1]),
    "W2": rng.normal(0, 0.5, (3, 2)),
    "b2": np.array([0.0, 0.2]),
    "W3": rng.normal(0, 0.5, (2, 2)),
    "b3": np.array([0.1, -0.1]),
}


def forward(net, x, show=False):
    a1 = x @ net["W1"] + net["b1"]
    z1 = sigmoid(a1)
    a2 = z1 @ net["W2"] + net["b2"]
    z2 = sigmoid(a2)
    y = z2 @ net["W3"] + net["b3"]  # identity output
    if show:
        for name, value in [("x", x), ("z1", z1), ("z2", z2), ("y", y)]:
            print(f"{name:>2}: shape {value.shape}")
    return y


print("one input:", forward(tiny, np.array([1.0, 0.5]), show=True))
batch = np.array([[1.0, 0.5], [0.0, 0.0], [-1.0, 2.0], [3.0, -1.0]])
print("a batch of four, one row each:\n", forward(tiny, batch, show=True))


# %% [markdown]
# ## 3.5 The output layer: softmax
#
# For classification the last layer's scores $a_1, \dots, a_n$ are turned into probabilities by
#
# $$y_k = \frac{e^{a_k}}{\sum_{i=1}^{n} e^{a_i}}.$$
#
# Every $y_k$ lies in $(0, 1)$ and they sum to 1. Softmax keeps the order of the scores, so the
# predicted class (the largest) is the same with or without it; it matters for training, where
# the loss needs probabilities.
#
# Written literally, it breaks for large scores: $e^{710}$ is already larger than the largest
# float64, so $e^{1000}/e^{1000}$ becomes $\infty/\infty = \text{nan}$. Multiplying the top and
# the bottom by the same $e^{-C}$ changes nothing,
#
# $$y_k = \frac{e^{a_k - C}}{\sum_i e^{a_i - C}},$$
#
# and with $C = \max_i a_i$ every exponent is $\le 0$: nothing overflows, and the largest term is
# exactly $e^0 = 1$, so the sum is never 0. `common.functions.softmax` does this (row by row for
# a batch).


# %%
def softmax_naive(a):
    e = np.exp(a)
    return e / e.sum()


scores = np.array([0.3, 2.9, 4.0])
print("naive  :", softmax_naive(scores), " sum", softmax_naive(scores).sum())
print("shifted:", softmax(scores))

big = np.array([1010.0, 1000.0, 990.0])
with np.errstate(over="ignore", invalid="ignore"):  # silence the overflow we are showing
    print("naive on", big, "->", softmax_naive(big))
print("shifted on", big, "->", softmax(big))
print("the same as for big - 1000:", softmax(big - 1000))

# %%
scores = np.array([1.0, 3.0, 0.5, 2.0, -1.0])
classes = np.arange(len(scores))

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.bar(classes, scores, color="tab:gray")
left.set(title="Scores a (output of the last layer)", xlabel="class k", ylabel="a_k")
for factor, color in [(1, "tab:blue"), (3, "tab:orange")]:
    offset = -0.2 if factor == 1 else 0.2
    label = f"softmax({factor} a)"
    right.bar(classes + offset, softmax(factor * scores), width=0.4, color=color, label=label)
right.set(title="Softmax: probabilities that sum to 1", xlabel="class k", ylabel="y_k")
right.legend()
plt.show()

# %% [markdown]
# Scaling the scores up makes the distribution sharper, but the largest score always gets the
# largest probability.

# %% [markdown]
# ## 3.6 MNIST
#
# MNIST holds 70 000 grey-level images of handwritten digits, 28 × 28 pixels: 60 000 for
# training and 10 000 for testing, each with its label 0–9.
# `load_mnist(normalize, flatten, one_hot_label)` returns `(x_train, t_train), (x_test, t_test)`.
# With `normalize=False` the pixels are the original integers 0 (black) to 255 (white); with
# `flatten=True` each image is a row of 784 numbers, reshaped back to 28 × 28 to draw it.

# %%
(x_train, t_train), (x_test, t_test) = load_mnist(normalize=False, flatten=True)
print("training images", x_train.shape, x_train.dtype, "labels", t_train.shape, t_train.dtype)
print("test images    ", x_test.shape)
print("first ten labels:", t_train[:10])

fig, axes = plt.subplots(2, 6, figsize=(11, 4.4))
for i, ax in enumerate(axes.flat):
    ax.imshow(x_train[i].reshape(28, 28), cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"label {t_train[i]}")
    ax.axis("off")
fig.suptitle("The first twelve MNIST training images")
plt.show()

# %% [markdown]
# ### Inference with trained weights
#
# The network has 784 inputs (one per pixel), two sigmoid hidden layers of 50 and 100 units,
# and 10 softmax outputs, one per digit. How to train it is the subject of chapters 4 and 5;
# here its weights are simply loaded. The book ships them as a pickle; this course makes its
# own with `python ch03/train_sample_weight.py` and stores them in `ch03/sample_weight.npz`,
# which `init_network` reads with `allow_pickle=False`. That way the file can only hold
# arrays, whereas unpickling a file can run whatever code was put in it.
#
# The network was trained on *normalized* images (pixels divided by 255, so in [0, 1]), so the
# test images are loaded the same way: the input must be prepared as in training.

# %%
network = init_network(Path(ch03.__file__).with_name("sample_weight.npz"))
for key, value in network.items():
    print(f"{key}: {str(value.shape):<11} {value.dtype}")

(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
print("test images:", x_test.shape, x_test.dtype, "values from", x_test.min(), "to", x_test.max())

# %% [markdown]
# `predict(network, x)` (from `ch03/neuralnet_mnist.py`) is the three-layer forward pass with
# softmax at the end. The predicted digit is the index of the largest output. First, one image
# at a time, as in the book:

# %%
start = time.perf_counter()
correct = 0
for i in range(len(x_test)):
    y = predict(network, x_test[i])
    if np.argmax(y) == t_test[i]:
        correct += 1
one_at_a_time = time.perf_counter() - start
print(f"accuracy {correct / len(x_test):.4f}", end="  ")
print(f"({one_at_a_time:.2f} s for {len(x_test)} images, one at a time)")

# %% [markdown]
# The output is a probability for each digit. For most images nearly all of it goes to one
# digit; the second image below is the one among the first 200 test images where the network
# is least sure.

# %%
probabilities = predict(network, x_test[:200])
doubtful = int(np.argmin(probabilities.max(axis=1)))

fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), gridspec_kw={"width_ratios": [1, 2.2]})
for (left, right), i in zip(axes, [0, doubtful]):
    left.imshow(x_test[i].reshape(28, 28), cmap="gray")
    left.set_title(f"test image {i} (label {t_test[i]})")
    left.axis("off")
    right.bar(np.arange(10), probabilities[i])
    right.set(
        title=f"Network output for image {i}: predicts {np.argmax(probabilities[i])}",
        xlabel="digit",
        ylabel="probability",
        xticks=range(10),
        ylim=(0, 1.05),
    )
fig.tight_layout()
plt.show()


# %% [markdown]
# ### Batches
#
# `predict` works unchanged on many images at once: with a batch of 100 rows the shapes chain as
#
# $$X\,(100 \times 784) \cdot W_1\,(784 \times 50) \cdot W_2\,(50 \times 100)
# \cdot W_3\,(100 \times 10) \;\to\; Y\,(100 \times 10),$$
#
# one row of probabilities per image, and `np.argmax(Y, axis=1)` gives the 100 predictions. The
# accuracy does not change, only the time: each call of NumPy has a fixed overhead, which a batch
# pays once for 100 images, and the matrix library is much faster on large blocks than on single
# rows. The timings depend on the machine and on how busy it is. (The course runs these products
# on one thread: see `common/threads.py`. With several, `DLFS_CPU_THREADS=0`, batches of 100 can
# come out *slower* than single images when other programs are using the cores: the threads wait
# for each other.)
#
# Two functions of `ch03/neuralnet_mnist_batch.py` do the work: `count_correct_batched(network,
# x, t, batch_size)` feeds the images `batch_size` at a time and counts the right answers, and
# `best_time(function, repeat)` keeps the fastest of a few runs (the slower ones were disturbed
# by something else).


# %%
def accuracy_in_batches(batch_size):
    return count_correct_batched(network, x_test, t_test, batch_size) / len(x_test)


batch_sizes = [1, 10, 100, 1000, 10000]
seconds = [one_at_a_time]  # batch size 1: the loop above
for b in batch_sizes[1:]:
    seconds.append(best_time(lambda b=b: accuracy_in_batches(b), repeat=3))
for b, s in zip(batch_sizes, seconds):
    print(f"batch size {b:>5}: {s:.3f} s, accuracy {accuracy_in_batches(b):.4f}")
print(f"batches of 100 are {seconds[0] / seconds[2]:.1f} times faster than one image at a time")

fig, ax = plt.subplots()
ax.loglog(batch_sizes, seconds, "o-", label="time for the 10 000 test images")
ax.set(title="Classifying in batches", xlabel="batch size", ylabel="seconds")
ax.legend()
plt.show()

# %% [markdown]
# Finally, some of the test images the network gets wrong (each title: the true label, then the
# network's prediction). Several are hard for a person too.

# %%
predicted = np.argmax(predict(network, x_test), axis=1)
wrong = np.flatnonzero(predicted != t_test)
print(f"{len(wrong)} of {len(x_test)} test images are misclassified")

fig, axes = plt.subplots(2, 6, figsize=(11, 4.6))
for ax, i in zip(axes.flat, wrong):
    ax.imshow(x_test[i].reshape(28, 28), cmap="gray")
    ax.set_title(f"label {t_test[i]}\npredicted {predicted[i]}")
    ax.axis("off")
fig.suptitle("Misclassified test images")
plt.show()

# %% [markdown]
# ## Summary
#
# * An activation function makes each layer non-linear; the sigmoid and ReLU are smooth enough to
#   learn with, unlike the perceptron's step.
# * A layer is `X @ W + b` followed by the activation, for a whole batch at once.
# * Softmax turns scores into probabilities; subtracting the largest score keeps it from
#   overflowing.
# * Running a trained 784-50-100-10 network on the 10 000 MNIST test images gives about 97%
#   accuracy (`python ch03/neuralnet_mnist.py` prints the same number), and batching gives the
#   same answer faster (`python ch03/neuralnet_mnist_batch.py` times both ways).

# %% [markdown]
# ## Your turn
#
# Write this chapter's functions yourself: `step_function`, `sigmoid`, `relu`, `softmax` and the
# three-layer `forward`. The stubs, with the book's names and the math in their docstrings, are in
# `exercises/ch03.py`. From the repository root:
#
# ```bash
# python -m exercises start ch03     # your copy: my_exercises/ch03.py (never overwritten)
# python -m exercises check ch03     # or one exercise: check ch03.softmax
# ```
#
# The checker compares each one with the course's code and says what is wrong. For a `softmax`
# that does not subtract the largest score first, it prints:
#
# ```text
# ch03.softmax                 FAILED       softmax(a) is wrong
#     case: a (3,) float64, scores near +-1000
#     largest absolute difference nan at [0] (expected 0.999955, got nan)
#     largest relative difference nan at [0] (expected 0.999955, got nan)
#     hint: overflow at large scores: exp(1000) is inf and inf / inf is NaN; subtract the largest
#       score first (the result does not change)
# passed: ch03 0/1
# ```
#
# `python -m exercises check ch03.softmax --solution` shows the reference; `exercises/README.md`
# explains the hints.
