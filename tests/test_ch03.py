"""Chapter 3: activation plots, MNIST display, inference with the trained sample weights."""

import hashlib
import importlib
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from ch03 import neuralnet_mnist, train_sample_weight
from ch03.neuralnet_mnist import init_network
from common import cli
from dataset import mnist

import numpy as np
import pytest
from conftest import REPO, requires_mnist, run_script
from gradcheck import preserved_backend

SCRIPTS = [
    "step_function",
    "sigmoid",
    "relu",
    "sig_step_compare",
    "mnist_show",
    "neuralnet_mnist",
    "neuralnet_mnist_batch",
    "train_sample_weight",
]
PLOTS = {
    "step_function": "step_function.png",
    "sigmoid": "sigmoid.png",
    "relu": "relu.png",
    "sig_step_compare": "sig_step_compare.png",
}
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
    monkeypatch.chdir(tmp_path)  # not the repository: the path must not depend on the cwd
    network = init_network()
    assert {key: value.shape for key, value in network.items()} == SHAPES


def test_predict_handles_one_image_and_a_batch():
    predict = neuralnet_mnist.predict
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
    assert accuracy == pytest.approx(0.9700, abs=0.0005)  # the README's figure
    assert accuracy_in(batched.stdout) == accuracy
    assert re.search(r"batching is [0-9.]+ times faster", batched.stdout)
    # where the learner sees the number, the reason it is not the book's 0.9352
    for result in (single, batched):
        note = result.stdout.splitlines()[1]
        assert "Accuracy:0.9352" in note and "sample_weight.pkl" in note, result.stdout


@requires_mnist
@pytest.mark.slow
def test_train_sample_weight_is_deterministic(tmp_path):
    # Large batches and one epoch: 60 steps, a second or two (and accuracy below the
    # default floor of 0.9, hence --min-accuracy).
    args = ["--epochs", 1, "--batch-size", 1000, "--seed", 3, "--min-accuracy", 0.5]
    result = run_script("ch03/train_sample_weight.py", *args, "--output", tmp_path / "a.npz")
    saved = re.search(r"saved .*a\.npz .*test accuracy ([0-9.]+)", result.stdout)
    assert saved, result.stdout
    assert float(saved.group(1)) > 0.5  # trained, if briefly
    run_script("ch03/train_sample_weight.py", *args, "--output", tmp_path / "b.npz")
    # no temporary file left over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "b.npz"]

    a, b = init_network(tmp_path / "a.npz"), init_network(tmp_path / "b.npz")
    for key, shape in SHAPES.items():
        assert a[key].shape == shape and a[key].dtype == np.float32
        np.testing.assert_array_equal(a[key], b[key])


@requires_mnist
@pytest.mark.slow
def test_train_sample_weight_never_replaces_the_shipped_file_unasked(tmp_path):
    shipped = SAMPLE_WEIGHT.read_bytes()
    try:
        # the default goes to out/ under the current folder
        run_script(
            "ch03/train_sample_weight.py",
            "--epochs",
            1,
            "--batch-size",
            1000,
            "--min-accuracy",
            0.5,
            cwd=tmp_path,
        )
        assert init_network(tmp_path / "out" / "sample_weight.npz")["W1"].shape == (784, 50)
        # named explicitly, but less accurate than the shipped weights: refused
        result = run_script(
            "ch03/train_sample_weight.py",
            "--epochs",
            1,
            "--batch-size",
            1000,
            "--min-accuracy",
            0.5,
            "--output",
            SAMPLE_WEIGHT,
            check=False,
        )
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1].startswith("error: not saved: test accuracy")
        assert "below the 0.97" in result.stderr and "--force" in result.stderr
    finally:
        unchanged = SAMPLE_WEIGHT.read_bytes() == shipped
        if not unchanged:
            SAMPLE_WEIGHT.write_bytes(shipped)
    assert unchanged
    assert not list(SAMPLE_WEIGHT.parent.glob("sample_weight.npz.*"))  # no temporary left


# --- bad weights files: one line, before MNIST is loaded ----------------------------------


def _weights():
    return init_network()


def _write(path, maker):
    maker(path)
    return path


BAD_WEIGHTS = {
    "pickle.pkl": (
        lambda p: p.write_bytes(pickle.dumps(_weights())),
        "pickled weights are refused",
    ),
    "pickle-named.npz": (lambda p: p.write_bytes(pickle.dumps(_weights())), "is a pickle"),
    "array.npy": (lambda p: np.save(p, _weights()["W1"]), "is not an .npz file"),
    "objects.npz": (
        lambda p: np.savez(p, **{**_weights(), "W1": np.array([None, 1], dtype=object)}),
        "holds pickled objects, which are refused",
    ),
    "nan.npz": (
        lambda p: np.savez(p, **{**_weights(), "W2": _weights()["W2"] * np.nan}),
        "W2 holds NaN or infinite values",
    ),
    "inf.npz": (
        lambda p: np.savez(p, **{**_weights(), "b3": np.full(10, np.inf, np.float32)}),
        "b3 holds NaN or infinite values",
    ),
    "narrow.npz": (
        lambda p: np.savez(p, **{**_weights(), "W1": _weights()["W1"][:700]}),
        "W1 is (700, 50) and b1 is (50,), expected (784, 50)",
    ),
    "mismatch.npz": (
        lambda p: np.savez(p, **{**_weights(), "b2": np.zeros(7, np.float32)}),
        "b2 is (7,), expected (50, 100) and (100,)",
    ),
    "ints.npz": (
        lambda p: np.savez(p, **{**_weights(), "b1": np.zeros(50, int)}),
        "b1 holds int64 values, expected floats",
    ),
    "missing.npz": (lambda p: np.savez(p, W1=_weights()["W1"]), "lacks the arrays b1, W2"),
    "truncated.npz": (
        lambda p: p.write_bytes(SAMPLE_WEIGHT.read_bytes()[:5000]),
        "cannot be read as an .npz file",
    ),
    "folder": (lambda p: p.mkdir(), "is a folder, expected an .npz file"),
}


