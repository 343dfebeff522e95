"""Train the two-layer network of chapter 5 on MNIST with backpropagation.

The book's configuration: 784-50-10, mini-batches of 100 drawn at random, SGD with
learning rate 0.1, 10 000 iterations; at the start of every epoch (600 iterations,
the first time after one, as "epoch 1") the accuracy on all 60 000 training and
10 000 test images is printed. Expected: about 0.97-0.98 test accuracy at the end.

The loop is chapter 4's; what changes is where the gradient comes from:
backpropagation through the layers instead of numerical differentiation, some ten
thousand times faster.
"""

import time

from ch05.two_layer_net import TwoLayerNet
from common import backend
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
from common.training import LossLog, TrainingInterrupted, draw_batch
from dataset.mnist import load_mnist_or_exit


def train(network, data, iters, batch_size, lr):
    """The book's loop: SGD on random mini-batches, the accuracies at every epoch's start.

    ``data``: (x_train, t_train, x_test, t_test), already on the device. Returns the
    loss of every step (floats) and the train and test accuracy of every epoch.
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

                grad = network.gradient(x_batch, t_batch)  # backpropagation
                for key in ("W1", "b1", "W2", "b2"):
                    network.params[key] -= lr * grad[key]

                train_loss_list.append(network.last_loss)
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
    parser = script_parser(__doc__, training=True)
    parser.add_argument(
        "--iters", type=positive_int, default=10000, help="number of mini-batch updates"
    )
    parser.add_argument(
        "--batch-size", type=batch_size, default=100, help="examples per mini-batch"
    )
    parser.add_argument("--lr", type=learning_rate, default=0.1, help="SGD learning rate")
    parser.add_argument("--hidden", type=layer_width, default=50, help="hidden units")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, one_hot_label=True)
    # Once, to the selected device: every batch is cut from these arrays.
    data = tuple(map(backend.to_device, (x_train, t_train, x_test, t_test)))

    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10)
    start = time.perf_counter()
    losses, _, _ = train(network, data, args.iters, args.batch_size, args.lr)
    final_test_acc = network.accuracy(data[2], data[3])
    say(
        f"final test acc {final_test_acc:.4f} | last loss {losses[-1]:.4f} | "
        f"{time.perf_counter() - start:.1f} s for {args.iters} iterations"
    )
    return final_test_acc


if __name__ == "__main__":
    run(main)
