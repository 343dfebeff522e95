"""Chapter 6 scripts: every ``--help``, and a headless run of each with small settings.

The runs check what the scripts print (numbers where numbers belong) and that
their figures are written with ``--save``.  Extra checks: every optimizer gets
closer to the minimum of f(x, y) = x^2/20 + y^2; the batch-norm gradient check
agrees; the hyperparameter search gives the same results with 1 and 2 jobs.
"""
import importlib
import re

import pytest

from conftest import requires_mnist, run_script

SCRIPTS = [
    "optimizer_compare_naive",
    "optimizer_compare_mnist",
    "weight_init_activation_histogram",
    "weight_init_compare",
    "batch_norm_test",
    "batch_norm_gradient_check",
    "overfit_weight_decay",
    "overfit_dropout",
    "hyperparameter_optimization",
]

NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def figures_written(folder, *names):
    for name in names:
        path = folder / f"{name}.png"
        assert path.is_file(), f"{path} was not written"
        assert path.stat().st_size > 1000, f"{path} is (nearly) empty"


@pytest.mark.parametrize("name", SCRIPTS)
def test_help(name, capsys):
    module = importlib.import_module(f"ch06.{name}")
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    first_line = module.__doc__.strip().splitlines()[0]
    assert first_line in out
    assert "--help" in out and "default" in out


@pytest.mark.slow
def test_optimizer_compare_naive(tmp_path):
    out = run_script("ch06/optimizer_compare_naive.py", "--save", tmp_path).stdout
    start = re.search(rf"start \(x, y\) = \(({NUMBER}), ({NUMBER})\)", out)
    start_distance = float(start[1]) ** 2 + float(start[2]) ** 2
    finals = re.findall(rf"^(\w+) +final \(x, y\) = \(({NUMBER}), ({NUMBER})\)  f = ({NUMBER})$", out, re.M)
    assert [name for name, *_ in finals] == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]
    for name, x, y, f in finals:
        assert float(x) ** 2 + float(y) ** 2 < start_distance, f"{name} did not get closer to (0, 0)"
        assert float(f) < 6.45, f"{name} did not lower f"
    figures_written(tmp_path, "optimizer_paths", "optimizer_function")


@requires_mnist
@pytest.mark.slow
def test_optimizer_compare_mnist(tmp_path):
    out = run_script("ch06/optimizer_compare_mnist.py", "--iters", 30, "--print-every", 10,
                     "--save", tmp_path).stdout
    assert "===========iteration:20===========" in out
    for name in ["SGD", "Momentum", "AdaGrad", "Adam", "RMSprop"]:
        losses = [float(v) for v in re.findall(rf"^{name}:({NUMBER})$", out, re.M)]
        assert len(losses) == 4  # iterations 0, 10, 20 and the final mean
        assert all(0 < loss < 10 for loss in losses)
    figures_written(tmp_path, "optimizer_compare_mnist")


@pytest.mark.slow
def test_weight_init_activation_histogram(tmp_path):
    out = run_script("ch06/weight_init_activation_histogram.py", "--activation", "relu",
                     "--samples", 200, "--save", tmp_path).stdout
    stds = [float(v) for v in re.findall(rf"^layer 5: mean {NUMBER}  std ({NUMBER})", out, re.M)]
    assert len(stds) == 4  # std=1, std=0.01, Xavier, He
    std_1, std_001, xavier, he = stds
    assert std_1 > 100 * he > 100 * xavier and std_001 < 1e-4 * he  # ReLU: explodes or vanishes, unless He
    figures_written(tmp_path, "weight_init_activation_relu")


@requires_mnist
@pytest.mark.slow
def test_weight_init_compare(tmp_path):
    out = run_script("ch06/weight_init_compare.py", "--iters", 30, "--print-every", 10,
                     "--save", tmp_path).stdout
    for name in ["std=0.01", "Xavier", "He"]:
        losses = [float(v) for v in re.findall(rf"^{re.escape(name)}:({NUMBER})$", out, re.M)]
        assert len(losses) == 4 and all(0 < loss < 10 for loss in losses)
    figures_written(tmp_path, "weight_init_compare")