@pytest.mark.parametrize("name", BAD_WEIGHTS)
def test_bad_weights_file_is_refused_with_the_reason(name, tmp_path):
    maker, reason = BAD_WEIGHTS[name]
    path = _write(tmp_path / name, maker)
    with pytest.raises(neuralnet_mnist.WeightsError) as info:
        init_network(path)
    message = str(info.value)
    assert reason in message and str(path) in message and "\n" not in message
    assert "allow_pickle" not in message  # never the advice to load it unsafely
    assert isinstance(info.value, ValueError)


def test_pickle_on_the_command_line_says_how_to_make_an_npz(tmp_path):
    book_like = tmp_path / "sample_weight.pkl"
    book_like.write_bytes(pickle.dumps(_weights()))
    result = run_script(
        "ch03/neuralnet_mnist.py",
        "--weights",
        book_like,
        check=False,
        env={"MNIST_DIR": str(tmp_path / "nowhere")},
    )
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "pickled weights are refused" in lines[0] and "train_sample_weight.py" in lines[0]
    # the conversion it offers (for a trusted pickle) works, and makes a file that loads
    command = lines[0].split("once: ", 1)[1]
    subprocess.run(command, shell=True, cwd=tmp_path, check=True, env={"PATH": sys_path()})
    converted = init_network(tmp_path / "sample_weight_book.npz")
    for key, value in _weights().items():
        np.testing.assert_array_equal(converted[key], value)


def sys_path():
    return str(Path(sys.executable).parent)


def test_book_note_only_for_the_shipped_weights(tmp_path):
    note = neuralnet_mnist.book_note(SAMPLE_WEIGHT)
    assert "Accuracy:0.9352" in note and "sample_weight.pkl" in note
    assert "0.9352" not in neuralnet_mnist.book_note(tmp_path / "mine.npz")
    assert "0.9352" in neuralnet_mnist.__doc__ and "0.9700" in neuralnet_mnist.__doc__


# --- train_sample_weight on a small made-up data set (no MNIST needed) ---------------------


