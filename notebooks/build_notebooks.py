"""Build the chapter notebooks (ch03.ipynb ... ch06.ipynb) from the cells listed below.

    python notebooks/build_notebooks.py            # (re)write every notebook
    python notebooks/build_notebooks.py --check    # exit 1 if a stored notebook differs

The notebooks are generated, not edited by hand: each one is a list of Markdown and
code cells in this file, so a change shows up as a readable diff here.  They are
stored WITHOUT outputs (run them in Jupyter to see the figures), with fixed cell ids,
so the same source always gives byte-for-byte the same files.
tests/test_notebooks.py checks that the stored files are exactly what this script
writes, and executes every notebook in a fresh kernel.
"""
import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(text):
    return ("markdown", text)


def code(*pieces):
    """A code cell; several pieces (each dedented on its own) are joined by a blank line."""
    return ("code", "\n\n".join(textwrap.dedent(piece).strip("\n") for piece in pieces))


def timed_gradients(network):
    """The code lines that compute ``network``'s gradient on (x3, t3) both ways, and time each.

    The gradient checks of chapters 4 and 5 share them; they leave grad_numerical,
    grad_backprop, numerical_seconds and backprop_seconds behind.
    """
    return f"""
        start = time.perf_counter()
        grad_numerical = {network}.numerical_gradient(x3, t3)
        numerical_seconds = time.perf_counter() - start
        start = time.perf_counter()
        grad_backprop = {network}.gradient(x3, t3)
        backprop_seconds = time.perf_counter() - start
        """


def setup_note(scripts, shortened=True):
    """The paragraphs every notebook opens with: what it needs, and which scripts go further."""
    if shortened:
        scripts_note = ("Training runs here are shortened so that the notebook runs in under a minute "
                        "on a laptop CPU; the chapter's scripts run the book's full configuration: "
                        f"{scripts}.")
    else:
        scripts_note = f"The chapter's scripts do the same steps one at a time: {scripts}."
    return md(f"""
        **Before running.** This notebook loads MNIST through `dataset.mnist.load_mnist`, like the
        chapter scripts, so it needs the same setup: `MNIST_DIR` pointing at a folder with the four
        MNIST files, or a cache already filled by `python -m dataset.mnist` (see *MNIST data* in the
        README). Start Jupyter from the environment where the course is installed (`pip install -e .`),
        for example with `jupyter lab notebooks/` from the repository root: then `common`, `dataset`
        and the chapter packages import from any folder. Run the cells from top to bottom; random
        numbers are seeded, so every run gives the same numbers (timings apart).

        {scripts_note}
        """)


# --------------------------------------------------------------------------------------------
# Chapter 3
# --------------------------------------------------------------------------------------------

