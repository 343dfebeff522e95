"""A fully connected network of any depth (chapter 6): Affine -> activation, ..., Affine -> softmax.

    network = MultiLayerNet(784, [100, 100], 10, activation='relu', weight_init_std='he')

``params`` holds W1, b1, W2, b2, ... ; ``layers`` holds, in order, Affine1,
Activation_function1, Affine2, ... ; ``last_layer`` is SoftmaxWithLoss.

Parameters are float32 by default: training needs no more precision, and
float32 halves the time and memory of every matrix product.  Gradient checks
(``numerical_gradient``) need ``dtype=np.float64``: in float32 the difference
f(W + h) - f(W - h) keeps only a few significant digits.
"""
from collections import OrderedDict

import numpy as np

from common import backend
from common.gradient import numerical_gradient
from common.util import accuracy
from common.layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


def init_scale(weight_init_std, fan_in):
    """The standard deviation of a layer's initial weights.

    A number is used as is; 'relu'/'he' gives sqrt(2 / fan_in) (He et al., 2015);
    'sigmoid'/'xavier' gives sqrt(1 / fan_in) (Glorot & Bengio, 2010).
    """
    if isinstance(weight_init_std, str):
        name = weight_init_std.lower()
        if name in ("relu", "he"):
            return np.sqrt(2.0 / fan_in)
        if name in ("sigmoid", "xavier"):
            return np.sqrt(1.0 / fan_in)
        raise ValueError(f"weight_init_std: unknown name {weight_init_std!r}; "
                         "use a number, 'relu'/'he' or 'sigmoid'/'xavier'")
    return float(weight_init_std)


class MultiLayerNet:
    def __init__(self, input_size, hidden_size_list, output_size,
                 activation="relu", weight_init_std="relu", weight_decay_lambda=0,
                 dtype=np.float32):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.input_size = input_size
        self.hidden_size_list = list(hidden_size_list)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.output_size = output_size
        self.activation = activation
        self.weight_decay_lambda = weight_decay_lambda
        self.dtype = np.dtype(dtype)
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
        self.layers[f"Affine{idx}"] = Affine(self.params[f"W{idx}"], self.params[f"b{idx}"],
                                             compute_dx=idx > 1)
        self.layers[f"Activation_function{idx}"] = ACTIVATIONS[self.activation]()

    def predict(self, x, train_flg=False):
        """Scores (before softmax).  ``train_flg`` matters only to Dropout and BatchNorm."""
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
        y = self.predict(x, train_flg)
        return self.last_layer.forward(y, t) + self._weight_decay()

    def accuracy(self, x, t):
        """Fraction of rows whose highest score is the label (``t``: indices or one-hot).

        Evaluated in chunks (see ``common.util.accuracy``), in test mode.
        """
        return accuracy(lambda x_chunk: self.predict(x_chunk, train_flg=False), x, t)

    def numerical_gradient(self, x, t):
        """Gradients by central differences (slow; use float64): the reference for ``gradient``."""
        def loss_w(_):
            return self.loss(x, t, train_flg=True)
        return {key: numerical_gradient(loss_w, param) for key, param in self.params.items()}

    def gradient(self, x, t):
        """Gradients by backpropagation: one forward pass, one backward pass.

        The loss of that forward pass is kept in ``last_loss`` (the Trainer records
        it instead of running a second forward pass).
        """
        self.last_loss = self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)

        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            affine = self.layers[f"Affine{idx}"]
            grads[f"W{idx}"] = affine.dW + self.weight_decay_lambda * affine.W if self.weight_decay_lambda else affine.dW
            grads[f"b{idx}"] = affine.db
            batch_norm = self.layers.get(f"BatchNorm{idx}")
            if batch_norm is not None:
                grads[f"gamma{idx}"] = batch_norm.dgamma
                grads[f"beta{idx}"] = batch_norm.dbeta
        return grads
