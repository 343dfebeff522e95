"""Backpropagation with an addition node: 2 apples at 100 and 3 oranges at 150, 10% tax.

    price = (apple * apple_num + orange * orange_num) * tax = 715

The addition node passes its upstream gradient unchanged to both inputs; each
multiplication node swaps its inputs.  Expected: dApple_num 110, dApple 2.2,
dOrange 3.3, dOrange_num 165, dTax 650.
"""

from ch05.layer_naive import AddLayer, MulLayer
from common.cli import run, script_parser


def buy_apple_orange(apple=100, apple_num=2, orange=150, orange_num=3, tax=1.1):
    """Return the price and a dict of the gradient of the price for every input."""
    mul_apple = MulLayer()
    mul_orange = MulLayer()
    add_fruit = AddLayer()
    mul_tax = MulLayer()

    apple_price = mul_apple.forward(apple, apple_num)
    orange_price = mul_orange.forward(orange, orange_num)
    all_price = add_fruit.forward(apple_price, orange_price)
    price = mul_tax.forward(all_price, tax)

    d_all_price, d_tax = mul_tax.backward(1)
    d_apple_price, d_orange_price = add_fruit.backward(d_all_price)
    d_orange, d_orange_num = mul_orange.backward(d_orange_price)
    d_apple, d_apple_num = mul_apple.backward(d_apple_price)
    grads = {
        "apple_num": d_apple_num,
        "apple": d_apple,
        "orange": d_orange,
        "orange_num": d_orange_num,
        "tax": d_tax,
    }
    return price, grads


def main(argv=None):
    script_parser(__doc__).parse_args(argv)
    price, grads = buy_apple_orange()
    print("price:", f"{price:.6g}")
    for name, value in grads.items():
        print(f"d{name[0].upper()}{name[1:]}:", f"{value:.6g}")


if __name__ == "__main__":
    run(main)
