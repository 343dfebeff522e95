"""Faults in getting MNIST: hostile or broken mirrors, bad local files, unusable
caches, killed writers (issue 13, "Downloads" and "Lost or half-written data").

Every fault is made here: by local HTTP servers on 127.0.0.1 that drip, send
without end or send a gzip bomb, and by files this module writes.  The tiny
data set, the isolated cache and the server helper come from test_mnist.  Each
test checks the error (its type and that the message names the problem) and
what is left on disk afterwards: no temporary file, the cache intact or absent.
"""

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc

from dataset import download, mnist

import numpy as np
import pytest
import test_mnist as tm

isolated = tm.isolated  # autouse: own cache folder, no MNIST_DIR, unreachable mirrors
closed_url = tm.closed_url

SMALL_FILES = tm.SMALL_FILES
FIRST = SMALL_FILES[0]  # x_train: 20 images, 15 696 bytes uncompressed
DRIP_PERIOD = 0.05  # seconds between two bytes from the dripping mirror
DEADLINE = 0.6  # seconds per file in these tests (the default is minutes)
BOMB = gzip.compress(bytes(10_000_000))  # 10 MB of zeros in about 10 KB of gzip


class FaultHandler(tm.MirrorHandler):
    """test_mnist's mirrors, plus some that misbehave only for the first file
    (train-images), so that a test costs one deadline, not four:

    drip/     headers at once, then the body one byte every DRIP_PERIOD s
    driphead/ the status line, then the headers one byte every DRIP_PERIOD s
    endless/  no Content-Length, then bytes without end (until the client hangs up)
    huge/     announces 400 MB, sends nothing and keeps the connection open
    bomb/     a small gzip file that inflates to 10 MB
    """

    def do_GET(self):
        _, mirror, name = self.path.split("/", 2)
        if mirror not in ("drip", "driphead", "endless", "huge", "bomb"):
            return super().do_GET()
        self.server.requests.append(self.path)
        if name != f"{FIRST.name}.gz":
            self.send_error(404)
            return
        try:
            if mirror == "driphead":
                self.wfile.write(b"HTTP/1.0 200 OK\r\n")
                self._drip(b"X-Slow: " + b"a" * 10_000)
            elif mirror == "drip":
                body = self.server.good[name]
                self._start(len(body))
                self._drip(body)
            elif mirror == "endless":
                self._start(None)
                chunk = os.urandom(1 << 16)
                for _ in range(3000):  # 200 MB at most: the test must not depend on this
                    self.wfile.write(chunk)
                    self.server.sent[self.path] = self.server.sent.get(self.path, 0) + len(chunk)
            elif mirror == "huge":
                self._start(400_000_000)
                time.sleep(5)
            else:
                self._start(len(BOMB))
                self.wfile.write(BOMB)
        except OSError:  # the client hung up: what a client with a deadline does
            pass

    def _start(self, length):
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()

    def _drip(self, data):
        for i in range(len(data)):
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(DRIP_PERIOD)


@pytest.fixture(scope="module")
def server():
    with tm.serve(FaultHandler) as httpd:
        httpd.sent = {}
        yield httpd


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch):
    """Deadlines of a fraction of a second, and no $MNIST_DOWNLOAD_DEADLINE from outside."""
    monkeypatch.setattr(download, "DOWNLOAD_DEADLINE", DEADLINE)
    monkeypatch.setattr(download, "DOWNLOAD_TIMEOUT", 5)
    monkeypatch.delenv(download.DEADLINE_ENV, raising=False)


