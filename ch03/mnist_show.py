"""Show one MNIST training image and its label (chapter 3.6.1).

Each MNIST image is a 28 x 28 grid of grey levels (0 = black, 255 = white)
showing a handwritten digit; its label is the digit, 0 to 9.  With
flatten=True, load_mnist returns each image as a row of 784 numbers, so it is
reshaped back to 28 x 28 to be drawn.

The book shows the image with PIL; here Matplotlib's imshow draws it, so no
extra package is needed and the figure can be saved like any other.
"""

from common import cli, plotting  # plotting: applies the course's figure style (rcParams)
from dataset import mnist

import matplotlib.pyplot as plt


def main(argv=None):
    parser = cli.script_parser(__doc__, figures=True)
    parser.add_argument(
        "--index",
        type=cli.int_range(0, 59_999),  # MNIST has 60 000 training images
        default=0,
        help="which training image to show",
    )
    args = parser.parse_args(argv)
    cli.setup(args)

    # normalize=False keeps the original 0..255 grey levels, as in the book
    (x_train, t_train), _ = mnist.load_mnist_or_exit(flatten=True, normalize=False)

    img = x_train[args.index]
    label = int(t_train[args.index])
    print(label)  # 5 for the first image
    print(img.shape)  # (784,): one flat row
    img = img.reshape(28, 28)
    print(img.shape)  # (28, 28): back to the image's shape

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(img, cmap="gray", vmin=0, vmax=255)
    ax.grid(False)  # grid lines would cross the pixels
    ax.set_title(f"MNIST training image {args.index}: label {label}")
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
    plotting.show_or_save({"digit": fig}, args.save)


if __name__ == "__main__":
    cli.run(main)