CH03 = [
    md(r"""
        # Chapter 3 — Neural networks

        A perceptron adds up weighted inputs and fires when the sum passes a threshold. A neural
        network keeps that idea but swaps the hard threshold for a smooth *activation function*,
        writes each layer as one matrix product, and ends with an output function suited to the
        task (here *softmax*, for classification). This notebook walks that path and finishes by
        running an already-trained network on the MNIST handwritten digits: first one image at a
        time, then in batches.
        """),
    setup_note("`python ch03/sig_step_compare.py`, `ch03/relu.py` and `ch03/mnist_show.py` draw the "
               "figures, `python ch03/neuralnet_mnist.py` and `ch03/neuralnet_mnist_batch.py` run the "
               "inference", shortened=False),
    code("""
        %matplotlib inline
        import time
        from pathlib import Path

        import numpy as np
        import matplotlib.pyplot as plt

        from common import plotting  # the course's figure style
        from common.functions import relu, sigmoid, softmax, step_function
        from dataset.mnist import load_mnist
        import ch03
        from ch03.neuralnet_mnist import init_network, predict
        from ch03.neuralnet_mnist_batch import best_time, count_correct_batched

        np.set_printoptions(precision=4, suppress=True)
        """),

    md(r"""
        ## 3.2 Activation functions

        A neuron first forms the weighted sum of its inputs plus a bias, then passes it through an
        activation function $h$:

        $$a = b + w_1 x_1 + w_2 x_2, \qquad y = h(a).$$

        The perceptron uses the **step function**, $h(a) = 1$ if $a > 0$ and $0$ otherwise. Neural
        networks use smooth functions instead, chiefly the **sigmoid** and the **ReLU**:

        $$\operatorname{sigmoid}(a) = \frac{1}{1 + e^{-a}}, \qquad \operatorname{ReLU}(a) = \max(0, a).$$

        All three are in `common.functions` and act on every element of an array at once.
        """),
    code("""
        a = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
        print("a       ", a)
        print("step    ", step_function(a))
        print("sigmoid ", sigmoid(a))
        print("ReLU    ", relu(a))
        """),
    code("""
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
        """),
    md(r"""
        Both the step and the sigmoid go from 0 to 1, but only the sigmoid does it smoothly: a small
        change of $a$ always makes a small change of $h(a)$, and that is what lets a network learn by
        following slopes (chapter 4). The step's slope is 0 everywhere except at the jump.

        Why not a linear $h(a) = c\,a$? Because layers of linear functions collapse into one: three
        such layers compute $c^3 a$, which a single layer could do. Depth only pays off with a
        non-linear activation.
        """),

    md(r"""
        ## 3.3–3.4 A layer is a matrix product

        Put a batch of inputs in the rows of a matrix $X$ (shape $N \times n_\text{in}$) and a
        layer's weights in $W$ (shape $n_\text{in} \times n_\text{out}$). Then a whole layer, for all
        examples at once, is

        $$A = X W + b, \qquad Z = h(A),$$

        with $b$ added to every row. The only rule is that the shapes chain: the columns of $X$ must
        match the rows of $W$. Below, a tiny network 2 → 3 → 2 → 2 with made-up (untrained) weights:
        two sigmoid layers and an identity output.
        """),
    code("""
        rng = np.random.default_rng(3)
        tiny = {"W1": rng.normal(0, 0.5, (2, 3)), "b1": np.array([0.1, 0.0, -0.1]),
                "W2": rng.normal(0, 0.5, (3, 2)), "b2": np.array([0.0, 0.2]),
                "W3": rng.normal(0, 0.5, (2, 2)), "b3": np.array([0.1, -0.1])}


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
        print("a batch of four, one row each:\\n", forward(tiny, batch, show=True))
        """),

    md(r"""
        ## 3.5 The output layer: softmax

        For classification the last layer's scores $a_1, \dots, a_n$ are turned into probabilities by

        $$y_k = \frac{e^{a_k}}{\sum_{i=1}^{n} e^{a_i}}.$$

        Every $y_k$ lies in $(0, 1)$ and they sum to 1. Softmax keeps the order of the scores, so the
        predicted class (the largest) is the same with or without it; it matters for training, where
        the loss needs probabilities.

        Written literally, it breaks for large scores: $e^{710}$ is already larger than the largest
        float64, so $e^{1000}/e^{1000}$ becomes $\infty/\infty = \text{nan}$. Multiplying the top and
        the bottom by the same $e^{-C}$ changes nothing,

        $$y_k = \frac{e^{a_k - C}}{\sum_i e^{a_i - C}},$$

        and with $C = \max_i a_i$ every exponent is $\le 0$: nothing overflows, and the largest term is
        exactly $e^0 = 1$, so the sum is never 0. `common.functions.softmax` does this (row by row for
        a batch).
        """),
    code("""
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
        """),
    code("""
        scores = np.array([1.0, 3.0, 0.5, 2.0, -1.0])
        classes = np.arange(len(scores))

        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
        left.bar(classes, scores, color="tab:gray")
        left.set(title="Scores a (output of the last layer)", xlabel="class k", ylabel="a_k")
        for factor, color in [(1, "tab:blue"), (3, "tab:orange")]:
            offset = -0.2 if factor == 1 else 0.2
            right.bar(classes + offset, softmax(factor * scores), width=0.4, color=color,
                      label=f"softmax({factor} a)")
        right.set(title="Softmax: probabilities that sum to 1", xlabel="class k", ylabel="y_k")
        right.legend()
        plt.show()
        """),
    md("""
        Scaling the scores up makes the distribution sharper, but the largest score always gets the
        largest probability.
        """),

    md("""
        ## 3.6 MNIST

        MNIST holds 70 000 grey-level images of handwritten digits, 28 × 28 pixels: 60 000 for
        training and 10 000 for testing, each with its label 0–9.
        `load_mnist(normalize, flatten, one_hot_label)` returns `(x_train, t_train), (x_test, t_test)`.
        With `normalize=False` the pixels are the original integers 0 (black) to 255 (white); with
        `flatten=True` each image is a row of 784 numbers, reshaped back to 28 × 28 to draw it.
        """),
    code("""
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
        """),

    md("""
        ### Inference with trained weights

        The network has 784 inputs (one per pixel), two sigmoid hidden layers of 50 and 100 units,
        and 10 softmax outputs, one per digit. How to train it is the subject of chapters 4 and 5;
        here its weights are simply loaded. The book ships them as a pickle; this course makes its
        own with `python ch03/train_sample_weight.py` and stores them in `ch03/sample_weight.npz`,
        which `init_network` reads with `allow_pickle=False`. That way the file can only hold
        arrays, whereas unpickling a file can run whatever code was put in it.

        The network was trained on *normalized* images (pixels divided by 255, so in [0, 1]), so the
        test images are loaded the same way: the input must be prepared as in training.
        """),
    code("""
        network = init_network(Path(ch03.__file__).with_name("sample_weight.npz"))
        for key, value in network.items():
            print(f"{key}: {str(value.shape):<11} {value.dtype}")

        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True, one_hot_label=False)
        print("test images:", x_test.shape, x_test.dtype, "values from", x_test.min(), "to", x_test.max())
        """),
    md("""
        `predict(network, x)` (from `ch03/neuralnet_mnist.py`) is the three-layer forward pass with
        softmax at the end. The predicted digit is the index of the largest output. First, one image
        at a time, as in the book:
        """),
    code("""
        start = time.perf_counter()
        correct = 0
        for i in range(len(x_test)):
            y = predict(network, x_test[i])
            if np.argmax(y) == t_test[i]:
                correct += 1
        one_at_a_time = time.perf_counter() - start
        print(f"accuracy {correct / len(x_test):.4f}  ({one_at_a_time:.2f} s for {len(x_test)} images, one at a time)")
        """),
    md("""
        The output is a probability for each digit. For most images nearly all of it goes to one
        digit; the second image below is the one among the first 200 test images where the network
        is least sure.
        """),
    code("""
        probabilities = predict(network, x_test[:200])
        doubtful = int(np.argmin(probabilities.max(axis=1)))

        fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), gridspec_kw={"width_ratios": [1, 2.2]})
        for (left, right), i in zip(axes, [0, doubtful]):
            left.imshow(x_test[i].reshape(28, 28), cmap="gray")
            left.set_title(f"test image {i} (label {t_test[i]})")
            left.axis("off")
            right.bar(np.arange(10), probabilities[i])
            right.set(title=f"Network output for image {i}: predicts {np.argmax(probabilities[i])}",
                      xlabel="digit", ylabel="probability", xticks=range(10), ylim=(0, 1.05))
        fig.tight_layout()
        plt.show()
        """),

    md(r"""
        ### Batches

        `predict` works unchanged on many images at once: with a batch of 100 rows the shapes chain as

        $$X\,(100 \times 784) \cdot W_1\,(784 \times 50) \cdot W_2\,(50 \times 100) \cdot W_3\,(100 \times 10)
        \;\to\; Y\,(100 \times 10),$$

        one row of probabilities per image, and `np.argmax(Y, axis=1)` gives the 100 predictions. The
        accuracy does not change, only the time: each call of NumPy has a fixed overhead, which a batch
        pays once for 100 images, and the matrix library is much faster on large blocks than on single
        rows. The timings depend on the machine and on how busy it is. (If batches of 100 come out
        *slower* than single images, the cores are shared with other programs and the matrix
        library's threads are waiting for each other: setting `OPENBLAS_NUM_THREADS=1` before starting
        Jupyter shows the real effect.)

        Two functions of `ch03/neuralnet_mnist_batch.py` do the work: `count_correct_batched(network,
        x, t, batch_size)` feeds the images `batch_size` at a time and counts the right answers, and
        `best_time(function, repeat)` keeps the fastest of a few runs (the slower ones were disturbed
        by something else).
        """),
    code("""
        def accuracy_in_batches(batch_size):
            return count_correct_batched(network, x_test, t_test, batch_size) / len(x_test)


        batch_sizes = [1, 10, 100, 1000, 10000]
        seconds = [one_at_a_time] + [best_time(lambda b=b: accuracy_in_batches(b), repeat=3)
                                     for b in batch_sizes[1:]]
        for b, s in zip(batch_sizes, seconds):
            print(f"batch size {b:>5}: {s:.3f} s, accuracy {accuracy_in_batches(b):.4f}")
        print(f"batches of 100 are {seconds[0] / seconds[2]:.1f} times faster than one image at a time")

        fig, ax = plt.subplots()
        ax.loglog(batch_sizes, seconds, "o-", label="time for the 10 000 test images")
        ax.set(title="Classifying in batches", xlabel="batch size", ylabel="seconds")
        ax.legend()
        plt.show()
        """),
    md("""
        Finally, some of the test images the network gets wrong (titles: true label, prediction).
        Several are hard for a person too.
        """),
    code("""
        predicted = np.argmax(predict(network, x_test), axis=1)
        wrong = np.flatnonzero(predicted != t_test)
        print(f"{len(wrong)} of {len(x_test)} test images are misclassified")

        fig, axes = plt.subplots(2, 6, figsize=(11, 4.6))
        for ax, i in zip(axes.flat, wrong):
            ax.imshow(x_test[i].reshape(28, 28), cmap="gray")
            ax.set_title(f"{t_test[i]}, predicted {predicted[i]}")
            ax.axis("off")
        fig.suptitle("Misclassified test images")
        plt.show()
        """),
    md("""
        ## Summary

        * An activation function makes each layer non-linear; the sigmoid and ReLU are smooth enough to
          learn with, unlike the perceptron's step.
        * A layer is `X @ W + b` followed by the activation, for a whole batch at once.
        * Softmax turns scores into probabilities; subtracting the largest score keeps it from
          overflowing.
        * Running a trained 784-50-100-10 network on the 10 000 MNIST test images gives about 97%
          accuracy (`python ch03/neuralnet_mnist.py` prints the same number), and batching gives the
          same answer faster (`python ch03/neuralnet_mnist_batch.py` times both ways).
        """),
]


# --------------------------------------------------------------------------------------------
# Chapter 4
# --------------------------------------------------------------------------------------------

