"""Baseline for bench_ch05_train.py: chapter 5 training done the way the book's code does it.

This is not the book's code (none of it is copied here); it reproduces the
choices that make the book's script slow and large, so the speed-up can be
measured on any machine:

* weights in float64 while the images are float32, so every product first
  converts its float32 operand to a float64 copy; the per-epoch accuracy over
  all 60 000 images makes a 376 MB float64 copy of the training set;
* one-hot labels in float64, filled row by row in a Python loop (as the book's
  loader does); softmax + log(y + 1e-7) as separate steps;
* ReLU by copying and masking; the loss of every batch computed by a second
  forward pass after the update;
* the book's schedule of evaluations, ``if i % iter_per_epoch == 0``: once
  before training and then every 600 iterations (17 in all).

Prints the same lines as ch05/train_neuralnet.py.
"""
import argparse
import time

import numpy as np

from dataset.mnist import load_mnist


def softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


def one_hot(labels):
    table = np.zeros((labels.size, 10))  # float64
    for row, label in zip(table, labels):
        row[label] = 1
    return table


class Net:
    def __init__(self, hidden, std=0.01):
        self.W1, self.b1 = std * np.random.randn(784, hidden), np.zeros(hidden)
        self.W2, self.b2 = std * np.random.randn(hidden, 10), np.zeros(10)

    def predict(self, x):
        self.x = x
        self.a1 = np.dot(x, self.W1) + self.b1
        self.mask = self.a1 <= 0
        self.h = self.a1.copy()
        self.h[self.mask] = 0
        return np.dot(self.h, self.W2) + self.b2

    def loss(self, x, t):
        self.y = softmax(self.predict(x))
        labels = t.argmax(axis=1)
        return -np.sum(np.log(self.y[np.arange(len(x)), labels] + 1e-7)) / len(x)

    def accuracy(self, x, t):
        return np.sum(self.predict(x).argmax(axis=1) == t.argmax(axis=1)) / float(x.shape[0])

    def gradient(self, x, t):
        self.loss(x, t)
        dy = (self.y - t) / len(x)
        grads = {"W2": np.dot(self.h.T, dy), "b2": dy.sum(axis=0)}
        dh = np.dot(dy, self.W2.T)
        dh[self.mask] = 0
        grads["W1"], grads["b1"] = np.dot(self.x.T, dh), dh.sum(axis=0)
        np.dot(dh, self.W1.T)  # the book's Affine always computes dx, even for the input layer
        return grads


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    np.random.seed(args.seed)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    t_train, t_test = one_hot(t_train), one_hot(t_test)
    net = Net(50)
    batch, lr = 100, 0.1
    iter_per_epoch = max(x_train.shape[0] // batch, 1)
    losses = []
    start = time.perf_counter()
    for i in range(args.iters):
        idx = np.random.choice(x_train.shape[0], batch)
        x_batch, t_batch = x_train[idx], t_train[idx]
        grads = net.gradient(x_batch, t_batch)
        for key, grad in grads.items():
            getattr(net, key)[...] -= lr * grad
        losses.append(net.loss(x_batch, t_batch))
        if i % iter_per_epoch == 0:
            train_acc, test_acc = net.accuracy(x_train, t_train), net.accuracy(x_test, t_test)
            print(f"epoch {i // iter_per_epoch:2d} | train acc {train_acc:.4f} | test acc {test_acc:.4f}")
    print(f"final test acc {net.accuracy(x_test, t_test):.4f} | last loss {losses[-1]:.4f} | "
          f"{time.perf_counter() - start:.1f} s for {args.iters} iterations")


if __name__ == "__main__":
    main()
