"""Train the two-layer network on MNIST by mini-batch gradient descent (chapter 4.5.2-4.5.3).

Each of the --iters steps

  1. draws a mini-batch of --batch-size random training images (with
     replacement, as in the book),
  2. computes the gradient of the loss on that mini-batch, and
  3. moves every parameter against it:  W <- W - lr * dL/dW.

After every epoch (train_size / batch_size steps: 600 with the defaults) the
accuracy on the whole training set and the whole test set is printed.  That the
two stay close shows the network is not overfitting.  Two figures: the loss of
each mini-batch (noisy, but falling), and the accuracies per epoch.

--grad backprop (the default) uses TwoLayerNet.gradient.  --grad numerical uses
TwoLayerNet.numerical_gradient, the book's loop: two forward passes per
parameter, 2 x 39 760 passes per step with the default sizes.  That takes about
a minute PER STEP on a laptop CPU, so the default 10 000 steps would take about
a week: it is for demonstration only, with a small --iters and small sizes,
e.g. (half a minute, three epochs of 20 steps)
    --grad numerical --iters 60 --hidden 10 --batch-size 10 --train-size 200
"""
import sys
import time

import numpy as np

from common import plotting  # before pyplot: applies the course's figure style
import matplotlib.pyplot as plt

from ch04.two_layer_net import TwoLayerNet
from common import backend
from common.cli import script_parser, setup
from common.progress import Progress
from dataset.mnist import MnistUnavailableError, load_mnist


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--iters", type=int, default=10000, help="number of gradient steps")
    parser.add_argument("--batch-size", type=int, default=100, help="images per mini-batch")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate")
    parser.add_argument("--hidden", type=int, default=50, help="neurons in the hidden layer")
    parser.add_argument("--grad", choices=("backprop", "numerical"), default="backprop",
                        help="how the gradient is computed (numerical: very slow, see above)")
    parser.add_argument("--train-size", type=int, default=60000,
                        help="train on only the first N training images")
    args = parser.parse_args(argv)
    if min(args.iters, args.batch_size, args.hidden, args.train_size) < 1:
        parser.error("--iters, --batch-size, --hidden and --train-size must be at least 1")
    setup(args)

    try:
        (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    except MnistUnavailableError as exc:
        sys.exit(f"error: {exc}")
    x_train, t_train = x_train[:args.train_size], t_train[:args.train_size]
    # Onto the device once, not once per mini-batch.
    x_train, t_train, x_test, t_test = (backend.to_device(a) for a in (x_train, t_train, x_test, t_test))

    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10)
    gradient = network.gradient if args.grad == "backprop" else network.numerical_gradient

    train_size = x_train.shape[0]
    # An integer: the book's float train_size / batch_size, used as `i % iter_per_epoch`,
    # only ever hits 0 again when batch_size divides train_size exactly.
    iter_per_epoch = max(train_size // args.batch_size, 1)
    train_loss_list, train_acc_list, test_acc_list = [], [], []

    eval_seconds = 0.0  # kept apart, so that the time per step below is the training alone

    def evaluate(epoch):
        nonlocal eval_seconds
        eval_start = time.perf_counter()
        train_acc = network.accuracy(x_train, t_train)
        test_acc = network.accuracy(x_test, t_test)
        train_acc_list.append(train_acc)
        test_acc_list.append(test_acc)
        eval_seconds += time.perf_counter() - eval_start
        print(f"epoch {epoch:2d}  train acc, test acc | {train_acc:.4f}, {test_acc:.4f}")

    print(f"{train_size} training images, {iter_per_epoch} steps per epoch, "
          f"{args.grad} gradients, device {backend.get_device()}")
    start = time.perf_counter()
    evaluate(0)  # the untrained network: about 0.1, a guess among 10 digits
    progress = Progress(args.iters, "training")
    for i in range(args.iters):
        batch_mask = backend.to_device(np.random.choice(train_size, args.batch_size))
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]

        grad = gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= args.lr * grad[key]  # in place: the network sees the new values

        train_loss_list.append(float(network.loss(x_batch, t_batch)))
        progress.update(i + 1)
        if (i + 1) % iter_per_epoch == 0:
            progress.clear()
            evaluate((i + 1) // iter_per_epoch)
    progress.clear()
    steps_seconds = time.perf_counter() - start - eval_seconds
    print(f"{args.iters} steps in {steps_seconds:.1f} s ({1000 * steps_seconds / args.iters:.1f} ms per step, "
          f"not counting the accuracy evaluations); final loss {train_loss_list[-1]:.4f}")

    loss_fig, ax = plt.subplots()
    ax.plot(np.arange(1, len(train_loss_list) + 1), train_loss_list, linewidth=0.8)
    ax.set_title(f"Mini-batch loss ({args.grad} gradients)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")

    acc_fig, ax = plt.subplots()
    epochs = np.arange(len(train_acc_list))
    ax.plot(epochs, train_acc_list, "o-", label="train acc")
    ax.plot(epochs, test_acc_list, "s--", label="test acc")
    ax.set_ylim(0, 1.0)
    ax.set_title("Accuracy per epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.legend(loc="lower right")
    plotting.show_or_save({"loss": loss_fig, "accuracy": acc_fig}, args.save)


if __name__ == "__main__":
    main()
