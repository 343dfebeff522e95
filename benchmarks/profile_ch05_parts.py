"""Where the time of chapter 5's training goes: every part of its loop, timed.

Runs the loop of ch05/train_neuralnet.py (the book's configuration: 784-50-10,
batch 100, SGD lr 0.1, accuracy on all 60 000 + 10 000 images every 600 steps)
with the course's TwoLayerNet, reading the clock between the parts of each step
instead of calling ``network.gradient`` in one go.  Prints the seconds spent in
each part and its share, so that what is left to gain can be read off.

    MNIST_DIR=../shared/data/mnist python benchmarks/profile_ch05_parts.py

cProfile (see the README) says which functions take the time; this says which
*step of the algorithm* does, with far less overhead of its own.
"""
import time

START = time.perf_counter()  # before the imports: they are part of a script's wall time

import argparse  # noqa: E402
import os  # noqa: E402

import numpy as np  # noqa: E402

from ch05.two_layer_net import TwoLayerNet  # noqa: E402
from dataset.mnist import load_mnist  # noqa: E402

PARTS = [
    ("draw the batch indices (np.random.choice)", "choice"),
    ("gather the batch from the training set", "gather"),
    ("Affine1 forward: x . W1 + b1", "affine1_forward"),
    ("Relu, Affine2, SoftmaxWithLoss forward", "rest_forward"),
    ("SoftmaxWithLoss, Affine2, Relu backward", "rest_backward"),
    ("Affine1 backward: x^T . dout", "affine1_backward"),
    ("SGD update of the four parameters", "update"),
    ("accuracy on all train + test images", "evaluation"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=10000, help="mini-batch updates")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    np.random.seed(args.seed)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    network = TwoLayerNet(784, 50, 10)
    startup = time.perf_counter() - START

    layers = network.layers
    affine1, relu, affine2, last = layers["Affine1"], layers["Relu1"], layers["Affine2"], network.lastLayer
    train_size, batch_size, lr = x_train.shape[0], 100, 0.1
    iter_per_epoch = max(train_size // batch_size, 1)
    spent = dict.fromkeys([key for _, key in PARTS], 0.0)
    clock = time.perf_counter

    loop_start = clock()
    for i in range(args.iters):
        t0 = clock()
        batch_mask = np.random.choice(train_size, batch_size)
        t1 = clock()
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        t2 = clock()
        h = affine1.forward(x_batch)
        t3 = clock()
        last.forward(affine2.forward(relu.forward(h)), t_batch)
        t4 = clock()
        dh = relu.backward(affine2.backward(last.backward(1)))
        t5 = clock()
        affine1.backward(dh)
        t6 = clock()
        grads = {"W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW, "b2": affine2.db}
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= lr * grads[key]
        t7 = clock()
        if (i + 1) % iter_per_epoch == 0:
            network.accuracy(x_train, t_train)
            network.accuracy(x_test, t_test)
        t8 = clock()
        for (_, key), begin, end in zip(PARTS, (t0, t1, t2, t3, t4, t5, t6, t7), (t1, t2, t3, t4, t5, t6, t7, t8)):
            spent[key] += end - begin
    loop = clock() - loop_start
    final_test_acc = network.accuracy(x_test, t_test)

    total = startup + loop
    print(f"{os.cpu_count()} CPUs; {args.iters} iterations; final test acc {final_test_acc:.4f}")
    print(f"{'part':45s} {'seconds':>8s} {'share':>6s}")
    print(f"{'imports, loading MNIST, building the network':45s} {startup:8.2f} {startup / total:6.1%}")
    for label, key in PARTS:
        print(f"{label:45s} {spent[key]:8.2f} {spent[key] / total:6.1%}")
    other = loop - sum(spent.values())
    print(f"{'loop bookkeeping and clock reads':45s} {other:8.2f} {other / total:6.1%}")
    print(f"{'total':45s} {total:8.2f}")


if __name__ == "__main__":
    main()
