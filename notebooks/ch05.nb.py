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
# # Chapter 5 — Backpropagation
#
# Numerical gradients cost two forward passes per parameter. Backpropagation gets every gradient
# from one forward and one backward pass, by applying the chain rule node by node through a
# *computational graph*. This notebook starts with the book's shopping example, builds the
# network layers (ReLU, Sigmoid, Affine, Softmax-with-loss) from `common.layers`, checks their
# gradients against chapter 4's numerical ones, and trains the two-layer network of this chapter
# on MNIST. It ends by letting a small automatic-differentiation engine do the backward pass.

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
# the chapter's scripts run the book's full configuration: `python ch05/train_neuralnet.py`
# (10 000 steps); also `python ch05/buy_apple.py`, `ch05/buy_apple_orange.py`,
# `ch05/gradient_check.py` and `ch05/gradient_speed.py`, and for the last section
# `ch05/autograd_buy_apple_orange.py`, `ch05/autograd_two_layer_net.py` and
# `ch05/computational_graph.py`.

# %%
# %matplotlib inline
import time

from ch05 import computational_graph
from ch05.autograd_two_layer_net import AutogradTwoLayerNet, train
from ch05.buy_apple_orange import buy_apple_orange
from ch05.layer_naive import AddLayer, MulLayer
from ch05.two_layer_net import TwoLayerNet
from common import autograd, backend, plotting
from common.autograd import Variable
from common.functions import softmax
from common.gradient import numerical_gradient
from common.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from common.util import smooth_curve
from dataset.mnist import load_mnist

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

plt.rcParams.update(plotting.STYLE)  # the course's figure style (100 dpi keeps the notebook small)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 5.1–5.4 Computational graphs
#
# A computational graph splits a calculation into simple nodes. Going forward, each node
# computes its output from its inputs. Going **backward**, each node receives the derivative of
# the final result with respect to its output (the *upstream* gradient), multiplies it by its
# own local derivative, and passes the result on to its inputs. This is the chain rule,
# $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z}\frac{\partial z}{\partial x}$,
# applied one node at a time.
#
# Two nodes are enough for shopping:
#
# * **multiplication** $z = xy$: $\frac{\partial z}{\partial x} = y$ and
#   $\frac{\partial z}{\partial y} = x$, so backward sends `dout * y` to $x$ and `dout * x` to
#   $y$ (the inputs swap);
# * **addition** $z = x + y$: both local derivatives are 1, so backward passes `dout` unchanged to
#   both inputs.
#
# `MulLayer` and `AddLayer` (`ch05/layer_naive.py`) implement them by hand. Two apples at 100
# each, with 10% tax:

# %%
apple, apple_num, tax = 100, 2, 1.1
mul_apple, mul_tax = MulLayer(), MulLayer()

apple_price = mul_apple.forward(apple, apple_num)  # forward, left to right
price = mul_tax.forward(apple_price, tax)

d_apple_price, d_tax = mul_tax.backward(1)  # backward, right to left
d_apple, d_apple_num = mul_apple.backward(d_apple_price)

print(f"price {price:g}")
print(f"d price / d apple     = {d_apple:g}")
print(f"d price / d apple_num = {d_apple_num:g}")
print(f"d price / d tax       = {d_tax:g}")

# %% [markdown]
# Now two apples and three oranges (150 each): the two subtotals meet in an addition node. Every
# forward value and every gradient is kept so that the graph can be drawn.

# %%
orange, orange_num = 150, 3
mul_apple, mul_orange, add_fruit, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()

fwd = {"apple": apple, "apple_num": apple_num, "orange": orange, "orange_num": orange_num}
fwd["tax"] = tax
fwd["apple_price"] = mul_apple.forward(apple, apple_num)
fwd["orange_price"] = mul_orange.forward(orange, orange_num)
fwd["all_price"] = add_fruit.forward(fwd["apple_price"], fwd["orange_price"])
fwd["price"] = mul_tax.forward(fwd["all_price"], tax)

