"""Backpropagation through a tiny computational graph: 2 apples at 100 each, 10% tax.

    price = apple * apple_num * tax = 100 * 2 * 1.1 = 220

Going backward from d(price)/d(price) = 1 gives how much the price moves per
unit change of each input: apple 2.2, apple_num 110, tax 200.
"""

from ch05.layer_naive import MulLayer
from common.cli import run, script_parser


def buy_apple(apple=100, apple_num=2, tax=1.1):
    """Return the price and the gradients (d_apple, d_apple_num, d_tax)."""
    mul_apple = MulLayer()
    mul_tax = MulLayer()

    apple_price = mul_apple.forward(apple, apple_num)
    price = mul_tax.forward(apple_price, tax)

    d_apple_price, d_tax = mul_tax.backward(1)
    d_apple, d_apple_num = mul_apple.backward(d_apple_price)
    return price, (d_apple, d_apple_num, d_tax)


def main(argv=None):
    script_parser(__doc__).parse_args(argv)
    price, (d_apple, d_apple_num, d_tax) = buy_apple()
    # .6g: 100 * 2 * 1.1 is 220.00000000000003 in binary floating point
    print("price:", f"{price:.6g}")
    print("dApple:", f"{d_apple:.6g}")
    print("dApple_num:", f"{d_apple_num:.6g}")
    print("dTax:", f"{d_tax:.6g}")


if __name__ == "__main__":
    run(main)
