"""Chapter 6 scripts: every ``--help``, and a headless run of each with small settings.

The runs check what the scripts print (numbers where numbers belong) and that
their figures are written with ``--save``.  Extra checks: every optimizer gets
closer to the minimum of f(x, y) = x^2/20 + y^2; the batch-norm gradient check
agrees; the hyperparameter search gives the same results with 1 and 2 jobs;
without MNIST every script stops with one line; ``ch06.experiments.train_side_by_side``
gives every network the same mini-batches.
"""

import copy
import importlib
import re

import numpy as np
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

MNIST_SCRIPTS = [
    name
    for name in SCRIPTS
    if name not in ("optimizer_compare_naive", "weight_init_activation_histogram")
]

NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"


def loss_lines(out):
    """The lines ``iteration N | name loss | ...`` and ``mean of the last N iterations | ...``,
    as (label, {name: loss}) pairs, in order."""
    lines = []
    for line in out.splitlines():
        if re.match(r"^(iteration \d+|mean of the last \d+ iterations) \| ", line):
            label, *columns = line.split(" | ")
            lines.append(
                (
                    label,
                    {
                        name: float(value)
                        for name, value in (column.rsplit(" ", 1) for column in columns)
                    },
                )
            )
    return lines


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
    finals = re.findall(
        rf"^(\w+) +final \(x, y\) = \(({NUMBER}), ({NUMBER})\)  f = ({NUMBER})$", out, re.M
    )
    assert [name for name, *_ in finals] == [
        "SGD",
        "Momentum",
        "Nesterov",
        "AdaGrad",
        "RMSprop",
        "Adam",
    ]
    for name, x, y, f in finals:
        assert float(x) ** 2 + float(y) ** 2 < start_distance, (
            f"{name} did not get closer to (0, 0)"
        )
        assert float(f) < 6.45, f"{name} did not lower f"
    figures_written(tmp_path, "optimizer_paths", "optimizer_function")


def drawn_width_over_height(ax, contours, level):
    """Width / height ON SCREEN of the contour line f = level in ``ax``."""
    index = list(contours.levels).index(level)
    vertices = np.concatenate([path.vertices for path in contours.get_paths()[index : index + 1]])
    pixels = ax.transData.transform(vertices)
    width, height = np.ptp(pixels, axis=0)
    return width / height


def test_valley_figures_draw_x_and_y_on_one_scale_with_one_legend_and_a_colorbar():
    from ch06.optimizer_compare_naive import descend, optimizers, plot_function, plot_paths

    import matplotlib.pyplot as plt
    from matplotlib.contour import ContourSet
    from matplotlib.quiver import Quiver

    paths = {name: descend(optimizer, 5) for name, optimizer in optimizers().items()}
    figures = [plot_paths(paths), plot_function(paths["Adam"], "Adam")]
    for fig in figures:
        fig.canvas.draw()  # applies the aspect ratios
    paths_fig, function_fig = figures

    panels = [ax for ax in paths_fig.axes if ax.get_title() in paths]
    assert len(panels) == 6
    assert all(ax.get_legend() is None for ax in paths_fig.axes)  # no legend repeated per panel
    (legend,) = paths_fig.legends
    assert {"path", "minimum (0, 0)", "contour lines of f"} <= {t.get_text() for t in legend.texts}
    for ax in panels:
        (contours,) = [c for c in ax.get_children() if isinstance(c, ContourSet)]
        # the level f = 4 is an ellipse with semi-axes sqrt(80) and 2: sqrt(20) as wide as high
        assert drawn_width_over_height(ax, contours, 4) == pytest.approx(np.sqrt(20), rel=0.03)

    (contour_ax,) = [ax for ax in function_fig.axes if ax.get_title().startswith("contour")]
    assert "4.5 times wider" in contour_ax.get_title()
    (contours,) = [c for c in contour_ax.get_children() if isinstance(c, ContourSet)]
    assert drawn_width_over_height(contour_ax, contours, 4) == pytest.approx(4.5, rel=0.03)
    (quiver,) = [c for ax in function_fig.axes for c in ax.get_children() if isinstance(c, Quiver)]
    assert quiver.colorbar is not None and "|grad f|" in quiver.colorbar.ax.get_ylabel()
    assert quiver.axes.get_aspect() == 1.0  # arrows drawn in their true directions
    for fig in figures:
        plt.close(fig)


