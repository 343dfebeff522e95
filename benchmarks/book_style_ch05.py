"""Baseline for bench_ch05_train.py: chapter 5 training structured as the book's code is.

This is not the book's code (none of it is copied here): it is written to
behave as the book's chapter 5 script does, so the speed-up can be measured on
any machine, side by side.  What it reproduces:

* the structure: Relu / Affine / SoftmaxWithLoss layer objects in an
  OrderedDict, the list of layers reversed for every backward pass, the input
  layer's gradient computed although nobody uses it;
* the dtypes: weights in float64 while the images are float32, so every product
  first converts its float32 operand to a float64 copy, and the per-epoch
  accuracy over all 60 000 images makes a 376 MB float64 copy of the training set;
* one-hot labels in float64, filled row by row in a Python loop; softmax with
  two exponentials, then log(y + 1e-7); ReLU by copying and masking;
* the training loop: the loss of every batch computed by a second forward pass
  after the update, and evaluations when ``i % iter_per_epoch == 0``
  (before training and then every 600 iterations: 17 in all).

Prints the same kind of lines as ch05/train_neuralnet.py.  It has no ``--device``:
it is the book's NumPy code, which runs on the CPU only (bench_ch05_train.py skips
it on the GPU, saying so).
"""

import argparse
import os
import sys
import time
from collections import OrderedDict

from common import threads
from dataset.mnist import load_mnist

import numpy as np

# Importing the course's packages has set BLAS's threads (common/threads.py); the book's
# code runs with NumPy's own default, so that is put back, unless a count is asked for.
if not os.environ.get(threads.THREADS_VAR, "").strip():
    threads.set_cpu_threads(0)


def one_hot(labels):
    table = np.zeros((labels.size, 10))  # float64
    for row, label in zip(table, labels):
        row[label] = 1
    return table


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + 1e-7)) / y.shape[0]


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.shape)


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        return cross_entropy_error(self.y, t)

    def backward(self, dout=1):
        return (self.y - self.t) / self.t.shape[0]


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {
            "W1": weight_init_std * np.random.randn(input_size, hidden_size),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * np.random.randn(hidden_size, output_size),
            "b2": np.zeros(output_size),
        }
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        return np.sum(y == np.argmax(t, axis=1)) / float(x.shape[0])

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        layers = list(self.layers.values())
        layers.reverse()
        for layer in layers:
            dout = layer.backward(dout)
        return {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if threads.env_error:  # a DLFS_CPU_THREADS that could not be read: say so, do not guess
        sys.exit(f"error: {threads.env_error}")
    np.random.seed(args.seed)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    t_train, t_test = one_hot(t_train), one_hot(t_test)
    network = TwoLayerNet(784, 50, 10)
    batch_size, lr = 100, 0.1
    iter_per_epoch = max(x_train.shape[0] / batch_size, 1)
    losses = []
    start = time.perf_counter()
    for i in range(args.iters):
        batch_mask = np.random.choice(x_train.shape[0], batch_size)
        x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
        grads = network.gradient(x_batch, t_batch)
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= lr * grads[key]
        losses.append(network.loss(x_batch, t_batch))
        if i % iter_per_epoch == 0:
            train_acc = network.accuracy(x_train, t_train)
            test_acc = network.accuracy(x_test, t_test)
            epoch = int(i // iter_per_epoch)
            print(f"epoch {epoch:2d} | train acc {train_acc:.4f} | test acc {test_acc:.4f}")
    print(
        f"final test acc {network.accuracy(x_test, t_test):.4f} | last loss {losses[-1]:.4f} | "
        f"{time.perf_counter() - start:.1f} s for {args.iters} iterations"
    )


if __name__ == "__main__":
    main()