CH04 = [
    md(r"""
        # Chapter 4 — Learning from data

        Chapter 3's network came with its weights. This chapter finds weights from data: a *loss
        function* measures how wrong the network is, its *gradient* says in which direction each
        weight should move to make it less wrong, and *gradient descent* takes many small steps in
        that direction. Gradients are computed here by numerical differentiation, the simple and slow
        way (chapter 5 gets the same numbers fast by backpropagation). The chapter ends by training a
        two-layer network on MNIST.
        """),
    setup_note("`python ch04/train_neuralnet.py` (10 000 steps); `python ch04/gradient_1d.py`, "
               "`ch04/gradient_2d.py`, `ch04/gradient_method.py` and `ch04/gradient_simplenet.py` "
               "show the smaller examples"),
    code("""
        %matplotlib inline
        import time

        import numpy as np
        import matplotlib.pyplot as plt

        from common import plotting  # the course's figure style
        from common import backend
        from common.functions import cross_entropy_error, sum_squared_error
        from common.gradient import numerical_diff, numerical_gradient
        from common.util import smooth_curve
        from dataset.mnist import load_mnist
        from ch04.gradient_1d import function_1, tangent_line
        from ch04.gradient_2d import function_2, numerical_gradient as gradient_at_points
        from ch04.gradient_method import gradient_descent
        from ch04.gradient_simplenet import simpleNet
        from ch04.two_layer_net import TwoLayerNet

        np.set_printoptions(precision=4, suppress=True)
        """),

    md(r"""
        ## 4.2 Loss functions

        A loss function compares the network's output $y$ with the correct answer $t$ (here one-hot:
        1 for the right class, 0 elsewhere) and returns one number, small when the output is good.

        * **Sum of squared errors**: $E = \frac{1}{2} \sum_k (y_k - t_k)^2$
        * **Cross-entropy error**: $E = -\sum_k t_k \log y_k$. With one-hot $t$ only the right class
          counts: $E = -\log y_\text{right}$, which is 0 when the network gives the right class
          probability 1 and grows without bound as that probability goes to 0.

        Two outputs for an image of a 2: one puts 70% on "2", the other 65% on "7".
        """),
    code("""
        t = np.zeros(10)
        t[2] = 1  # one-hot: the right answer is 2
        y_good = np.array([0.02, 0.05, 0.70, 0.05, 0.03, 0.05, 0.02, 0.04, 0.02, 0.02])
        y_bad = np.array([0.02, 0.05, 0.08, 0.05, 0.03, 0.05, 0.02, 0.65, 0.03, 0.02])

        for name, y in [("mostly 2", y_good), ("mostly 7", y_bad)]:
            print(f"{name}: sum of squared errors {sum_squared_error(y, t):.4f}, "
                  f"cross-entropy {cross_entropy_error(y, t):.4f}")
        """),
    code("""
        p = np.linspace(0.001, 1, 500)
        fig, ax = plt.subplots()
        ax.plot(p, -np.log(p), label="cross-entropy  -log(p)")
        ax.plot(p, (1 - p) ** 2, label="squared error of the right class  (1 - p)²")
        for name, y, marker in [("mostly 2", y_good, "o"), ("mostly 7", y_bad, "s")]:
            ax.plot(y[2], -np.log(y[2]), marker, color="black", label=f"{name}: p = {y[2]}")
        ax.set(title="Loss as a function of the probability of the right class",
               xlabel="p = y_right", ylabel="loss", ylim=(0, 5))
        ax.legend()
        plt.show()
        """),
    md(r"""
        ### Mini-batches

        Over a training set of $N$ examples the loss is the average, $E = -\frac{1}{N}\sum_n \sum_k
        t_{nk} \log y_{nk}$. With 60 000 images that is costly to compute at every step, so each step
        uses a random **mini-batch** of a few examples as an estimate. `cross_entropy_error` accepts
        one example or a batch, and labels either one-hot or as class indices (it then picks
        $y_{n, t_n}$ directly). A network that knows nothing and gives every digit probability 0.1 has
        loss $\log 10 \approx 2.303$: the starting point of every training curve below.
        """),
    code("""
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
        """),

    md(r"""
        ## 4.3 Numerical differentiation

        The derivative is the limit of $\frac{f(x + h) - f(x)}{h}$ as $h \to 0$. On a computer $h$
        cannot go to 0: in float64, $x + 10^{-50}$ *is* $x$, and for small $h$ the difference
        $f(x+h) - f(x)$ keeps only a few correct digits. Two choices make it work:

        * a moderate step, $h = 10^{-4}$;
        * the **central difference** $\frac{f(x + h) - f(x - h)}{2h}$, whose error shrinks like $h^2$
          rather than like $h$ for the forward difference.

        The figure shows both errors for $f = \sin$ at $x = 1$ (exact derivative $\cos 1$): too large an
        $h$ and the formula is inaccurate, too small and rounding takes over.
        """),
    code("""
        print("1.0 + 1e-50 == 1.0:", 1.0 + 1e-50 == 1.0)

        hs = np.logspace(-13, -1, 61)
        forward = np.abs((np.sin(1 + hs) - np.sin(1)) / hs - np.cos(1))
        central = np.abs([numerical_diff(np.sin, 1.0, h) - np.cos(1) for h in hs])

        fig, ax = plt.subplots()
        ax.loglog(hs, forward, label="forward difference")
        ax.loglog(hs, central, label="central difference (numerical_diff)")
        ax.axvline(1e-4, color="gray", linestyle=":", label="h = 1e-4, the course's default")
        ax.set(title="Error of the numerical derivative of sin at x = 1", xlabel="step h",
               ylabel="|error|")
        ax.legend()
        plt.show()
        """),
    md(r"""
        `common.gradient.numerical_diff(f, x)` is the central difference with $h = 10^{-4}$. For
        $f(x) = 0.01x^2 + 0.1x$ (`function_1`) the exact derivative is $0.02x + 0.1$; the tangent line
        at $a$, $y = f(a) + f'(a)(x - a)$, touches the curve there.
        """),
    code("""
        for a in (5.0, 10.0):
            print(f"f'({a:g}) = {numerical_diff(function_1, a):.10f}   exact {0.02 * a + 0.1:g}")

        x = np.arange(0.0, 20.0, 0.1)
        fig, ax = plt.subplots()
        ax.plot(x, function_1(x), label="f(x) = 0.01x² + 0.1x")
        for a in (5.0, 10.0):
            line, = ax.plot(x, tangent_line(function_1, a)(x), "--", label=f"tangent at x = {a:g}")
            ax.plot([a], [function_1(a)], "o", color=line.get_color())
        ax.set(title="Numerical derivative: tangent lines", xlabel="x", ylabel="f(x)")
        ax.legend()
        plt.show()
        """),

    md(r"""
        ### Partial derivatives

        For a function of several variables, such as $f(x_0, x_1) = x_0^2 + x_1^2$ (`function_2`), a
        partial derivative moves one variable and holds the others fixed. At $(3, 4)$:
        $\partial f / \partial x_0 = 2x_0 = 6$ and $\partial f / \partial x_1 = 2x_1 = 8$. Numerically,
        fix the other variable and differentiate a function of one variable:
        """),
    code("""
        def f_of_x0(x0):
            return x0 ** 2 + 4.0 ** 2   # x1 held at 4


        def f_of_x1(x1):
            return 3.0 ** 2 + x1 ** 2   # x0 held at 3


        print("df/dx0 at (3, 4):", numerical_diff(f_of_x0, 3.0))
        print("df/dx1 at (3, 4):", numerical_diff(f_of_x1, 4.0))
        """),

    md(r"""
        ## 4.4 The gradient

        The **gradient** collects all partial derivatives in one vector,
        $\nabla f = \left(\frac{\partial f}{\partial x_0}, \frac{\partial f}{\partial x_1}\right)$.
        `common.gradient.numerical_gradient(f, x)` computes it for an array `x` of any shape, with one
        central difference per element. (It changes `x` in place one element at a time and restores
        it, so `x` must be a float array.)
        """),
    code("""
        for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
            print(f"gradient at {point}: {numerical_gradient(function_2, np.array(point))}")
        """),
    md("""
        Drawn at many points, the *negative* gradient points downhill, towards the minimum at (0, 0),
        and is longer where the bowl is steeper: it is the direction in which $f$ decreases fastest.
        `ch04.gradient_2d.numerical_gradient` evaluates the gradient at every row of a matrix of points.
        """),
    code("""
        grid = np.arange(-2, 2.01, 0.25)
        X0, X1 = np.meshgrid(grid, grid)
        points = np.column_stack([X0.ravel(), X1.ravel()])   # one point per row
        grad = gradient_at_points(function_2, points)

        fig, ax = plt.subplots(figsize=(5.8, 5.5))
        ax.contour(X0, X1, X0 ** 2 + X1 ** 2, levels=[0.5, 1, 2, 4, 6], colors="0.8", linewidths=1)
        ax.quiver(points[:, 0], points[:, 1], -grad[:, 0], -grad[:, 1], angles="xy", color="#444444",
                  label="-gradient")
        ax.plot([0], [0], "r+", markersize=14, markeredgewidth=2, label="minimum (0, 0)")
        ax.set(title="Negative gradient of x0² + x1²", xlabel="x0", ylabel="x1", aspect="equal")
        ax.legend(loc="upper right")
        plt.show()
        """),

    md(r"""
        ### Gradient descent

        Repeatedly step against the gradient,

        $$x \leftarrow x - \eta \, \nabla f(x),$$

        with a **learning rate** $\eta$ setting the step length. On $x_0^2 + x_1^2$ the gradient is $2x$,
        so each step multiplies $x$ by $1 - 2\eta$: with $\eta = 0.1$ the path runs straight into the
        minimum; with a small $\eta$ it crawls; with $\eta$ close to 1 it jumps from side to side of the
        minimum and barely gets closer; with $\eta > 1$ it moves away, ever faster. The learning rate is
        a *hyperparameter*: it is chosen by hand, not learned.
        """),
    code("""
        start = np.array([-3.0, 4.0])
        x_end, path = gradient_descent(function_2, start, lr=0.1, step_num=20)
        print(f"lr = 0.1: after 20 steps x = {x_end}")
        for lr in (10.0, 1e-10):
            x_far, _ = gradient_descent(function_2, start, lr=lr, step_num=100)
            print(f"lr = {lr:g}: after 100 steps x = {x_far}")

        g0, g1 = np.meshgrid(np.linspace(-4.5, 4.5, 181), np.linspace(-4.5, 4.5, 181))
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2), gridspec_kw={"width_ratios": [1, 1.3]})
        left.contour(g0, g1, g0 ** 2 + g1 ** 2, levels=[1, 4, 9, 16, 25], colors="0.8", linewidths=1)
        left.plot(path[:, 0], path[:, 1], "o-", markersize=4, label="path, lr = 0.1")
        left.plot([0], [0], "r+", markersize=14, markeredgewidth=2, label="minimum")
        left.set(title="20 steps from (-3, 4)", xlabel="x0", ylabel="x1",
                 xlim=(-4.5, 4.5), ylim=(-4.5, 4.5), aspect="equal")
        left.legend(loc="lower right")

        for lr in (0.02, 0.1, 0.45, 0.95, 1.05):
            _, lr_path = gradient_descent(function_2, start, lr=lr, step_num=20)
            right.plot(lr_path[:, 0], "o-", markersize=3, label=f"lr = {lr:g}")
        right.axhline(0, color="black", linewidth=0.8)
        right.set(title="x0 after each step, for several learning rates", xlabel="step", ylabel="x0",
                  ylim=(-6, 6))
        right.legend(loc="upper right")
        plt.show()
        """),

    md(r"""
        ### The gradient of a network's loss

        For a network the variables are the weights. `simpleNet` (from `ch04/gradient_simplenet.py`) is
        the smallest example: one $2 \times 3$ weight matrix $W$, scores $xW$, softmax and cross-entropy.
        The gradient $\partial L / \partial W$ has the shape of $W$; a positive entry says that
        *increasing* that weight increases the loss (so gradient descent decreases it), a negative
        entry the opposite.
        """),
    code("""
        np.random.seed(0)
        net = simpleNet()
        x = np.array([0.6, 0.9])
        t = np.array([0, 0, 1])  # the right class is 2
        print("W =\\n", net.W)
        print("scores:", net.predict(x), " loss:", net.loss(x, t))

        # numerical_gradient nudges net.W in place; net.loss reads net.W, so the lambda's
        # argument is not needed.
        dW = numerical_gradient(lambda W: net.loss(x, t), net.W)
        print("dL/dW =\\n", dW)
        """),

    md(r"""
        ## 4.5 A two-layer network

        `ch04/two_layer_net.py` writes the network of this chapter with plain functions:

        $$a_1 = x W_1 + b_1,\quad z_1 = \operatorname{sigmoid}(a_1),\quad a_2 = z_1 W_2 + b_2,\quad
        y = \operatorname{softmax}(a_2),$$

        with the cross-entropy loss. It offers two ways to get the gradients:
        `numerical_gradient(x, t)` (two loss evaluations per parameter) and `gradient(x, t)`, the
        backpropagation formulas that chapter 5 derives. They must agree; compare them on a small
        network (10 hidden units, so about 8 000 parameters) and three images. The parameters are
        float64: in float32 the numerical gradient would keep only a few correct digits.
        """),
    code("""
        np.random.seed(0)
        small = TwoLayerNet(input_size=784, hidden_size=10, output_size=10)
        x3 = backend.to_device(x_train[:3].astype(np.float64))
        t3 = backend.to_device(t_train[:3])
        """, timed_gradients("small"), """
        print(f"{'param':<6}{'shape':<12}{'max |numerical - backprop|':>28}{'max |gradient|':>16}")
        for key in ("W1", "b1", "W2", "b2"):
            diff = float(abs(grad_numerical[key] - grad_backprop[key]).max())
            scale = float(abs(grad_backprop[key]).max())
            print(f"{key:<6}{str(grad_backprop[key].shape):<12}{diff:>28.2e}{scale:>16.2e}")
        print(f"numerical: {numerical_seconds:.2f} s, backprop: {backprop_seconds * 1000:.2f} ms")
        """),
    md(r"""
        The two agree to about $10^{-10}$ while the gradients themselves are around $10^{-3}$ to
        $10^{-1}$. The numerical gradient is also thousands of times slower, and the gap grows with the
        size of the network: for the full 784-50-10 network (39 760 parameters) and a batch of 100 it
        takes about a minute per step. So the training below uses `gradient`.

        ### Training with mini-batches

        Each step: draw a random mini-batch of 100 training images, compute the gradient of its loss,
        and move every parameter against it with learning rate 0.1. After every **epoch** (one pass
        worth of examples: 60 000 / 100 = 600 steps) measure the accuracy on the whole training set
        and the whole test set. If the two stay close, the network generalizes rather than memorizes.
        """),
    code("""
        np.random.seed(0)
        iters, batch_size, lr = 3000, 100, 0.1   # the book runs 10 000 steps
        network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
        x_train_d, t_train_d, x_test_d, t_test_d = map(backend.to_device, (x_train, t_train, x_test, t_test))

        train_size = x_train.shape[0]
        iter_per_epoch = train_size // batch_size
        losses, epochs, train_acc, test_acc = [], [], [], []


        def evaluate(epoch):
            epochs.append(epoch)
            train_acc.append(network.accuracy(x_train_d, t_train_d))
            test_acc.append(network.accuracy(x_test_d, t_test_d))
            print(f"epoch {epoch}: train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}")


        start = time.perf_counter()
        evaluate(0)  # before training: about 0.1, a guess among ten digits
        for i in range(iters):
            batch_mask = backend.to_device(np.random.choice(train_size, batch_size))
            x_batch, t_batch = x_train_d[batch_mask], t_train_d[batch_mask]
            losses.append(float(network.loss(x_batch, t_batch)))
            grad = network.gradient(x_batch, t_batch)
            for key in ("W1", "b1", "W2", "b2"):
                network.params[key] -= lr * grad[key]
            if (i + 1) % iter_per_epoch == 0:
                evaluate((i + 1) // iter_per_epoch)
        print(f"{iters} steps in {time.perf_counter() - start:.1f} s")
        """),
    code("""
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
        left.plot(losses, linewidth=0.6, alpha=0.5, label="mini-batch loss")
        left.plot(smooth_curve(losses, 51), label="smoothed")
        left.axhline(np.log(10), color="gray", linestyle=":", label="log 10 (uniform guess)")
        left.set(title="Training loss", xlabel="iteration", ylabel="cross-entropy loss")
        left.legend()

        right.plot(epochs, train_acc, "o-", label="train acc")
        right.plot(epochs, test_acc, "s--", label="test acc")
        right.set(title="Accuracy after each epoch", xlabel="epoch", ylabel="accuracy", ylim=(0, 1))
        right.legend(loc="lower right")
        plt.show()
        """),
    md("""
        The loss falls quickly and then slowly; training and test accuracy rise together. The full run,
        `python ch04/train_neuralnet.py` (10 000 steps, about 16 epochs, same hyperparameters),
        continues the same curves to about 94–95% test accuracy. Sigmoid units and plain SGD are slow
        learners; chapter 5's ReLU network and chapter 6's optimizers do better.

        ## Summary

        * A loss function turns "how wrong" into one number; cross-entropy is $-\\log$ of the
          probability given to the right class.
        * Central differences give derivatives and gradients of any function, one evaluation pair per
          variable.
        * Gradient descent steps against the gradient; the learning rate sets the step.
        * Training a network is gradient descent on its loss, over random mini-batches. Numerical
          gradients are correct but far too slow for real networks, which is why chapter 5 exists.
        """),
]


