"""Where the time of chapter 5's training goes: every part of its loop, timed.

Runs the loop of ch05/train_neuralnet.py (the book's configuration: 784-50-10,
batch 100, SGD lr 0.1, accuracy on all 60 000 + 10 000 images every 600 steps)
with the course's TwoLayerNet, reading the clock between the parts of each step
instead of calling ``network.gradient`` in one go.  Prints the seconds spent in
each part and its share, so that what is left to gain can be read off.

    MNIST_DIR=../shared/data/mnist python benchmarks/profile_ch05_parts.py

``--device gpu`` profiles the same loop on CuPy: the data go to the GPU once, the
batch indices each step (as in the script), and the device is synchronized before
every clock read, so that each part is charged with its own kernels (the waits
make the whole slower than the script's own run).

cProfile (see the README) says which functions take the time; this says which
*step of the algorithm* does, with far less overhead of its own.
"""

import time

START = time.perf_counter()  # before the imports: they are part of a script's wall time

import os  # noqa: E402

from ch05.two_layer_net import TwoLayerNet  # noqa: E402
from common import backend  # noqa: E402
from common.cli import positive_int, run, script_parser, setup  # noqa: E402
from common.training import draw_batch  # noqa: E402
from dataset.mnist import load_mnist_or_exit  # noqa: E402

PARTS = [
    ("draw the batch indices (draw_batch)", "draw"),  # and send them to the device
    ("gather the batch from the training set", "gather"),
    ("Affine1 forward: x . W1 + b1", "affine1_forward"),
    ("Relu, Affine2, SoftmaxWithLoss forward", "rest_forward"),
    ("SoftmaxWithLoss, Affine2, Relu backward", "rest_backward"),
    ("Affine1 backward: x^T . dout", "affine1_backward"),
    ("SGD update of the four parameters", "update"),
    ("accuracy on all train + test images", "evaluation"),
]


def device_clock():
    """A clock that first waits for the device: on a GPU, work queued is not work done."""
    if backend.get_device() != "gpu":
        return time.perf_counter
    device = backend.get_xp().cuda.Device()

    def clock():
        device.synchronize()
        return time.perf_counter()

    return clock


def main(argv=None):
    parser = script_parser(__doc__, training=True)
    parser.add_argument("--iters", type=positive_int, default=10000, help="mini-batch updates")
    args = parser.parse_args(argv)
    setup(args)

    (x_train, t_train), (x_test, t_test) = load_mnist_or_exit(normalize=True, one_hot_label=True)
    # Once, to the selected device, as the script does: every batch is cut from these.
    x_train, t_train, x_test, t_test = map(backend.to_device, (x_train, t_train, x_test, t_test))
    network = TwoLayerNet(784, 50, 10)
    clock = device_clock()
    startup = clock() - START

    layers = network.layers
    affine1, relu, affine2, last = (
        layers["Affine1"],
        layers["Relu1"],
        layers["Affine2"],
        network.lastLayer,
    )
    train_size, batch_size, lr = x_train.shape[0], 100, 0.1
    iter_per_epoch = max(train_size // batch_size, 1)
    spent = dict.fromkeys([key for _, key in PARTS], 0.0)

    loop_start = clock()
    for i in range(args.iters):
        t0 = clock()
        batch_mask = draw_batch(train_size, batch_size)
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
        if i % iter_per_epoch == 0:  # the script's rule: 17 evaluations in 10 000 steps
            network.accuracy(x_train, t_train)
            network.accuracy(x_test, t_test)
        t8 = clock()
        for (_, key), begin, end in zip(
            PARTS, (t0, t1, t2, t3, t4, t5, t6, t7), (t1, t2, t3, t4, t5, t6, t7, t8)
        ):
            spent[key] += end - begin
    loop = clock() - loop_start
    final_test_acc = network.accuracy(x_test, t_test)

    total = startup + loop
    print(
        f"{os.cpu_count()} CPUs, device {backend.get_device()}; {args.iters} iterations; "
        f"final test acc {final_test_acc:.4f}"
    )
    print(f"{'part':45s} {'seconds':>8s} {'share':>6s}")
    rows = [("imports, loading MNIST, building the network", startup)]
    rows += [(label, spent[key]) for label, key in PARTS]
    rows.append(("loop bookkeeping and clock reads", loop - sum(spent.values())))
    for label, seconds in rows:
        print(f"{label:45s} {seconds:8.3f} {seconds / total:6.1%}")
    print(f"{'total':45s} {total:8.3f}")


if __name__ == "__main__":
    run(main)
