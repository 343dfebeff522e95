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

How the gradient is computed, and the defaults that go with each way
(an option given on the command line always wins):

  --grad backprop (default)  TwoLayerNet.gradient, backpropagation.  The book's
      settings: --iters 10000 --batch-size 100 --lr 0.1 --hidden 50.
  --grad numerical           TwoLayerNet.numerical_gradient(fast=True): the same
      central differences as the book's loop, but re-running only the part of
      the forward pass each nudge changes (see ch04/two_layer_net.py), about
      0.15 s per step instead of minutes.  Defaults --iters 1200 --lr 1.0
      (--batch-size 100 --hidden 50 as in the book): 10 000 steps would still
      take about half an hour, so it trains for 2 epochs with a 10x larger
      learning rate instead, which the sigmoid network takes well: test
      accuracy 0.934 after the first epoch, 0.946 after the second, in about
      3.5 minutes on 2 (shared) CPU cores.
  --slow-numerical           the book's loop itself (implies --grad numerical):
      two forward passes per parameter, 2 x 39 760 passes per step with the
      book's sizes, about a minute PER STEP on a laptop CPU, so 10 000 steps
      would take about a week.  For demonstration only; its defaults are small:
      --iters 60 --hidden 10 --batch-size 10 --train-size 200 --lr 1.0
      (three epochs of 20 steps, about half a minute).
"""
import time

import numpy as np

from common import plotting  # applies the course's figure style (rcParams)
import matplotlib.pyplot as plt

from ch04.two_layer_net import TwoLayerNet
from common import backend
from common.cli import load_mnist_or_exit, script_parser, setup
from common.progress import Progress


# The defaults of each way of computing the gradient (see the docstring).
MODE_DEFAULTS = {
    "backprop": {"iters": 10000, "batch_size": 100, "lr": 0.1, "hidden": 50, "train_size": 60000},
    "numerical": {"iters": 1200, "batch_size": 100, "lr": 1.0, "hidden": 50, "train_size": 60000},
    "numerical loop": {"iters": 60, "batch_size": 10, "lr": 1.0, "hidden": 10, "train_size": 200},
}


def parse_args(argv=None):
    """Parse the command line and fill in the defaults of the chosen --grad mode."""
    parser = script_parser(__doc__, training=True, figures=True)

    class HelpFormatter(parser.formatter_class):
        # The course's help format, without "(default: None)" for the options
        # whose default depends on --grad: their help text gives the defaults.
        def _get_help_string(self, action):
            if action.default is None and action.option_strings:
                return action.help
            return super()._get_help_string(action)

    parser.formatter_class = HelpFormatter

    def per_mode(option, help_text):
        key = option.lstrip("-").replace("-", "_")
        backprop = MODE_DEFAULTS["backprop"][key]
        others = [f"{MODE_DEFAULTS[mode][key]} with {flag}"
                  for mode, flag in (("numerical", "--grad numerical"), ("numerical loop", "--slow-numerical"))
                  if MODE_DEFAULTS[mode][key] != backprop]
        return f"{help_text} (default: {backprop})" + "".join(f", {other}" for other in others)

    parser.add_argument("--iters", type=int, default=None, help=per_mode("--iters", "number of gradient steps"))
    parser.add_argument("--batch-size", type=int, default=None,
                        help=per_mode("--batch-size", "images per mini-batch"))
    parser.add_argument("--lr", type=float, default=None, help=per_mode("--lr", "learning rate"))
    parser.add_argument("--hidden", type=int, default=None,
                        help=per_mode("--hidden", "neurons in the hidden layer"))
    parser.add_argument("--grad", choices=("backprop", "numerical"), default=None,
                        help="how the gradient is computed (default: backprop; see above)")
    parser.add_argument("--slow-numerical", action="store_true",
                        help="numerical gradients by the book's loop, one parameter at a time "
                             "(implies --grad numerical; very slow, see above)")
    parser.add_argument("--train-size", type=int, default=None,
                        help=per_mode("--train-size", "train on only the first N training images"))
    args = parser.parse_args(argv)

    if args.slow_numerical:
        if args.grad == "backprop":
            parser.error("--slow-numerical is a way of computing numerical gradients: "
                         "it does not go with --grad backprop")
        args.grad = "numerical"
    args.grad = args.grad or "backprop"
    mode = "numerical loop" if args.slow_numerical else args.grad
    for key, value in MODE_DEFAULTS[mode].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if min(args.iters, args.batch_size, args.hidden, args.train_size) < 1:
        parser.error("--iters, --batch-size, --hidden and --train-size must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, one_hot_label=True)
    x_train, t_train = x_train[:args.train_size], t_train[:args.train_size]
    # Onto the device once, not once per mini-batch.
    x_train, t_train, x_test, t_test = (backend.to_device(a) for a in (x_train, t_train, x_test, t_test))

    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10)
    if args.grad == "backprop":
        gradient, method = network.gradient, "backprop"
    elif args.slow_numerical:
        gradient, method = network.numerical_gradient, "numerical (the book's loop)"
    else:
        def gradient(x, t):
            return network.numerical_gradient(x, t, fast=True)
        method = "numerical (fast)"

    train_size = x_train.shape[0]
    # An integer: the book's float train_size / batch_size, used as `i % iter_per_epoch`,
    # only ever hits 0 again when batch_size divides train_size exactly.
    iter_per_epoch = max(train_size // args.batch_size, 1)
    train_loss_list, train_acc_list, test_acc_list, epochs = [], [], [], []

    eval_seconds = 0.0  # kept apart, so that the time per step below is the training alone

    def evaluate(epoch):
        nonlocal eval_seconds
        eval_start = time.perf_counter()
        train_acc = network.accuracy(x_train, t_train)
        test_acc = network.accuracy(x_test, t_test)
        train_acc_list.append(train_acc)
        test_acc_list.append(test_acc)
        eval_seconds += time.perf_counter() - eval_start
        epochs.append(epoch)
        label = f"{epoch:2d}" if epoch == int(epoch) else f"{epoch:.2f}"
        print(f"epoch {label}  train acc, test acc | {train_acc:.4f}, {test_acc:.4f}")

    print(f"{train_size} training images, {iter_per_epoch} steps per epoch, "
          f"{method} gradients, device {backend.get_device()}")
    print(f"--iters {args.iters} --batch-size {args.batch_size} --lr {args.lr} --hidden {args.hidden}")
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
    if args.iters % iter_per_epoch:  # the last steps did not complete an epoch: evaluate them too
        evaluate(args.iters / iter_per_epoch)
    print(f"final test acc {test_acc_list[-1]:.4f}, {time.perf_counter() - start:.1f} s in all "
          f"(training and evaluations)")

    loss_fig, ax = plt.subplots()
    ax.plot(np.arange(1, len(train_loss_list) + 1), train_loss_list, linewidth=0.8)
    ax.set_title(f"Mini-batch loss ({args.grad} gradients)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")

    acc_fig, ax = plt.subplots()
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