@requires_mnist
@pytest.mark.slow
@pytest.mark.parametrize(
    "name, networks",
    [
        ("optimizer_compare_mnist", ["SGD", "Momentum", "AdaGrad", "Adam", "RMSprop"]),
        ("weight_init_compare", ["std 0.01", "Xavier", "He"]),
    ],
)
def test_side_by_side_losses(name, networks, tmp_path):
    out = run_script(
        f"ch06/{name}.py", "--iters", 30, "--print-every", 10, "--save", tmp_path
    ).stdout
    lines = loss_lines(out)
    assert [label for label, _ in lines] == [
        "iteration 0",
        "iteration 10",
        "iteration 20",
        "mean of the last 30 iterations",
    ]
    for _, losses in lines:
        assert list(losses) == networks
        assert all(0 < loss < 10 for loss in losses.values())
    figures_written(tmp_path, name)


def test_histogram_shares_add_up_to_all_outputs_and_count_relu_zeros_apart():
    from ch06.weight_init_activation_histogram import RANGES, histogram_shares

    rng = np.random.default_rng(0)
    z = np.maximum(rng.standard_normal((50, 40)) * 3, 0)  # ReLU-like: ~half exact zeros, some > 4
    values, weights, zeros, outside = histogram_shares(z, "relu")
    assert zeros == pytest.approx(100 * np.mean(z == 0)) and 40 < zeros < 60
    assert np.all(values != 0) and values.size == np.count_nonzero(z)
    assert outside == pytest.approx(100 * np.mean(z > RANGES["relu"][1])) and outside > 5
    drawn = weights[(values >= 0) & (values <= RANGES["relu"][1])].sum()
    assert drawn + zeros + outside == pytest.approx(100)  # the bars are shares of ALL outputs

    s = 1 / (1 + np.exp(-rng.standard_normal(500)))
    values, weights, zeros, outside = histogram_shares(s, "sigmoid")  # no zeros taken out
    assert zeros == 0 and outside == 0 and weights.sum() == pytest.approx(100)


def test_histogram_grid_rows_share_a_visible_y_scale_of_percentages():
    from ch06.weight_init_activation_histogram import forward, histogram_grid, histogram_shares
    from common.functions import relu

    import matplotlib.pyplot as plt

    np.random.seed(0)
    x = np.random.randn(200, 50)
    rows = [
        (name, "relu", forward(x, scale, 4, relu))
        for name, scale in [("std=1", 1.0), ("He", np.sqrt(2 / 50))]
    ]
    fig = histogram_grid(rows, "test")
    axes = np.array(fig.axes).reshape(2, 4)
    for row, (_, _, outputs) in zip(axes, rows):
        assert len({ax.get_ylim() for ax in row}) == 1  # one y scale along a row
        assert len(row[0].get_yticks()) > 1 and row[0].get_ylabel() == "% of outputs"
        for ax, z in zip(row, outputs):
            _, _, zeros, outside = histogram_shares(z, "relu")
            bars = sum(patch.get_height() for patch in ax.patches)
            assert bars + zeros + outside == pytest.approx(100)  # heights are % of all outputs
            assert f"zeros: {zeros:.0f}%" in [text.get_text() for text in ax.texts]
            assert max(patch.get_height() for patch in ax.patches) < ax.get_ylim()[1]
    # std=1 explodes: by layer 4 nearly everything is beyond the range, so its bars are low
    # beside layer 1's (scaled per panel, both would look full height)
    low = max(patch.get_height() for patch in axes[0, 3].patches)
    assert low < 0.1 * max(patch.get_height() for patch in axes[0, 0].patches)
    plt.close(fig)


@pytest.mark.slow
def test_weight_init_activation_histogram(tmp_path):
    out = run_script(
        "ch06/weight_init_activation_histogram.py",
        "--activation",
        "relu",
        "--samples",
        200,
        "--save",
        tmp_path,
    ).stdout
    stds = [float(v) for v in re.findall(rf"^layer 5: mean {NUMBER}  std ({NUMBER})", out, re.M)]
    assert len(stds) == 4  # std=1, std=0.01, Xavier, He
    std_1, std_001, xavier, he = stds
    assert (
        std_1 > 100 * he > 100 * xavier and std_001 < 1e-4 * he
    )  # ReLU: explodes or vanishes, unless He
    figures_written(tmp_path, "weight_init_activation_relu")


@requires_mnist
@pytest.mark.slow
def test_batch_norm_test(tmp_path):
    out = run_script(
        "ch06/batch_norm_test.py",
        "--epochs",
        2,
        "--scales",
        2,
        "--train-size",
        200,
        "--save",
        tmp_path,
    ).stdout
    pairs = re.findall(
        rf"^epoch +\d+ \| without BN: train acc ({NUMBER}) \| "
        rf"with BN: train acc ({NUMBER})$",
        out,
        re.M,
    )
    assert len(pairs) == 2 * 2
    assert all(0 <= float(a) <= 1 and 0 <= float(b) <= 1 for a, b in pairs)
    figures_written(tmp_path, "batch_norm_test")