bwd = {"price": 1}
bwd["all_price"], bwd["tax"] = mul_tax.backward(bwd["price"])
bwd["apple_price"], bwd["orange_price"] = add_fruit.backward(bwd["all_price"])
bwd["orange"], bwd["orange_num"] = mul_orange.backward(bwd["orange_price"])
bwd["apple"], bwd["apple_num"] = mul_apple.backward(bwd["apple_price"])

for name in ("price", "apple", "apple_num", "orange", "orange_num", "tax"):
    print(f"{name:<11} value {fwd[name]:>7g}   d price / d {name:<10} = {bwd[name]:g}")


# %%
def draw_graph(fwd, bwd):
    """Draw the apple-and-orange graph: forward values in black, gradients in red below them."""
    nodes = {
        "apple": (0, 5.4),
        "apple_num": (0, 3.6),
        "orange": (0, 2.4),
        "orange_num": (0, 0.6),
        "x_apple": (2.4, 4.5),
        "x_orange": (2.4, 1.5),
        "+": (4.6, 3.0),
        "tax": (4.6, 0.5),
        "x_tax": (6.8, 2.2),
        "price": (8.8, 2.2),
    }
    edges = [
        ("apple", "x_apple", "apple"),
        ("apple_num", "x_apple", "apple_num"),
        ("orange", "x_orange", "orange"),
        ("orange_num", "x_orange", "orange_num"),
        ("x_apple", "+", "apple_price"),
        ("x_orange", "+", "orange_price"),
        ("+", "x_tax", "all_price"),
        ("tax", "x_tax", "tax"),
        ("x_tax", "price", "price"),
    ]
    fig, ax = plt.subplots(figsize=(11, 6))
    for src, dst, quantity in edges:
        (x0, y0), (x1, y1) = nodes[src], nodes[dst]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops=dict(arrowstyle="-|>", color="0.4", shrinkA=22, shrinkB=22),
        )
        xm, ym = x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0)  # labels a little before the middle
        ax.text(xm, ym + 0.17, f"{fwd[quantity]:g}", ha="center", fontsize=10)
        ax.text(xm, ym - 0.33, f"{bwd[quantity]:g}", ha="center", fontsize=10, color="tab:red")
    for name, (x, y) in nodes.items():
        if name.startswith("x_") or name == "+":
            label, style = ("×" if name.startswith("x_") else "+"), "circle"
        else:
            label, style = name, "round"
        box = dict(boxstyle=style, facecolor="white", edgecolor="0.3")
        size = 12 if style == "circle" else 10
        ax.text(x, y, label, ha="center", va="center", fontsize=size, bbox=box)
    ax.legend(
        handles=[
            Line2D([], [], color="black", label="forward value"),
            Line2D([], [], color="tab:red", label="backward: d price / d (this)"),
        ],
        loc="upper right",
    )
    ax.set(
        title="Buying 2 apples and 3 oranges with 10% tax: forward and backward",
        xlim=(-0.8, 9.5),
        ylim=(0, 6.2),
    )
    ax.axis("off")
    plt.show()


draw_graph(fwd, bwd)

# %% [markdown]
# Each red number is a derivative of the price: raising the price of an orange by 1 raises the
# total by 3.3 (three oranges, plus tax). Chapter 4's numerical derivative confirms it, using
# `buy_apple_orange` from `ch05/buy_apple_orange.py`, the same graph as a function:

# %%
h = 1e-4
numerical = (buy_apple_orange(orange=150 + h)[0] - buy_apple_orange(orange=150 - h)[0]) / (2 * h)
print(f"d price / d orange: backward {bwd['orange']:g}, numerical {numerical:.6f}")

