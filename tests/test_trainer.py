"""Tests for common/trainer.py on a small synthetic data set that is easy to separate."""

import copy
import re

from common import backend
from common.backend import to_cpu, to_device
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import OPTIMIZERS, SGD
from common.trainer import (
    LOSS_BLOCK,
    Trainer,
    TrainingDiverged,
    TrainingInterrupted,
    make_optimizer,
    train_together,
)

import numpy as np
import pytest

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
    return Trainer(
        net,
        *dataset,
        epochs=epochs,
        mini_batch_size=batch,
        optimizer=optimizer,
        optimizer_param=optimizer_param,
        verbose=False,
        **kwargs,
    )


LEARNING_RATES = {
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 0.1,
    "rmsprop": 0.01,
    "adam": 0.01,
}


@pytest.mark.parametrize("name", ["sgd", "Momentum", "NESTEROV", "AdaGrad", "rmsprop", "Adam"])
def test_trains_with_each_optimizer(dataset, name):
    trainer = make_trainer(
        dataset, optimizer=name, optimizer_param={"lr": LEARNING_RATES[name.lower()]}
    )
    assert isinstance(trainer.optimizer, OPTIMIZERS[name.lower()])
    assert trainer.optimizer.lr == LEARNING_RATES[name.lower()]
    final = trainer.train()
    assert trainer.iter_per_epoch == 10 and trainer.max_iter == 40
    assert len(trainer.train_loss_list) == trainer.max_iter
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 4
    losses = trainer.train_loss_list
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5]), name
    assert final >= 0.95 and trainer.test_acc_list[-1] >= 0.95, name


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
    expected = float(
        trainer.network.loss(
            trainer.x_train[batch_index], trainer.t_train[batch_index], train_flg=True
        )
    )
    np.random.seed(10)
    trainer.train_step()
    assert trainer.train_loss_list == [pytest.approx(expected, rel=1e-6)]
    # The book's schedule: the first epoch's accuracies are taken after its first step.
    assert trainer.current_iter == 1 and trainer.current_epoch == 1


def test_evaluate_sample_num_per_epoch(dataset, monkeypatch):
    trainer = make_trainer(dataset, epochs=2, evaluate_sample_num_per_epoch=20)
    sizes = []
    accuracy = trainer.network.accuracy

    def recording_accuracy(x, t):
        sizes.append((x.shape[0], t.shape[0]))
        return accuracy(x, t)

    monkeypatch.setattr(trainer.network, "accuracy", recording_accuracy)
    trainer.train()
    assert sizes[:4] == [(20, 20)] * 4  # train and test, twice
    assert sizes[4:] == [(90, 90)]  # the final test accuracy uses all of it
    assert len(trainer.train_acc_list) == 2


def test_evaluation_uses_everything_by_default(dataset, monkeypatch):
    trainer = make_trainer(dataset, epochs=1)
    sizes = []
    accuracy = trainer.network.accuracy
    monkeypatch.setattr(
        trainer.network, "accuracy", lambda x, t: sizes.append(x.shape[0]) or accuracy(x, t)
    )
    trainer.train()
    assert sizes == [300, 90, 90]


def evaluation_steps(trainer):
    """The steps (from 1) after which ``trainer`` measures its accuracies."""
    steps = []
    evaluate = trainer.evaluate
    trainer.evaluate = lambda: steps.append(trainer.current_iter + 1) or evaluate()
    trainer.train()
    return steps


def test_schedule_is_the_books_when_the_batch_divides_the_data(dataset):
    trainer = make_trainer(dataset, epochs=3, batch=30)  # 10 steps per epoch
    assert evaluation_steps(trainer) == [1, 11, 21]
    assert len(trainer.train_loss_list) == 30


def test_schedule_with_a_fractional_epoch():
    """250 examples in batches of 100 for 4 epochs: the book's 10 steps, evaluated where the
    book's ``i % iter_per_epoch == 0`` holds (steps counted from 0): at 0 and 5 only."""
    x, t = blobs(250, seed=5)
    np.random.seed(0)
    trainer = Trainer(
        MultiLayerNet(FEATURES, [8], CLASSES),
        x,
        t,
        x[:10],
        t[:10],
        epochs=4,
        mini_batch_size=100,
        verbose=False,
    )
    assert trainer.iter_per_epoch == 2.5 and trainer.max_iter == 10
    assert evaluation_steps(trainer) == [1, 6]
    assert len(trainer.train_acc_list) == len(trainer.test_acc_list) == 2


