"""The two-layer network of chapter 5 as an expression, differentiated by common.autograd.

    loss = softmax_cross_entropy(relu(x @ W1 + b1) @ W2 + b2, t)

No layer and no backward method appears here: the engine records the
expression as a graph while computing it, and ``loss.backward()`` applies the
layers' local rules (Affine's x^T dout, Relu's mask, SoftmaxWithLoss's
(y - t) / N) in reverse order by itself.

The script first checks, in float64 on a few MNIST images, that the gradients
equal TwoLayerNet.gradient's on the same parameters (the largest absolute
difference is printed; it should be 0 or at rounding level, <= 1e-12).  Then it
trains with the book's configuration (784-50-10, batches of 100, SGD with
learning rate 0.1, 10 000 iterations; expected test accuracy about 0.97-0.98),
and trains the layer-based TwoLayerNet on the same mini-batches for comparison:
the wall time of the training steps of both is printed side by side.
"""

import time

from ch05.two_layer_net import TwoLayerNet
from common import backend, checks
from common.autograd import Variable, as_variable, no_grad, relu, softmax_cross_entropy
from common.cli import (
    batch_size,
    layer_width,
    learning_rate,
    positive_int,
    run,
    script_parser,
    setup,
)
from common.progress import progress_bar, say
from common.training import draw_batch
from common.util import accuracy
from dataset.mnist import load_mnist_or_exit

import numpy as np

PARAMS = ("W1", "b1", "W2", "b2")


class AutogradTwoLayerNet:
    """784-50-10 like ``TwoLayerNet``, with the same initial weights for the same seed.

    ``variables`` holds the parameters as Variables; ``params`` holds the *same*
    arrays (``params[k] is variables[k].data``), so an in-place update
    ``params[k] -= lr * grads[k]`` is seen by the graph of the next step.
    """

    def __init__(
        self, input_size, hidden_size, output_size, weight_init_std=0.01, dtype=np.float32
    ):
        # The layer network's own parameters: the same draws, so the same seed gives
        # the same initial weights (and the comparison below compares like with like).
        self.params = TwoLayerNet(
            input_size, hidden_size, output_size, weight_init_std, dtype=dtype
        ).params
        self.variables = {key: Variable(value, name=key) for key, value in self.params.items()}
        self.last_loss = None  # the loss of the latest gradient() (the contract of common)

    def _door(self, method, x, t=None):
        """``checks.door``; a Variable x (a named constant of the graph, as
        computational_graph.py passes it) is checked and left as it is."""
        data = x.data if isinstance(x, Variable) else x
        data, t = checks.door(f"AutogradTwoLayerNet.{method}", data, self.params["W1"].shape[0], t)
        return (x if isinstance(x, Variable) else data), t

    def predict(self, x, train_flg=False):
        """Scores (a Variable) for a batch of images; ``x`` is a constant of the graph."""
        return self._predict(self._door("predict", x)[0])

    def _predict(self, x):
        v = self.variables
        hidden = relu(as_variable(x) @ v["W1"] + v["b1"])
        return hidden @ v["W2"] + v["b2"]

    def loss(self, x, t):
        """The mean cross-entropy loss, a Variable whose graph reaches the four parameters."""
        x, t = self._door("loss", x, t)
        return softmax_cross_entropy(self._predict(x), t)

    def accuracy(self, x, t):
        x, t = self._door("accuracy", x, t)

        def scores(batch):
            with no_grad():  # evaluation: values only, no graph
                return self._predict(batch).data

        return accuracy(scores, x, t, name="AutogradTwoLayerNet.accuracy")

    def gradient(self, x, t):
        """dL/d(parameter) for the four parameters, as arrays (like TwoLayerNet.gradient);
        ``last_loss`` keeps the loss of that forward pass."""
        x, t = self._door("gradient", x, t)
        for variable in self.variables.values():
            variable.cleargrad()  # gradients add up across backward calls
        loss = softmax_cross_entropy(self._predict(x), t)
        loss.backward()
        self.last_loss = loss.data
        return {key: self.variables[key].grad for key in PARAMS}