def leftovers(folder):
    """Names in `folder` other than the cache itself (temporary files, mostly)."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name != mnist.CACHE_NAME)


def assert_loads_and_caches(isolated):
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert (isolated / mnist.CACHE_NAME).is_file()
    assert leftovers(isolated) == []


def no_timer_threads(wait=2.0):
    """No deadline timer left running: a cancelled one ends within moments (on a busy
    machine, not at once), so give each a little time; one still counting down stays."""
    timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer)]
    for timer in timers:
        timer.join(wait)
    return not any(timer.is_alive() for timer in timers)


# --- downloads: the deadline ---------------------------------------------------------


@pytest.mark.parametrize("mirror", ["drip", "driphead"])
def test_dripping_mirror_is_given_up_at_the_deadline(server, monkeypatch, capsys, isolated, mirror):
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, mirror, "good"))
    start = time.monotonic()
    assert_loads_and_caches(isolated)
    elapsed = time.monotonic() - start
    # one deadline for the first file (the others get a quick 404), plus a little
    assert DEADLINE <= elapsed < DEADLINE + 3
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "deadline" in line)
    assert f"/{mirror}/{FIRST.name}.gz: " in line
    assert f"not complete after the {DEADLINE:g} s deadline" in line
    assert download.DEADLINE_ENV in line and line.endswith("trying the next mirror")
    assert no_timer_threads()


@pytest.fixture
def silent_port():
    """A TCP port on 127.0.0.1 that accepts connections and never says a word:
    an HTTP request gets no answer, a TLS handshake never completes."""
    listener = socket.create_server(("127.0.0.1", 0))
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for sock in held + [listener]:
        sock.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_silent_server_is_given_up_at_the_deadline(silent_port, scheme):
    # the per-read timeout (5 s here) alone would wait longer; the TLS handshake is covered too
    start = time.monotonic()
    with pytest.raises(download.BadSource, match=f"not complete after the {DEADLINE:g} s deadline"):
        download.download(f"{scheme}://127.0.0.1:{silent_port}/{FIRST.name}.gz", limit=10**6)
    assert time.monotonic() - start < DEADLINE + 1
    assert no_timer_threads()


def test_only_dripping_mirrors_give_the_unavailable_error(server, monkeypatch, isolated):
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "drip", "driphead"))
    with pytest.raises(mnist.MnistUnavailableError) as info:
        mnist.load_mnist()
    message = str(info.value)
    assert message.count("deadline") == 2 and FIRST.name in message and "\n" not in message
    assert not isolated.exists() or list(isolated.iterdir()) == []  # no cache, no part


def test_deadline_from_the_environment(server, monkeypatch, capsys):
    monkeypatch.setattr(download, "DOWNLOAD_DEADLINE", 60)  # would make this test take a minute
    monkeypatch.setenv(download.DEADLINE_ENV, "0.3")
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "drip", "good"))
    start = time.monotonic()
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert time.monotonic() - start < 3
    assert "not complete after the 0.3 s deadline" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf", "1e300", "86401"])
def test_bad_deadline_variable_is_one_clear_error(server, monkeypatch, value, isolated):
    monkeypatch.setenv(download.DEADLINE_ENV, value)
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "good"))
    with pytest.raises(mnist.MnistUnavailableError) as info:
        mnist.load_mnist()
    message = str(info.value)
    assert (
        f"{download.DEADLINE_ENV}={value!r}" in message and "positive number of seconds" in message
    )
    assert leftovers(isolated) == []


def test_longest_deadline_is_accepted(monkeypatch):
    """1e300 s once killed the timer thread (OverflowError); a day is the bound."""
    monkeypatch.setenv(download.DEADLINE_ENV, str(download.MAX_DEADLINE))
    assert download.deadline_seconds() == download.MAX_DEADLINE


def test_malformed_url_is_one_line_and_the_next_mirror(server, monkeypatch, isolated, capsys):
    """'http://[::1' made urllib raise "Invalid IPv6 URL" outside the error handling."""
    monkeypatch.setenv("MNIST_MIRRORS", "http://[::1," + tm.mirrors(server, "good"))
    assert_loads_and_caches(isolated)
    err = capsys.readouterr().err.splitlines()
    bad = [line for line in err if "http://[::1" in line and "Invalid IPv6 URL" in line]
    assert len(bad) == 4 and all(line.endswith("trying the next mirror") for line in bad)
    assert "Traceback" not in "\n".join(err)


def test_last_mirror_does_not_promise_another(monkeypatch, isolated, capsys, closed_url):
    monkeypatch.setenv("MNIST_MIRRORS", f"{closed_url},{closed_url}")
    with pytest.raises(mnist.MnistUnavailableError):
        mnist.load_mnist()
    failed = [line for line in capsys.readouterr().err.splitlines() if "cannot download" in line]
    assert len(failed) == 2, failed
    assert failed[0].endswith("; trying the next mirror")
    assert failed[1].endswith("; no mirror left")


def test_a_mirror_that_is_not_a_url_is_skipped_with_a_line(server, monkeypatch, isolated, capsys):
    """MNIST_MIRRORS=garbage was urllib's ValueError traceback ("unknown url type")."""
    monkeypatch.setenv("MNIST_MIRRORS", "ftp//nowhere")
    with pytest.raises(mnist.MnistUnavailableError, match="'ftp//nowhere' is not an http"):
        mnist.load_mnist()
    monkeypatch.setenv("MNIST_MIRRORS", "not a url," + tm.mirrors(server, "good"))
    assert_loads_and_caches(isolated)
    assert "mirror 'not a url' is not an http:// or https:// URL" in capsys.readouterr().err


