"""What learners type from the book runs on this repository's ``common``, with the book's numbers.

The book's modules (oreilly-japan/deep-learning-from-scratch, common/*.py) are the
reference: the names a star import of each hands on, BatchNormalization's epsilon
and attributes, numbers and lists as inputs, the order of gradient keys, and
smooth_curve's padding.  The expected values below are worked out from the
book's definitions, not by calling the code under test a second time.
"""

from common import backend
from common.gradient import (
    _numerical_gradient_1d,
    numerical_diff,
    numerical_gradient,
    numerical_gradient_2d,
)
from common.layers import BatchNormalization
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.util import smooth_curve

import numpy as np
import pytest

# --------------------------------------------------------------------------- star imports

# What ``from common.X import *`` gives in the book: each module has no __all__,
# so the star import hands on every public name it defines or imports.
BOOK_FUNCTIONS = {
    "np",
    "identity_function",
    "step_function",
    "sigmoid",
    "sigmoid_grad",
    "relu",
    "relu_grad",
    "softmax",
    "sum_squared_error",
    "cross_entropy_error",
    "softmax_loss",
}
BOOK_LAYERS = BOOK_FUNCTIONS | {
    "im2col",
    "col2im",
    "Relu",
    "Sigmoid",
    "Affine",
    "SoftmaxWithLoss",
    "Dropout",
    "BatchNormalization",
    "Convolution",
    "Pooling",
}
BOOK_SURFACES = {
    "common.functions": BOOK_FUNCTIONS,
    "common.gradient": {"np", "numerical_gradient_2d", "numerical_gradient"},
    "common.util": {
        "np",
        "smooth_curve",
        "shuffle_dataset",
        "conv_output_size",
        "im2col",
        "col2im",
    },
    "common.layers": BOOK_LAYERS,
    "common.optimizer": {"np", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"},
    "common.multi_layer_net": BOOK_LAYERS
    | {"sys", "os", "OrderedDict", "numerical_gradient", "MultiLayerNet"},
    "common.multi_layer_net_extend": BOOK_LAYERS
    | {"sys", "os", "OrderedDict", "numerical_gradient", "MultiLayerNetExtend"},
    "common.trainer": {
        "sys",
        "os",
        "np",
        "SGD",
        "Momentum",
        "Nesterov",
        "AdaGrad",
        "RMSprop",
        "Adam",
        "Trainer",
    },
}


def star_import(module):
    namespace = {}
    exec(f"from {module} import *", namespace)
    namespace.pop("__builtins__")
    return namespace


@pytest.mark.parametrize("module", sorted(BOOK_SURFACES))
def test_star_import_hands_on_at_least_the_books_names(module):
    namespace = star_import(module)
    missing = BOOK_SURFACES[module] - set(namespace)
    assert not missing, f"from {module} import * lacks the book's {sorted(missing)}"
    assert namespace["np"] is np


@pytest.mark.parametrize("module", sorted(BOOK_SURFACES))
def test_star_import_hands_on_no_private_names(module):
    # an explicit __all__ hands on only what it lists: no helpers, no backend internals
    assert not [name for name in star_import(module) if name.startswith("_")]


def test_star_imported_names_are_the_course_objects():
    layers = star_import("common.layers")
    import common.functions
    import common.util

    assert layers["softmax"] is common.functions.softmax
    assert layers["cross_entropy_error"] is common.functions.cross_entropy_error
    assert layers["im2col"] is common.util.im2col
    net = star_import("common.multi_layer_net_extend")
    assert net["Affine"] is layers["Affine"]
    assert net["OrderedDict"].__name__ == "OrderedDict"


def test_a_chapter_6_script_preamble_runs():
    # the failing case: np after `from common.optimizer import *`
    namespace = {}
    exec(
        "from common.optimizer import *\n"
        "np.random.seed(0)\n"
        "batch = np.random.choice(60000, 100)\n"
        "optimizer = SGD(lr=0.1)\n",
        namespace,
    )
    assert namespace["batch"].shape == (100,)
    namespace = {}
    exec(
        "from common.layers import *\n"
        "y = softmax(np.array([0.3, 2.9, 4.0]))\n"
        "loss = cross_entropy_error(y, np.array([0, 0, 1]))\n",
        namespace,
    )
    assert namespace["loss"] == pytest.approx(-np.log(namespace["y"][2] + 1e-7), rel=1e-12)


def test_the_books_underscore_helper_is_importable_by_name():
    grad = _numerical_gradient_1d(lambda v: float(np.sum(v**2)), np.array([3.0, 4.0]))
    np.testing.assert_allclose(grad, [6.0, 8.0], rtol=1e-9)
    with pytest.raises(ValueError, match="1-D"):
        _numerical_gradient_1d(lambda v: float(np.sum(v**2)), np.zeros((2, 2)))


# --------------------------------------------------------------------------- BatchNormalization


def test_batch_normalization_epsilon_is_the_books_10e_7():
    assert BatchNormalization.eps == 10e-7 == 1e-6
    layer = BatchNormalization(np.ones(2), np.zeros(2))
    assert layer.eps == 1e-6


def test_batch_normalization_at_a_tiny_weight_scale_uses_the_books_epsilon():
    # Features with variance 1e-8 (the scale of chapter 6's smallest weights):
    # xn = xc / sqrt(var + eps) is ~0.1 * xc/std with eps = 1e-6, ~0.3 with eps = 1e-7.
    x = np.array([[1e-4, -1e-4], [-1e-4, 1e-4]])  # var = 1e-8 in each column
    out = BatchNormalization(np.ones(2), np.zeros(2)).forward(x, train_flg=True)
    np.testing.assert_allclose(out, x / np.sqrt(1e-8 + 1e-6), rtol=1e-12)


def test_batch_normalization_has_the_books_attributes():
    layer = BatchNormalization(np.ones(3), np.zeros(3), momentum=0.8)
    for name in (
        "gamma",
        "beta",
        "momentum",
        "input_shape",
        "running_mean",
        "running_var",
        "batch_size",
        "xc",
        "xn",
        "std",
        "dgamma",
        "dbeta",
    ):
        assert hasattr(layer, name), name
    x = np.arange(12.0).reshape(4, 3) ** 1.5
    layer.forward(x, train_flg=True)
    layer.backward(np.ones((4, 3)))
    assert layer.batch_size == 4 and layer.input_shape == (4, 3)
    np.testing.assert_allclose(layer.xc, x - x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_mean, 0.2 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, 0.2 * x.var(axis=0), rtol=1e-12)


# --------------------------------------------------------------------------- numbers and lists


def test_functions_take_python_numbers_as_the_book_does():
    from common.functions import relu, relu_grad, sigmoid, sigmoid_grad, step_function

    assert step_function(3.0) == 1 and step_function(-3.0) == 0
    assert isinstance(step_function(3.0), np.ndarray)
    assert relu_grad(0.0) == 1.0 and relu_grad(-2.0) == 0.0  # the book: 1 where x >= 0
    assert isinstance(relu_grad(0.0), np.ndarray)
    assert sigmoid(0.0) == 0.5 and sigmoid_grad(0.0) == 0.25
    assert relu(-1.5) == 0.0 and relu(2.5) == 2.5


def test_functions_take_lists_as_the_book_does():
    from common.functions import (
        cross_entropy_error,
        relu,
        sigmoid,
        softmax,
        softmax_loss,
        step_function,
        sum_squared_error,
    )

    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(softmax([1, 2, 3]), e / e.sum(), rtol=1e-14)
    np.testing.assert_array_equal(step_function([-1.0, 1.0, 2.0]), [0, 1, 1])
    np.testing.assert_array_equal(relu([-1, 0, 2]), [0, 0, 2])
    np.testing.assert_allclose(sigmoid([0.0]), [0.5])
    # the book's chapter 4 example: y for "2", t one-hot at 2
    y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
    t = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert sum_squared_error(y, t) == pytest.approx(0.0975, rel=1e-12)
    assert cross_entropy_error(y, t) == pytest.approx(-np.log(0.6 + 1e-7), rel=1e-12)
    assert cross_entropy_error(y, 2) == pytest.approx(-np.log(0.6 + 1e-7), rel=1e-12)
    assert softmax_loss([0.0, 0.0], [1]) == pytest.approx(np.log(2), rel=1e-12)


def test_gradient_functions_take_numbers_and_lists():
    assert numerical_diff(lambda v: v**2, 3.0) == pytest.approx(6.0, rel=1e-9)
    np.testing.assert_allclose(numerical_diff(lambda v: v**2, [1.0, 2.0]), [2.0, 4.0], rtol=1e-9)
    np.testing.assert_allclose(
        numerical_gradient(lambda v: float(np.sum(v**2)), [3.0, 4.0]), [6.0, 8.0], rtol=1e-9
    )
    assert float(numerical_gradient(lambda v: float(v**3), 2.0)) == pytest.approx(12.0, rel=1e-7)
    np.testing.assert_allclose(
        numerical_gradient_2d(lambda v: float(np.sum(v**2)), [3, 4]), [6.0, 8.0], rtol=1e-9
    )


def test_numerical_gradient_on_a_transposed_array_restores_it():
    base = np.arange(6.0).reshape(2, 3) / 7
    before = base.copy()
    xt = base.T
    grad = numerical_gradient(lambda v: float(np.sum(v**2 * np.arange(1, 7).reshape(3, 2))), xt)
    np.testing.assert_allclose(grad, 2 * xt * np.arange(1, 7).reshape(3, 2), rtol=1e-8)
    np.testing.assert_array_equal(base, before)


def test_numerical_gradient_2d_evaluates_one_point_per_row():
    # f couples the coordinates of a point: treating a column as a point would be wrong
    def f(p):
        return p[0] * p[1] ** 2

    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    expected = np.column_stack([X[:, 1] ** 2, 2 * X[:, 0] * X[:, 1]])
    np.testing.assert_allclose(numerical_gradient_2d(f, X), expected, rtol=1e-7)
    np.testing.assert_allclose(numerical_gradient_2d(f, X[1]), expected[1], rtol=1e-7)


# --------------------------------------------------------------------------- orders

BOOK_ORDER = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]