def test_quiet_when_not_verbose(dataset, capsys):
    make_trainer(dataset, epochs=2).train()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_prints_each_epoch(dataset, capsys):
    trainer = make_trainer(dataset, epochs=2)
    trainer.verbose = True
    trainer.train()
    out = capsys.readouterr().out
    lines = re.findall(r"^epoch +(\d+) \| train acc [0-9.]+ \| test acc [0-9.]+$", out, re.M)
    assert lines == ["1", "2"]
    assert re.search(r"^final test acc [0-9.]+$", out, re.M)


def test_trains_extended_network(dataset):
    np.random.seed(4)
    net = MultiLayerNetExtend(
        FEATURES, [16, 16], CLASSES, use_batchnorm=True, use_dropout=True, dropout_ratio=0.1
    )
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
    trainer = Trainer(
        network,
        x_train,
        t_train,
        None,
        None,
        epochs=2,
        mini_batch_size=20,
        optimizer="adam",
        verbose=False,
    )
    assert trainer.train() is None
    assert len(trainer.train_acc_list) == 2 and trainer.test_acc_list == []


# --------------------------------------------------------------- several networks, one batch


def test_train_together_gives_every_trainer_the_same_batches(dataset):
    """Two copies of one network, trained together with the same optimizer, stay equal;
    a third trained alone from another seed's batches does not."""
    np.random.seed(7)
    template = MultiLayerNet(FEATURES, [16], CLASSES)
    trainers = [make_trainer(dataset, network=copy.deepcopy(template)) for _ in range(2)]
    np.random.seed(11)
    train_together(trainers, progress=False)
    a, b = (t.network.params for t in trainers)
    assert all(np.array_equal(to_cpu(a[k]), to_cpu(b[k])) for k in a)
    assert trainers[0].train_loss_list == trainers[1].train_loss_list

    alone = make_trainer(dataset, network=copy.deepcopy(template))
    np.random.seed(12)
    alone.train()
    assert alone.train_loss_list != trainers[0].train_loss_list


def test_train_together_refuses_trainers_that_disagree(dataset):
    with pytest.raises(ValueError, match="train_together"):
        train_together([make_trainer(dataset, batch=30), make_trainer(dataset, batch=20)])


def test_iters_and_evaluate_false(dataset):
    trainer = make_trainer(dataset, iters=7, evaluate=False)
    trainer.train()
    assert len(trainer.train_loss_list) == 7 and trainer.train_acc_list == []


# --------------------------------------------------------------- divergence, Ctrl-C, bad input


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_a_nan_loss_stops_training_with_the_step_and_a_hint(dataset):
    trainer = make_trainer(dataset, optimizer_param={"lr": 1e30}, epochs=20)
    with pytest.raises(TrainingDiverged) as info:
        trainer.train()
    message = str(info.value)
    assert "step" in message and "learning rate" in message
    step = int(re.search(r"step (\d+)", message).group(1))
    assert not np.isfinite(trainer.losses.values[step - 1])
    assert np.all(np.isfinite(trainer.losses.values[: step - 1]))
    assert trainer.current_iter < trainer.max_iter  # it stopped, and did not train on


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_can_be_a_result(dataset):
    trainer = make_trainer(
        dataset, optimizer_param={"lr": 1e30}, epochs=2, stop_on_divergence=False
    )
    trainer.train()
    assert not np.all(np.isfinite(trainer.train_loss_list))


def test_ctrl_c_says_where_training_stopped(dataset, monkeypatch):
    trainer = make_trainer(dataset, epochs=3)
    step = trainer.train_step

    def interrupted_at_step_15(mask=None):
        if trainer.current_iter == 15:
            raise KeyboardInterrupt
        step(mask)

    monkeypatch.setattr(trainer, "train_step", interrupted_at_step_15)
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert "step 15/30" in str(info.value) and "last test acc" in str(info.value)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(mini_batch_size=0), "mini_batch_size"),
        (dict(mini_batch_size=-5), "mini_batch_size"),
        (dict(epochs=0), "epochs"),
        (dict(epochs=float("nan")), "epochs"),
        (dict(iters=0), "iters must be a whole number >= 1"),
        (dict(iters=-3), "iters must be a whole number >= 1"),
        (dict(iters=float("nan")), "iters must be a whole number >= 1"),
        (dict(evaluate_sample_num_per_epoch=-1), "evaluate_sample_num_per_epoch"),
        (dict(evaluate_sample_num_per_epoch=0), "evaluate_sample_num_per_epoch"),
        (dict(optimizer_param={"lrr": 0.1}), "SGD (optimizer_param): unknown parameter(s) lrr"),
        (dict(optimizer="Adam", optimizer_param={"beta": 0.9}), "it takes lr, beta1, beta2"),
    ],
)
def test_bad_schedules_are_refused(dataset, kwargs, words):
    with pytest.raises(ValueError) as info:
        Trainer(MultiLayerNet(FEATURES, [4], CLASSES), *dataset, **kwargs)
    assert words in str(info.value), str(info.value)


