"""Multiplication and addition layers, built by hand (chapter 5.4).

These two are the chapter's first taste of backpropagation, so they are written
out here rather than imported from `common`: a node remembers its inputs in
``forward`` and, in ``backward``, multiplies the upstream gradient by its local
derivative.

    MulLayer:  out = x * y    ->  dx = dout * y,  dy = dout * x   (the inputs swap)
    AddLayer:  out = x + y    ->  dx = dout,      dy = dout       (passed through)
"""


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("MulLayer.backward called before forward")
        return dout * self.y, dout * self.x


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout, dout


if __name__ == "__main__":
    # Run as a script: say what this module is, and show both layers on one example.
    from common.cli import run, script_parser

    def main(argv=None):
        script_parser(
            __doc__ + "\nRun as a script, it multiplies and adds 3 and 4, forward and backward."
        ).parse_args(argv)
        mul, add = MulLayer(), AddLayer()
        print(f"MulLayer: 3 * 4 = {mul.forward(3, 4)}, backward(1) = {mul.backward(1)}")
        print(f"AddLayer: 3 + 4 = {add.forward(3, 4)}, backward(1) = {add.backward(1)}")
        print("the buy_apple*.py scripts chain them into the book's shopping examples")

    run(main)
