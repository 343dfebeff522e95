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
# # Chapter 4 — Learning from data
#
# Chapter 3's network came with its weights. This chapter finds weights from data: a *loss
# function* measures how wrong the network is, its *gradient* says in which direction each
# weight should move to make it less wrong, and *gradient descent* takes many small steps in
# that direction. Gradients are computed here by numerical differentiation, the simple and slow
# way (chapter 5 gets the same numbers fast by backpropagation). The chapter ends by training a
# two-layer network on MNIST.

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
# Training runs here are shortened so that the notebook runs in under a minute on a laptop CPU;
# the chapter's scripts run the book's full configuration: `python ch04/train_neuralnet.py`
# (10 000 steps); `python ch04/gradient_1d.py`, `ch04/gradient_2d.py`, `ch04/gradient_method.py`
# and `ch04/gradient_simplenet.py` show the smaller examples.

# %%
# %matplotlib inline
import time

from ch04.gradient_1d import function_1, tangent_line
from ch04.gradient_2d import function_2, plot_gradient_field
from ch04.gradient_method import gradient_descent
from ch04.gradient_simplenet import simpleNet
from ch04.two_layer_net import TwoLayerNet
from common import backend, plotting
from common.functions import cross_entropy_error, sum_squared_error
from common.gradient import numerical_diff, numerical_gradient
from common.util import smooth_curve
from dataset.mnist import load_mnist

import matplotlib.pyplot as plt
import numpy as np

plt.rcParams.update(plotting.STYLE)  # the course's figure style (100 dpi keeps the notebook small)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 4.2 Loss functions
#
# A loss function compares the network's output $y$ with the correct answer $t$ (here one-hot:
# 1 for the right class, 0 elsewhere) and returns one number, small when the output is good.
#
# * **Sum of squared errors**: $E = \frac{1}{2} \sum_k (y_k - t_k)^2$
# * **Cross-entropy error**: $E = -\sum_k t_k \log y_k$. With one-hot $t$ only the right class
#   counts: $E = -\log y_\text{right}$, which is 0 when the network gives the right class
#   probability 1 and grows without bound as that probability goes to 0.
#
# Two outputs for an image of a 2: one puts 70% on "2", the other 65% on "7".

# %%
t = np.zeros(10)
t[2] = 1  # one-hot: the right answer is 2
y_good = np.array([0.02, 0.05, 0.70, 0.05, 0.03, 0.05, 0.02, 0.04, 0.02, 0.02])
y_bad = np.array([0.02, 0.05, 0.08, 0.05, 0.03, 0.05, 0.02, 0.65, 0.03, 0.02])

for name, y in [("mostly 2", y_good), ("mostly 7", y_bad)]:
    print(
        f"{name}: sum of squared errors {sum_squared_error(y, t):.4f}, "
        f"cross-entropy {cross_entropy_error(y, t):.4f}"
    )

# %%
p = np.linspace(0.001, 1, 500)
fig, ax = plt.subplots()
ax.plot(p, -np.log(p), label="cross-entropy  -log(p)")
ax.plot(p, (1 - p) ** 2, label="squared error of the right class  (1 - p)²")
for name, y, marker in [("mostly 2", y_good, "o"), ("mostly 7", y_bad, "s")]:
    ax.plot(y[2], -np.log(y[2]), marker, color="black", label=f"{name}: p = {y[2]}")
ax.set(
    title="Loss as a function of the probability of the right class",
    xlabel="p = y_right",
    ylabel="loss",
    ylim=(0, 5),
)
ax.legend()
plt.show()

# %% [markdown]
# ### Mini-batches
#
# Over a training set of $N$ examples the loss is the average, $E = -\frac{1}{N}\sum_n \sum_k
# t_{nk} \log y_{nk}$. With 60 000 images that is costly to compute at every step, so each step
# uses a random **mini-batch** of a few examples as an estimate. `cross_entropy_error` accepts
# one example or a batch, and labels either one-hot or as class indices (it then picks
# $y_{n, t_n}$ directly). A network that knows nothing and gives every digit probability 0.1 has
# loss $\log 10 \approx 2.303$: the starting point of every training curve below.

