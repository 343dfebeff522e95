"""Train the two-layer network on MNIST by mini-batch gradient descent (chapter 4.5.2-4.5.3).

Each of the --iters steps

  1. draws a mini-batch of --batch-size random training images (with
     replacement, as in the book),
  2. computes the gradient of the loss on that mini-batch, and
  3. moves every parameter against it:  W <- W - lr * dL/dW.

At the start of every epoch (train_size / batch_size steps: 600 with the defaults,
the first time after one step, as "epoch 1") the accuracy on the whole training set and the whole
test set is printed: that the two stay close shows the network is not overfitting.
Two figures: the loss of each mini-batch (noisy, but falling), and the accuracies.

How the gradient is computed, and the defaults that go with each way
(an option given on the command line always wins):

  --grad backprop (default)  TwoLayerNet.gradient, backpropagation (chapter 5's
      method, used here for speed). The book's settings:
      --iters 10000 --batch-size 100 --lr 0.1 --hidden 50.
  --grad numerical           TwoLayerNet.numerical_gradient(fast=True): the same
      central differences as the book's loop, but re-running only the part of the
      forward pass each nudge changes (see common/fast_gradient.py). Defaults
      --iters 1200 --lr 1.0 (--batch-size 100 --hidden 50 as in the book): two
      epochs with a 10x larger learning rate, which the sigmoid network takes well.
  --slow-numerical           the book's loop itself (implies --grad numerical):
      two forward passes per parameter, 2 x 39 760 passes per step with the book's
      sizes, about a minute PER STEP. For demonstration only; its defaults are
      small: --iters 60 --hidden 10 --batch-size 10 --train-size 200 --lr 1.0.
"""

import time

from ch04.two_layer_net import TwoLayerNet
from common import backend, plotting
from common.cli import (
    batch_size,
    fill_defaults,
    layer_width,
    learning_rate,
    positive_int,
    run,
    script_parser,
    setup,
    train_size,
)
from common.progress import progress_bar, say
from common.training import LossLog, TrainingInterrupted, draw_batch
from dataset.mnist import load_mnist_or_exit

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

# The defaults of each way of computing the gradient (see the docstring).
MODE_DEFAULTS = {
    "backprop": dict(iters=10000, batch_size=100, lr=0.1, hidden=50, train_size=60000),
    "numerical": dict(iters=1200, batch_size=100, lr=1.0, hidden=50, train_size=60000),
    "slow": dict(iters=60, batch_size=10, lr=1.0, hidden=10, train_size=200),
}


def per_mode(help_text, key):
    """``help_text`` with the option's default in each mode: '(default: 10000; 1200 with ...)'."""
    backprop, numerical, slow = (MODE_DEFAULTS[mode][key] for mode in MODE_DEFAULTS)
    return (
        f"{help_text} (default: {backprop}; {numerical} with --grad numerical; "
        f"{slow} with --slow-numerical)"
    )


def parse_args(argv=None):
    """Parse the command line and fill in the defaults of the chosen --grad mode."""
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--iters", type=positive_int, help=per_mode("gradient steps", "iters"))
    parser.add_argument(
        "--batch-size", type=batch_size, help=per_mode("images per mini-batch", "batch_size")
    )
    parser.add_argument("--lr", type=learning_rate, help=per_mode("learning rate", "lr"))
    parser.add_argument(
        "--hidden", type=layer_width, help=per_mode("neurons in the hidden layer", "hidden")
    )
    parser.add_argument(
        "--train-size",
        type=train_size,
        help=per_mode("train on the first N images only", "train_size"),
    )
    parser.add_argument(
        "--grad",
        choices=("backprop", "numerical"),
        default=None,
        help="how the gradient is computed (default: backprop; see above)",
    )
    parser.add_argument(
        "--slow-numerical",
        action="store_true",
        help="numerical gradients by the book's loop (implies --grad numerical)",
    )
    args = parser.parse_args(argv)
    if args.slow_numerical and args.grad == "backprop":
        parser.error("--slow-numerical computes numerical gradients: not with --grad backprop")
    args.grad = "numerical" if args.slow_numerical else (args.grad or "backprop")
    return fill_defaults(args, MODE_DEFAULTS["slow" if args.slow_numerical else args.grad])