@requires_mnist
@pytest.mark.slow
def test_batch_norm_test(tmp_path):
    out = run_script("ch06/batch_norm_test.py", "--epochs", 2, "--scales", 2, "--train-size", 200,
                     "--save", tmp_path).stdout
    pairs = re.findall(rf"^epoch:\d+ \| ({NUMBER}) - ({NUMBER})$", out, re.M)
    assert len(pairs) == 2 * 2
    assert all(0 <= float(a) <= 1 and 0 <= float(b) <= 1 for a, b in pairs)
    figures_written(tmp_path, "batch_norm_test")


@requires_mnist
@pytest.mark.slow
def test_batch_norm_gradient_check():
    out = run_script("ch06/batch_norm_gradient_check.py", "--input-size", 20, "--batch-size", 3).stdout
    rows = re.findall(rf"^(\w+):({NUMBER})  \(({NUMBER})\)$", out, re.M)
    keys = [key for key, *_ in rows]
    assert sorted(keys) == sorted(["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"])
    for key, diff, _ in rows:
        assert float(diff) < 1e-6, f"{key}: backprop and numerical gradients differ by {diff}"
    sizes = {key: float(size) for key, _, size in rows}
    assert sizes["W1"] > 1e-4 and sizes["gamma1"] > 1e-4  # with 3 examples the check is not trivial


@requires_mnist
@pytest.mark.slow
def test_overfit_weight_decay(tmp_path):
    out = run_script("ch06/overfit_weight_decay.py", "--epochs", 3, "--save", tmp_path).stdout
    accuracies = re.findall(rf"^epoch:(\d+), train acc:({NUMBER}), test acc:({NUMBER})$", out, re.M)
    assert [int(epoch) for epoch, *_ in accuracies] == [1, 2, 3]
    assert all(0 <= float(a) <= 1 for _, *pair in accuracies for a in pair)
    figures_written(tmp_path, "overfit_weight_decay")


@requires_mnist
@pytest.mark.slow
def test_overfit_dropout(tmp_path):
    out = run_script("ch06/overfit_dropout.py", "--epochs", 3, "--save", tmp_path).stdout
    accuracies = re.findall(rf"^=== epoch:\d+, train acc:({NUMBER}), test acc:({NUMBER}) ===$", out, re.M)
    assert len(accuracies) == 3
    assert re.search(rf"^final: train acc {NUMBER}, test acc {NUMBER}", out, re.M)
    figures_written(tmp_path, "overfit_dropout")


@requires_mnist
@pytest.mark.slow
def test_hyperparameter_optimization_parallel_matches_serial(tmp_path):
    settings = ["--trials", 4, "--epochs", 2, "--seed", 3]
    serial = run_script("ch06/hyperparameter_optimization.py", *settings, "--save", tmp_path).stdout
    parallel = run_script("ch06/hyperparameter_optimization.py", *settings, "--jobs", 2,
                          "--save", tmp_path / "parallel").stdout

    def results(out):
        return [line for line in out.splitlines() if line.startswith(("trial ", "Best-"))]

    assert len(results(serial)) == 8
    assert re.search(rf"^Best-1\(val acc:{NUMBER}\) \| lr:{NUMBER}, weight decay:{NUMBER}$", serial, re.M)
    assert results(parallel) == results(serial)
    figures_written(tmp_path, "hyperparameter_best", "hyperparameter_map")


def test_hyperparameter_optimization_refuses_parallel_gpu(capsys):
    module = importlib.import_module("ch06.hyperparameter_optimization")
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--jobs", "2", "--device", "gpu"])
    assert exit_info.value.code == 2
    assert "--jobs > 1" in capsys.readouterr().err


@requires_mnist
@pytest.mark.gpu
@pytest.mark.slow
def test_optimizer_compare_mnist_on_gpu(tmp_path):
    out = run_script("ch06/optimizer_compare_mnist.py", "--device", "gpu", "--iters", 20,
                     "--print-every", 10, "--save", tmp_path).stdout
    assert "device: gpu" in out
    assert len(re.findall(rf"^Adam:({NUMBER})$", out, re.M)) == 3