def test_deadline_does_not_cut_a_download_that_finished(server, monkeypatch):
    # the timer is cancelled: a later load, long after the deadline, is not disturbed
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "good"))
    body = download.download(tm.mirrors(server, "good") + f"{FIRST.name}.gz", limit=10**6)
    assert body == server.good[f"{FIRST.name}.gz"]
    time.sleep(DEADLINE + 0.2)
    assert no_timer_threads()


def load_small_mnist_measuring_peak_memory():
    """Load (it must give the small test set) and return the peak of Python's allocations."""
    tracemalloc.start()
    try:
        tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- downloads: size caps ------------------------------------------------------------


def test_endless_response_is_cut_at_the_size_cap(server, monkeypatch, capsys, isolated):
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "endless", "good"))
    peak = load_small_mnist_measuring_peak_memory()
    limit = download.gz_limit(mnist._idx_size(FIRST))
    assert f"sent more than {limit} bytes" in capsys.readouterr().err
    assert peak < 3_000_000  # the server would have sent 200 MB
    assert leftovers(isolated) == []


def test_announced_size_beyond_the_cap_is_refused_before_reading(server, monkeypatch, capsys):
    monkeypatch.setattr(download, "DOWNLOAD_DEADLINE", 30)  # the refusal must not wait for it
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "huge", "good"))
    start = time.monotonic()
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
    assert time.monotonic() - start < 2
    assert "announces 400000000 bytes, more than the" in capsys.readouterr().err


def test_gzip_bomb_from_a_mirror_is_stopped(server, monkeypatch, capsys, isolated):
    assert len(BOMB) < download.gz_limit(
        mnist._idx_size(FIRST)
    )  # it passes the first cap: the second must hold
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "bomb", "good"))
    peak = load_small_mnist_measuring_peak_memory()
    size = mnist._idx_size(FIRST)
    assert f"/bomb/{FIRST.name}.gz: inflates to more than {size} bytes" in capsys.readouterr().err
    assert peak < 2_000_000  # 10 MB if it had been inflated
    assert leftovers(isolated) == []


def test_gzip_bomb_in_mnist_dir(tmp_path, monkeypatch, server, capsys):
    folder = tm.write_folder(tmp_path / "mnist", compress=True)
    (folder / f"{FIRST.name}.gz").write_bytes(BOMB)
    monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(mnist.MnistUnavailableError) as info:
        mnist.load_mnist()
    assert f"{folder / FIRST.name}.gz: inflates to more than" in str(info.value)
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "good"))  # the next source
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))