def blocks(n, seed):
    """n images of 784 pixels whose digit k lights up pixels 78k to 78k+77: easy to learn."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 10, n).astype(np.uint8)
    x = (0.2 * rng.random((n, 784))).astype(np.float32)
    for k in range(10):
        x[t == k, 78 * k : 78 * k + 78] += 0.8
    return x, t


@pytest.fixture
def small_data(monkeypatch, tmp_path):
    """train_sample_weight trains on 1000 made-up images and tests on 300, in tmp_path."""
    data = (blocks(1000, 1), blocks(300, 2))
    monkeypatch.setattr(mnist, "load_mnist_or_exit", lambda **kwargs: data)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # for the fallback
    (tmp_path / "tmp").mkdir()
    return data


def train(*args):
    """train_sample_weight.main in this process; the exit message, or None on success."""
    try:
        with preserved_backend():  # --device (or $DLFS_DEVICE) would outlast the test
            train_sample_weight.main([str(a) for a in args])
    except SystemExit as exc:
        return str(exc.code)
    return None


def test_default_output_is_out_under_the_current_folder(small_data, tmp_path, capsys):
    before = hashlib.sha256(SAMPLE_WEIGHT.read_bytes()).hexdigest()
    assert train("--epochs", 3) is None
    out = capsys.readouterr().out
    saved = tmp_path / "out" / "sample_weight.npz"
    accuracy = float(re.search(r"saved out/sample_weight\.npz .*test accuracy ([0-9.]+)", out)[1])
    x_test, t_test = small_data[1]
    network = init_network(saved)
    assert accuracy == train_sample_weight.weights_accuracy(network, x_test, t_test) > 0.9
    assert "use them with: python ch03/neuralnet_mnist.py --weights out/sample_weight.npz" in out
    assert sorted(p.name for p in saved.parent.iterdir()) == ["sample_weight.npz"]
    assert hashlib.sha256(SAMPLE_WEIGHT.read_bytes()).hexdigest() == before


def test_weights_below_the_floor_are_not_saved(small_data, tmp_path):
    message = train("--epochs", 1, "--lr", 1e-6, "--output", "low.npz")  # learns nothing
    assert message.startswith("error: not saved: test accuracy 0.")
    assert "below --min-accuracy 0.9" in message and "--force" in message
    assert not (tmp_path / "low.npz").exists() and list(tmp_path.glob("low.npz*")) == []
    assert train("--epochs", 1, "--lr", 1e-6, "--output", "low.npz", "--force") is None
    assert init_network(tmp_path / "low.npz")["W3"].shape == (100, 10)


def test_replacing_the_shipped_weights_needs_better_ones(small_data, tmp_path, monkeypatch):
    stand_in = tmp_path / "shipped" / "sample_weight.npz"  # the real one stays untouched
    monkeypatch.setattr(neuralnet_mnist, "SAMPLE_WEIGHT", stand_in)
    assert train("--epochs", 3, "--output", stand_in) is None  # good weights, "shipped"
    good = stand_in.read_bytes()
    message = train("--epochs", 1, "--lr", 1e-6, "--min-accuracy", 0, "--output", stand_in)
    assert re.fullmatch(
        r"error: not saved: test accuracy 0\.\d+ is below the [01]\.\d+ of the "
        r"shipped .*; pass --force to replace it anyway, or choose another "
        r"--output",
        message,
    )
    assert stand_in.read_bytes() == good
    assert (
        train("--epochs", 1, "--lr", 1e-6, "--min-accuracy", 0, "--output", stand_in, "--force")
        is None
    )
    assert stand_in.read_bytes() != good


def test_non_finite_weights_are_never_saved(small_data):
    x_test, t_test = small_data[1]
    params = {key: value.copy() for key, value in init_network().items()}
    params["b2"][3] = np.nan
    args = cli.script_parser("").parse_args([])
    args.force, args.min_accuracy, args.output = True, 0.0, Path("x.npz")
    problem = train_sample_weight.refusal(params, 0.99, args, x_test, t_test)
    assert problem == (
        "not saved: b2 hold NaN or infinite values (training diverged; try a smaller --lr)"
    )


def test_a_failed_write_keeps_the_weights_elsewhere(small_data, tmp_path, monkeypatch):
    real_save = train_sample_weight.save_weights

    def full_disk(params, path):
        if Path(path).name == "w.npz":
            raise OSError(28, "No space left on device")
        real_save(params, path)

    monkeypatch.setattr(train_sample_weight, "save_weights", full_disk)
    message = train("--epochs", 3, "--output", "w.npz")
    kept = Path(
        re.fullmatch(
            r"error: could not write w\.npz \(No space left on device\); the "
            r"weights are saved in (\S+) instead",
            message,
        )[1]
    )
    assert kept.is_relative_to(tmp_path / "tmp")
    assert init_network(kept)["W1"].shape == (784, 50)


@pytest.mark.parametrize(
    "args, option, reason",
    [
        (["--epochs", "0"], "--epochs", "must be at least 1"),
        (["--lr", "nan"], "--lr", "expected a finite number"),
        (["--lr", "-0.1"], "--lr", "must be in (0"),
        (["--batch-size", "-5"], "--batch-size", "must be from 1"),
        (["--min-accuracy", "1.5"], "--min-accuracy", "must be in [0, 1)"),
        (["--output", "weights.pkl"], "--output", "ending in .npz"),
        (["--output", "{file}/w.npz"], "--output", "is not a folder"),
    ],
)
def test_bad_options_stop_before_any_work(args, option, reason, tmp_path, monkeypatch, capsys):
    (tmp_path / "a-file").write_text("")
    args = [a.format(file=tmp_path / "a-file") for a in args]
    loads = []
    monkeypatch.setattr(mnist, "load_mnist_or_exit", lambda **kwargs: loads.append(1))
    with pytest.raises(SystemExit) as info:
        train_sample_weight.main(args)
    assert info.value.code == 2 and loads == []
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"error: argument {option}: " in error
    assert reason in error


def test_output_that_cannot_be_written_is_found_before_training(tmp_path, monkeypatch, capsys):
    loads = []
    monkeypatch.setattr(mnist, "load_mnist_or_exit", lambda **kwargs: loads.append(1))
    monkeypatch.setattr(train_sample_weight.tempfile, "mkstemp", _no_space)
    with pytest.raises(SystemExit) as info:
        train_sample_weight.main(["--output", str(tmp_path / "w.npz")])
    assert info.value.code == 2 and loads == []
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument --output: cannot write into {tmp_path} (No space left on device)" in error


def _no_space(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_training_on_the_strict_stand_in_device_saves_the_cpu_weights(small_data, tmp_path):
    # The GPU path without a GPU: arrays that refuse to mix with NumPy's (see
    # common/strict_device.py) must still come out as the same plain float32 file.
    assert train("--device", "strict", "--epochs", 2, "--output", "strict.npz") is None
    assert train("--device", "cpu", "--epochs", 2, "--output", "cpu.npz") is None
    strict, cpu = init_network(tmp_path / "strict.npz"), init_network(tmp_path / "cpu.npz")
    for key in SHAPES:
        assert type(strict[key]) is np.ndarray and strict[key].dtype == np.float32
        np.testing.assert_array_equal(strict[key], cpu[key])