# %% [markdown]
# ## 5.5 Activation layers
#
# **ReLU**, $y = \max(0, x)$: the local derivative is 1 where $x > 0$ and 0 elsewhere. The layer
# remembers a boolean `mask` of the inputs that were $\le 0$ and blocks the gradient there.
#
# **Sigmoid**, $y = 1 / (1 + e^{-x})$: the local derivative simplifies to $y(1 - y)$, so the layer
# only needs to keep its output.
#
# Both come from `common.layers`; like every layer there, they have `forward(x)` and
# `backward(dout)`.

# %%
relu = Relu()
x = np.array([[1.0, -0.5], [-2.0, 3.0]])
print("forward:\n", relu.forward(x))
print("mask (x <= 0):\n", relu.mask)
print("backward of ones:\n", relu.backward(np.ones_like(x)))

# %%
x = np.linspace(-6, 6, 241)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, layer, name in [(axes[0], Sigmoid(), "Sigmoid"), (axes[1], Relu(), "ReLU")]:
    y = layer.forward(x)
    dy = layer.backward(np.ones_like(x))  # dout = 1: the local derivative itself
    ax.plot(x, y, label="forward: y")
    ax.plot(x, dy, "--", label="backward: dy/dx")
    ax.set(title=f"{name} layer", xlabel="x", ylabel="value")
    ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# The sigmoid's slope is at most 0.25 and fades to 0 on both sides, so gradients shrink as they
# pass through many sigmoid layers; ReLU passes them unchanged wherever it is active. That
# difference returns in chapter 6.

# %% [markdown]
# ## 5.6 The Affine and Softmax-with-Loss layers
#
# An **Affine** layer computes $Y = XW + B$ for a batch $X$ of $N$ rows. Its backward pass, given
# $\frac{\partial L}{\partial Y}$ (shape $N \times n_\text{out}$), is
#
# $$\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} W^\top, \qquad
# \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Y}, \qquad
# \frac{\partial L}{\partial B} = \sum_{n} \left(\frac{\partial L}{\partial Y}\right)_{n},$$
#
# each with the shape of the variable it belongs to (the bias was added to every row, so its
# gradient sums over the rows). A quick check: for $L = \sum (Y \odot D)$ with a fixed matrix $D$,
# $\partial L / \partial Y = D$, and `backward(D)` must give the numerical gradient of $L$.

# %%
rng = np.random.default_rng(0)
affine = Affine(W=rng.normal(size=(3, 2)), b=rng.normal(size=2))
X = rng.normal(size=(4, 3))
D = rng.normal(size=(4, 2))

Y = affine.forward(X)
dX = affine.backward(D)
print("shapes: X", X.shape, " Y", Y.shape, " dX", dX.shape, end="  ")
print(" dW", affine.dW.shape, " db", affine.db.shape)


def L(_):
    return float((affine.forward(X) * D).sum())


for name, analytic, array in [("X", dX, X), ("W", affine.dW, affine.W), ("b", affine.db, affine.b)]:
    print(
        f"d L / d {name}: max |backward - numerical| = "
        f"{abs(analytic - numerical_gradient(L, array)).max():.1e}"
    )

# %% [markdown]
# The output layer for classification is **softmax followed by cross-entropy**, one layer
# (`SoftmaxWithLoss`). Its backward pass is remarkably simple: with one-hot labels $t$,
#
# $$\frac{\partial L}{\partial a} = \frac{y - t}{N},$$
#
# the difference between what the network said and the truth, averaged over the batch. (That
# neat result is the reason cross-entropy is paired with softmax.)

# %%
scores = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
labels = np.array([0, 1])  # class indices; one-hot rows also work
layer = SoftmaxWithLoss()
print("loss:", layer.forward(scores, labels))
da = layer.backward()
print("backward:\n", da)
print("(softmax - one-hot) / N:\n", (softmax(scores) - np.eye(3)[labels]) / len(labels))