def test_size_caps_fit_the_real_files():
    sizes = {spec.name: mnist._idx_size(spec) for spec in tm.REAL_FILES}
    # what the IDX format makes of 60 000 / 10 000 images of 28 x 28 and their labels
    assert sizes == {
        "train-images-idx3-ubyte": 47_040_016,
        "train-labels-idx1-ubyte": 60_008,
        "t10k-images-idx3-ubyte": 7_840_016,
        "t10k-labels-idx1-ubyte": 10_008,
    }
    # the .gz sizes at yann.lecun.com, and those of a recompressed copy, pass the cap
    published = {
        "train-images-idx3-ubyte": 9_912_422,
        "train-labels-idx1-ubyte": 28_881,
        "t10k-images-idx3-ubyte": 1_648_877,
        "t10k-labels-idx1-ubyte": 4_542,
    }
    for spec in tm.REAL_FILES:
        assert (
            published[spec.name]
            < download.gz_limit(mnist._idx_size(spec))
            < 1.02 * sizes[spec.name] + 2000
        )
        if tm.REAL_MNIST_DIR and os.path.isfile(f"{tm.REAL_MNIST_DIR}/{spec.name}.gz"):
            assert os.path.getsize(f"{tm.REAL_MNIST_DIR}/{spec.name}.gz") < download.gz_limit(
                mnist._idx_size(spec)
            )


def test_gunzip_limits_and_members():
    data = os.urandom(5000)  # random bytes do not compress: the worst case for the cap
    packed = gzip.compress(data)
    assert download.gunzip(packed, 5000) == data
    assert download.gunzip(packed + b"\0" * 7, 5000) == data  # zero padding, as gzip allows
    assert download.gunzip(gzip.compress(data[:2000]) + gzip.compress(data[2000:]), 5000) == data
    with pytest.raises(download.BadSource, match="inflates to more than 4999 bytes"):
        download.gunzip(packed, 4999)
    with pytest.raises(download.BadSource, match="inflates to more than 5000"):  # over two members
        download.gunzip(packed + gzip.compress(b"x"), 5000)
    with pytest.raises(download.BadSource, match="broken gzip data .*ends before its end"):
        download.gunzip(packed[:-10], 5000)
    with pytest.raises(download.BadSource, match="broken gzip data"):
        download.gunzip(b"plain text, not gzip", 5000)
    with pytest.raises(download.BadSource, match="broken gzip data"):
        download.gunzip(packed + b"trailing junk", 5000)
    assert len(packed) < download.gz_limit(5000)


# --- MNIST_DIR ---------------------------------------------------------------------------


def test_bad_raw_file_does_not_hide_a_good_gz(tmp_path, monkeypatch, capsys, isolated):
    folder = tm.write_folder(tmp_path / "mnist", compress=True)
    raw = folder / FIRST.name
    raw.write_bytes(tm.idx_bytes(255 - tm.SMALL["x_train"]))  # right size, wrong pixels
    monkeypatch.setenv("MNIST_DIR", str(folder))
    assert_loads_and_caches(isolated)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"mnist: {raw}: {mnist._MISMATCH}; using {raw}.gz instead"
    cache = isolated / mnist.CACHE_NAME
    assert err[1:] == [f"mnist: read MNIST from {folder}; cached it in {cache} for later runs"]


def test_both_bad_names_both(tmp_path, monkeypatch):
    folder = tm.write_folder(tmp_path / "mnist", compress=True)
    (folder / FIRST.name).write_bytes(b"junk")
    (folder / f"{FIRST.name}.gz").write_bytes(b"more junk")
    monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(mnist.MnistUnavailableError) as info:
        mnist.load_mnist()
    message = str(info.value)
    assert f"{folder / FIRST.name}: only 4 bytes" in message
    assert f"{folder / FIRST.name}.gz: broken gzip data" in message


def test_oversized_local_file_is_refused_unread(tmp_path, monkeypatch, capsys):
    folder = tm.write_folder(tmp_path / "mnist", compress=True)
    with open(folder / FIRST.name, "wb") as f:
        f.truncate(2**30)  # 1 GB, sparse: costs no disk, but reading it would cost 1 GB
    monkeypatch.setenv("MNIST_DIR", str(folder))
    peak = load_small_mnist_measuring_peak_memory()
    assert peak < 2_000_000
    size = mnist._idx_size(FIRST)
    assert (
        f"{2**30} bytes, more than the {size} that MNIST's file can be" in capsys.readouterr().err
    )