def test_epochs_must_be_a_number(dataset):
    with pytest.raises(TypeError, match="Trainer: epochs must be a number, got '2'"):
        Trainer(MultiLayerNet(FEATURES, [4], CLASSES), *dataset, epochs="2")


def test_no_examples_is_refused(dataset):
    x, t = dataset[0][:0], dataset[1][:0]
    with pytest.raises(ValueError, match="the batch is empty"):
        Trainer(MultiLayerNet(FEATURES, [4], CLASSES), x, t, None, None)


# --------------------------------------------------------------- device discipline


def test_losses_are_read_from_the_device_once_per_block(dataset):
    """Under the strict stand-in device, 300 steps read the device 3 times for the losses,
    not 300 (plus what the accuracies need at the 3 evaluations)."""
    from strict_device import counting_host_transfers

    with backend.using_device("strict"):
        trainer = make_trainer(dataset, epochs=30, batch=30)  # 10 steps an epoch: 300 steps
        with counting_host_transfers() as count:
            trainer.train()
    assert trainer.max_iter == 300 and len(trainer.train_loss_list) == 300
    per_evaluation = 2 * 2  # train and test accuracy: argmax comparison read once each
    assert count() <= 300 // LOSS_BLOCK + 1 + 30 * per_evaluation + 1, count()
    assert count() < 300


def test_a_test_set_needs_both_halves(dataset):
    x_train, t_train, x_test, _ = dataset
    with pytest.raises(ValueError, match="both x_test and t_test") as info:
        Trainer(MultiLayerNet(FEATURES, [4], CLASSES), x_train, t_train, x_test, None)
    assert "(90, 6)" in str(info.value) and "t_test None" in str(info.value)


# ------------------------------------------------------------ the data, checked once


@pytest.mark.parametrize(
    "fault, error, words",
    [
        ("label -1", ValueError, "Trainer (training data): labels must be class indices in 0..2"),
        ("label 3", ValueError, "Trainer (training data): labels must be class indices in 0..2"),
        ("NaN", ValueError, "Trainer (training data): x contains NaN or infinite values"),
        ("labels short", ValueError, "Trainer (training data): labels t must be 300 class"),
        ("features", ValueError, "MultiLayerNet.predict: x has shape (1, 5), expected (N, 6)"),
        ("strings", TypeError, "Trainer (training data): x must be a NumPy/CuPy array"),
    ],
)
def test_bad_training_data_is_refused_when_the_trainer_is_built(dataset, fault, error, words):
    x, t, x_test, t_test = dataset
    x, t = x.copy(), t.copy()
    if fault == "label -1":
        t[7] = -1
    elif fault == "label 3":
        t[7] = 3
    elif fault == "NaN":
        x[4, 2] = np.nan
    elif fault == "labels short":
        t = t[:-1]
    elif fault == "features":
        x = x[:, :5]
    else:
        x = x.astype(str)
    with pytest.raises(error) as info:
        Trainer(MultiLayerNet(FEATURES, [4], CLASSES), x, t, x_test, t_test)
    assert words in str(info.value), str(info.value)


def test_bad_test_labels_are_refused_when_the_trainer_is_built(dataset):
    x, t, x_test, t_test = dataset
    with pytest.raises(ValueError, match=r"Trainer \(test data\): labels must be class indices"):
        Trainer(MultiLayerNet(FEATURES, [4], CLASSES), x, t, x_test, t_test + 5)


def test_the_steps_do_not_check_label_values_again(dataset, monkeypatch):
    """The data were checked whole when the Trainer was built: every step (and every
    evaluation) runs inside checks.data_checked(), so no step waits to read labels back."""
    from common import checks

    trainer = make_trainer(dataset, epochs=2)
    inside = []
    gradient, accuracy = trainer.network.gradient, trainer.network.accuracy
    monkeypatch.setattr(
        trainer.network,
        "gradient",
        lambda x, t: inside.append(checks._data_checked) or gradient(x, t),
    )
    monkeypatch.setattr(
        trainer.network,
        "accuracy",
        lambda x, t: inside.append(checks._data_checked) or accuracy(x, t),
    )
    trainer.train()
    assert len(inside) == trainer.max_iter + 2 * 2 + 1  # steps, 2 epochs x 2 sets, final test
    assert all(inside), inside
    assert checks._data_checked == 0  # and the block has ended
