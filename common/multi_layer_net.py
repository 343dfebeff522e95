"""A fully connected network of any depth (chapter 6): Affine -> activation, ..., Affine -> softmax.

    network = MultiLayerNet(784, [100, 100], 10, activation='relu', weight_init_std='he')

``params`` holds W1, b1, W2, b2, ... ; ``layers`` holds, in order, Affine1,
Activation_function1, Affine2, ... ; ``last_layer`` is SoftmaxWithLoss.

Parameters are float32 by default: training needs no more precision, and
float32 halves the time and memory of every matrix product.  Gradient checks
(``numerical_gradient``) need ``dtype=np.float64``: in float32 the difference
f(W + h) - f(W - h) keeps only a few significant digits.
"""

import math
import os
import sys
from collections import OrderedDict

from common import backend, checks
from common.gradient import numerical_gradient
from common.layers import *  # noqa: F403  (the book's surface, handed on: see __all__)
from common.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from common.layers import __all__ as _layers_names
from common.util import accuracy

import numpy as np

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}

# weight_init_std by name: the variance of a layer's initial weights times its fan-in.
INIT_VARIANCES = {"relu": 2.0, "he": 2.0, "sigmoid": 1.0, "xavier": 1.0}


def init_scale(weight_init_std, fan_in):
    """The standard deviation of a layer's initial weights.

    A number is used as is; 'relu'/'he' gives sqrt(2 / fan_in) (He et al., 2015),
    'sigmoid'/'xavier' gives sqrt(1 / fan_in) (Glorot & Bengio, 2010).
    """
    if isinstance(weight_init_std, str):
        return math.sqrt(INIT_VARIANCES[weight_init_std.lower()] / fan_in)
    return float(weight_init_std)


