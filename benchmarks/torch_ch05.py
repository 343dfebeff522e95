"""Baseline for bench_ch05_train.py: the chapter 5 network and schedule in PyTorch (CPU).

784-50-10 with ReLU, weights N(0, 0.01^2), zero biases, cross-entropy, plain SGD
with lr 0.1, 10 000 random mini-batches of 100 (with replacement, as the book),
and after each epoch the accuracy on all training and test images.  PyTorch is
an optional benchmark dependency (`pip install torch`), never needed by the course.
"""
import argparse
import time

import torch
from torch import nn

from dataset.mnist import load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    t_train, t_test = torch.from_numpy(t_train).long(), torch.from_numpy(t_test).long()

    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    for layer in (model[0], model[2]):
        nn.init.normal_(layer.weight, std=0.01)
        nn.init.zeros_(layer.bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()

    def accuracy(x, t):
        with torch.no_grad():
            return (model(x).argmax(dim=1) == t).float().mean().item()

    batch = 100
    iter_per_epoch = max(x_train.shape[0] // batch, 1)
    losses = []
    start = time.perf_counter()
    for i in range(args.iters):
        idx = torch.randint(0, x_train.shape[0], (batch,))
        loss = loss_fn(model(x_train[idx]), t_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (i + 1) % iter_per_epoch == 0:
            print(f"epoch {(i + 1) // iter_per_epoch:2d} | train acc {accuracy(x_train, t_train):.4f} "
                  f"| test acc {accuracy(x_test, t_test):.4f}")
    print(f"final test acc {accuracy(x_test, t_test):.4f} | last loss {losses[-1]:.4f} | "
          f"{time.perf_counter() - start:.1f} s for {args.iters} iterations")


if __name__ == "__main__":
    main()