# %%
(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
print("x_train", x_train.shape, " t_train", t_train.shape, "(one-hot)")

np.random.seed(0)
batch_mask = np.random.choice(x_train.shape[0], 10)
t_batch = t_train[batch_mask]
print("mini-batch indices:", batch_mask)
print("their labels:      ", t_batch.argmax(axis=1))

y_uniform = np.full((10, 10), 0.1)  # a clueless network: 0.1 for every digit
print("loss with one-hot labels:", cross_entropy_error(y_uniform, t_batch))
print("loss with class indices: ", cross_entropy_error(y_uniform, t_batch.argmax(axis=1)))
print("log 10 =", np.log(10))

# %% [markdown]
# ## 4.3 Numerical differentiation
#
# The derivative is the limit of $\frac{f(x + h) - f(x)}{h}$ as $h \to 0$. On a computer $h$
# cannot go to 0: in float64, $x + 10^{-50}$ *is* $x$, and for small $h$ the difference
# $f(x+h) - f(x)$ keeps only a few correct digits. Two choices make it work:
#
# * a moderate step, $h = 10^{-4}$;
# * the **central difference** $\frac{f(x + h) - f(x - h)}{2h}$, whose error shrinks like $h^2$
#   rather than like $h$ for the forward difference.
#
# The figure shows both errors for $f = \sin$ at $x = 1$ (exact derivative $\cos 1$): too large an
# $h$ and the formula is inaccurate, too small and rounding takes over.

# %%
print("1.0 + 1e-50 == 1.0:", 1.0 + 1e-50 == 1.0)

hs = np.logspace(-13, -1, 61)
forward = np.abs((np.sin(1 + hs) - np.sin(1)) / hs - np.cos(1))
central = np.abs([numerical_diff(np.sin, 1.0, h) - np.cos(1) for h in hs])

fig, ax = plt.subplots(layout="constrained")
ax.loglog(hs, forward, label="forward difference")
ax.loglog(hs, central, label="central difference (numerical_diff)")
ax.axvline(1e-4, color="gray", linestyle=":", label="h = 1e-4, the course's default")
ax.set(title="Error of the numerical derivative of sin at x = 1", xlabel="step h", ylabel="|error|")
fig.legend(loc="outside lower center", ncols=2)  # below the plot: inside, it covers a curve
plt.show()

# %% [markdown]
# `common.gradient.numerical_diff(f, x)` is the central difference with $h = 10^{-4}$. For
# $f(x) = 0.01x^2 + 0.1x$ (`function_1`) the exact derivative is $0.02x + 0.1$; the tangent line
# at $a$, $y = f(a) + f'(a)(x - a)$, touches the curve there.

# %%
for a in (5.0, 10.0):
    print(f"f'({a:g}) = {numerical_diff(function_1, a):.10f}   exact {0.02 * a + 0.1:g}")

x = np.arange(0.0, 20.0, 0.1)
fig, ax = plt.subplots()
ax.plot(x, function_1(x), label="f(x) = 0.01x² + 0.1x")
for a in (5.0, 10.0):
    (line,) = ax.plot(x, tangent_line(function_1, a)(x), "--", label=f"tangent at x = {a:g}")
    ax.plot([a], [function_1(a)], "o", color=line.get_color())
ax.set(title="Numerical derivative: tangent lines", xlabel="x", ylabel="f(x)")
ax.legend()
plt.show()


# %% [markdown]
# ### Partial derivatives
#
# For a function of several variables, such as $f(x_0, x_1) = x_0^2 + x_1^2$ (`function_2`), a
# partial derivative moves one variable and holds the others fixed. At $(3, 4)$:
# $\partial f / \partial x_0 = 2x_0 = 6$ and $\partial f / \partial x_1 = 2x_1 = 8$. Numerically,
# fix the other variable and differentiate a function of one variable:


# %%
def f_of_x0(x0):
    return x0**2 + 4.0**2  # x1 held at 4


def f_of_x1(x1):
    return 3.0**2 + x1**2  # x0 held at 3


print("df/dx0 at (3, 4):", numerical_diff(f_of_x0, 3.0))
print("df/dx1 at (3, 4):", numerical_diff(f_of_x1, 4.0))

# %% [markdown]
# ## 4.4 The gradient
#
# The **gradient** collects all partial derivatives in one vector,
# $\nabla f = \left(\frac{\partial f}{\partial x_0}, \frac{\partial f}{\partial x_1}\right)$.
# `common.gradient.numerical_gradient(f, x)` computes it for an array `x` of any shape, with one
# central difference per element. (It changes `x` in place one element at a time and restores
# it, so `x` must be a float array.)

# %%
for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
    print(f"gradient at {point}: {numerical_gradient(function_2, np.array(point))}")

# %% [markdown]
# Drawn at many points, the *negative* gradient points downhill, towards the minimum at (0, 0),
# and is longer where the bowl is steeper: it is the direction in which $f$ decreases fastest.
# `plot_gradient_field` from `ch04/gradient_2d.py` evaluates the gradient at every point of a grid
# (`ch04.gradient_2d.numerical_gradient`, one point per row) and draws the arrows over the
# contour lines of $f$.

# %%
plot_gradient_field(step=0.25)  # from ch04/gradient_2d.py: -grad f over the contours
plt.show()

# %% [markdown]
# ### Gradient descent
#
# Repeatedly step against the gradient,
#
# $$x \leftarrow x - \eta \, \nabla f(x),$$
#
# with a **learning rate** $\eta$ setting the step length. On $x_0^2 + x_1^2$ the gradient is $2x$,
# so each step multiplies $x$ by $1 - 2\eta$: with $\eta = 0.1$ the path runs straight into the
# minimum; with a small $\eta$ it crawls; with $\eta$ close to 1 it jumps from side to side of the
# minimum and barely gets closer; with $\eta > 1$ it moves away, ever faster. The learning rate is
# a *hyperparameter*: it is chosen by hand, not learned.

# %%
start = np.array([-3.0, 4.0])
x_end, path = gradient_descent(function_2, start, lr=0.1, step_num=20)
print(f"lr = 0.1: after 20 steps x = {x_end}")
for lr in (10.0, 1e-10):
    x_far, _ = gradient_descent(function_2, start, lr=lr, step_num=100)
    print(f"lr = {lr:g}: after 100 steps x = {x_far}")

g0, g1 = np.meshgrid(np.linspace(-4.5, 4.5, 181), np.linspace(-4.5, 4.5, 181))
fig, (left, right) = plt.subplots(
    1, 2, figsize=(12, 5.2), gridspec_kw={"width_ratios": [1, 1.3]}, layout="constrained"
)
left.contour(g0, g1, g0**2 + g1**2, levels=[1, 4, 9, 16, 25], colors="0.8", linewidths=1)
left.plot(path[:, 0], path[:, 1], "o-", markersize=4, label="path, lr = 0.1")
left.plot([0], [0], "r+", markersize=14, markeredgewidth=2, label="minimum")
left.set(
    title="20 steps from (-3, 4)",
    xlabel="x0",
    ylabel="x1",
    xlim=(-4.5, 4.5),
    ylim=(-4.5, 4.5),
    aspect="equal",
)
left.legend(loc="lower right")

for lr in (0.02, 0.1, 0.45, 0.95, 1.05):
    _, lr_path = gradient_descent(function_2, start, lr=lr, step_num=20)
    right.plot(lr_path[:, 0], "o-", markersize=3, label=f"lr = {lr:g}")
right.axhline(0, color="black", linewidth=0.8)
right.set(
    title="x0 after each step, for several learning rates", xlabel="step", ylabel="x0", ylim=(-6, 6)
)
right.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))  # beside the plot, off the curves
plt.show()

