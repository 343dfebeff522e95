"""Chapter 4 exercises: numerical differentiation, gradient descent, the loss.

Fill in each function where it says `# your code here`, then check your work:

    python -m exercises check ch04          (or one exercise: check ch04.numerical_gradient)

Use h = 1e-4 for the differences, as the book does.
"""

import numpy as np  # noqa: F401  (your code will need it)


def numerical_diff(f, x):
    """The derivative of f at the number x, by the central difference

        f'(x) ~ (f(x + h) - f(x - h)) / (2 h),   h = 1e-4

    whose error shrinks like h^2 (the forward difference's only like h).  Too small an h
    (1e-50) fails the other way: x + h rounds back to x.
    """
    raise NotImplementedError  # your code here


def numerical_gradient(f, x):
    """The gradient of f (an array -> one number) at the point x, an array of any shape.

    For every element x_i: df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h), h = 1e-4,
    where e_i moves x_i alone.  Move the element of x itself (f may read x), evaluate f,
    and put the original value back before the next element: when the function returns,
    x must be exactly as it was.  Returns an array of x's shape.  Hint: x.reshape(-1) is
    a view of a contiguous x, or use np.nditer / np.ndindex.
    """
    raise NotImplementedError  # your code here


def numerical_gradient_2d(f, X):
    """The gradient of f at each row of X: X (N, D) holds N points, one per row.

    Row i of the result is the gradient of f at X[i] (f receives that row alone).
    A 1-D X is one point.  Use your numerical_gradient for each row.
    """
    raise NotImplementedError  # your code here


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Minimise f from init_x: step_num times, x <- x - lr * grad f(x).  Returns the last x.

    Start from a float copy of init_x (the caller's array must not change) and use
    numerical_gradient for grad f; the check runs this with the course's
    numerical_gradient, so a mistake there is reported once, there.
    """
    raise NotImplementedError  # your code here


def cross_entropy_error(y, t):
    """The cross-entropy loss, averaged over the batch:  E = -(1/N) sum_n log(y[n, t_n] + 1e-7).

    y: probabilities, one example (C,) or a batch (N, C).  t: class indices (N,) or
    one-hot rows of y's shape.  A single example is a batch of one (reshape both to
    (1, ...)); one-hot rows become indices with argmax.  The 1e-7 keeps log(0) finite.
    """
    raise NotImplementedError  # your code here