@requires_mnist
@pytest.mark.slow
def test_batch_norm_gradient_check():
    out = run_script(
        "ch06/batch_norm_gradient_check.py", "--input-size", 20, "--batch-size", 3
    ).stdout
    rows = re.findall(rf"^(\w+):({NUMBER})  \(({NUMBER})\)$", out, re.M)
    keys = [key for key, *_ in rows]
    assert sorted(keys) == sorted(
        ["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"]
    )
    for key, diff, _ in rows:
        assert float(diff) < 1e-6, f"{key}: backprop and numerical gradients differ by {diff}"
    sizes = {key: float(size) for key, _, size in rows}
    assert sizes["W1"] > 1e-4 and sizes["gamma1"] > 1e-4  # with 3 examples the check is not trivial


def overfit_epochs(out, plain, regularized):
    """The per-epoch lines of an overfitting script: [(epoch, train, test, train, test)]."""
    acc = rf"train acc ({NUMBER}), test acc ({NUMBER})"
    pattern = rf"^epoch +(\d+) \| {plain}: {acc} \| {regularized}: {acc}$"
    return [(int(e), *map(float, rest)) for e, *rest in re.findall(pattern, out, re.M)]


@requires_mnist
@pytest.mark.slow
def test_overfit_weight_decay(tmp_path):
    out = run_script("ch06/overfit_weight_decay.py", "--epochs", 3, "--save", tmp_path).stdout
    epochs = overfit_epochs(out, "no weight decay", "weight decay 0.1")
    assert [e[0] for e in epochs] == [1, 2, 3]
    assert all(0 <= a <= 1 for row in epochs for a in row[1:])
    # the same start: before (nearly) any training, the two networks agree
    assert epochs[0][1:3] == pytest.approx(epochs[0][3:5], abs=0.02)
    finals = re.findall(
        rf"^(.+): final train acc {NUMBER}, test acc {NUMBER}, gap {NUMBER}$", out, re.M
    )
    assert finals == ["no weight decay", "weight decay 0.1"]
    figures_written(tmp_path, "overfit_weight_decay")


@requires_mnist
@pytest.mark.slow
def test_overfit_dropout(tmp_path):
    out = run_script("ch06/overfit_dropout.py", "--epochs", 3, "--save", tmp_path).stdout
    epochs = overfit_epochs(out, "no dropout", "dropout 0.15")
    assert [e[0] for e in epochs] == [1, 2, 3]
    finals = re.findall(
        rf"^(.+): final train acc {NUMBER}, test acc {NUMBER}, gap {NUMBER}$", out, re.M
    )
    assert finals == ["no dropout", "dropout 0.15"]
    figures_written(tmp_path, "overfit_dropout")


@requires_mnist
@pytest.mark.slow
def test_hyperparameter_optimization_parallel_matches_serial(tmp_path):
    settings = ["--trials", 4, "--epochs", 2, "--seed", 3]
    serial = run_script("ch06/hyperparameter_optimization.py", *settings, "--save", tmp_path).stdout
    parallel = run_script(
        "ch06/hyperparameter_optimization.py",
        *settings,
        "--jobs",
        2,
        "--save",
        tmp_path / "parallel",
    ).stdout

    def results(out):
        return [line for line in out.splitlines() if line.startswith(("trial ", "best "))]

    assert len(results(serial)) == 8
    assert re.search(
        rf"^best 1 \| val acc {NUMBER} \| lr {NUMBER} \| weight decay {NUMBER}$", serial, re.M
    )
    assert results(parallel) == results(serial)
    figures_written(tmp_path, "hyperparameter_best", "hyperparameter_map")


@requires_mnist
@pytest.mark.slow
def test_hyperparameter_optimization_jobs_on_a_device_run_one_after_another(tmp_path):
    """--jobs 2 on the stand-in GPU: one line says so, and the results equal the CPU's."""
    settings = ["--trials", 2, "--epochs", 2, "--seed", 3]
    cpu = run_script(
        "ch06/hyperparameter_optimization.py", *settings, "--device", "cpu", "--save", tmp_path
    ).stdout
    device = run_script(
        "ch06/hyperparameter_optimization.py",
        *settings,
        "--jobs",
        2,
        "--device",
        "strict",
        "--save",
        tmp_path / "strict",
    ).stdout
    assert (
        "note: --jobs 2 runs CPU worker processes; on --device strict the trials run one "
        "after another instead (same results)" in device
    )

    def results(out):
        return [line for line in out.splitlines() if line.startswith(("trial ", "best "))]

    assert len(results(cpu)) == 4 and results(device) == results(cpu)


