"""Tests for dataset.mnist.

Most tests drive the whole loader with a tiny generated data set (20 training
and 8 test images) in the IDX format, served from a temporary MNIST_DIR or from
a local HTTP server whose path prefixes act as mirrors, good and bad.  Every
test gets its own cache folder and a mirror list pointing at a closed port, so
nothing here reads or writes the real cache or goes to the internet.

The tests marked "real" load the real MNIST from $MNIST_DIR and are skipped when
it is not set.
"""

import contextlib
import gzip
import hashlib
import http.server
import inspect
import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

from dataset import download, mnist

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_MNIST_DIR = os.environ.get("MNIST_DIR")
REAL_FILES = mnist.FILES
NEEDS_REAL = pytest.mark.skipif(
    not REAL_MNIST_DIR,
    reason="set MNIST_DIR to a folder with the four real MNIST files to run the real-data tests",
)
NAMES = {spec.key: spec.name for spec in REAL_FILES}


# --- a tiny MNIST ----------------------------------------------------------------


def idx_bytes(array, magic=None):
    """An IDX file holding `array` (uint8), optionally with a wrong magic number."""
    magic = 0x0800 + array.ndim if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def _make_small():
    rng = np.random.default_rng(1234)
    arrays = {
        "x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "t_train": rng.integers(0, 10, 20, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
        "t_test": rng.integers(0, 10, 8, dtype=np.uint8),
    }
    arrays["x_train"][0, 0, :2] = (0, 255)  # so normalized pixels reach both 0 and 1
    files = tuple(
        mnist.IdxFile(key, NAMES[key], hashlib.sha256(idx_bytes(arr)).hexdigest(), arr.shape)
        for key, arr in arrays.items()
    )
    return arrays, files


SMALL, SMALL_FILES = _make_small()


