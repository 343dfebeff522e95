"""Tests for common/trainer.py on a small synthetic data set that is easy to separate."""
import re

import numpy as np
import pytest

from common.backend import to_cpu, to_device
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import OPTIMIZERS, SGD
from common.trainer import Trainer, make_optimizer

CLASSES, FEATURES = 3, 6


def blobs(n, seed):
    """n points around three well separated centres (NumPy; the Trainer moves them)."""
    rng = np.random.RandomState(seed)
    centres = np.random.RandomState(0).randn(CLASSES, FEATURES) * 3
    t = rng.randint(0, CLASSES, size=n)
    x = centres[t] + 0.5 * rng.randn(n, FEATURES)
    return x.astype(np.float32), t


@pytest.fixture
def dataset():
    (x_train, t_train), (x_test, t_test) = blobs(300, seed=1), blobs(90, seed=2)
    return x_train, t_train, x_test, t_test


def make_trainer(dataset, optimizer="SGD", optimizer_param=None, epochs=4, batch=30, **kwargs):
    np.random.seed(3)
    net = kwargs.pop("network", None) or MultiLayerNet(FEATURES, [16], CLASSES)
    return Trainer(net, *dataset, epochs=epochs, mini_batch_size=batch, optimizer=optimizer,
                   optimizer_param=optimizer_param, verbose=False, **kwargs)


LEARNING_RATES = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05,
                  "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01}


@pytest.mark.parametrize("name", ["sgd", "Momentum", "NESTEROV", "AdaGrad", "rmsprop", "Adam"])
def test_trains_with_each_optimizer(dataset, name):
    trainer = make_trainer(dataset, optimizer=name, optimizer_param={"lr": LEARNING_RATES[name.lower()]})
    assert isinstance(trainer.optimizer, OPTIMIZERS[name.lower()])
    assert trainer.optimizer.lr == LEARNING_RATES[name.lower()]
    final = trainer.train()
    assert trainer.iter_per_epoch == 10 and trainer.max_iter == 40
    assert len(trainer.train_loss_list) == trainer.max_iter
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 4
    losses = trainer.train_loss_list
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5]), name
    assert final >= 0.95 and trainer.test_acc_list[-1] >= 0.95, name
    assert final == trainer.network.accuracy(trainer.x_test, trainer.t_test)


def test_default_optimizer_is_sgd_with_lr_001(dataset):
    trainer = make_trainer(dataset, optimizer="SGD")
    assert type(trainer.optimizer) is SGD and trainer.optimizer.lr == 0.01


def test_optimizer_instance_is_used_as_is(dataset):
    opt = SGD(lr=0.2)
    assert make_trainer(dataset, optimizer=opt).optimizer is opt
    assert make_optimizer(opt) is opt


def test_unknown_optimizer_name(dataset):
    with pytest.raises(ValueError) as info:
        make_trainer(dataset, optimizer="adadelta")
    message = str(info.value)
    assert "adadelta" in message and "Adam" in message


def test_recorded_loss_is_the_batch_loss_before_the_update(dataset):
    trainer = make_trainer(dataset, epochs=1)
    np.random.seed(10)
    batch_index = np.random.choice(trainer.train_size, trainer.batch_size)
    batch_index = to_device(batch_index)
    expected = float(trainer.network.loss(trainer.x_train[batch_index], trainer.t_train[batch_index],
                                          train_flg=True))
    np.random.seed(10)
    trainer.train_step()
    assert trainer.train_loss_list == [pytest.approx(expected, rel=1e-6)]
    assert trainer.current_iter == 1 and trainer.current_epoch == 0


def test_evaluate_sample_num_per_epoch(dataset, monkeypatch):
    trainer = make_trainer(dataset, epochs=2, evaluate_sample_num_per_epoch=20)
    sizes = []
    accuracy = trainer.network.accuracy

    def recording_accuracy(x, t):
        sizes.append((x.shape[0], t.shape[0]))
        return accuracy(x, t)

    monkeypatch.setattr(trainer.network, "accuracy", recording_accuracy)
    trainer.train()
    assert sizes[:4] == [(20, 20)] * 4          # train and test, twice
    assert sizes[4:] == [(90, 90)]               # the final test accuracy uses all of it
    assert len(trainer.train_acc_list) == 2


def test_evaluation_uses_everything_by_default(dataset, monkeypatch):
    trainer = make_trainer(dataset, epochs=1)
    sizes = []
    accuracy = trainer.network.accuracy
    monkeypatch.setattr(trainer.network, "accuracy", lambda x, t: sizes.append(x.shape[0]) or accuracy(x, t))
    trainer.train()
    assert sizes == [300, 90, 90]


def test_epoch_count_with_uneven_batches(dataset):
    trainer = make_trainer(dataset, epochs=3, batch=70)  # 300 // 70 = 4 steps per epoch
    trainer.train()
    assert len(trainer.train_loss_list) == 12
    assert len(trainer.test_acc_list) == 3


def test_quiet_when_not_verbose(dataset, capsys):
    make_trainer(dataset, epochs=2).train()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_prints_each_epoch(dataset, capsys):
    trainer = make_trainer(dataset, epochs=2)
    trainer.verbose = True
    trainer.train()
    out = capsys.readouterr().out
    assert re.findall(r"^epoch +(\d+) \| train acc [0-9.]+ \| test acc [0-9.]+$", out, re.M) == ["1", "2"]
    assert re.search(r"^final test acc [0-9.]+$", out, re.M)


def test_trains_extended_network(dataset):
    np.random.seed(4)
    net = MultiLayerNetExtend(FEATURES, [16, 16], CLASSES, use_batchnorm=True, use_dropout=True,
                              dropout_ratio=0.1)
    trainer = make_trainer(dataset, optimizer="adam", optimizer_param={"lr": 0.01}, network=net)
    assert trainer.train() >= 0.9
    assert all(np.isfinite(trainer.train_loss_list))


def test_data_moved_to_the_current_device(dataset):
    trainer = make_trainer(dataset, epochs=1)
    assert type(trainer.x_train) is type(trainer.network.params["W1"])
    np.testing.assert_array_equal(to_cpu(trainer.t_test), dataset[3])


def test_without_a_test_set_only_training_accuracy_is_recorded(dataset):
    x_train, t_train, _, _ = dataset
    np.random.seed(0)
    network = MultiLayerNet(FEATURES, [8], CLASSES)
    trainer = Trainer(network, x_train, t_train, None, None, epochs=2, mini_batch_size=20,
                      optimizer="adam", verbose=False)
    assert trainer.train() is None
    assert len(trainer.train_acc_list) == 2 and trainer.test_acc_list == []