def gradient_difference(x, t, hidden_size=50, seed=0):
    """Largest |autograd - layers| per parameter, both networks built from ``seed``, in float64."""
    nets = []
    for cls in (TwoLayerNet, AutogradTwoLayerNet):
        np.random.seed(seed)
        nets.append(cls(x.shape[1], hidden_size, t.shape[1], dtype=np.float64))
    layers, engine = (net.gradient(x, t) for net in nets)
    return {key: float(abs(engine[key] - layers[key]).max()) for key in PARAMS}


def train(network, data, iters, batch_size, lr, seed, report=None, show_progress=False):
    """SGD as in ch05/train_neuralnet.py; returns the seconds spent in the training steps.

    The batches come from ``np.random`` seeded with ``seed``, so two networks trained
    with the same seed see the same batches.  ``report(epoch)`` is called at the start
    of every epoch, by the course's one rule (after the first step as epoch 1, then
    every ``iter_per_epoch`` steps); its time (evaluation) is not counted.
    """
    (x_train, t_train), _ = data
    np.random.seed(seed)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    epoch, spent = 0, 0.0
    with progress_bar(iters, "training", enabled=show_progress) as bar:
        for i in range(iters):
            start = time.perf_counter()
            batch_mask = draw_batch(train_size, batch_size)
            x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
            grads = network.gradient(x_batch, t_batch)
            for key in PARAMS:
                network.params[key] -= lr * grads[key]  # in place: the variables see it
            spent += time.perf_counter() - start
            bar.update()
            if report is not None and i % iter_per_epoch == 0:
                epoch += 1
                report(epoch)
    return spent


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument("--iters", type=positive_int, default=10000, help="mini-batch updates")
    parser.add_argument("--batch-size", type=batch_size, default=100, help="examples per batch")
    parser.add_argument("--lr", type=learning_rate, default=0.1, help="SGD learning rate")
    parser.add_argument("--hidden", type=layer_width, default=50, help="hidden units")
    parser.add_argument(
        "--check-batch", type=batch_size, default=3, help="images for the gradient comparison"
    )
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, one_hot_label=True)
    x_check = backend.to_device(x_train[: args.check_batch].astype(np.float64))
    t_check = backend.to_device(t_train[: args.check_batch].astype(np.float64))
    diffs = gradient_difference(x_check, t_check, args.hidden, args.seed)
    details = ", ".join(f"{key} {value:.1e}" for key, value in diffs.items())
    print(
        f"gradients, autograd vs layers (float64, {args.check_batch} images): "
        f"max |difference| = {max(diffs.values()):.3e} ({details})"
    )

    # Once, to the selected device: every batch below is cut from these arrays.
    data = tuple(
        tuple(map(backend.to_device, pair)) for pair in ((x_train, t_train), (x_test, t_test))
    )
    (x_train, t_train), (x_test, t_test) = data
    results = {}
    for name, cls in (("autograd", AutogradTwoLayerNet), ("layers", TwoLayerNet)):
        np.random.seed(args.seed)  # the same initial weights for both
        network = cls(input_size=784, hidden_size=args.hidden, output_size=10)

        def report(epoch, network=network):
            train_acc, test_acc = (
                network.accuracy(x_train, t_train),
                network.accuracy(x_test, t_test),
            )
            say(f"epoch {epoch:3d} | train acc {train_acc:.4f} | test acc {test_acc:.4f}")

        seconds = train(
            network,
            data,
            args.iters,
            args.batch_size,
            args.lr,
            args.seed,
            report=report if name == "autograd" else None,
            show_progress=True,
        )
        results[name] = (network.accuracy(x_test, t_test), seconds)

    for name, (test_acc, seconds) in results.items():
        print(
            f"{name + ':':9s} final test acc {test_acc:.4f} | "
            f"{seconds:.2f} s in {args.iters} training steps"
        )
    ratio = results["autograd"][1] / results["layers"][1]
    print(f"autograd / layers: {ratio:.2f}x the time of the training steps")
    return results


if __name__ == "__main__":
    run(main)
