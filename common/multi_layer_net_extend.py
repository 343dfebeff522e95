"""MultiLayerNet with optional Dropout and Batch Normalization (chapter 6).

Each hidden block is Affine{i} -> [BatchNorm{i}] -> Activation_function{i} -> [Dropout{i}].
With batch norm, ``params`` also holds gamma{i} (ones) and beta{i} (zeros).
``train_flg=True`` in ``predict``/``loss`` switches Dropout and BatchNorm to training behaviour.
"""

from common import backend, checks
from common.layers import BatchNormalization, Dropout
from common.multi_layer_net import *  # noqa: F403  (the book's surface, handed on: see __all__)
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net import __all__ as _multi_layer_net_names

import numpy as np

# The names ``from common.multi_layer_net_extend import *`` hands on.  The book's
# module imports the same as its multi_layer_net (sys, os, np, OrderedDict, all of
# ``from common.layers import *``, numerical_gradient) and has no __all__, so its
# star import passes all of that on; so does this one, plus MultiLayerNetExtend.
__all__ = [*_multi_layer_net_names, "MultiLayerNetExtend"]


class MultiLayerNetExtend(MultiLayerNet):
    """MultiLayerNet with Dropout and Batch Normalization (see the module docstring).

    The arguments are the book's, in its order; ``dropout_ratio`` is also
    accepted under the book's spelling ``dropout_ration``.  ``gradient`` and
    ``numerical_gradient`` list their keys in the book's order: W1, b1, gamma1,
    beta1, W2, b2, gamma2, beta2, ..., W_last, b_last.
    """

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        activation="relu",
        weight_init_std="relu",
        weight_decay_lambda=0,
        use_dropout=False,
        dropout_ratio=0.5,
        use_batchnorm=False,
        dtype=np.float32,
        dropout_ration=None,
    ):
        # The book spells the keyword `dropout_ration`; both are accepted.
        if dropout_ration is not None:
            dropout_ratio = dropout_ration
        # Checked even without dropout: a NaN or negative ratio is a mistake either way.
        checks.number_in(type(self).__name__, "dropout_ratio", dropout_ratio, 0, 1)
        self.use_dropout = use_dropout
        self.dropout_ratio = dropout_ratio
        self.use_batchnorm = use_batchnorm
        super().__init__(
            input_size,
            hidden_size_list,
            output_size,
            activation=activation,
            weight_init_std=weight_init_std,
            weight_decay_lambda=weight_decay_lambda,
            dtype=dtype,
        )

    @property
    def dropout_ration(self):
        """The book's spelling of ``dropout_ratio``."""
        return self.dropout_ratio

    def _add_hidden_layer(self, idx):
        super()._add_hidden_layer(idx)
        activation = self.layers.pop(f"Activation_function{idx}")
        if self.use_batchnorm:
            size = self.hidden_size_list[idx - 1]
            self.params[f"gamma{idx}"] = backend.to_device(np.ones(size, dtype=self.dtype))
            self.params[f"beta{idx}"] = backend.to_device(np.zeros(size, dtype=self.dtype))
            self.layers[f"BatchNorm{idx}"] = BatchNormalization(
                self.params[f"gamma{idx}"], self.params[f"beta{idx}"]
            )
        self.layers[f"Activation_function{idx}"] = activation
        if self.use_dropout:
            self.layers[f"Dropout{idx}"] = Dropout(self.dropout_ratio)