# %% [markdown]
# ### The gradient of a network's loss
#
# For a network the variables are the weights. `simpleNet` (from `ch04/gradient_simplenet.py`) is
# the smallest example: one $2 \times 3$ weight matrix $W$, scores $xW$, softmax and cross-entropy.
# The gradient $\partial L / \partial W$ has the shape of $W$; a positive entry says that
# *increasing* that weight increases the loss (so gradient descent decreases it), a negative
# entry the opposite.

# %%
np.random.seed(0)
net = simpleNet()
x = np.array([0.6, 0.9])
t = np.array([0, 0, 1])  # the right class is 2
print("W =\n", net.W)
print("scores:", net.predict(x), " loss:", net.loss(x, t))

# numerical_gradient nudges net.W in place; net.loss reads net.W, so the lambda's
# argument is not needed.
dW = numerical_gradient(lambda W: net.loss(x, t), net.W)
print("dL/dW =\n", dW)

# %% [markdown]
# ## 4.5 A two-layer network
#
# `ch04/two_layer_net.py` writes the network of this chapter with plain functions:
#
# $$a_1 = x W_1 + b_1,\quad z_1 = \operatorname{sigmoid}(a_1),\quad a_2 = z_1 W_2 + b_2,\quad
# y = \operatorname{softmax}(a_2),$$
#
# with the cross-entropy loss. It offers two ways to get the gradients:
# `numerical_gradient(x, t)` (two loss evaluations per parameter) and `gradient(x, t)`, the
# backpropagation formulas that chapter 5 derives. They must agree; compare them on a small
# network (10 hidden units, so about 8 000 parameters) and three images. The parameters are
# float64: in float32 the numerical gradient would keep only a few correct digits.


