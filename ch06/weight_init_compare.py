"""Three weight initializations train the same ReLU network on MNIST (section 6.2.4).

A 5-layer network (784-100-100-100-100-10, ReLU) starts from weights drawn with

  std = 0.01        activations shrink layer by layer, the gradients with them:
                    the loss barely moves
  Xavier 1/sqrt(n)  learns, but ReLU halves the signal at every layer
  He sqrt(2/n)      keeps the signal's size through ReLU layers: learns fastest

(n = the number of inputs of a layer), and is trained by plain SGD (lr 0.01) on
the same mini-batches.  The losses are printed every 100 iterations, as in the
book, and the smoothed loss curves are plotted.
"""
import numpy as np

import common.plotting  # noqa: F401  (the course's figure style; before pyplot)
import matplotlib.pyplot as plt
from common.backend import get_device, to_device
from common.cli import script_parser, setup
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD
from common.plotting import show_or_save
from common.progress import Progress
from common.util import smooth_curve
from dataset.mnist import load_mnist

# weight_init_std as MultiLayerNet understands it: a number, 'sigmoid' (Xavier) or 'relu' (He).
INITS = {"std=0.01": 0.01, "Xavier": "sigmoid", "He": "relu"}


def main(argv=None):
    parser = script_parser(__doc__, training=True, figures=True)
    parser.add_argument("--iters", type=int, default=2000, help="training iterations (mini-batches)")
    parser.add_argument("--batch-size", type=int, default=128, help="examples per mini-batch")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    parser.add_argument("--print-every", type=int, default=100, help="print the losses every N iterations")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), _ = load_mnist(normalize=True)
    x_train, t_train = to_device(x_train), to_device(t_train)  # once, not per batch
    train_size = x_train.shape[0]

    networks = {name: MultiLayerNet(784, [100, 100, 100, 100], 10, activation="relu", weight_init_std=std)
                for name, std in INITS.items()}
    optimizer = SGD(lr=args.lr)  # SGD keeps no state, so one serves every network
    losses = {name: [] for name in INITS}

    print(f"device: {get_device()}, {args.iters} iterations, batch size {args.batch_size}, SGD lr {args.lr}")
    progress = Progress(args.iters, "training")
    for i in range(args.iters):
        # the indices go where the data are (to_device does nothing on the CPU)
        batch_index = to_device(np.random.choice(train_size, args.batch_size))
        x_batch, t_batch = x_train[batch_index], t_train[batch_index]

        for name, network in networks.items():
            grads = network.gradient(x_batch, t_batch)
            optimizer.update(network.params, grads)
            # this batch's loss, from before the update; left on the device (no wait for the GPU)
            losses[name].append(network.last_loss)

        if i % args.print_every == 0:
            progress.clear()
            print(f"===========iteration:{i}===========")
            for name in INITS:
                print(f"{name}:{float(losses[name][-1]):.6f}")
        progress.update(i + 1)
    progress.clear()
    losses = {name: [float(loss) for loss in values] for name, values in losses.items()}

    last = min(100, args.iters)
    print(f"=========== final loss (mean of the last {last} iterations) ===========")
    for name in INITS:
        print(f"{name}:{np.mean(losses[name][-last:]):.6f}")

    fig, ax = plt.subplots()
    for (name, marker) in zip(INITS, ["o", "s", "D"]):
        ax.plot(smooth_curve(losses[name]), marker=marker, markevery=max(args.iters // 20, 1),
                markersize=5, label=name)
    ax.set(title="Weight initialization on MNIST (ReLU, SGD, smoothed loss)",
           xlabel="iterations", ylabel="loss", ylim=(0, 2.5))
    ax.legend()
    show_or_save({"weight_init_compare": fig}, args.save)


if __name__ == "__main__":
    main()
