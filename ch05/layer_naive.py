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
