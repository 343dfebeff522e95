"""The apple-and-orange example written as one expression, differentiated by common.autograd.

    price = (apple * apple_num + orange * orange_num) * tax = 715

buy_apple_orange.py builds this graph by hand from MulLayer and AddLayer and
calls their backward methods in reverse order.  Here the expression is just
written down: every ``*`` and ``+`` on Variables records a node, and
``price.backward()`` visits the nodes in reverse by itself, with the same local
rules (a product swaps its inputs, a sum passes the gradient on).  Expected,
as in the layer version: dApple_num 110, dApple 2.2, dOrange 3.3,
dOrange_num 165, dTax 650.
"""

from common.autograd import Variable
from common.cli import run, script_parser

import numpy as np


def autograd_buy_apple_orange(apple=100, apple_num=2, orange=150, orange_num=3, tax=1.1):
    """The price Variable (with its graph) and the inputs by name, after backward."""
    values = dict(apple=apple, apple_num=apple_num, orange=orange, orange_num=orange_num, tax=tax)
    # float64 0-d arrays: the counts are differentiated too, so they must not be integers.
    inputs = {
        name: Variable(np.array(value, dtype=np.float64), name=name)
        for name, value in values.items()
    }
    price = (
        inputs["apple"] * inputs["apple_num"] + inputs["orange"] * inputs["orange_num"]
    ) * inputs["tax"]
    price.name = "price"
    price.backward(retain_grad=True)  # keep every node's gradient, for the graph figure
    return price, inputs


def main(argv=None):
    script_parser(__doc__).parse_args(argv)
    price, inputs = autograd_buy_apple_orange()
    print("price:", f"{float(price.data):.6g}")
    # The order of buy_apple_orange.py's output.
    for name in ("apple_num", "apple", "orange", "orange_num", "tax"):
        print(f"d{name[0].upper()}{name[1:]}:", f"{float(inputs[name].grad):.6g}")


if __name__ == "__main__":
    run(main)
