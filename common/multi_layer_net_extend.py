"""MultiLayerNet with optional Dropout and Batch Normalization (chapter 6).

Each hidden block is Affine{i} -> [BatchNorm{i}] -> Activation_function{i} -> [Dropout{i}].
With batch norm, ``params`` also holds gamma{i} (ones) and beta{i} (zeros).
``train_flg=True`` in ``predict``/``loss`` switches Dropout and BatchNorm to training behaviour.
"""
import numpy as np

from common import backend
from common.layers import BatchNormalization, Dropout
from common.multi_layer_net import MultiLayerNet


class MultiLayerNetExtend(MultiLayerNet):
    def __init__(self, input_size, hidden_size_list, output_size,
                 activation="relu", weight_init_std="relu", weight_decay_lambda=0,
                 use_dropout=False, dropout_ratio=0.5, use_batchnorm=False,
                 dtype=np.float32, dropout_ration=None):
        # The book spells the keyword `dropout_ration`; both are accepted.
        if dropout_ration is not None:
            dropout_ratio = dropout_ration
        self.use_dropout = use_dropout
        self.dropout_ratio = dropout_ratio
        self.use_batchnorm = use_batchnorm
        super().__init__(input_size, hidden_size_list, output_size, activation=activation,
                         weight_init_std=weight_init_std, weight_decay_lambda=weight_decay_lambda,
                         dtype=dtype)

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
            self.layers[f"BatchNorm{idx}"] = BatchNormalization(self.params[f"gamma{idx}"],
                                                                self.params[f"beta{idx}"])
        self.layers[f"Activation_function{idx}"] = activation
        if self.use_dropout:
            self.layers[f"Dropout{idx}"] = Dropout(self.dropout_ratio)
