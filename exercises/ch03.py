"""Chapter 3 exercises: activation functions, softmax and a forward pass.

Fill in each function where it says `# your code here`, then check your work:

    python -m exercises check ch03          (or one exercise: check ch03.softmax)

Every function takes NumPy arrays and must not change the array it is given.
"""

import numpy as np  # noqa: F401  (your code will need it)


def step_function(x):
    """The step function, elementwise: 1 where x > 0, else 0 (so step(0) = 0).

    x: an array of any shape.  Returns an array of the same shape of 0s and 1s
    (integers, as in the book).  Use an array comparison, not `if x > 0`:
    that works for one number only.
    """
    raise NotImplementedError  # your code here


def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), elementwise, for an array of any shape.

    Its values lie between 0 and 1: sigmoid(0) = 0.5, sigmoid(-1000) = 0, sigmoid(1000) = 1.
    """
    raise NotImplementedError  # your code here


def relu(x):
    """ReLU(x) = max(0, x), elementwise, for an array of any shape."""
    raise NotImplementedError  # your code here


def softmax(a):
    """softmax(a)_k = exp(a_k) / sum_i exp(a_i), along the last axis.

    a: one vector of scores (C,) or a batch of rows (N, C); each row of the result sums to 1.
    It must survive scores of +-1000: exp(1000) is inf in float64.  Since
    softmax(a) = softmax(a - c) for any constant c, subtract each row's largest score first.
    """
    raise NotImplementedError  # your code here


def forward(network, x):
    """The three-layer network of section 3.4.3, forward.

    network: a dict with W1 (2, 3), b1 (3,), W2 (3, 2), b2 (2,), W3 (2, 2), b3 (2,);
    x: one input (2,) or a batch (N, 2).

        a1 = x W1 + b1,   z1 = sigmoid(a1)
        a2 = z1 W2 + b2,  z2 = sigmoid(a2)
        a3 = z2 W3 + b3,  y = identity_function(a3)  (the output layer passes a3 through)

    Use `sigmoid` from this file and `identity_function` below; the check runs your
    forward with the course's sigmoid, so a mistake in sigmoid is reported once, there.
    """
    raise NotImplementedError  # your code here


def identity_function(x):
    """The output activation of a regression network: y = x (given)."""
    return x
