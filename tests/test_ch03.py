"""Chapter 3: activation plots, MNIST display, inference with the trained sample weights."""
import importlib
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, requires_mnist, run_script

SCRIPTS = ["step_function", "sigmoid", "relu", "sig_step_compare", "mnist_show",
           "neuralnet_mnist", "neuralnet_mnist_batch", "train_sample_weight"]
PLOTS = {"step_function": "step_function.png", "sigmoid": "sigmoid.png",
         "relu": "relu.png", "sig_step_compare": "sig_step_compare.png"}
SAMPLE_WEIGHT = REPO / "ch03" / "sample_weight.npz"
SHAPES = {"W1": (784, 50), "b1": (50,), "W2": (50, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}


def accuracy_in(output):
    match = re.search(r"^Accuracy:([0-9.]+)$", output, re.MULTILINE)
    assert match, f"no 'Accuracy:' line in:\n{output}"
    return float(match.group(1))


def assert_png(path):
    path = Path(path)
    assert path.is_file(), f"{path} was not written"
    assert path.stat().st_size > 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_describes_the_script(name, capsys):
    module = importlib.import_module(f"ch03.{name}")
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage:")
    assert module.__doc__.strip().splitlines()[0] in out


def test_sources_do_not_touch_sys_path():
    for path in (REPO / "ch03").glob("*.py"):
        assert "sys.path" not in path.read_text(), f"{path.name} manipulates sys.path"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLOTS))
def test_activation_plot_is_saved(name, tmp_path):
    result = run_script(f"ch03/{name}.py", "--save", tmp_path)
    assert_png(tmp_path / PLOTS[name])
    assert str(tmp_path / PLOTS[name]) in result.stdout


@pytest.mark.slow
def test_plot_script_runs_as_module_from_another_folder(tmp_path):
    run_script("ch03/sigmoid.py", "--save", tmp_path / "figs", module=True, cwd=tmp_path)
    assert_png(tmp_path / "figs" / "sigmoid.png")


@requires_mnist
@pytest.mark.slow
def test_mnist_show_prints_label_and_shapes(tmp_path):
    result = run_script("ch03/mnist_show.py", "--save", tmp_path)
    assert result.stdout.splitlines()[:3] == ["5", "(784,)", "(28, 28)"]
    assert_png(tmp_path / "digit.png")

    result = run_script("ch03/mnist_show.py", "--index", 1, "--save", tmp_path)
    assert result.stdout.splitlines()[0] == "0"  # the second training image is a 0


def test_sample_weight_file_is_plain_small_float32():
    assert SAMPLE_WEIGHT.is_file(), "run: python ch03/train_sample_weight.py"
    assert SAMPLE_WEIGHT.stat().st_size < 250_000
    with np.load(SAMPLE_WEIGHT, allow_pickle=False) as data:
        assert sorted(data.files) == sorted(SHAPES)
        for key, shape in SHAPES.items():
            assert data[key].shape == shape
            assert data[key].dtype == np.float32


def test_init_network_reads_the_file_next_to_the_module(tmp_path, monkeypatch):
    from ch03.neuralnet_mnist import init_network
    monkeypatch.chdir(tmp_path)  # not the repository: the path must not depend on the cwd
    network = init_network()
    assert {key: value.shape for key, value in network.items()} == SHAPES


def test_predict_handles_one_image_and_a_batch():
    from ch03.neuralnet_mnist import init_network, predict
    network = init_network()
    x = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    batch = predict(network, x)
    assert batch.shape == (5, 10)
    np.testing.assert_allclose(batch.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(predict(network, x[2]), batch[2], rtol=1e-5, atol=1e-6)


def test_missing_weights_give_one_line_and_a_failure(tmp_path):
    result = run_script("ch03/neuralnet_mnist.py", "--weights", tmp_path / "none.npz", check=False)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "train_sample_weight.py" in message and "none.npz" in message


@requires_mnist
@pytest.mark.slow
def test_inference_one_at_a_time_and_batched_agree():
    single = run_script("ch03/neuralnet_mnist.py")
    batched = run_script("ch03/neuralnet_mnist_batch.py", "--repeat", 1)
    accuracy = accuracy_in(single.stdout)
    assert accuracy >= 0.93
    assert accuracy_in(batched.stdout) == accuracy
    assert re.search(r"batching is [0-9.]+ times faster", batched.stdout)


@requires_mnist
@pytest.mark.slow
def test_train_sample_weight_is_deterministic(tmp_path):
    # Large batches and one epoch: 60 steps, a second or two.
    from ch03.neuralnet_mnist import init_network
    args = ["--epochs", 1, "--batch-size", 1000, "--seed", 3]
    result = run_script("ch03/train_sample_weight.py", *args, "--output", tmp_path / "a.npz")
    saved = re.search(r"saved .*a\.npz .*test accuracy ([0-9.]+)", result.stdout)
    assert saved, result.stdout
    assert float(saved.group(1)) > 0.5  # trained, if briefly
    run_script("ch03/train_sample_weight.py", *args, "--output", tmp_path / "b.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "b.npz"]  # no temporary left over

    a, b = init_network(tmp_path / "a.npz"), init_network(tmp_path / "b.npz")
    for key, shape in SHAPES.items():
        assert a[key].shape == shape and a[key].dtype == np.float32
        np.testing.assert_array_equal(a[key], b[key])
