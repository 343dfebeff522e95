"""Integration: the shared package learns real MNIST (slow; needs MNIST_DIR or a cache)."""

from common import backend
from common.backend import to_device
from common.multi_layer_net import MultiLayerNet
from common.optimizer import SGD

import numpy as np
import pytest
from conftest import requires_mnist

pytestmark = [pytest.mark.slow, requires_mnist]

STEPS, BATCH, LR = 300, 100, 0.1


@pytest.fixture(scope="module")
def mnist():
    from dataset.mnist import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=True, flatten=True, one_hot_label=False
    )
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    return x_train, t_train, x_test, t_test


_results = {}


def train(mnist, dtype, seed=0):
    """784-[50]-10 ReLU net, plain SGD, STEPS mini-batches; returns (accuracy before, after).

    Each (dtype, seed) is trained once per session and remembered.
    """
    key = (np.dtype(dtype).name, seed, backend.get_device())
    if key not in _results:
        _results[key] = _train(mnist, dtype, seed)
    return _results[key]


def _train(mnist, dtype, seed):
    x_train, t_train, x_test, t_test = mnist
    backend.seed(seed)
    net = MultiLayerNet(784, [50], 10, activation="relu", weight_init_std="relu", dtype=dtype)
    x_train, x_test = to_device(x_train.astype(dtype)), to_device(x_test.astype(dtype))
    t_train, t_test = to_device(t_train), to_device(t_test)
    before = net.accuracy(x_test, t_test)
    optimizer = SGD(lr=LR)
    rng = np.random.RandomState(seed)
    losses = []
    for _ in range(STEPS):
        batch = to_device(rng.choice(x_train.shape[0], BATCH))
        grads = net.gradient(x_train[batch], t_train[batch])
        optimizer.update(net.params, grads)
        losses.append(float(net.last_loss))
    assert all(p.dtype == dtype for p in net.params.values())
    assert np.mean(losses[-50:]) < 0.5 * np.mean(losses[:10])
    return before, net.accuracy(x_test, t_test)


def test_short_training_learns_mnist(mnist):
    before, after = train(mnist, np.float32)
    assert before < 0.3, f"an untrained network should be near chance, got {before:.3f}"
    assert after >= 0.85, f"test accuracy after {STEPS} steps: {after:.3f}"


def test_float32_and_float64_training_agree(mnist):
    _, acc32 = train(mnist, np.float32)
    _, acc64 = train(mnist, np.float64)
    assert acc32 >= 0.85 and acc64 >= 0.85
    assert abs(acc32 - acc64) <= 0.02, f"float32 {acc32:.4f} vs float64 {acc64:.4f}"