# --------------------------------------------------------------------------------------------
# Chapter 5
# --------------------------------------------------------------------------------------------

CH05 = [
    md(r"""
        # Chapter 5 — Backpropagation

        Numerical gradients cost two forward passes per parameter. Backpropagation gets every gradient
        from one forward and one backward pass, by applying the chain rule node by node through a
        *computational graph*. This notebook starts with the book's shopping example, builds the
        network layers (ReLU, Sigmoid, Affine, Softmax-with-loss) from `common.layers`, checks their
        gradients against chapter 4's numerical ones, and trains the two-layer network of this chapter
        on MNIST.
        """),
    setup_note("`python ch05/train_neuralnet.py` (10 000 steps); also `python ch05/buy_apple.py`, "
               "`ch05/buy_apple_orange.py`, `ch05/gradient_check.py` and `ch05/gradient_speed.py`"),
    code("""
        %matplotlib inline
        import time

        import numpy as np
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        from common import plotting  # the course's figure style
        from common import backend
        from common.functions import softmax
        from common.gradient import numerical_gradient
        from common.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
        from common.util import smooth_curve
        from dataset.mnist import load_mnist
        from ch05.buy_apple_orange import buy_apple_orange
        from ch05.layer_naive import AddLayer, MulLayer
        from ch05.two_layer_net import TwoLayerNet

        np.set_printoptions(precision=4, suppress=True)
        """),

    md(r"""
        ## 5.1–5.4 Computational graphs

        A computational graph splits a calculation into simple nodes. Going forward, each node
        computes its output from its inputs. Going **backward**, each node receives the derivative of
        the final result with respect to its output (the *upstream* gradient), multiplies it by its
        own local derivative, and passes the result on to its inputs. This is the chain rule,
        $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z}\frac{\partial z}{\partial x}$,
        applied one node at a time.

        Two nodes are enough for shopping:

        * **multiplication** $z = xy$: $\frac{\partial z}{\partial x} = y$ and
          $\frac{\partial z}{\partial y} = x$, so backward sends `dout * y` to $x$ and `dout * x` to
          $y$ (the inputs swap);
        * **addition** $z = x + y$: both local derivatives are 1, so backward passes `dout` unchanged to
          both inputs.

        `MulLayer` and `AddLayer` (`ch05/layer_naive.py`) implement them by hand. Two apples at 100
        each, with 10% tax:
        """),
    code("""
        apple, apple_num, tax = 100, 2, 1.1
        mul_apple, mul_tax = MulLayer(), MulLayer()

        apple_price = mul_apple.forward(apple, apple_num)   # forward, left to right
        price = mul_tax.forward(apple_price, tax)

        d_apple_price, d_tax = mul_tax.backward(1)          # backward, right to left
        d_apple, d_apple_num = mul_apple.backward(d_apple_price)

        print(f"price {price:g}")
        print(f"d price / d apple     = {d_apple:g}")
        print(f"d price / d apple_num = {d_apple_num:g}")
        print(f"d price / d tax       = {d_tax:g}")
        """),
    md("""
        Now two apples and three oranges (150 each): the two subtotals meet in an addition node. Every
        forward value and every gradient is kept so that the graph can be drawn.
        """),
    code("""
        orange, orange_num = 150, 3
        mul_apple, mul_orange, add_fruit, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()

        fwd = {"apple": apple, "apple_num": apple_num, "orange": orange, "orange_num": orange_num, "tax": tax}
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
        """),
    code("""
        def draw_graph(fwd, bwd):
            \"\"\"The apple-and-orange graph: forward values in black above each arrow, gradients in red below.\"\"\"
            nodes = {"apple": (0, 5.4), "apple_num": (0, 3.6), "orange": (0, 2.4), "orange_num": (0, 0.6),
                     "x_apple": (2.4, 4.5), "x_orange": (2.4, 1.5), "+": (4.6, 3.0),
                     "tax": (4.6, 0.5), "x_tax": (6.8, 2.2), "price": (8.8, 2.2)}
            edges = [("apple", "x_apple", "apple"), ("apple_num", "x_apple", "apple_num"),
                     ("orange", "x_orange", "orange"), ("orange_num", "x_orange", "orange_num"),
                     ("x_apple", "+", "apple_price"), ("x_orange", "+", "orange_price"),
                     ("+", "x_tax", "all_price"), ("tax", "x_tax", "tax"), ("x_tax", "price", "price")]
            fig, ax = plt.subplots(figsize=(11, 6))
            for src, dst, quantity in edges:
                (x0, y0), (x1, y1) = nodes[src], nodes[dst]
                ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                            arrowprops=dict(arrowstyle="-|>", color="0.4", shrinkA=22, shrinkB=22))
                xm, ym = x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0)  # labels a little before the middle
                ax.text(xm, ym + 0.17, f"{fwd[quantity]:g}", ha="center", fontsize=10)
                ax.text(xm, ym - 0.33, f"{bwd[quantity]:g}", ha="center", fontsize=10, color="tab:red")
            for name, (x, y) in nodes.items():
                if name.startswith("x_") or name == "+":
                    label, style = ("×" if name.startswith("x_") else "+"), "circle"
                else:
                    label, style = name, "round"
                ax.text(x, y, label, ha="center", va="center", fontsize=12 if style == "circle" else 10,
                        bbox=dict(boxstyle=style, facecolor="white", edgecolor="0.3"))
            ax.legend(handles=[Line2D([], [], color="black", label="forward value"),
                               Line2D([], [], color="tab:red", label="backward: d price / d (this)")],
                      loc="upper right")
            ax.set(title="Buying 2 apples and 3 oranges with 10% tax: forward and backward",
                   xlim=(-0.8, 9.5), ylim=(0, 6.2))
            ax.axis("off")
            plt.show()


        draw_graph(fwd, bwd)
        """),
    md("""
        Each red number is a derivative of the price: raising the price of an orange by 1 raises the
        total by 3.3 (three oranges, plus tax). Chapter 4's numerical derivative confirms it, using
        `buy_apple_orange` from `ch05/buy_apple_orange.py`, the same graph as a function:
        """),
    code("""
        h = 1e-4
        numerical = (buy_apple_orange(orange=150 + h)[0] - buy_apple_orange(orange=150 - h)[0]) / (2 * h)
        print(f"d price / d orange: backward {bwd['orange']:g}, numerical {numerical:.6f}")
        """),

    md(r"""
        ## 5.5 Activation layers

        **ReLU**, $y = \max(0, x)$: the local derivative is 1 where $x > 0$ and 0 elsewhere. The layer
        remembers a boolean `mask` of the inputs that were $\le 0$ and blocks the gradient there.

        **Sigmoid**, $y = 1 / (1 + e^{-x})$: the local derivative simplifies to $y(1 - y)$, so the layer
        only needs to keep its output.

        Both come from `common.layers`; like every layer there, they have `forward(x)` and
        `backward(dout)`.
        """),
    code("""
        relu = Relu()
        x = np.array([[1.0, -0.5], [-2.0, 3.0]])
        print("forward:\\n", relu.forward(x))
        print("mask (x <= 0):\\n", relu.mask)
        print("backward of ones:\\n", relu.backward(np.ones_like(x)))
        """),
    code("""
        x = np.linspace(-6, 6, 241)
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
        for ax, layer, name in [(axes[0], Sigmoid(), "Sigmoid"), (axes[1], Relu(), "ReLU")]:
            y = layer.forward(x)
            dy = layer.backward(np.ones_like(x))   # dout = 1: the local derivative itself
            ax.plot(x, y, label="forward: y")
            ax.plot(x, dy, "--", label="backward: dy/dx")
            ax.set(title=f"{name} layer", xlabel="x", ylabel="value")
            ax.legend(loc="upper left")
        plt.show()
        """),
    md("""
        The sigmoid's slope is at most 0.25 and fades to 0 on both sides, so gradients shrink as they
        pass through many sigmoid layers; ReLU passes them unchanged wherever it is active. That
        difference returns in chapter 6.
        """),

    md(r"""
        ## 5.6 The Affine and Softmax-with-Loss layers

        An **Affine** layer computes $Y = XW + B$ for a batch $X$ of $N$ rows. Its backward pass, given
        $\frac{\partial L}{\partial Y}$ (shape $N \times n_\text{out}$), is

        $$\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} W^\top, \qquad
        \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Y}, \qquad
        \frac{\partial L}{\partial B} = \sum_{n} \left(\frac{\partial L}{\partial Y}\right)_{n},$$

        each with the shape of the variable it belongs to (the bias was added to every row, so its
        gradient sums over the rows). A quick check: for $L = \sum (Y \odot D)$ with a fixed matrix $D$,
        $\partial L / \partial Y = D$, and `backward(D)` must give the numerical gradient of $L$.
        """),
    code("""
        rng = np.random.default_rng(0)
        affine = Affine(W=rng.normal(size=(3, 2)), b=rng.normal(size=2))
        X = rng.normal(size=(4, 3))
        D = rng.normal(size=(4, 2))

        Y = affine.forward(X)
        dX = affine.backward(D)
        print("shapes: X", X.shape, " Y", Y.shape, " dX", dX.shape, " dW", affine.dW.shape, " db", affine.db.shape)


        def L(_):
            return float((affine.forward(X) * D).sum())


        for name, analytic, array in [("X", dX, X), ("W", affine.dW, affine.W), ("b", affine.db, affine.b)]:
            print(f"d L / d {name}: max |backward - numerical| = "
                  f"{abs(analytic - numerical_gradient(L, array)).max():.1e}")
        """),
    md(r"""
        The output layer for classification is **softmax followed by cross-entropy**, one layer
        (`SoftmaxWithLoss`). Its backward pass is remarkably simple: with one-hot labels $t$,

        $$\frac{\partial L}{\partial a} = \frac{y - t}{N},$$

        the difference between what the network said and the truth, averaged over the batch. (That
        neat result is the reason cross-entropy is paired with softmax.)
        """),
    code("""
        scores = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
        labels = np.array([0, 1])                     # class indices; one-hot rows also work
        layer = SoftmaxWithLoss()
        print("loss:", layer.forward(scores, labels))
        da = layer.backward()
        print("backward:\\n", da)
        print("(softmax - one-hot) / N:\\n", (softmax(scores) - np.eye(3)[labels]) / len(labels))
        """),

    md(r"""
        ## 5.7 The two-layer network, assembled from layers

        `ch05/two_layer_net.py` keeps its layers in an ordered dictionary,
        `Affine1 → Relu1 → Affine2`, followed by `SoftmaxWithLoss`. `predict` calls each layer's
        `forward` in order; `gradient` runs the loss forward once, then every `backward` in reverse
        order, and collects `dW`, `db` from the Affine layers. Adding a layer means adding an entry;
        nothing else changes.

        ### Gradient check

        Backpropagation is fast but easy to get subtly wrong, so it is checked against the numerical
        gradient, which is slow but hard to get wrong. In float64, on three training images and a
        network with 10 hidden units (about 8 000 parameters, so the numerical side takes a second or
        two):
        """),
    code("""
        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)

        np.random.seed(0)
        check_net = TwoLayerNet(input_size=784, hidden_size=10, output_size=10, dtype=np.float64)
        print("layers:", list(check_net.layers), "+", type(check_net.lastLayer).__name__)
        x3 = backend.to_device(x_train[:3].astype(np.float64))
        t3 = backend.to_device(t_train[:3])
        """, timed_gradients("check_net"), """
        keys = ["W1", "b1", "W2", "b2"]
        mean_diff = [float(abs(grad_backprop[k] - grad_numerical[k]).mean()) for k in keys]
        mean_grad = [float(abs(grad_backprop[k]).mean()) for k in keys]
        print(f"\\n{'param':<7}{'shape':<12}{'mean |backprop - numerical|':>30}{'mean |gradient|':>18}")
        for k, d, g in zip(keys, mean_diff, mean_grad):
            print(f"{k:<7}{str(grad_backprop[k].shape):<12}{d:>30.2e}{g:>18.2e}")
        print(f"\\nnumerical {numerical_seconds:.2f} s, backprop {backprop_seconds * 1000:.2f} ms: "
              f"{numerical_seconds / backprop_seconds:,.0f} times faster")
        """),
    code("""
        positions = np.arange(len(keys))
        fig, ax = plt.subplots()
        ax.bar(positions - 0.2, mean_grad, width=0.4, label="mean |gradient|")
        ax.bar(positions + 0.2, mean_diff, width=0.4, label="mean |backprop - numerical|")
        ax.set_yscale("log")
        ax.set(title="Gradient check: the difference is many orders below the gradient",
               xlabel="parameter", ylabel="magnitude (log scale)", xticks=positions, xticklabels=keys)
        ax.legend()
        plt.show()
        """),
    md("""
        The differences are rounding-level, far below the gradients: the backward pass is right.
        (W1's gradient is small on average because most pixels are 0, and a weight from a pixel that is
        0 in all three images has gradient exactly 0.)

        ## Training with backpropagation

        The same loop as in chapter 4, with `gradient` from the layers: mini-batches of 100, SGD with
        learning rate 0.1, a 784-50-10 ReLU network in float32. Here 3 000 steps, with the accuracy
        measured every half epoch (300 steps).
        """),
    code("""
        np.random.seed(0)
        iters, batch_size, lr, eval_every = 3000, 100, 0.1, 300
        network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
        x_train_d, t_train_d, x_test_d, t_test_d = map(backend.to_device, (x_train, t_train, x_test, t_test))
        train_size = x_train.shape[0]

        losses, epochs, train_acc, test_acc = [], [], [], []


        def evaluate(step):
            epochs.append(step * batch_size / train_size)
            train_acc.append(network.accuracy(x_train_d, t_train_d))
            test_acc.append(network.accuracy(x_test_d, t_test_d))
            print(f"step {step:>5} (epoch {epochs[-1]:.1f}): train acc {train_acc[-1]:.4f}, test acc {test_acc[-1]:.4f}")


        start = time.perf_counter()
        evaluate(0)
        for i in range(iters):
            batch_mask = backend.to_device(np.random.choice(train_size, batch_size))
            grads = network.gradient(x_train_d[batch_mask], t_train_d[batch_mask])
            for key in ("W1", "b1", "W2", "b2"):
                network.params[key] -= lr * grads[key]   # in place: the Affine layers see the new values
            losses.append(float(network.lastLayer.loss))  # the loss of this batch, from the forward pass
            if (i + 1) % eval_every == 0:
                evaluate(i + 1)
        print(f"{iters} steps in {time.perf_counter() - start:.1f} s")
        """),
    code("""
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
        """),
    md("""
        Compare with chapter 4: the same number of steps now gives a much better network, because ReLU
        units learn faster than sigmoid ones at this learning rate. The full run,
        `python ch05/train_neuralnet.py` (10 000 steps, about 16 epochs), reaches about 97% test
        accuracy.

        ## Summary

        * Backpropagation is the chain rule on a computational graph: each node multiplies the upstream
          gradient by its local derivative.
        * Layers with `forward` and `backward` (ReLU, Sigmoid, Affine, SoftmaxWithLoss) snap together
          into networks; `SoftmaxWithLoss.backward` is just $(y - t)/N$.
        * A gradient check against numerical differentiation (in float64) confirms the backward pass,
          which is a thousand times faster or more.
        """),
]


