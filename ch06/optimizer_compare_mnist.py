"""SGD, Momentum, AdaGrad, Adam and RMSprop train the same network on MNIST (section 6.1.8).

Each optimizer gets its own copy of one 5-layer network (784-100-100-100-100-10,
ReLU, He initialization) and all of them see the same mini-batches, so the loss
curves differ only by the update rule.  The book's finding: SGD learns slowest;
Momentum, AdaGrad and Adam are faster (AdaGrad often fastest on this task).

The loss is printed every 100 iterations, as in the book, and the smoothed loss
curves are plotted.  The loss recorded at an iteration is that of its mini-batch,
computed during the forward pass of ``gradient`` (before the update): the book
runs a second forward pass after the update, which costs time and tells nothing new.
"""
import copy

import numpy as np

import common.plotting  # noqa: F401  (the course's figure style; before pyplot)
import matplotlib.pyplot as plt
from common.backend import get_device, to_device
from common.cli import script_parser, setup
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD, AdaGrad, Adam, Momentum, RMSprop
from common.plotting import show_or_save
from common.progress import Progress
from common.util import smooth_curve
from dataset.mnist import load_mnist

# The book's learning rates (RMSprop, commented out in the book, gets Adam's).
OPTIMIZERS = {
    "SGD": lambda: SGD(lr=0.01),
    "Momentum": lambda: Momentum(lr=0.01),
    "AdaGrad": lambda: AdaGrad(lr=0.01),
    "Adam": lambda: Adam(lr=0.001),
    "RMSprop": lambda: RMSprop(lr=0.001),
}


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--iters", type=int, default=2000, help="training iterations (mini-batches)")
    parser.add_argument("--batch-size", type=int, default=128, help="examples per mini-batch")
    parser.add_argument("--optimizers", nargs="+", choices=list(OPTIMIZERS), default=list(OPTIMIZERS),
                        metavar="NAME", help=f"which to compare, from: {', '.join(OPTIMIZERS)}")
    parser.add_argument("--print-every", type=int, default=100, help="print the losses every N iterations")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist(normalize=True)
    x_train, t_train = to_device(x_train), to_device(t_train)  # once, not per batch
    train_size = x_train.shape[0]

    # One set of initial weights, copied for every optimizer (deepcopy keeps each
    # Affine layer pointing at its own network's parameter arrays).
    template = MultiLayerNet(784, [100, 100, 100, 100], 10, activation="relu", weight_init_std="relu")
    networks = {name: copy.deepcopy(template) for name in args.optimizers}
    optimizers = {name: OPTIMIZERS[name]() for name in args.optimizers}
    losses = {name: [] for name in args.optimizers}

    print(f"device: {get_device()}, {args.iters} iterations, batch size {args.batch_size}")
    progress = Progress(args.iters, "training")
    for i in range(args.iters):
        # the indices go where the data are (to_device does nothing on the CPU)
        batch_index = to_device(np.random.choice(train_size, args.batch_size))
        x_batch, t_batch = x_train[batch_index], t_train[batch_index]

        for name, network in networks.items():
            grads = network.gradient(x_batch, t_batch)
            optimizers[name].update(network.params, grads)
            losses[name].append(network.last_loss)  # left on the device: no wait for the GPU

        if i % args.print_every == 0:
            progress.clear()
            print(f"===========iteration:{i}===========")
            for name in args.optimizers:
                print(f"{name}:{float(losses[name][-1]):.6f}")
        progress.update(i + 1)
    progress.clear()
    losses = {name: [float(loss) for loss in values] for name, values in losses.items()}

    last = min(100, args.iters)
    print(f"=========== final loss (mean of the last {last} iterations) ===========")
    for name in args.optimizers:
        print(f"{name}:{np.mean(losses[name][-last:]):.6f}")

    fig, ax = plt.subplots()
    markers = {"SGD": "o", "Momentum": "x", "AdaGrad": "s", "Adam": "D", "RMSprop": "^"}
    for name in args.optimizers:
        ax.plot(smooth_curve(losses[name]), marker=markers[name], markevery=max(args.iters // 20, 1),
                markersize=5, label=name)
    ax.set(title="Optimizers on MNIST (784-100x4-10, smoothed loss)",
           xlabel="iterations", ylabel="loss", ylim=(0, 1))
    ax.legend()
    show_or_save({"optimizer_compare_mnist": fig}, args.save)


if __name__ == "__main__":
    main()