def write_folder(folder, compress, arrays=SMALL):
    """Write the four IDX files into `folder`, raw or gzip'd; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for key, arr in arrays.items():
        data = idx_bytes(arr)
        if compress:
            (folder / f"{NAMES[key]}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / NAMES[key]).write_bytes(data)
    return folder


def assert_same_as_small(train, test):
    """The uint8, unflattened result of a load equals the tiny data set."""
    (x_train, t_train), (x_test, t_test) = train, test
    np.testing.assert_array_equal(x_train.reshape(-1, 28, 28), SMALL["x_train"])
    np.testing.assert_array_equal(t_train, SMALL["t_train"])
    np.testing.assert_array_equal(x_test.reshape(-1, 28, 28), SMALL["x_test"])
    np.testing.assert_array_equal(t_test, SMALL["t_test"])


# --- fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def closed_url():
    """A mirror URL on 127.0.0.1 where nothing listens: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path, closed_url):
    """Own cache folder, no MNIST_DIR, unreachable mirrors, the tiny data set."""
    monkeypatch.setenv("DLFS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_MIRRORS", closed_url)
    monkeypatch.setattr(mnist, "FILES", SMALL_FILES)
    return tmp_path / "cache"


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """Serves /<mirror>/<file>.gz; the mirror name decides how it misbehaves."""

    def do_GET(self):
        _, mirror, name = self.path.split("/", 2)
        self.server.requests.append(self.path)
        good = self.server.good.get(name)
        if good is None or mirror == "missing":
            self.send_error(404)
            return
        if mirror == "forbidden":
            self.send_error(403)
            return
        body = self.server.wrong[name] if mirror == "wrongsum" else good
        if mirror == "cutgz":  # honest length, but the gzip stream stops halfway
            body = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mirror == "short":  # announces the whole file, sends half, hangs up
            body = body[: len(body) // 2]
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(handler):
    """Run a local HTTP server on 127.0.0.1 with `handler` (a MirrorHandler or a
    subclass) in a background thread; yield it, with the tiny data set's .gz
    files in ``.good`` and wrong ones in ``.wrong``, and a log in ``.requests``."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True  # a handler still dripping must not block the shutdown
    httpd.requests = []
    httpd.good = {f"{NAMES[k]}.gz": gzip.compress(idx_bytes(a)) for k, a in SMALL.items()}
    # right header and size, other bytes: only the checksum can tell
    httpd.wrong = {
        f"{NAMES[k]}.gz": gzip.compress(idx_bytes(a + 1 if k[0] == "x" else (a + 1) % 10))
        for k, a in SMALL.items()
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server():
    """A local HTTP server with mirrors missing/, forbidden/, short/, cutgz/, wrongsum/, good/."""
    with serve(MirrorHandler) as httpd:
        yield httpd


def mirrors(server, *names):
    host, port = server.server_address[:2]
    return ",".join(f"http://{host}:{port}/{name}/" for name in names)


# --- downloads ----------------------------------------------------------------------


def test_bad_mirrors_are_reported_and_skipped(server, monkeypatch, capsys, isolated):
    order = ("missing", "forbidden", "short", "cutgz", "wrongsum", "good")
    monkeypatch.setenv("MNIST_MIRRORS", mirrors(server, *order))
    server.requests.clear()
    train, test = mnist.load_mnist(normalize=False, flatten=False)
    assert train[0].shape == (20, 1, 28, 28) and test[0].shape == (8, 1, 28, 28)
    assert_same_as_small(train, test)
    assert (isolated / "mnist-v1.npz").is_file()
    # every file was tried at each mirror, in the given order
    first = SMALL_FILES[0].name
    assert [r for r in server.requests if first in r] == [f"/{m}/{first}.gz" for m in order]
    err = capsys.readouterr().err
    for symptom in ("404", "403", "truncated download", "broken gzip", "SHA-256 mismatch"):
        assert symptom in err
    # a second load comes from the cache: no request at all
    server.requests.clear()
    assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert server.requests == []


def test_mirror_list_parameter_and_defaults(server, monkeypatch):
    monkeypatch.delenv("MNIST_MIRRORS")
    assert download.mirror_list(mnist.MIRRORS) == list(mnist.MIRRORS)
    assert mnist.MIRRORS[0].startswith("https://ossci-datasets.s3.amazonaws.com/")
    assert mnist.MIRRORS[-1] == "https://yann.lecun.com/exdb/mnist/"
    monkeypatch.setenv("MNIST_MIRRORS", " http://a/ , http://b/,")
    assert download.mirror_list(mnist.MIRRORS) == ["http://a/", "http://b/"]
    good = mirrors(server, "good").split(",")
    arrays = mnist._load_arrays(normalize=False, files=SMALL_FILES, mirrors=good)
    np.testing.assert_array_equal(arrays["x_test"], SMALL["x_test"])


def test_nothing_available_names_both_options(closed_url):
    with pytest.raises(mnist.MnistUnavailableError) as info:
        mnist.load_mnist()
    message = str(info.value)
    assert "MNIST_DIR" in message and "network access" in message and closed_url in message
    assert "\n" not in message


# --- MNIST_DIR -----------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_mnist_dir(tmp_path, monkeypatch, compress, isolated):
    monkeypatch.setenv("MNIST_DIR", str(write_folder(tmp_path / "mnist", compress)))
    assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert (isolated / "mnist-v1.npz").is_file()


@pytest.mark.parametrize(
    "damage, symptom",
    [
        (lambda arr: idx_bytes(arr, magic=2052), "bad IDX magic number 2052"),
        (lambda arr: idx_bytes(arr)[:-5], "payload is"),
        (lambda arr: idx_bytes(arr[:19]), "dimensions (19, 28, 28)"),
        (lambda arr: idx_bytes(255 - arr), "SHA-256 mismatch"),
    ],
)
def test_bad_file_in_mnist_dir(tmp_path, monkeypatch, capsys, server, damage, symptom):
    folder = write_folder(tmp_path / "mnist", compress=False)
    (folder / NAMES["x_train"]).write_bytes(damage(SMALL["x_train"]))
    monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(mnist.MnistUnavailableError, match="MNIST_DIR") as info:
        mnist.load_mnist()
    assert symptom in str(info.value)
    # ... and with a mirror that has the file, the loader reports and moves on
    monkeypatch.setenv("MNIST_MIRRORS", mirrors(server, "good"))
    assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert symptom in capsys.readouterr().err


def test_mnist_dir_missing_folder_or_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(mnist.MnistUnavailableError, match="is not a folder"):
        mnist.load_mnist()
    folder = write_folder(tmp_path / "mnist", compress=True)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(mnist.MnistUnavailableError, match="neither t10k-labels-idx1-ubyte nor"):
        mnist.load_mnist()


# --- the cache --------------------------------------------------------------------------


def test_cache_path(monkeypatch, tmp_path):
    assert mnist.cache_path() == tmp_path / "cache" / "mnist-v1.npz"
    monkeypatch.delenv("DLFS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist.cache_path() == tmp_path / "xdg" / "dlfs" / "mnist-v1.npz"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mnist.cache_path() == tmp_path / "home" / ".cache" / "dlfs" / "mnist-v1.npz"


def _altered(path):
    arrays = {k: v.copy() for k, v in SMALL.items()}
    arrays["x_train"][3, 14, 14] ^= 1  # one pixel, one bit
    np.savez(path, **arrays)


def _as_int64(path):
    np.savez(path, **{k: v.astype(np.int64) for k, v in SMALL.items()})


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
        lambda p: p.write_bytes(b"not a zip file at all"),
        _altered,
        _as_int64,
        lambda p: np.savez(p, x_train=SMALL["x_train"]),
    ],
    ids=["truncated", "garbage", "altered-pixel", "wrong-dtype", "missing-arrays"],
)
def test_corrupt_cache_is_rebuilt(tmp_path, monkeypatch, capsys, isolated, corrupt):
    monkeypatch.setenv("MNIST_DIR", str(write_folder(tmp_path / "mnist", compress=True)))
    mnist.load_mnist()
    path = isolated / "mnist-v1.npz"
    good_bytes = path.read_bytes()
    corrupt(path)
    capsys.readouterr()
    assert_same_as_small(*mnist.load_mnist(normalize=False))
    unusable, rebuilt = capsys.readouterr().err.splitlines()  # one line each
    assert f"the cache {path} is unusable" in unusable
    assert (
        rebuilt
        == f"mnist: read MNIST from {tmp_path / 'mnist'}; cached it in {path} for later runs"
    )
    assert path.read_bytes() == good_bytes  # rebuilt
    # a corrupt cache and no other source: the bad file is still removed
    corrupt(path)
    monkeypatch.delenv("MNIST_DIR")
    with pytest.raises(mnist.MnistUnavailableError):
        mnist.load_mnist()
    assert not path.exists()


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_interrupted_cache_write_leaves_nothing(tmp_path, monkeypatch, isolated, failure):
    monkeypatch.setenv("MNIST_DIR", str(write_folder(tmp_path / "mnist", compress=False)))
    real_savez = np.savez

    def half_savez(file, **arrays):
        file.write(b"PK\x03\x04 the first bytes of a zip, then...")
        file.flush()
        # mid-write, the bytes go to a temporary file beside the cache, not the cache
        being_written = [p.name for p in isolated.iterdir()]
        assert len(being_written) == 1 and being_written[0] != "mnist-v1.npz"
        raise failure

    monkeypatch.setattr(np, "savez", half_savez)
    if isinstance(failure, OSError):  # reported; the data is still returned
        (x_train, _), _ = mnist.load_mnist()
        assert x_train.dtype == np.float32
        np.testing.assert_allclose(x_train * 255, SMALL["x_train"].reshape(20, -1), atol=1e-4)
    else:
        with pytest.raises(KeyboardInterrupt):
            mnist.load_mnist()
    assert list(isolated.iterdir()) == []  # neither the cache nor a temporary file
    monkeypatch.setattr(np, "savez", real_savez)
    mnist.load_mnist()
    assert [p.name for p in isolated.iterdir()] == ["mnist-v1.npz"]


def test_leftover_temporary_file_is_not_trusted(isolated):
    isolated.mkdir()
    np.savez(isolated / "mnist-v1.npz.x1y2.part", **SMALL)  # as a killed run might leave it
    with pytest.raises(mnist.MnistUnavailableError):
        mnist.load_mnist()


# --- the options ----------------------------------------------------------------------


def test_options(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(write_folder(tmp_path / "mnist", compress=True)))
    for _ in range(2):  # from MNIST_DIR, then from the cache
        (x, t), (xt, tt) = mnist.load_mnist()
        assert x.shape == (20, 784) and xt.shape == (8, 784)
        assert x.dtype == xt.dtype == np.float32 and t.dtype == tt.dtype == np.uint8
        assert x.min() == 0.0 and x.max() == 1.0
        np.testing.assert_allclose(x, SMALL["x_train"].reshape(20, -1) / 255, rtol=1e-6)
        np.testing.assert_array_equal(t, SMALL["t_train"])
    (x, t), (xt, tt) = mnist.load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert x.shape == (20, 1, 28, 28) and x.dtype == np.uint8 and x.flags.writeable
    assert t.shape == (20, 10) and tt.shape == (8, 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t.sum(axis=1), 1)
    np.testing.assert_array_equal(t.argmax(axis=1), SMALL["t_train"])


# --- the command line ------------------------------------------------------------------

COMMANDS = {"module": ["-m", "dataset.mnist"], "script": ["dataset/mnist.py"]}


def run_cli(form, env):
    return subprocess.run(
        [sys.executable, *COMMANDS[form]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("form", COMMANDS)
def test_cli_without_data_fails_cleanly(form):
    result = run_cli(form, dict(os.environ))  # the isolated environment: nothing available
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "MNIST_DIR" in errors[0]
    assert result.stderr.splitlines()[-1] == errors[0]


# --- the real MNIST (needs $MNIST_DIR) -------------------------------------------------


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory, closed_url):
    """A cache built from the real $MNIST_DIR, and the uint8 unflattened first load."""
    if not REAL_MNIST_DIR:
        pytest.skip("set MNIST_DIR to a folder with the four real MNIST files")
    folder = tmp_path_factory.mktemp("real-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist, "FILES", REAL_FILES)
        mp.setenv("DLFS_CACHE_DIR", str(folder))
        mp.setenv("MNIST_DIR", REAL_MNIST_DIR)
        mp.setenv("MNIST_MIRRORS", closed_url)
        first = mnist.load_mnist(normalize=False, flatten=False)
    assert (folder / "mnist-v1.npz").is_file()
    return folder, first


@pytest.fixture
def real(real_cache, monkeypatch):
    """Load the real data from the prepared cache only (MNIST_DIR stays unset)."""
    monkeypatch.setattr(mnist, "FILES", REAL_FILES)
    monkeypatch.setenv("DLFS_CACHE_DIR", str(real_cache[0]))
    return real_cache


@NEEDS_REAL
def test_real_uint8_and_cache(real):
    _, ((x, t), (xt, tt)) = real
    assert x.shape == (60000, 1, 28, 28) and xt.shape == (10000, 1, 28, 28)
    assert x.dtype == xt.dtype == t.dtype == tt.dtype == np.uint8
    assert t.shape == (60000,) and tt.shape == (10000,)
    assert set(np.unique(t)) == set(range(10)) == set(np.unique(tt))
    assert (t[0], tt[0]) == (5, 7)  # the well-known first digits
    (x2, t2), (xt2, tt2) = mnist.load_mnist(normalize=False, flatten=False)  # the cache
    for a, b in ((x, x2), (t, t2), (xt, xt2), (tt, tt2)):
        np.testing.assert_array_equal(a, b)


@NEEDS_REAL
def test_real_normalized_flat(real):
    _, ((x_u8, _), _) = real
    (x, t), (xt, tt) = mnist.load_mnist()
    assert x.shape == (60000, 784) and xt.shape == (10000, 784)
    assert x.dtype == xt.dtype == np.float32 and t.dtype == np.uint8
    assert x.min() == 0.0 and x.max() == 1.0 and xt.min() >= 0.0 and xt.max() <= 1.0
    np.testing.assert_allclose(x[:100] * 255, x_u8[:100].reshape(100, -1), atol=1e-4)


@NEEDS_REAL
def test_real_one_hot(real):
    _, ((_, t_u8), (_, tt_u8)) = real
    (x, t), (xt, tt) = mnist.load_mnist(flatten=False, one_hot_label=True)
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.float32
    assert t.shape == (60000, 10) and tt.shape == (10000, 10) and t.dtype == np.float32
    np.testing.assert_array_equal(t.sum(axis=1), 1)
    np.testing.assert_array_equal(t.argmax(axis=1), t_u8)
    np.testing.assert_array_equal(tt.argmax(axis=1), tt_u8)


@NEEDS_REAL
def test_real_cli_module_fills_a_fresh_cache(tmp_path):
    env = dict(os.environ, MNIST_DIR=REAL_MNIST_DIR, DLFS_CACHE_DIR=str(tmp_path / "fresh"))
    result = run_cli("module", env)
    assert result.returncode == 0, result.stderr
    assert str(tmp_path / "fresh" / "mnist-v1.npz") in result.stdout
    assert "(60000, 28, 28)" in result.stdout and "(10000,)" in result.stdout


@NEEDS_REAL
def test_real_cli_script_reads_the_cache(real):
    result = run_cli("script", dict(os.environ))  # DLFS_CACHE_DIR: the prepared cache
    assert result.returncode == 0, result.stderr
    assert str(real[0] / "mnist-v1.npz") in result.stdout and result.stderr == ""


# --- the book's names -------------------------------------------------------------------


def test_load_mnist_keeps_the_books_signature():
    parameters = inspect.signature(mnist.load_mnist).parameters
    assert [(p.name, p.default) for p in parameters.values()] == [
        ("normalize", True),
        ("flatten", True),
        ("one_hot_label", False),
    ]


def test_init_mnist_fills_the_cache_like_the_books(monkeypatch, server, isolated):
    assert "init_mnist" in mnist.__all__
    monkeypatch.setenv("MNIST_MIRRORS", mirrors(server, "good"))
    server.requests.clear()
    assert mnist.init_mnist() == isolated / "mnist-v1.npz"
    assert (isolated / "mnist-v1.npz").is_file() and len(server.requests) == 4
    assert mnist.init_mnist() == isolated / "mnist-v1.npz"  # a good cache: nothing downloaded
    assert len(server.requests) == 4
    assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert len(server.requests) == 4


def test_download_mnist_is_the_books_name_and_fills_the_cache(monkeypatch, server, isolated):
    # the book's current code (07b1161) has download_mnist(), without parameters
    assert "download_mnist" in mnist.__all__
    assert inspect.signature(mnist.download_mnist).parameters == {}
    monkeypatch.setenv("MNIST_MIRRORS", mirrors(server, "good"))
    server.requests.clear()
    assert mnist.download_mnist() == isolated / "mnist-v1.npz"
    assert len(server.requests) == 4 and not (REPO / "dataset" / "mnist.pkl").exists()
    assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert len(server.requests) == 4