def test_extended_network_lists_gradients_in_the_books_order():
    with backend.using_device("cpu"):
        np.random.seed(0)
        net = MultiLayerNetExtend(4, [3, 3], 2, use_batchnorm=True, dtype=np.float64)
        x = np.random.RandomState(1).randn(5, 4)
        t = np.array([0, 1, 1, 0, 1])
        assert list(net.gradient(x, t)) == BOOK_ORDER
        assert list(net.numerical_gradient(x, t)) == BOOK_ORDER
        plain = MultiLayerNetExtend(4, [3, 3], 2, use_dropout=True, dtype=np.float64)
        assert list(plain.gradient(x, t)) == ["W1", "b1", "W2", "b2", "W3", "b3"]


# --------------------------------------------------------------------------- smooth_curve


def test_smooth_curve_pads_as_the_book_does():
    # the book continues the series after its end with the last point repeated and
    # then mirrored (..., x[-2], x[-1], x[-1], x[-2], ...), before its start with the
    # mirror that skips x[0]; written out by hand for a straight line 0..11:
    x = np.arange(12.0)
    w = np.kaiser(11, 2)
    w /= w.sum()
    last_window = np.array([6, 7, 8, 9, 10, 11, 11, 10, 9, 8, 7], dtype=float)
    first_window = np.array([5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5], dtype=float)
    out = smooth_curve(x)
    assert out.shape == (12,)
    assert out[-1] == pytest.approx(np.dot(w, last_window), rel=1e-12)
    assert out[0] == pytest.approx(np.dot(w, first_window), rel=1e-12)
    np.testing.assert_allclose(out[5:7], x[5:7], rtol=1e-12)  # the line, away from the ends