def test_unreadable_local_file_is_reported_and_skipped(tmp_path, monkeypatch, server):
    folder = tm.write_folder(tmp_path / "mnist", compress=True)
    monkeypatch.setenv("MNIST_DIR", str(folder))
    real_read = type(folder).read_bytes

    def read_bytes(path):
        if path.name == f"{FIRST.name}.gz":  # as chmod 000 would, for a user other than root
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(type(folder), "read_bytes", read_bytes)
    with pytest.raises(mnist.MnistUnavailableError, match=f"{FIRST.name}.gz: Permission denied"):
        mnist.load_mnist()
    monkeypatch.setenv("MNIST_MIRRORS", tm.mirrors(server, "good"))
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))


# --- an unusable cache folder ----------------------------------------------------------


def _deny_stat_under(monkeypatch, folder):
    """Make every stat() below `folder` fail as on a folder without the x permission
    (chmod cannot do it here: the tests may run as root, whom nothing is denied)."""
    path_type = type(folder)
    real_stat = path_type.stat

    def stat(path, *args, **kwargs):
        if folder in path.parents:
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(path_type, "stat", stat)


def test_unreadable_cache_folder_is_one_line_and_falls_through(
    tmp_path, monkeypatch, capsys, isolated
):
    monkeypatch.setenv("MNIST_DIR", str(tm.write_folder(tmp_path / "mnist", compress=True)))
    isolated.mkdir()
    _deny_stat_under(monkeypatch, isolated)
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"mnist: cannot use the cache folder {isolated} (Permission denied); "
        "loading without the cache"
    ]
    assert list(isolated.iterdir()) == []  # not written to either


def test_cache_folder_that_is_a_file(tmp_path, monkeypatch, capsys, isolated):
    monkeypatch.setenv("MNIST_DIR", str(tm.write_folder(tmp_path / "mnist", compress=True)))
    isolated.write_bytes(b"my notes")
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and f"could not write the cache {isolated / mnist.CACHE_NAME}" in err[0]
    assert isolated.read_bytes() == b"my notes"


def test_cache_that_is_a_folder_is_left_alone(tmp_path, monkeypatch, capsys, isolated):
    monkeypatch.setenv("MNIST_DIR", str(tm.write_folder(tmp_path / "mnist", compress=True)))
    (isolated / mnist.CACHE_NAME / "inside").mkdir(parents=True)
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"mnist: the cache {isolated / mnist.CACHE_NAME} is not a file; loading without the cache"
    ]
    assert (isolated / mnist.CACHE_NAME / "inside").is_dir()


# --- temporary files left by killed writers ----------------------------------------------

CHILD = """
import json, sys
from dataset import mnist
mnist.FILES = tuple(mnist.IdxFile(k, n, s, tuple(d)) for k, n, s, d in json.loads(sys.argv[1]))
"""
CHILD_STUCK = (
    CHILD
    + """
import time
import numpy as np

def stuck_savez(file, **arrays):  # writes part of the cache, then hangs until killed
    file.write(b"PK\\x03\\x04" + bytes(100_000))
    file.flush()
    print("writing", flush=True)
    time.sleep(120)

np.savez = stuck_savez
mnist.load_mnist()
"""
)
CHILD_LOAD = (
    CHILD
    + """
(x, t), _ = mnist.load_mnist(normalize=False)
print(int(x.sum()))
"""
)


def child(code, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(SMALL_FILES)],
        cwd=tm.REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def part(folder, host=None, pid=None, tag="abc123"):
    """A temporary cache file as _write_cache names it (or another name when host is '')."""
    host = download._host_tag() if host is None else host
    name = (
        f"{mnist.CACHE_NAME}.{host}.{pid}.{tag}.part" if host else f"{mnist.CACHE_NAME}.{tag}.part"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"PK\x03\x04 half a zip")
    return path


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()  # reaped: the pid is free
    return process.pid