# --------------------------------------------------------------------------------------------
# Chapter 6
# --------------------------------------------------------------------------------------------

CH06 = [
    md(r"""
        # Chapter 6 — Training techniques

        Backpropagation gives the gradients; this chapter is about using them well. Better update
        rules than plain SGD, a sensible scale for the initial weights, batch normalization, two
        defences against overfitting (weight decay and dropout), and a search for hyperparameters on
        validation data. Everything here comes from `common`: the optimizers, `MultiLayerNet` (any
        depth) and `MultiLayerNetExtend` (with batch norm and dropout), and the `Trainer` loop.
        """),
    setup_note("`python ch06/optimizer_compare_naive.py`, `ch06/optimizer_compare_mnist.py`, "
               "`ch06/weight_init_activation_histogram.py`, `ch06/weight_init_compare.py`, "
               "`ch06/batch_norm_test.py`, `ch06/overfit_weight_decay.py`, `ch06/overfit_dropout.py` "
               "and `ch06/hyperparameter_optimization.py`"),
    code("""
        %matplotlib inline
        import copy

        import numpy as np
        import matplotlib.pyplot as plt

        from common import plotting  # the course's figure style
        from common import backend
        from common.functions import relu, sigmoid
        from common.multi_layer_net import MultiLayerNet
        from common.multi_layer_net_extend import MultiLayerNetExtend
        from common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
        from common.trainer import Trainer
        from dataset.mnist import load_mnist
        from ch06.batch_norm_test import train_with_and_without
        from ch06.compare import axes_grid, plot_smoothed_losses, print_final_losses, train_side_by_side
        from ch06.optimizer_compare_naive import descend, f, plot_paths
        from ch06.optimizer_compare_naive import optimizers as valley_optimizers
        from ch06.weight_init_compare import STARTING_SCALES

        np.set_printoptions(precision=4, suppress=True)
        """),

    md(r"""
        ## 6.1 Optimizers

        Every optimizer in `common.optimizer` has `update(params, grads)`, which changes the arrays in
        `params` in place. With gradient $g$ and learning rate $\eta$:

        | optimizer | update |
        |---|---|
        | SGD | $W \leftarrow W - \eta g$ |
        | Momentum | $v \leftarrow \alpha v - \eta g$, $\;W \leftarrow W + v$ |
        | Nesterov | momentum that looks one step ahead: $W \leftarrow W + \alpha v - \eta g$ with the new $v$ |
        | AdaGrad | $h \leftarrow h + g^2$, $\;W \leftarrow W - \eta g / \sqrt{h}$ |
        | RMSprop | AdaGrad with $h$ a moving average, $h \leftarrow \rho h + (1 - \rho) g^2$ |
        | Adam | momentum on $g$ and a moving average of $g^2$, with bias correction |

        A hard case for SGD is a long, narrow valley such as $f(x, y) = \frac{x^2}{20} + y^2$: its
        gradient $(x/10, 2y)$ points mostly across the valley, not along it towards the minimum at
        $(0, 0)$. Each optimizer starts at $(-7, 2)$ and takes 30 steps; the learning rates are
        chosen per method, as in the book.

        The pieces come from `ch06/optimizer_compare_naive.py`: `f` and its gradient `df`,
        `optimizers()` (the six, with those learning rates) and `descend(optimizer, steps)`. That
        loop keeps $x$ and $y$ as 0-d arrays in a dictionary, like a network's parameters, and
        calls `optimizer.update(params, grads)` with the gradient from `df` at every step; it
        returns the path, one row $(x, y)$ per point.
        """),
    code("""
        paths = {name: descend(optimizer, steps=30) for name, optimizer in valley_optimizers().items()}
        for name, path in paths.items():
            x, y = path[-1]
            print(f"{name:<9} ends at ({x:8.4f}, {y:8.4f}),  f = {f(x, y):.6f}")
        """),
    code("""
        plot_paths(paths)  # the script's figure: every path on the contour lines of f
        plt.show()
        """),
    md("""
        SGD zig-zags across the valley and is still far from the minimum along $x$. Momentum gathers
        speed along the valley and overshoots; Nesterov's look-ahead damps that. AdaGrad and RMSprop
        scale each coordinate by its own gradient history, so the steep $y$ direction is tamed at once;
        Adam combines both ideas.

        On a real problem the picture is similar. A 5-layer ReLU network (784-100-100-100-100-10, He
        initialization) is trained by each optimizer on the same mini-batches of MNIST, from the same
        initial weights, for 300 steps (the script runs 2 000). `train_side_by_side` from
        `ch06/compare.py` runs that loop for `ch06/optimizer_compare_mnist.py` and here: at every
        step one random mini-batch, then for each network its gradient and its optimizer's update.
        It prints the losses every 100 steps and returns them all.
        """),
    code("""
        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
        x_train_d, t_train_d = backend.to_device(x_train), backend.to_device(t_train)

        mnist_optimizers = {"SGD": SGD(lr=0.01), "Momentum": Momentum(lr=0.01), "Nesterov": Nesterov(lr=0.01),
                            "AdaGrad": AdaGrad(lr=0.01), "RMSprop": RMSprop(lr=0.001), "Adam": Adam(lr=0.001)}
        np.random.seed(0)
        template = MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std="he")
        networks = {name: copy.deepcopy(template) for name in mnist_optimizers}  # the same initial weights
        optimizer_losses = train_side_by_side(networks, mnist_optimizers, x_train_d, t_train_d,
                                              iters=300, batch_size=128)
        print_final_losses(optimizer_losses, last=50)

        plot_smoothed_losses(optimizer_losses, "Optimizers on MNIST (smoothed mini-batch loss)", ylim=(0, 2.5))
        plt.show()
        """),

    md(r"""
        ## 6.2 The scale of the initial weights

        Weights start random, but their *scale* matters a lot. Feed 1 000 random inputs through five
        layers of 100 units, $z \leftarrow h(z W)$, without any training, and look at the histogram of
        each layer's outputs:

        * **std 1** with sigmoid: the outputs pile up at 0 and 1, where the sigmoid is flat, so the
          gradients vanish;
        * **std 0.01** with sigmoid: every unit outputs nearly 0.5; a hundred units that all do the
          same thing are no better than one;
        * **Xavier**, std $1/\sqrt{n}$ ($n$ = inputs per unit): the spread survives every layer;
        * **He**, std $\sqrt{2/n}$, is the counterpart for ReLU, which zeroes half its inputs (hence
          the 2).
        """),
    code("""
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
        configurations = [("sigmoid, std 1", sigmoid, 1.0, (0, 1)),
                          ("sigmoid, std 0.01", sigmoid, 0.01, (0, 1)),
                          ("sigmoid, Xavier", sigmoid, 1 / np.sqrt(n), (0, 1)),
                          ("ReLU, He", relu, np.sqrt(2 / n), (0, 3))]
        fig, axes = plt.subplots(len(configurations), 5, figsize=(13, 9), sharey="row")
        for row, (label, activation, std, value_range) in zip(axes, configurations):
            for layer, (ax, z) in enumerate(zip(row, layer_outputs(activation, std)), start=1):
                ax.hist(z.ravel(), bins=30, range=value_range, color="tab:blue")
                ax.set_title(f"{label}: layer {layer}", fontsize=9)
            row[0].set_ylabel("count")
        for ax in axes[-1]:
            ax.set_xlabel("activation value")
        fig.suptitle("Activations of five layers for four weight scales")
        fig.tight_layout()
        plt.show()
        """),
    md("""
        The same three scales on MNIST (`MultiLayerNet` takes `weight_init_std` as a number, `'xavier'`
        or `'he'`; `STARTING_SCALES` of `ch06/weight_init_compare.py` lists the three), 5-layer ReLU
        network, plain SGD, 400 steps on the same batches (the script runs 2 000): with std 0.01 the
        signal shrinks at every layer and the loss hardly moves; He learns fastest.
        """),
    code("""
        np.random.seed(0)
        networks = {label: MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std=scale)
                    for label, scale in STARTING_SCALES.items()}
        init_losses = train_side_by_side(networks, {label: SGD(lr=0.01) for label in networks},
                                         x_train_d, t_train_d, iters=400, batch_size=128)
        print_final_losses(init_losses, last=50)

        plot_smoothed_losses(init_losses, "Weight initialization on MNIST (SGD, smoothed loss)", ylim=(0, 2.5))
        plt.show()
        """),

    md(r"""
        ## 6.3 Batch normalization

        Instead of hoping the scale is right, batch normalization *makes* it right: after each Affine
        layer, every unit is normalized over the mini-batch and then given a learned scale $\gamma$ and
        shift $\beta$,

        $$\mu = \frac{1}{m}\sum_i x_i,\quad \sigma^2 = \frac{1}{m}\sum_i (x_i - \mu)^2,\quad
        \hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \varepsilon}},\quad y_i = \gamma \hat{x}_i + \beta.$$

        At test time the running averages of $\mu$ and $\sigma^2$ collected during training are used.
        `MultiLayerNetExtend(..., use_batchnorm=True)` inserts such a layer after every hidden Affine
        layer. Below, 784-[100]×5-10 ReLU networks with and without batch norm start from weights of
        four different scales and train with SGD on 1 000 examples for 10 epochs (the script: 16 scales,
        20 epochs). `train_with_and_without` from `ch06/batch_norm_test.py` builds the pair for one
        scale, trains each with the `Trainer` on the same mini-batches, and returns both training
        accuracies per epoch, from epoch 0 (before training). Without batch norm the large scales make
        the scores overflow, which is the failure being shown, so NumPy's warnings about it are
        silenced.
        """),
    code("""
        x_small, t_small = backend.to_device(x_train[:1000]), backend.to_device(t_train[:1000])
        scales = [1.0, 0.1, 0.01, 0.001]
        bn_results = {}
        with np.errstate(over="ignore", invalid="ignore"):
            for scale in scales:
                np.random.seed(0)
                without, with_bn = train_with_and_without(scale, x_small, t_small, epochs=10, batch_size=100,
                                                          lr=0.01)
                bn_results[scale] = without, with_bn
                print(f"std {scale:<6g}: training accuracy without BN {without[-1]:.3f}, with BN {with_bn[-1]:.3f}")

        # axes_grid (ch06/compare.py): one small plot per case, with shared axes
        fig, axes = axes_grid(len(scales), len(scales), cell_size=(3.5, 3.6), xlabel="epoch",
                              ylabel="training accuracy", ylim=(0, 1))
        for ax, scale in zip(axes, scales):
            without, with_bn = bn_results[scale]
            ax.plot(with_bn, label="with batch norm")
            ax.plot(without, "--", label="without")
            ax.set_title(f"initial weight std {scale:g}")
        axes[0].legend(loc="upper left")
        fig.suptitle("Batch normalization makes training robust to the initial scale")
        plt.show()
        """),
    md("""
        Without batch norm none of these four scales trains well in 10 epochs: too large and the scores
        explode, too small and the signal fades. With batch norm all four learn (std 1 slowly), and
        the scales in between learn fast.
        """),

    md(r"""
        ## 6.4 Overfitting, weight decay and dropout

        A network with many parameters and few examples can learn the examples by heart: training
        accuracy approaches 100% while test accuracy lags far behind. To provoke that, train
        784-[100]×6-10 (ReLU) on just **300** MNIST images. Two remedies:

        * **Weight decay** adds $\frac{\lambda}{2}\sum W^2$ to the loss, so every gradient gains
          $\lambda W$: large weights are penalized, and the network cannot bend itself around each
          training example (`weight_decay_lambda=0.1`).
        * **Dropout** switches off a random share of the hidden units for every mini-batch while
          training (`use_dropout=True, dropout_ratio=0.2`), so no unit can rely on specific others; at
          test time all units are on, scaled by $1 - \text{ratio}$.

        `Trainer` runs the loop: 150 epochs of 3 mini-batches of 100 each (the scripts run 201 and
        301), measuring accuracy after every epoch on the 300 training images and, to save time, on the
        first 1 000 test images.
        """),
    code("""
        x_300, t_300 = x_train[:300], t_train[:300]
        x_test_part, t_test_part = x_test[:1000], t_test[:1000]
        variants = {
            "no regularization": lambda: MultiLayerNet(784, [100] * 6, 10),
            "weight decay 0.1": lambda: MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=0.1),
            "dropout 0.2": lambda: MultiLayerNetExtend(784, [100] * 6, 10, use_dropout=True, dropout_ratio=0.2),
        }
        overfit = {}
        for name, make_network in variants.items():
            np.random.seed(0)
            trainer = Trainer(make_network(), x_300, t_300, x_test_part, t_test_part, epochs=150,
                              mini_batch_size=100, optimizer="SGD", optimizer_param={"lr": 0.01}, verbose=False)
            trainer.train()
            overfit[name] = (trainer.train_acc_list, trainer.test_acc_list)
            train_final, test_final = trainer.train_acc_list[-1], trainer.test_acc_list[-1]
            print(f"{name:<18} final train acc {train_final:.3f}, test acc {test_final:.3f}, "
                  f"gap {train_final - test_final:.3f}")

        fig, axes = axes_grid(len(overfit), len(overfit), cell_size=(4.7, 3.8), xlabel="epoch",
                              ylabel="accuracy", ylim=(0, 1.02))
        for ax, (name, (train_acc, test_acc)) in zip(axes, overfit.items()):
            epochs = np.arange(1, len(train_acc) + 1)
            ax.plot(epochs, train_acc, label="train (300 images)")
            ax.plot(epochs, test_acc, "--", label="test")
            ax.set_title(name)
        axes[0].legend(loc="lower right")
        fig.suptitle("Overfitting on 300 examples, and two remedies")
        plt.show()
        """),
    md("""
        Without regularization the network soon classifies all 300 training images right while the
        test accuracy stalls far below: it has memorized them. Weight decay keeps the training accuracy
        lower and the gap narrower. Dropout slows learning a lot in this short run (both curves are still
        rising after 150 epochs) but keeps the two closest together. What to look at is the gap, not the
        training accuracy.

        ## 6.5 Hyperparameter search

        The learning rate and the weight decay have to be chosen. They must be chosen on
        **validation** data, split off from the training data: choosing them on the test data would
        tune them to the test set, which would then no longer measure how the network does on unseen
        data. The book's recipe is a random search on a log scale (only the order of magnitude
        matters at first): draw $\\eta = 10^{u}$, $u \\sim U(-6, -2)$ and $\\lambda = 10^{v}$,
        $v \\sim U(-8, -4)$, train briefly, keep the best, then narrow the ranges and repeat.

        Here: 500 training images, shuffled, 100 kept for validation; 20 trials of 30 epochs each (the
        script runs 100 trials of 50 epochs).
        """),
    code("""
        rng = np.random.default_rng(0)
        order = rng.permutation(500)
        x_val, t_val = x_train[order[:100]], t_train[order[:100]]
        x_fit, t_fit = x_train[order[100:]], t_train[order[100:]]

        trials = []
        for trial in range(20):
            lr = 10 ** rng.uniform(-6, -2)
            weight_decay = 10 ** rng.uniform(-8, -4)
            np.random.seed(trial)
            network = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay)
            trainer = Trainer(network, x_fit, t_fit, x_val, t_val, epochs=30, mini_batch_size=100,
                              optimizer="SGD", optimizer_param={"lr": lr}, verbose=False)
            trainer.train()
            trials.append((trainer.test_acc_list[-1], lr, weight_decay, trainer.test_acc_list, trainer.train_acc_list))

        trials.sort(key=lambda trial: trial[0], reverse=True)
        for rank, (val_acc, lr, weight_decay, _, _) in enumerate(trials[:8], start=1):
            print(f"best {rank} | val acc {val_acc:.2f} | lr {lr:.2e} | weight decay {weight_decay:.2e}")
        """),
    code("""
        fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
        for rank, (val_acc, lr, weight_decay, val_curve, train_curve) in enumerate(trials[:5], start=1):
            line, = left.plot(np.arange(1, len(val_curve) + 1), val_curve, label=f"best {rank}: lr {lr:.1e}")
            left.plot(np.arange(1, len(train_curve) + 1), train_curve, ":", color=line.get_color())
        left.set(title="Five best trials (solid: validation, dotted: training)", xlabel="epoch",
                 ylabel="accuracy", ylim=(0, 1))
        left.legend(loc="upper left")

        accs = np.array([t[0] for t in trials])
        dots = right.scatter([t[1] for t in trials], [t[2] for t in trials], c=accs, cmap="viridis",
                             s=60, vmin=0, vmax=max(accs.max(), 0.1))
        right.set(xscale="log", yscale="log", title="All trials: validation accuracy",
                  xlabel="learning rate", ylabel="weight decay")
        fig.colorbar(dots, ax=right, label="validation accuracy")
        plt.show()
        """),
    md("""
        The learning rate dominates: the good trials cluster at the top of its range, while the weight
        decay hardly matters in so short a run. The next round would search lr in about
        $[10^{-3}, 10^{-2}]$.

        ## Summary

        * Momentum and the adaptive methods (AdaGrad, RMSprop, Adam) handle badly scaled problems
          much better than plain SGD.
        * Initial weights need the right scale: Xavier for sigmoid or tanh, He for ReLU.
        * Batch normalization rescales every layer's inputs during training, which makes learning
          faster and much less sensitive to the initial scale.
        * With few examples, a big network overfits; weight decay and dropout narrow the gap between
          training and test accuracy.
        * Hyperparameters are searched at random on a log scale and judged on validation data, never
          on test data.
        """),
]