@pytest.mark.parametrize("n, length", [(1, 0), (5, 0), (7, 0), (8, 3), (9, 6), (10, 9), (11, 11)])
def test_smooth_curve_of_a_short_series_is_as_short_as_the_books(n, length):
    # the mirror images cannot be longer than the series, so fewer points come out
    assert smooth_curve(np.linspace(1.0, 2.0, n)).shape == (length,)


def test_trainer_follows_the_books_schedule():
    """250 examples, batches of 100, 4 epochs: the book's 10 steps, and the accuracies where
    the book's test i % iter_per_epoch == 0 (iter_per_epoch = 2.5) holds: after steps 1 and 6
    (one epoch rule for every loop of the course; see common/trainer.py)."""
    from common.multi_layer_net import MultiLayerNet
    from common.trainer import Trainer

    rng = np.random.RandomState(0)
    x, t = rng.rand(250, 4).astype(np.float32), rng.randint(0, 3, 250)
    np.random.seed(0)
    trainer = Trainer(
        MultiLayerNet(4, [5], 3), x, t, x[:20], t[:20], epochs=4, mini_batch_size=100, verbose=False
    )
    steps = []
    evaluate = trainer.evaluate
    trainer.evaluate = lambda: steps.append(trainer.current_iter + 1) or evaluate()
    trainer.train()
    assert (trainer.iter_per_epoch, trainer.max_iter) == (2.5, 10)
    assert steps == [1, 6] and len(trainer.train_loss_list) == 10