# %% [markdown]
# ## 5.7 The two-layer network, assembled from layers
#
# `ch05/two_layer_net.py` keeps its layers in an ordered dictionary,
# `Affine1 → Relu1 → Affine2`, followed by `SoftmaxWithLoss`. `predict` calls each layer's
# `forward` in order; `gradient` runs the loss forward once, then every `backward` in reverse
# order, and collects `dW`, `db` from the Affine layers. Adding a layer means adding an entry;
# nothing else changes.
#
# ### Gradient check
#
# Backpropagation is fast but easy to get subtly wrong, so it is checked against the numerical
# gradient, which is slow but hard to get wrong. In float64, on three training images and a
# network with 10 hidden units (about 8 000 parameters, so the numerical side takes a second or
# two):

# %%
(x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)

np.random.seed(0)
check_net = TwoLayerNet(input_size=784, hidden_size=10, output_size=10, dtype=np.float64)
print("layers:", list(check_net.layers), "+", type(check_net.lastLayer).__name__)
x3 = backend.to_device(x_train[:3].astype(np.float64))
t3 = backend.to_device(t_train[:3])


def timed(function, *args):
    """The result of ``function(*args)``, and how many seconds it took."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


grad_numerical, numerical_seconds = timed(check_net.numerical_gradient, x3, t3)
grad_backprop, backprop_seconds = timed(check_net.gradient, x3, t3)

keys = ["W1", "b1", "W2", "b2"]
mean_diff = [float(abs(grad_backprop[k] - grad_numerical[k]).mean()) for k in keys]
mean_grad = [float(abs(grad_backprop[k]).mean()) for k in keys]
print(f"\n{'param':<7}{'shape':<12}{'mean |backprop - numerical|':>30}{'mean |gradient|':>18}")
for k, d, g in zip(keys, mean_diff, mean_grad):
    print(f"{k:<7}{str(grad_backprop[k].shape):<12}{d:>30.2e}{g:>18.2e}")
print(
    f"\nnumerical {numerical_seconds:.2f} s, backprop {backprop_seconds * 1000:.2f} ms: "
    f"{numerical_seconds / backprop_seconds:,.0f} times faster"
)

# %%
positions = np.arange(len(keys))
fig, ax = plt.subplots()
ax.bar(positions - 0.2, mean_grad, width=0.4, label="mean |gradient|")
ax.bar(positions + 0.2, mean_diff, width=0.4, label="mean |backprop - numerical|")
ax.set_yscale("log")
ax.set(
    title="Gradient check: the difference is many orders below the gradient",
    xlabel="parameter",
    ylabel="magnitude (log scale)",
    xticks=positions,
    xticklabels=keys,
)
ax.legend()
plt.show()

# %% [markdown]
# The differences are rounding-level, far below the gradients: the backward pass is right.
# (W1's gradient is small on average because most pixels are 0, and a weight from a pixel that is
# 0 in all three images has gradient exactly 0.)
#
# ## Training with backpropagation
#
# The same loop as in chapter 4, with `gradient` from the layers: mini-batches of 100, SGD with
# learning rate 0.1, a 784-50-10 ReLU network in float32. Here 3 000 steps, with the accuracy
# measured every half epoch (300 steps).

# %%
np.random.seed(0)
iters, batch_size, lr, eval_every = 3000, 100, 0.1, 300
network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
# the data go to the current device (the GPU with DLFS_DEVICE=gpu) once, not per batch
x_train_d, t_train_d = backend.to_device(x_train), backend.to_device(t_train)
x_test_d, t_test_d = backend.to_device(x_test), backend.to_device(t_test)
train_size = x_train.shape[0]

losses, epochs, train_acc, test_acc = [], [], [], []


def evaluate(step):
    epochs.append(step * batch_size / train_size)
    train_acc.append(network.accuracy(x_train_d, t_train_d))
    test_acc.append(network.accuracy(x_test_d, t_test_d))
    accuracies = f"train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}"
    print(f"step {step:>5} (epoch {epochs[-1]:.1f}): {accuracies}")


start = time.perf_counter()
evaluate(0)
for i in range(iters):
    batch_mask = backend.to_device(np.random.choice(train_size, batch_size))
    grads = network.gradient(x_train_d[batch_mask], t_train_d[batch_mask])
    for key in ("W1", "b1", "W2", "b2"):
        network.params[key] -= lr * grads[key]  # in place: the Affine layers see the new values
    losses.append(network.lastLayer.loss)  # this batch's loss, from the forward pass of gradient()
    if (i + 1) % eval_every == 0:
        evaluate(i + 1)
print(f"{iters} steps in {time.perf_counter() - start:.1f} s")
losses = [float(loss) for loss in losses]  # once, after the loop: float() waits for a GPU

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
left.plot(losses, linewidth=0.6, alpha=0.5, label="mini-batch loss")
left.plot(smooth_curve(losses, 51), label="smoothed")
left.set(title="Training loss (backpropagation)", xlabel="iteration", ylabel="cross-entropy loss")
left.legend()

# from step 300 on: the untrained network's 0.1 would squash the scale
right.plot(epochs[1:], train_acc[1:], "o-", label="train acc")
right.plot(epochs[1:], test_acc[1:], "s--", label="test acc")
right.set(title="Accuracy every 300 steps", xlabel="epoch", ylabel="accuracy", ylim=(0.85, 1))
right.legend(loc="lower right")
plt.show()

# %% [markdown]
# Compare with chapter 4: the same number of steps now gives a much better network, because ReLU
# units learn faster than sigmoid ones at this learning rate. The full run,
# `python ch05/train_neuralnet.py` (10 000 steps, about 16 epochs), reaches about 97% test
# accuracy.
#
# ## From layers to autograd
#
# Every layer above has a hand-written `backward`, and `TwoLayerNet.gradient` calls them in
# reverse order by hand. Frameworks (PyTorch, Chainer, the book's sequel DeZero) keep the first
# half and automate the second. `common/autograd.py` is such an engine, small enough to read in
# one sitting:
#
# * a `Variable` holds an array (`data`) and, after `backward()`, its gradient (`grad`);
# * every operation on Variables (`+ - * / @ **`, `relu`, `softmax_cross_entropy`, ...) is a
#   `Function` with a `forward` and, beside it, the *same local rule* as the matching layer (a
#   product swaps its inputs, a sum passes the gradient on, Affine's $X^\top \, dL/dY$ ...);
# * calling a Function records it as the `creator` of its output, so computing an expression
#   builds its graph ("define by run"), and `backward()` walks that graph from the result back to
#   the inputs, applying each node's rule: the chain rule, done by the program.
#
# The apple-and-orange shop again, this time as one plain expression:

# %%
names = ("apple", "apple_num", "orange", "orange_num", "tax")
v = {name: Variable(np.array(float(fwd[name])), name=name) for name in names}
price_v = (v["apple"] * v["apple_num"] + v["orange"] * v["orange_num"]) * v["tax"]
price_v.name = "price"
price_v.backward(retain_grad=True)  # retain_grad: keep the intermediate gradients, for the figure

print(f"price {float(price_v.data):g} (layers: {fwd['price']:g})")
print(f"{'d price / d':<15}{'autograd':>10}{'layers':>10}")
for name in names:
    print(f"{name:<15}{float(v[name].grad):>10g}{bwd[name]:>10g}")

# %% [markdown]
# The same numbers, and nobody called a `backward` by hand. The graph is an ordinary data
# structure: the result's `creator` is the last multiplication, whose `inputs` lead to the earlier
# functions, and so on back to the leaves (which have no creator). Each function has a
# *generation*: 0 if only leaves feed it, else one more than the latest function that does.
# `backward()` processes the highest generation first, which guarantees that a variable's gradient
# is complete (all its uses added up) before it is passed further back. It does so in a loop, not
# recursively, so even a chain of 10 000 operations backpropagates.

# %%
pending = [price_v.creator]
while pending:
    function = pending.pop()
    sources = [x.name or f"output of {type(x.creator).__name__}" for x in function.inputs]
    print(f"{type(function).__name__:<4} generation {function.generation}: inputs {sources}")
    pending += [x.creator for x in function.inputs if x.creator is not None]

# %% [markdown]
# `ch05/computational_graph.py` draws such a graph from the engine's own records: boxes are the
# functions, rounded boxes the variables with their value and, after `backward`, their gradient.
# Compare it with the figure drawn by hand at the top of this notebook.

# %%
fig = computational_graph.draw_graph(
    price_v, "price = (apple * apple_num + orange * orange_num) * tax"
)
plt.show()

# %% [markdown]
# ### The two-layer network as an expression
#
# `ch05/autograd_two_layer_net.py` writes the network of section 5.7 as one expression of
# Variables, with no layer and no `backward` method:
#
# $$L = \text{softmax\_cross\_entropy}\big(\text{relu}(x W_1 + b_1)\, W_2 + b_2,\; t\big).$$
#
# Its `gradient(x, t)` clears the parameters' gradients, computes the loss and calls
# `backward()`. The bias is broadcast over the rows of the batch; the engine sums its gradient
# back over the rows by itself, as Affine's `db` does. Built from the same seed, the two networks
# have the same weights, and in float64 their gradients agree exactly:

# %%
networks = {}
for cls in (TwoLayerNet, AutogradTwoLayerNet):
    np.random.seed(0)
    networks[cls.__name__] = cls(input_size=784, hidden_size=50, output_size=10, dtype=np.float64)
t3_64 = t3.astype(np.float64)
grads_layers = networks["TwoLayerNet"].gradient(x3, t3_64)
grads_autograd = networks["AutogradTwoLayerNet"].gradient(x3, t3_64)
for key in keys:
    difference = float(abs(grads_autograd[key] - grads_layers[key]).max())
    print(f"{key}: max |autograd - layers| = {difference:.1e}")

# %% [markdown]
# Exactly 0: the engine applies the layers' rules to the same arrays in the same order, so even
# the rounding is the same. Here is the graph of that loss for a batch of 100 images (the images
# `x` are a constant, grey: the engine computes no gradient for them, just as `Affine` does not
# need `dx` in the first layer):

# %%
np.random.seed(0)
graph_net = AutogradTwoLayerNet(input_size=784, hidden_size=50, output_size=10)
x_named = Variable(x_train_d[:100], name="x", requires_grad=False)
loss_v = graph_net.loss(x_named, t_train_d[:100])
loss_v.name = "loss"
loss_v.backward(retain_grad=True)
fig = computational_graph.draw_graph(
    loss_v, "loss = softmax_cross_entropy(relu(x @ W1 + b1) @ W2 + b2, t)"
)
plt.show()

# %% [markdown]
# Training works as before, with the autograd network in place of the layers. Both start from
# the same weights and see the same mini-batches (`train` in `ch05/autograd_two_layer_net.py`,
# SGD with learning rate 0.1), so they end with the same accuracy; the engine's bookkeeping
# costs a little time (`benchmarks/bench_autograd.py` measures it on the full run):

# %%
data = ((x_train_d, t_train_d), (x_test_d, t_test_d))
seconds = {}
for cls in (TwoLayerNet, AutogradTwoLayerNet):
    np.random.seed(0)
    net = cls(input_size=784, hidden_size=50, output_size=10)
    spent = train(net, data, iters=1000, batch_size=100, lr=0.1, seed=0)  # seconds of training
    seconds[cls.__name__] = spent
    accuracy = net.accuracy(x_test_d, t_test_d)
    print(f"{cls.__name__:<20} test acc {accuracy:.4f} after 1000 steps, {spent:.2f} s")
ratio = seconds["AutogradTwoLayerNet"] / seconds["TwoLayerNet"]
print(f"autograd / layers: {ratio:.2f}x the time")

# %% [markdown]
# ### A second derivative
#
# The backward rules are written with the same operators as everything else. With
# `backward(create_graph=True)` the engine runs them on Variables, so the gradient it produces is
# itself a Variable, with a graph of its own, and can be differentiated again. For $y = x^3$ at
# $x = 3$: $y' = 3x^2 = 27$ and $y'' = 6x = 18$.

# %%
x_v = Variable(np.array(3.0))
(x_v**3).backward(create_graph=True)
first = x_v.grad  # a Variable: 3 x^2, with a graph
x_v.cleargrad()  # gradients add up: start the second backward from zero
first.backward()
print(f"y' = {float(first.data):g}, y'' = {float(x_v.grad):g}")

# %% [markdown]
# The same for the sigmoid on a whole range of $x$ at once, against the formulas
# $\sigma' = \sigma(1 - \sigma)$ and $\sigma'' = \sigma(1 - \sigma)(1 - 2\sigma)$:

# %%
xs = np.linspace(-6, 6, 241)
x_v = Variable(xs)
y_v = autograd.sigmoid(x_v)
y_v.sum().backward(create_graph=True)  # d(sum)/dx_i = sigmoid'(x_i): every slope at once
first = x_v.grad
x_v.cleargrad()
first.sum().backward()
s = y_v.data
print(f"max |autograd - formula|: first {abs(first.data - s * (1 - s)).max():.1e}, ", end="")
print(f"second {abs(x_v.grad - s * (1 - s) * (1 - 2 * s)).max():.1e}")

fig, ax = plt.subplots()
ax.plot(xs, s, label="sigmoid")
ax.plot(xs, first.data, "--", label="first derivative (backward)")
ax.plot(xs, x_v.grad, ":", label="second derivative (backward of backward)")
ax.set(title="Differentiating twice with create_graph=True", xlabel="x", ylabel="value")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# ## Summary
#
# * Backpropagation is the chain rule on a computational graph: each node multiplies the upstream
#   gradient by its local derivative.
# * Layers with `forward` and `backward` (ReLU, Sigmoid, Affine, SoftmaxWithLoss) snap together
#   into networks; `SoftmaxWithLoss.backward` is just $(y - t)/N$.
# * A gradient check against numerical differentiation (in float64) confirms the backward pass,
#   which is a thousand times faster or more.
# * An autograd engine keeps the layers' local rules and chains them itself: it records the graph
#   while computing (`common.autograd`), gives the layers' gradients exactly, and differentiates
#   its own gradients for second derivatives.

# %% [markdown]
# ## Your turn
#
# Write this chapter's functions yourself: `MulLayer`, `AddLayer`, `Relu`, `Sigmoid`, `Affine`,
# `SoftmaxWithLoss` and `TwoLayerNet.gradient`. The stubs, with the book's names and the math in
# their docstrings, are in `exercises/ch05.py`. From the repository root:
#
# ```bash
# python -m exercises start ch05     # your copy: my_exercises/ch05.py (never overwritten)
# python -m exercises check ch05     # or one exercise: check ch05.affine
# ```
#
# The checker compares each one with the course's code and says what is wrong. For an
# `Affine.backward` that computes `dW = dout.T @ x`, it prints:
#
# ```text
# ch05.affine                  FAILED       backward: self.dW has shape (5, 3), expected (3, 5)
#     case: x (4, 3) float64, W (3, 5) float64, b (5,) float64, dout (4, 5) float64
#     hint: transposed product: you got the transpose of the answer; check the order of the
#       factors (dW = x^T dout, dx = dout W^T)
# passed: ch05 0/1
# ```
#
# `python -m exercises check ch05.affine --solution` shows the reference; `exercises/README.md`
# explains the hints.