class MultiLayerNet:
    """The network of the module docstring; it follows the contract of ``common``.

    Its doors (``predict``, ``loss``, ``accuracy``, ``gradient``,
    ``numerical_gradient``) check x (numbers, ``input_size`` values per example,
    at least one example) and move host data to the parameters' device; the
    labels are checked by the last layer (``accuracy``: by ``common.util.accuracy``).
    """

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        dtype=np.float32,
    ):
        name = type(self).__name__
        self.activation = checks.one_of(name, "activation", activation, list(ACTIVATIONS))
        if isinstance(weight_init_std, str):
            checks.one_of(name, "weight_init_std", weight_init_std, list(INIT_VARIANCES))
        else:
            checks.number_in(name, "weight_init_std", weight_init_std, 0, math.inf)
        self.input_size = checks.whole_number(name, "input_size", input_size)
        self.hidden_size_list = checks.sizes(name, "hidden_size_list", hidden_size_list)
        self.output_size = checks.whole_number(name, "output_size", output_size)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.weight_decay_lambda = checks.number_in(
            name, "weight_decay_lambda", weight_decay_lambda, 0, math.inf
        )
        self.dtype = checks.float_dtype(name, dtype)

        self.params = {}
        self._init_weight(weight_init_std)
        self.layers = OrderedDict()
        self._build_layers()
        self.last_layer = SoftmaxWithLoss()
        self.last_loss = None  # the loss of the latest gradient() (the contract of common)

    @property
    def layer_sizes(self):
        return [self.input_size] + self.hidden_size_list + [self.output_size]

    def _init_weight(self, weight_init_std):
        """W_i ~ N(0, scale^2), b_i = 0; drawn from NumPy's global generator (seedable
        with np.random.seed), then moved to the current device."""
        sizes = self.layer_sizes
        for idx in range(1, len(sizes)):
            scale = init_scale(weight_init_std, sizes[idx - 1])
            W = scale * np.random.randn(sizes[idx - 1], sizes[idx])
            self.params[f"W{idx}"] = backend.to_device(W.astype(self.dtype))
            self.params[f"b{idx}"] = backend.to_device(np.zeros(sizes[idx], dtype=self.dtype))

    def _build_layers(self):
        for idx in range(1, self.hidden_layer_num + 1):
            self._add_hidden_layer(idx)
        last = self.hidden_layer_num + 1
        self.layers[f"Affine{last}"] = Affine(self.params[f"W{last}"], self.params[f"b{last}"])

    def _add_hidden_layer(self, idx):
        # The first layer's input is the data: no gradient needed for it.
        self.layers[f"Affine{idx}"] = Affine(
            self.params[f"W{idx}"], self.params[f"b{idx}"], compute_dx=idx > 1
        )
        self.layers[f"Activation_function{idx}"] = ACTIVATIONS[self.activation]()

    def _param_keys(self):
        """The parameter names in the book's order: W1, b1, [gamma1, beta1,] W2, b2, ..."""
        for idx in range(1, self.hidden_layer_num + 2):
            yield f"W{idx}"
            yield f"b{idx}"
            if f"gamma{idx}" in self.params:
                yield f"gamma{idx}"
                yield f"beta{idx}"

    def _door(self, method, x, t=None):
        return checks.door(f"{type(self).__name__}.{method}", x, self.input_size, t)

    def predict(self, x, train_flg=False):
        """Scores (before softmax).  ``train_flg`` matters only to Dropout and BatchNorm."""
        x, _ = self._door("predict", x)
        return self._predict(x, train_flg)

    def _predict(self, x, train_flg):
        for layer in self.layers.values():
            x = layer.forward(x, train_flg)
        return x

    def _weight_decay(self):
        """0.5 * lambda * sum of W^2 over every weight matrix (L2 regularization)."""
        if not self.weight_decay_lambda:
            return 0.0
        total = sum((self.params[f"W{i}"] ** 2).sum() for i in range(1, self.hidden_layer_num + 2))
        return 0.5 * self.weight_decay_lambda * total

    def loss(self, x, t, train_flg=False):
        """Cross-entropy of the predictions plus the weight-decay term."""
        x, t = self._door("loss", x, t)
        return self._loss(x, t, train_flg)

    def _loss(self, x, t, train_flg):
        y = self._predict(x, train_flg)
        return self.last_layer.forward(y, t) + self._weight_decay()

    def accuracy(self, x, t):
        """Fraction of rows whose highest score is the label (``t``: indices or one-hot).

        Evaluated in chunks (see ``common.util.accuracy``), in test mode.
        """
        x, t = self._door("accuracy", x, t)
        return accuracy(
            lambda x_chunk: self._predict(x_chunk, train_flg=False),
            x,
            t,
            name=f"{type(self).__name__}.accuracy",
        )

    def numerical_gradient(self, x, t):
        """Gradients by central differences (slow; use float64): the reference for ``gradient``.

        Keys in the book's order: W1, b1, (gamma1, beta1,) W2, b2, ...
        """
        x, t = self._door("numerical_gradient", x, t)

        def loss_w(_):
            return self._loss(x, t, train_flg=True)

        return {key: numerical_gradient(loss_w, self.params[key]) for key in self._param_keys()}

    def gradient(self, x, t):
        """Gradients by backpropagation: one forward pass, one backward pass.

        Keys in the book's order: W1, b1, (gamma1, beta1,) W2, b2, ...
        The loss of that forward pass is kept in ``last_loss`` (the Trainer records
        it instead of running a second forward pass).
        """
        x, t = self._door("gradient", x, t)
        self.last_loss = self._loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)

        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            affine = self.layers[f"Affine{idx}"]
            if self.weight_decay_lambda:  # d/dW of 0.5 lambda W^2
                grads[f"W{idx}"] = affine.dW + self.weight_decay_lambda * affine.W
            else:
                grads[f"W{idx}"] = affine.dW
            grads[f"b{idx}"] = affine.db
            batch_norm = self.layers.get(f"BatchNorm{idx}")
            if batch_norm is not None:
                grads[f"gamma{idx}"] = batch_norm.dgamma
                grads[f"beta{idx}"] = batch_norm.dbeta
        return grads


# The names ``from common.multi_layer_net import *`` hands on.  The book's module
# has no __all__, so a star import of it passes on everything it imports: sys
# and os (from its sys.path line), np, OrderedDict, all that ``from
# common.layers import *`` gives (the layers, the functions, im2col, col2im) and
# numerical_gradient.  This list is that surface plus this module's additions.
__all__ = [
    "sys",
    "os",
    "OrderedDict",
    "numerical_gradient",
    *_layers_names,  # np, the functions, im2col, col2im, the layers
    # this module
    "MultiLayerNet",
    "init_scale",
    "ACTIVATIONS",
]