NOTEBOOKS = {
    "ch03": CH03,
    "ch04": CH04,
    "ch05": CH05,
    "ch06": CH06,
}


def build(name):
    """The notebook ``name`` (e.g. 'ch03') as an nbformat NotebookNode, without outputs."""
    cells = []
    for index, (kind, text) in enumerate(NOTEBOOKS[name]):
        source = textwrap.dedent(text).strip("\n")
        cell_id = f"{name}-{index:02d}"
        if kind == "markdown":
            cells.append(new_markdown_cell(source, id=cell_id))
        else:
            cells.append(new_code_cell(source, id=cell_id))
    notebook = new_notebook(cells=cells)
    notebook.nbformat, notebook.nbformat_minor = 4, 5  # fixed: 4.5 is the first with cell ids
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def render(name):
    """The exact text of the stored ``notebooks/<name>.ipynb``."""
    text = nbformat.writes(build(name))
    return text if text.endswith("\n") else text + "\n"


def path_of(name):
    return HERE / f"{name}.ipynb"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a stored notebook differs from what would be written")
    args = parser.parse_args(argv)

    stale = []
    for name in NOTEBOOKS:
        path, text = path_of(name), render(name)
        # read_text reads CRLF as LF, so a checkout with Windows line ends counts as up to date
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                out.write(text)
            print(f"wrote {path}")
    if args.check and stale:
        print("out of date (run `python notebooks/build_notebooks.py`): "
              + ", ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    if not stale:
        print("all notebooks up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
