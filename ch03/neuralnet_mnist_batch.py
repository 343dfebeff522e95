"""The network of neuralnet_mnist.py, fed 100 images at a time (chapter 3.6.3).

predict(network, x) works unchanged on a batch: with x of shape (100, 784) the
shapes flow as

    x (100, 784) . W1 (784, 50) . W2 (50, 100) . W3 (100, 10)  ->  y (100, 10)

so one call classifies 100 images, and argmax(y, axis=1) gives the 100
predicted digits.  The accuracy is the same as one image at a time; only the
time changes.  A few large matrix products are much faster than many small
ones: NumPy's per-call overhead is paid once per batch instead of once per
image, and the optimized matrix library works on whole blocks of data.  The
script times both loops and prints the speed-up.  Timings vary from run to run,
more so on a busy machine: the fastest of --repeat runs is shown.
"""

import time

from ch03.neuralnet_mnist import (
    add_weights_argument,
    book_note,
    count_correct,
    load_or_exit,
    predict,
)
from common import cli

import numpy as np


def count_correct_batched(network, x, t, batch_size=100):
    """How many images are classified right, feeding them ``batch_size`` at a time."""
    accuracy_cnt = 0
    for i in range(0, len(x), batch_size):
        x_batch = x[i : i + batch_size]
        y_batch = predict(network, x_batch)
        p = np.argmax(y_batch, axis=1)  # the most probable digit of each row
        accuracy_cnt += int(np.sum(p == t[i : i + batch_size]))
    return accuracy_cnt


def best_time(function, repeat):
    """The fastest of ``repeat`` runs, in seconds (the others were slowed by something else)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = cli.script_parser(__doc__)
    add_weights_argument(parser)
    parser.add_argument(
        "--batch-size", type=cli.batch_size, default=100, help="images per call of predict"
    )
    parser.add_argument(
        "--repeat",
        type=cli.int_range(1, 1000),
        default=3,
        help="time each loop this many times and keep the fastest",
    )
    args = parser.parse_args(argv)
    cli.setup(args)

    network, x, t = load_or_exit(args.weights)
    accuracy_cnt = count_correct_batched(network, x, t, args.batch_size)
    print(f"Accuracy:{accuracy_cnt / len(x):.4f}")
    print(book_note(args.weights))

    one_by_one = best_time(lambda: count_correct(network, x, t), args.repeat)
    batched = best_time(lambda: count_correct_batched(network, x, t, args.batch_size), args.repeat)
    batched_label = f"in batches of {args.batch_size}:"
    print(f"time to classify the {len(x)} test images (best of {args.repeat} runs)")
    print(f"  {'one image at a time:':<24}{one_by_one:.3f} s")
    print(f"  {batched_label:<24}{batched:.3f} s")
    print(f"batching is {one_by_one / batched:.1f} times faster")


if __name__ == "__main__":
    cli.run(main)
