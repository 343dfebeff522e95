"""Baseline for bench_ch05_train.py: the chapter 5 network and schedule in PyTorch.

784-50-10 with ReLU, weights N(0, 0.01^2), zero biases, cross-entropy, plain SGD
with lr 0.1, 10 000 random mini-batches of 100 (with replacement, as the book),
and after each epoch the accuracy on all training and test images.  PyTorch is
an optional benchmark dependency (`pip install torch`), never needed by the course.

``--device gpu`` runs it on PyTorch's CUDA device, the data moved there once, the
losses kept there until the end (as the course's script does on CuPy).
"""

import argparse
import time

from dataset.mnist import load_mnist

import torch
from torch import nn


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iters", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--device", choices=("cpu", "gpu"), default="cpu", help="cpu, or gpu: PyTorch's CUDA device"
    )
    args = parser.parse_args()
    if args.device == "gpu" and not torch.cuda.is_available():
        parser.exit(1, "error: --device gpu: PyTorch sees no CUDA device\n")
    device = torch.device("cuda" if args.device == "gpu" else "cpu")
    torch.manual_seed(args.seed)

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True)
    x_train, x_test = torch.from_numpy(x_train).to(device), torch.from_numpy(x_test).to(device)
    t_train = torch.from_numpy(t_train).long().to(device)
    t_test = torch.from_numpy(t_test).long().to(device)

    model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)).to(device)
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
        idx = torch.randint(0, x_train.shape[0], (batch,), device=device)
        loss = loss_fn(model(x_train[idx]), t_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())  # no per-step read: on a GPU each one waits for it
        if (i + 1) % iter_per_epoch == 0:
            epoch = (i + 1) // iter_per_epoch
            train_acc, test_acc = accuracy(x_train, t_train), accuracy(x_test, t_test)
            print(f"epoch {epoch:2d} | train acc {train_acc:.4f} | test acc {test_acc:.4f}")
    print(
        f"final test acc {accuracy(x_test, t_test):.4f} | last loss {losses[-1].item():.4f} | "
        f"{time.perf_counter() - start:.1f} s for {args.iters} iterations"
    )


if __name__ == "__main__":
    main()
