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
import numbers
import os
import sys
from collections import OrderedDict

import numpy as np

from common import backend
from common.functions import _check_labels
from common.gradient import numerical_gradient
from common.layers import *  # noqa: F403  (the book's surface, handed on: see __all__)
from common.layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from common.layers import __all__ as _layers_names
from common.util import accuracy

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

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


def init_scale(weight_init_std, fan_in):
    """The standard deviation of a layer's initial weights.

    A number (finite, >= 0) is used as is; 'relu'/'he' gives sqrt(2 / fan_in)
    (He et al., 2015); 'sigmoid'/'xavier' gives sqrt(1 / fan_in) (Glorot & Bengio, 2010).
    """
    if isinstance(weight_init_std, str):
        name = weight_init_std.lower()
        if name in ("relu", "he"):
            return np.sqrt(2.0 / fan_in)
        if name in ("sigmoid", "xavier"):
            return np.sqrt(1.0 / fan_in)
        raise ValueError(
            f"weight_init_std: unknown name {weight_init_std!r}; "
            "use a number, 'relu'/'he' or 'sigmoid'/'xavier'"
        )
    if isinstance(weight_init_std, bool) or not isinstance(weight_init_std, numbers.Real):
        raise TypeError(
            f"weight_init_std must be a number or 'relu'/'he'/'sigmoid'/'xavier', "
            f"got {weight_init_std!r}"
        )
    if not (math.isfinite(weight_init_std) and weight_init_std >= 0):
        raise ValueError(f"weight_init_std must be a finite number >= 0, got {weight_init_std}")
    return float(weight_init_std)


def _check_size(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a whole number >= 1, got {value!r}")
    return int(value)


class MultiLayerNet:
    """The network of the module docstring.

    Inputs are checked at every public method (predict, loss, accuracy,
    gradient, numerical_gradient): x must be (N, input_size) numbers on the
    parameters' device, t class indices or one-hot rows for output_size classes.
    The checks look at shapes and types; label values are checked for NumPy
    arrays only (see common.functions), so they never wait for a GPU.
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
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"{name}: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        self.input_size = _check_size(name, "input_size", input_size)
        if isinstance(hidden_size_list, numbers.Integral):
            raise TypeError(
                f"{name}: hidden_size_list must be a list of layer sizes, e.g. [100, 100], "
                f"got {hidden_size_list!r}"
            )
        self.hidden_size_list = [_check_size(name, "each hidden size", n) for n in hidden_size_list]
        self.hidden_layer_num = len(self.hidden_size_list)
        self.output_size = _check_size(name, "output_size", output_size)
        self.activation = activation
        if isinstance(weight_decay_lambda, bool) or not isinstance(
            weight_decay_lambda, numbers.Real
        ):
            raise TypeError(
                f"{name}: weight_decay_lambda must be a number, got {weight_decay_lambda!r}"
            )
        if not (math.isfinite(weight_decay_lambda) and weight_decay_lambda >= 0):
            raise ValueError(
                f"{name}: weight_decay_lambda must be a finite number >= 0, "
                f"got {weight_decay_lambda}"
            )
        self.weight_decay_lambda = weight_decay_lambda
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{name}: dtype must be a NumPy float type, got {dtype!r}") from None
        if self.dtype.kind != "f":
            raise TypeError(
                f"{name}: dtype must be a float type (np.float32 or np.float64), got {self.dtype}: "
                "integer weights would be truncated to zero"
            )
        try:  # the scale's errors, named after the network
            init_scale(weight_init_std, self.input_size)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: {exc}") from None
        self.params = {}
        self._init_weight(weight_init_std)
        self.layers = OrderedDict()
        self._build_layers()
        self.last_layer = SoftmaxWithLoss()
        self.last_loss = None

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

    def _check_x(self, method, x):
        """x must be numbers, with input_size values per example, on the parameters' device."""
        dtype = getattr(x, "dtype", None)
        owner = f"{type(self).__name__}.{method}"
        if dtype is None or dtype.kind not in "biuf":
            got = f"an array of dtype {dtype}" if dtype is not None else type(x).__name__
            raise TypeError(f"{owner}: x must be an array of numbers, got {got}")
        if x.ndim == 0 or x.size != x.shape[0] * self.input_size:
            raise ValueError(
                f"{owner}: x has shape {tuple(x.shape)}, expected (N, {self.input_size}) "
                f"(or N-D input with {self.input_size} values per example)"
            )
        W1 = self.params["W1"]
        if type(x) is not type(W1) and backend.get_array_module(x) is not backend.get_array_module(
            W1
        ):
            raise TypeError(
                f"{owner}: x is a {type(x).__module__}.{type(x).__name__} but the parameters are "
                f"{type(W1).__module__}.{type(W1).__name__} arrays; move the data to the "
                "network's device once, with common.backend.to_device(x)"
            )

    def _check_t(self, method, x, t):
        if getattr(t, "shape", None) is None:
            raise TypeError(
                f"{type(self).__name__}.{method}: labels t must be an array, got {type(t).__name__}"
            )
        if x.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__}.{method}: the batch is empty (x has shape {tuple(x.shape)})"
            )
        _check_labels(f"{type(self).__name__}.{method}", t, (x.shape[0], self.output_size))

    def predict(self, x, train_flg=False):
        """Scores (before softmax).  ``train_flg`` matters only to Dropout and BatchNorm."""
        self._check_x("predict", x)
        return self._predict(x, train_flg)

    def _predict(self, x, train_flg):
        for layer in self.layers.values():
            if isinstance(layer, (Dropout, BatchNormalization)):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def _weight_decay(self):
        """0.5 * lambda * sum of W^2 over every weight matrix (L2 regularization)."""
        if not self.weight_decay_lambda:
            return 0.0
        total = sum((self.params[f"W{i}"] ** 2).sum() for i in range(1, self.hidden_layer_num + 2))
        return 0.5 * self.weight_decay_lambda * total

    def loss(self, x, t, train_flg=False):
        """Cross-entropy of the predictions plus the weight-decay term."""
        self._check_x("loss", x)
        self._check_t("loss", x, t)
        return self._loss(x, t, train_flg)

    def _loss(self, x, t, train_flg):
        y = self._predict(x, train_flg)
        return self.last_layer.forward(y, t) + self._weight_decay()

    def accuracy(self, x, t):
        """Fraction of rows whose highest score is the label (``t``: indices or one-hot).

        Evaluated in chunks (see ``common.util.accuracy``), in test mode.
        """
        self._check_x("accuracy", x)
        self._check_t("accuracy", x, t)
        return accuracy(
            lambda x_chunk: self.predict(x_chunk, train_flg=False),
            x,
            t,
            name=f"{type(self).__name__}.accuracy",
        )

    def numerical_gradient(self, x, t):
        """Gradients by central differences (slow; use float64): the reference for ``gradient``.

        Keys in the book's order: W1, b1, (gamma1, beta1,) W2, b2, ...
        """
        self._check_x("numerical_gradient", x)
        self._check_t("numerical_gradient", x, t)

        def loss_w(_):
            return self._loss(x, t, train_flg=True)

        return {key: numerical_gradient(loss_w, self.params[key]) for key in self._param_keys()}

    def gradient(self, x, t):
        """Gradients by backpropagation: one forward pass, one backward pass.

        Keys in the book's order: W1, b1, (gamma1, beta1,) W2, b2, ...
        The loss of that forward pass is kept in ``last_loss`` (the Trainer records
        it instead of running a second forward pass).
        """
        self._check_x("gradient", x)
        self._check_t("gradient", x, t)
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