def test_kill_9_while_writing_then_the_next_run_cleans_up(tmp_path, monkeypatch, capsys, isolated):
    monkeypatch.setenv("MNIST_DIR", str(tm.write_folder(tmp_path / "mnist", compress=True)))
    writer = child(CHILD_STUCK, env=dict(os.environ))
    try:
        assert writer.stdout.readline() == "writing\n", writer.stderr.read()
        parts = leftovers(isolated)
        assert len(parts) == 1 and f".{writer.pid}." in parts[0] and parts[0].endswith(".part")
        assert (isolated / parts[0]).stat().st_size > 100_000
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert leftovers(isolated) == parts  # kill -9: nothing could remove it
    capsys.readouterr()
    assert_loads_and_caches(isolated)  # the next run removes it, and builds the cache
    assert f"removed {isolated / parts[0]}, left by an interrupted run" in capsys.readouterr().err


def test_which_leftover_parts_are_removed(tmp_path, monkeypatch, isolated):
    monkeypatch.setenv("MNIST_DIR", str(tm.write_folder(tmp_path / "mnist", compress=True)))
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        keep = [
            part(isolated, pid=alive.pid, tag="live"),  # a writer still at work
            part(isolated, pid=os.getpid(), tag="mine"),  # another thread of this process
            part(isolated, host="otherhost", pid=dead_pid(), tag="far"),  # pid of another machine
            part(isolated, host="", tag="oldname"),  # a name without a writer: recent, so kept
        ]
        for name in ("notes.part", f"{mnist.CACHE_NAME}.bak"):  # not the cache's: never touched
            (isolated / name).write_text("the user's")
            keep.append(age(isolated / name, 10 * download.STALE_PART_AGE))
        gone = [
            part(isolated, pid=dead_pid(), tag="dead"),
            age(part(isolated, host="otherhost", pid=1, tag="farold"), 2 * download.STALE_PART_AGE),
            age(part(isolated, host="", tag="oldname2"), 2 * download.STALE_PART_AGE),
            age(part(isolated, pid=alive.pid, tag="stalled"), 2 * download.STALE_PART_AGE),
        ]
        tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
        assert all(path.exists() for path in keep)
        assert not any(path.exists() for path in gone)
        assert (isolated / mnist.CACHE_NAME).is_file()
    finally:
        alive.kill()
        alive.wait()


def test_on_windows_only_age_removes_a_part(isolated, monkeypatch):
    """Where os.name == "nt", os.kill(pid, 0) would end the process it asks about: a dead
    writer's part is then removed only once it is old, and the live check never runs."""
    recent = part(isolated, pid=dead_pid(), tag="recent")
    old = age(part(isolated, pid=dead_pid(), tag="old"), 2 * download.STALE_PART_AGE)
    with monkeypatch.context() as windows:  # only around the call: pytest itself needs posix
        windows.setattr(os, "name", "nt")
        windows.setattr(os, "kill", lambda *args: pytest.fail("os.kill on Windows"))
        download.clean_stale_parts(isolated / mnist.CACHE_NAME)
    assert recent.exists() and not old.exists()
    download.clean_stale_parts(isolated / mnist.CACHE_NAME)  # on POSIX the dead pid decides
    assert not recent.exists()


def test_cleaning_also_runs_when_the_cache_is_good(tmp_path, monkeypatch, isolated):
    monkeypatch.setenv("MNIST_DIR", str(tm.write_folder(tmp_path / "mnist", compress=True)))
    mnist.load_mnist()
    stale = part(isolated, pid=dead_pid())
    mnist.load_mnist()  # from the cache
    assert not stale.exists()


def test_concurrent_writers_with_stale_parts_all_succeed(tmp_path, isolated):
    folder = tm.write_folder(tmp_path / "mnist", compress=True)
    stale = [part(isolated, pid=dead_pid(), tag=f"s{i}") for i in range(3)]
    env = dict(os.environ, MNIST_DIR=str(folder), DLFS_CACHE_DIR=str(isolated))
    writers = [child(CHILD_LOAD, env=env) for _ in range(4)]
    results = [(w.wait(timeout=120), *w.communicate()) for w in writers]
    expected = str(int(tm.SMALL["x_train"].sum(dtype=np.int64)))
    for code, out, err in results:
        assert code == 0 and out.strip() == expected, err
        assert "Traceback" not in err
    assert not any(path.exists() for path in stale)
    assert leftovers(isolated) == []
    tm.assert_same_as_small(*mnist.load_mnist(normalize=False))