@requires_mnist
@pytest.mark.slow
def test_hyperparameter_workers_ignore_an_inherited_device(tmp_path):
    """--device cpu --jobs 2 with DLFS_DEVICE naming a missing GPU: the workers run on the CPU."""
    result = run_script(
        "ch06/hyperparameter_optimization.py",
        "--trials",
        2,
        "--epochs",
        1,
        "--jobs",
        2,
        "--device",
        "cpu",
        "--save",
        tmp_path,
        env={"DLFS_DEVICE": "gpu"},
    )
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stdout.splitlines() if line.startswith("trial ")]) == 2


@requires_mnist
@pytest.mark.gpu
@pytest.mark.slow
def test_optimizer_compare_mnist_on_gpu(tmp_path):
    out = run_script(
        "ch06/optimizer_compare_mnist.py",
        "--device",
        "gpu",
        "--iters",
        20,
        "--print-every",
        10,
        "--save",
        tmp_path,
    ).stdout
    assert "device: gpu" in out
    lines = loss_lines(out)
    assert len(lines) == 3 and all(0 < losses["Adam"] < 10 for _, losses in lines)


@pytest.mark.parametrize("name", MNIST_SCRIPTS)
def test_without_mnist_the_script_stops_with_one_line(name, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLFS_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "no-such-folder"))
    monkeypatch.setenv("MNIST_MIRRORS", "http://127.0.0.1:9/")  # nothing listens there
    module = importlib.import_module(f"ch06.{name}")
    with pytest.raises(SystemExit) as exit_info:
        module.main([])
    message = str(exit_info.value.code)
    assert message.startswith("error: ") and "MNIST_DIR" in message and "\n" not in message


def test_train_side_by_side_gives_every_network_the_same_batches(capsys):
    from ch06.experiments import train_side_by_side
    from common.multi_layer_net import MultiLayerNet
    from common.optimizer import SGD

    rng = np.random.default_rng(0)
    x, t = rng.random((60, 8)).astype(np.float32), rng.integers(0, 3, 60)
    np.random.seed(0)
    template = MultiLayerNet(8, [5], 3)
    networks = {"a": template, "b": copy.deepcopy(template), "c": copy.deepcopy(template)}
    optimizers = {"a": SGD(lr=0.1), "b": SGD(lr=0.1), "c": SGD(lr=0.5)}
    losses = train_side_by_side(networks, optimizers, x, t, iters=20, batch_size=10, print_every=10)

    assert all(
        len(values) == 20 and all(isinstance(v, float) for v in values)
        for values in losses.values()
    )
    assert losses["a"] == losses["b"]  # same start, same rule, same batches: the same losses
    assert losses["c"][0] == losses["a"][0] and losses["c"][1:] != losses["a"][1:]
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" | ")[0] for line in out] == ["iteration 0", "iteration 10"]


def test_batch_norm_test_refuses_more_scales_than_a_figure_can_show(capsys):
    """--scales 100000000 ran for ever (and would have drawn 10^8 panels): refused when parsed."""
    from ch06 import batch_norm_test

    with pytest.raises(SystemExit) as info:
        batch_norm_test.main(["--scales", "100000000"])
    assert info.value.code == 2
    assert "argument --scales: must be from 1 to 64" in capsys.readouterr().err


def test_hyperparameter_search_refuses_more_trials_than_it_can_seed(capsys):
    """--trials 1000000000 made a billion SeedSequences before any trial: refused when parsed."""
    from ch06 import hyperparameter_optimization

    with pytest.raises(SystemExit) as info:
        hyperparameter_optimization.main(["--trials", "1000000000"])
    assert info.value.code == 2
    assert "argument --trials: must be from 1 to 100000" in capsys.readouterr().err


def test_smoothed_loss_plot_fits_its_window_to_short_runs():
    from ch06.experiments import plot_smoothed_losses

    long_run = {"a": list(np.linspace(2, 1, 1000)), "b": list(np.linspace(2, 0.5, 1000))}
    fig = plot_smoothed_losses(long_run, "long", window=101)
    assert fig.axes[0].get_ylabel() == "loss (smoothed over 101 iterations)"
    short_run = {name: values[:30] for name, values in long_run.items()}
    fig = plot_smoothed_losses(short_run, "short", window=101)
    lengths = [len(line.get_xdata()) for line in fig.axes[0].get_lines()]
    assert lengths == [30, 30]  # not empty: the window shrinks to fit
    assert fig.axes[0].get_ylabel() == "loss (smoothed over 15 iterations)"
