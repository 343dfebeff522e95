"""Train the two-layer network of chapter 5 on MNIST with backpropagation.

The book's configuration: 784-50-10, mini-batches of 100 drawn at random,
SGD with learning rate 0.1, 10 000 iterations; once per epoch (600 iterations)
the accuracy on all 60 000 training and 10 000 test images is printed.
Expected: about 0.97-0.98 test accuracy after the last epoch.
"""
import time

import numpy as np

from ch05.two_layer_net import TwoLayerNet
from common import backend
from common.cli import load_mnist_or_exit, script_parser, setup
from common.progress import Progress


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument("--iters", type=int, default=10000, help="number of mini-batch updates")
    parser.add_argument("--batch-size", type=int, default=100, help="examples per mini-batch")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate")
    parser.add_argument("--hidden", type=int, default=50, help="hidden units")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, one_hot_label=True)
    # Once, to the selected device: every batch below is cut from these arrays.
    x_train, t_train, x_test, t_test = map(backend.to_device, (x_train, t_train, x_test, t_test))

    network = TwoLayerNet(input_size=784, hidden_size=args.hidden, output_size=10)
    train_size = x_train.shape[0]
    iter_per_epoch = max(train_size // args.batch_size, 1)
    train_loss_list, train_acc_list, test_acc_list = [], [], []

    start = time.perf_counter()
    progress = Progress(args.iters, "training")
    for i in range(args.iters):
        batch_mask = backend.to_device(np.random.choice(train_size, args.batch_size))
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]

        grads = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= args.lr * grads[key]  # in place: the layers see the update
        train_loss_list.append(network.lastLayer.loss)  # kept on the device; read at the end

        if (i + 1) % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            train_acc_list.append(train_acc)
            test_acc_list.append(test_acc)
            progress.clear()
            print(f"epoch {len(test_acc_list):2d} | train acc {train_acc:.4f} | test acc {test_acc:.4f}")
        progress.update(i + 1)
    progress.clear()

    losses = [float(loss) for loss in train_loss_list]
    final_test_acc = network.accuracy(x_test, t_test)
    print(f"final test acc {final_test_acc:.4f} | last loss {losses[-1]:.4f} | "
          f"{time.perf_counter() - start:.1f} s for {args.iters} iterations")
    return final_test_acc


if __name__ == "__main__":
    main()
