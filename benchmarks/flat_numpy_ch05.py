"""Floor for bench_ch05_train.py: chapter 5's training as one flat loop of NumPy calls.

The course's script runs the book's structure: layer objects in an ordered dict, a
network class, input checks at the network's doors, a loss log, a progress bar.  This
program runs the same computation with none of it: every step is the dozen NumPy
calls the mathematics needs, written out in one loop, with the same float32 data and
parameters, the same batches (from the same seed), the same thread policy (one BLAS
thread for a step, the free cores for an evaluation: common/threads.py), the same
evaluations in chunks of 2 000 rows.  Its time is what NumPy itself costs on the
machine, so the difference from the course's script is what the structure costs, and
no NumPy program of this design can be expected to go much below it.

Prints the same kind of lines as ch05/train_neuralnet.py.  CPU only.
"""

import argparse
import sys
import time

from common import threads
from common.util import ACCURACY_CHUNK
from dataset.mnist import load_mnist

import numpy as np


def accuracy(x, t, W1, b1, W2, b2):
    correct = 0
    with threads.evaluation():
        for start in range(0, len(x), ACCURACY_CHUNK):
            hidden = np.maximum(x[start : start + ACCURACY_CHUNK] @ W1 + b1, 0)
            scores = hidden @ W2 + b2
            correct += int((scores.argmax(axis=1) == t[start : start + ACCURACY_CHUNK]).sum())
    return correct / len(x)


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

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, one_hot_label=True)
    labels_train, labels_test = t_train.argmax(axis=1), t_test.argmax(axis=1)
    # The course's initial weights: the same draws from the same seed, in float32.
    W1 = (0.01 * np.random.randn(784, 50)).astype(np.float32)
    b1 = np.zeros(50, np.float32)
    W2 = (0.01 * np.random.randn(50, 10)).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    batch_size, lr, train_size = 100, np.float32(0.1), x_train.shape[0]
    iter_per_epoch = max(train_size / batch_size, 1)
    loss = float("nan")  # until the first step
    start = time.perf_counter()
    for i in range(args.iters):
        batch = np.random.randint(0, train_size, batch_size)
        x, t = x_train[batch], t_train[batch]
        # forward: affine, ReLU, affine, log-softmax and the cross-entropy loss
        hidden = x @ W1 + b1
        active = hidden > 0
        hidden *= active
        scores = hidden @ W2 + b2
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(t * (shifted - log_sum)).sum() / batch_size
        # backward: (softmax - t) / N, then the two affine layers and the ReLU between them
        d_scores = (np.exp(shifted - log_sum) - t) / batch_size
        d_hidden = (d_scores @ W2.T) * active
        W2 -= lr * (hidden.T @ d_scores)
        b2 -= lr * d_scores.sum(axis=0)
        W1 -= lr * (x.T @ d_hidden)
        b1 -= lr * d_hidden.sum(axis=0)
        if i % iter_per_epoch == 0:
            train_acc = accuracy(x_train, labels_train, W1, b1, W2, b2)
            test_acc = accuracy(x_test, labels_test, W1, b1, W2, b2)
            epoch = int(i // iter_per_epoch) + 1
            print(f"epoch {epoch:3d} | train acc {train_acc:.4f} | test acc {test_acc:.4f}")
    print(
        f"final test acc {accuracy(x_test, labels_test, W1, b1, W2, b2):.4f} | "
        f"last loss {loss:.4f} | {time.perf_counter() - start:.1f} s for {args.iters} iterations"
    )


if __name__ == "__main__":
    main()