def gradient_function(network, args):
    """The network's gradient method for the chosen mode, and its name.

    The numerical ones also set ``last_loss``, as ``gradient`` does: the loss of the
    batch before the update, which the loop records.
    """
    if args.grad == "backprop":
        return network.gradient, "backprop"

    def numerical(x, t):
        network.last_loss = network.loss(x, t)
        return network.numerical_gradient(x, t, fast=not args.slow_numerical)

    return numerical, "numerical (the book's loop)" if args.slow_numerical else "numerical (fast)"


def plot(train_loss_list, train_acc_list, test_acc_list, grad):
    """The loss of every step, and the accuracies per epoch (epoch 1: after the first step)."""
    loss_fig, ax = plt.subplots()
    ax.plot(
        np.arange(1, len(train_loss_list) + 1),
        train_loss_list,
        linewidth=0.8,
        label="mini-batch loss",
    )
    ax.set(title=f"Mini-batch loss ({grad} gradients)", xlabel="iteration", ylabel="loss")
    ax.legend()
    acc_fig, ax = plt.subplots()
    epochs = np.arange(1, len(train_acc_list) + 1)
    ax.plot(epochs, train_acc_list, "o-", label="train acc")
    ax.plot(epochs, test_acc_list, "s--", label="test acc")
    ax.set(title="Accuracy at the start of each epoch", xlabel="epoch", ylabel="accuracy")
    ax.set_ylim(0, 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs (1: after step 1)
    ax.legend(loc="lower right")
    return {"loss": loss_fig, "accuracy": acc_fig}


def train(network, gradient, data, iters, batch_size, lr):
    """The book's loop: SGD on random mini-batches, accuracies at the start of each epoch.

    ``data``: (x_train, t_train, x_test, t_test), already on the device. Returns
    the loss of every step (floats) and the train and test accuracy of every epoch.
    """
    x_train, t_train, x_test, t_test = data
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss_list = LossLog()  # on the device, read (and checked) 100 steps at a time
    train_acc_list, test_acc_list = [], []
    with progress_bar(iters, "training") as bar:
        try:
            for i in range(iters):
                batch_mask = draw_batch(train_size, batch_size)
                x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]

                grad = gradient(x_batch, t_batch)
                for key in ("W1", "b1", "W2", "b2"):
                    network.params[key] -= lr * grad[key]  # in place: the network sees it

                train_loss_list.append(network.last_loss)  # from gradient()'s forward pass
                if i % iter_per_epoch == 0:
                    train_loss_list.flush()  # stops here if the loss diverged
                    train_acc_list.append(network.accuracy(x_train, t_train))
                    test_acc_list.append(network.accuracy(x_test, t_test))
                    say(
                        f"epoch {len(train_acc_list):3d} | train acc {train_acc_list[-1]:.4f}"
                        f" | test acc {test_acc_list[-1]:.4f}"
                    )
                bar.update()
        except KeyboardInterrupt:
            last = f", last test acc {test_acc_list[-1]:.4f}" if test_acc_list else ""
            raise TrainingInterrupted(f"at iteration {i}/{iters}{last}") from None
    return train_loss_list.flush(), train_acc_list, test_acc_list


def main(argv=None):
    args = parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, one_hot_label=True)
    x_train, t_train = x_train[: args.train_size], t_train[: args.train_size]
    # Onto the device once, not once per mini-batch.
    data = tuple(map(backend.to_device, (x_train, t_train, x_test, t_test)))

    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10)
    gradient, method = gradient_function(network, args)
    say(f"{len(x_train)} training images, {method} gradients, device {backend.get_device()}")
    say(
        f"--iters {args.iters} --batch-size {args.batch_size} --lr {args.lr} --hidden {args.hidden}"
    )
    start = time.perf_counter()
    losses, train_acc, test_acc = train(
        network, gradient, data, args.iters, args.batch_size, args.lr
    )
    final_test_acc = network.accuracy(data[2], data[3])
    say(
        f"final test acc {final_test_acc:.4f} | last loss {losses[-1]:.4f} | "
        f"{time.perf_counter() - start:.1f} s for {args.iters} iterations"
    )
    plotting.show_or_save(plot(losses, train_acc, test_acc, args.grad), args.save)
    return final_test_acc


if __name__ == "__main__":
    run(main)