# %%
def timed(function, *args):
    """The result of ``function(*args)``, and how many seconds it took."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


np.random.seed(0)
small = TwoLayerNet(input_size=784, hidden_size=10, output_size=10)
x3 = backend.to_device(x_train[:3].astype(np.float64))
t3 = backend.to_device(t_train[:3])

grad_numerical, numerical_seconds = timed(small.numerical_gradient, x3, t3)
grad_backprop, backprop_seconds = timed(small.gradient, x3, t3)

print(f"{'param':<6}{'shape':<12}{'max |numerical - backprop|':>28}{'max |gradient|':>16}")
for key in ("W1", "b1", "W2", "b2"):
    diff = float(abs(grad_numerical[key] - grad_backprop[key]).max())
    scale = float(abs(grad_backprop[key]).max())
    print(f"{key:<6}{str(grad_backprop[key].shape):<12}{diff:>28.2e}{scale:>16.2e}")
print(f"numerical: {numerical_seconds:.2f} s, backprop: {backprop_seconds * 1000:.2f} ms")

# %% [markdown]
# The two agree to about $10^{-10}$ while the gradients themselves are around $10^{-3}$ to
# $10^{-1}$. The numerical gradient is also thousands of times slower, and the gap grows with the
# size of the network: for the full 784-50-10 network (39 760 parameters) and a batch of 100 it
# takes about a minute per step. So the training below uses `gradient`.
#
# ### Training with mini-batches
#
# Each step: draw a random mini-batch of 100 training images, compute the gradient of its loss,
# and move every parameter against it with learning rate 0.1. At the start of every **epoch**
# (one pass worth of examples: 60 000 / 100 = 600 steps; the book's test `i % iter_per_epoch == 0`,
# so the first time right after step 1) measure the accuracy on the whole training set and the
# whole test set. If the two stay close, the network generalizes rather than memorizes.

# %%
np.random.seed(0)
iters, batch_size, lr = 3000, 100, 0.1  # the book runs 10 000 steps
network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
# the data go to the current device (the GPU with DLFS_DEVICE=gpu) once, not per batch
x_train_d, t_train_d = backend.to_device(x_train), backend.to_device(t_train)
x_test_d, t_test_d = backend.to_device(x_test), backend.to_device(t_test)

train_size = x_train.shape[0]
iter_per_epoch = max(train_size / batch_size, 1)  # the book's rule, as in every loop here
losses, train_acc, test_acc = [], [], []

start = time.perf_counter()
for i in range(iters):
    batch_mask = backend.to_device(np.random.choice(train_size, batch_size))
    x_batch, t_batch = x_train_d[batch_mask], t_train_d[batch_mask]
    grad = network.gradient(x_batch, t_batch)
    for key in ("W1", "b1", "W2", "b2"):
        network.params[key] -= lr * grad[key]
    losses.append(network.last_loss)  # kept as is: float() here would wait for a GPU
    if i % iter_per_epoch == 0:  # after the first step, then once an epoch
        train_acc.append(network.accuracy(x_train_d, t_train_d))
        test_acc.append(network.accuracy(x_test_d, t_test_d))
        print(f"epoch {len(train_acc)}: train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}")
print(f"{iters} steps in {time.perf_counter() - start:.1f} s")
losses = [float(loss) for loss in losses]

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
left.plot(losses, linewidth=0.6, alpha=0.5, label="mini-batch loss")
left.plot(smooth_curve(losses, 51), label="smoothed")
left.axhline(np.log(10), color="gray", linestyle=":", label="log 10 (uniform guess)")
left.set(title="Training loss", xlabel="iteration", ylabel="cross-entropy loss")
left.legend()

epochs = np.arange(1, len(train_acc) + 1)
right.plot(epochs, train_acc, "o-", label="train acc")
right.plot(epochs, test_acc, "s--", label="test acc")
right.set(
    title="Accuracy at the start of each epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1)
)
right.set_xticks(epochs)  # whole epochs: epoch 1 is after the first step
right.legend(loc="lower right")
plt.show()

# %% [markdown]
# The loss falls quickly and then slowly; training and test accuracy rise together. The full run,
# `python ch04/train_neuralnet.py` (10 000 steps, about 16 epochs, same hyperparameters),
# continues the same curves to about 94–95% test accuracy. Sigmoid units and plain SGD are slow
# learners; chapter 5's ReLU network and chapter 6's optimizers do better.
#
# ## Summary
#
# * A loss function turns "how wrong" into one number; cross-entropy is $-\log$ of the
#   probability given to the right class.
# * Central differences give derivatives and gradients of any function, one evaluation pair per
#   variable.
# * Gradient descent steps against the gradient; the learning rate sets the step.
# * Training a network is gradient descent on its loss, over random mini-batches. Numerical
#   gradients are correct but far too slow for real networks, which is why chapter 5 exists.

# %% [markdown]
# ## Your turn
#
# Write this chapter's functions yourself: `numerical_diff`, `numerical_gradient`,
# `numerical_gradient_2d`, `gradient_descent` and `cross_entropy_error`. The stubs, with the
# book's names and the math in their docstrings, are in `exercises/ch04.py`. From the repository
# root:
#
# ```bash
# python -m exercises start ch04     # your copy: my_exercises/ch04.py (never overwritten)
# python -m exercises check ch04     # or one exercise: check ch04.cross_entropy_error
# ```
#
# The checker compares each one with the course's code and says what is wrong. For a
# `cross_entropy_error` that sums over the batch instead of averaging, it prints:
#
# ```text
# ch04.cross_entropy_error     FAILED       cross_entropy_error(y, t) is wrong
#     case: a batch, class-index labels: y (4, 5) float64, t (4,) int64
#     largest absolute difference 5.39168 (expected 1.79723, got 7.18891)
#     largest relative difference 3 (expected 1.79723, got 7.18891)
#     hint: missing 1/N: you got expected * N (N = batch size); average over the batch
# passed: ch04 0/1
# ```
#
# `python -m exercises check ch04.cross_entropy_error --solution` shows the reference;
# `exercises/README.md` explains the hints.
