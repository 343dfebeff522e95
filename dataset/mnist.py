"""Load the MNIST handwritten digits as NumPy arrays.

    from dataset.mnist import load_mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)

The data comes from the first of these that works:

1. The cache: one uncompressed ``.npz`` file of the four uint8 arrays, at
   ``$DLFS_CACHE_DIR/mnist-v1.npz`` if that variable is set, otherwise
   ``$XDG_CACHE_HOME/dlfs/mnist-v1.npz``, otherwise ``~/.cache/dlfs/mnist-v1.npz``
   (``cache_path()`` tells you which).
2. The folder named by the environment variable ``MNIST_DIR``, holding the four
   standard IDX files (``train-images-idx3-ubyte`` and friends), raw or ``.gz``.
3. A download of the ``.gz`` files from the mirrors in ``MIRRORS``, tried in
   order (``MNIST_MIRRORS``, a comma-separated list of URLs, replaces them).

Nothing is trusted unchecked: every file, whatever its source, must have the
right IDX magic number, dimensions and payload length, and the SHA-256 of the
uncompressed file must match the published data.  A bad cache is reported,
deleted and rebuilt; a bad file in ``MNIST_DIR`` or at a mirror is reported and
the next source is tried.  The cache is written to a temporary file and renamed
into place, so an interrupted run never leaves a half-written cache behind; the
temporary files of runs that were killed while writing are removed later (see
``_clean_stale_parts``).

Downloads are bounded three ways, so a broken or hostile mirror costs a little
time and memory and then the next mirror is tried: a mirror may stay silent for
at most ``DOWNLOAD_TIMEOUT`` seconds, each file must arrive within
``DOWNLOAD_DEADLINE`` seconds in all (the environment variable
``MNIST_DOWNLOAD_DEADLINE`` overrides it, for slow links), and no file may be
larger than MNIST's file can be, neither as sent nor once decompressed (so
neither an endless response nor a "gzip bomb" can fill the memory).

The book kept its cache in a pickle file.  This module does not: loading a
pickle can run arbitrary code, so a pickle someone swapped in would be a
security hole.  The ``.npz`` cache is a zip of ``.npy`` files; each one is read
as raw uint8 bytes (any other dtype is refused), so nothing is ever unpickled.

``python -m dataset.mnist`` (or ``init_mnist()``, the book's name) fills the
cache once and prints where it is.
"""

import hashlib
import math
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["load_mnist", "init_mnist", "cache_path", "MnistUnavailableError", "MIRRORS"]

CACHE_NAME = "mnist-v1.npz"
DOWNLOAD_TIMEOUT = 30  # seconds a mirror may stay silent before we give up on it
#: Seconds one file may take in all, however steadily it trickles in.  The largest
#: file (9.9 MB) needs 33 KB/s to make it; MNIST_DOWNLOAD_DEADLINE overrides this.
DOWNLOAD_DEADLINE = 300
DEADLINE_ENV = "MNIST_DOWNLOAD_DEADLINE"
#: A temporary cache file unchanged for this many seconds belongs to no live writer:
#: writing the 55 MB cache takes seconds, and the file grows while it is written.
STALE_PART_AGE = 600
_CHUNK = 1 << 20  # pixels read from the cache at a time
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    # The original home of MNIST.  It often answers "403 Forbidden" nowadays,
    # so it is only the last resort.
    "https://yann.lecun.com/exdb/mnist/",
)


class IdxFile(NamedTuple):
    """One MNIST file: its array name in the cache, its file name, the SHA-256
    of the uncompressed file and the shape of the array it holds."""

    key: str
    name: str
    sha256: str
    shape: tuple[int, ...]


FILES = (
    IdxFile("x_train", "train-images-idx3-ubyte",
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", (60000, 28, 28)),
    IdxFile("t_train", "train-labels-idx1-ubyte",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", (60000,)),
    IdxFile("x_test", "t10k-images-idx3-ubyte",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", (10000, 28, 28)),
    IdxFile("t_test", "t10k-labels-idx1-ubyte",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", (10000,)),
)  # fmt: skip


class MnistUnavailableError(RuntimeError):
    """Neither the cache, nor MNIST_DIR, nor any mirror gave valid MNIST data."""


_MISMATCH = "SHA-256 mismatch: the data is corrupt or not the real MNIST"


class _BadSource(Exception):
    """One source failed for one file; the message says why."""


def _say(message):
    """Report progress or a problem as one line on stderr."""
    print(f"mnist: {message}", file=sys.stderr, flush=True)


# --- checking IDX data ------------------------------------------------------


def _idx_header(shape):
    """The IDX header of a uint8 array: magic 0x08NN (NN = number of
    dimensions, so 2049 for labels and 2051 for images), then each dimension,
    all as big-endian 32-bit integers."""
    return struct.pack(f">I{len(shape)}I", 0x0800 + len(shape), *shape)


def _idx_size(spec):
    """The exact length of the uncompressed IDX file: header plus one byte per value."""
    return 4 * (1 + len(spec.shape)) + math.prod(spec.shape)


def _gz_limit(spec):
    """The most bytes a .gz of this file may have.  Deflate never grows data by
    more than a few bytes per 16 KB block, and gzip adds a header of some bytes
    (more with a stored file name), so 1% plus 1 KB over the uncompressed size is
    generous for any compression level, yet keeps an endless response small."""
    size = _idx_size(spec)
    return size + size // 100 + 1024


def _parse_idx(data, spec):
    """Turn the bytes of an uncompressed IDX file into a verified uint8 array."""
    ndim = len(spec.shape)
    header_size = 4 * (1 + ndim)
    if len(data) < header_size:
        raise _BadSource(f"only {len(data)} bytes, too short for an IDX header")
    magic, *dims = struct.unpack_from(f">I{ndim}I", data)
    if magic != 0x0800 + ndim:
        raise _BadSource(f"bad IDX magic number {magic} (expected {0x0800 + ndim})")
    if tuple(dims) != tuple(spec.shape):
        raise _BadSource(f"dimensions {tuple(dims)} in the header, expected {tuple(spec.shape)}")
    expected = int(np.prod(dims))
    if len(data) - header_size != expected:
        raise _BadSource(
            f"payload is {len(data) - header_size} bytes, the header promises {expected}"
        )
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        raise _BadSource(_MISMATCH)
    # copy: the array gets its own writable memory and the file's bytes can be freed
    return np.frombuffer(data, np.uint8, offset=header_size).reshape(dims).copy()


def _gunzip(blob, limit):
    """Decompress gzip bytes, never producing more than `limit` bytes.

    A few KB of gzip can inflate to gigabytes (a "gzip bomb"); asking zlib for at
    most limit + 1 bytes stops that after one byte too many, whatever the input.
    A truncated or damaged stream, or one that inflates beyond `limit`, raises
    _BadSource.  Like gzip.decompress, several members are joined and zero
    padding after the last one is ignored."""
    pieces, size, data = [], 0, blob
    try:
        while True:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: gzip header and trailer
            piece = inflater.decompress(data, limit + 1 - size)  # max_length >= 1 here
            size += len(piece)
            if size > limit:
                raise _BadSource(f"inflates to more than {limit} bytes, the size of MNIST's file")
            pieces.append(piece)
            if not inflater.eof:
                raise _BadSource("broken gzip data (the stream ends before its end)")
            data = inflater.unused_data
            if not data.strip(b"\0"):
                break
    except zlib.error as exc:
        raise _BadSource(f"broken gzip data ({exc})") from None
    return b"".join(pieces)  # one member (the usual case): no copy


# --- the sources: MNIST_DIR and the mirrors -----------------------------------


def _read_local(folder, spec):
    """Read one verified file from `folder`, as `name` (raw) or `name.gz`.

    The raw file is tried first; if it is bad, the .gz is still tried (a broken
    unpacked copy must not hide a good archive), and the raw file's problem is
    reported.  A file larger than MNIST's can be is refused before it is read."""
    size, problems = _idx_size(spec), []
    for path, compressed in ((folder / spec.name, False), (folder / f"{spec.name}.gz", True)):
        try:
            if not path.is_file():
                continue
            limit = _gz_limit(spec) if compressed else size
            actual = path.stat().st_size
            if actual > limit:
                raise _BadSource(f"{actual} bytes, more than the {limit} that MNIST's file can be")
            data = path.read_bytes()
            array = _parse_idx(_gunzip(data, size) if compressed else data, spec)
        except (OSError, _BadSource) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            problems.append(f"{path}: {reason}")
            continue
        for problem in problems:
            _say(f"{problem}; using {path} instead")
        return array
    if problems:
        raise _BadSource("; ".join(problems))
    raise _BadSource(f"MNIST_DIR={folder} holds neither {spec.name} nor {spec.name}.gz")


def _progress(url, got, total):
    """Redraw a one-line download progress display, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    if total:
        size = f"{got / 1e6:.1f}/{total / 1e6:.1f} MB {100 * got // total:3d}%"
    else:
        size = f"{got / 1e6:.1f} MB"
    sys.stderr.write(f"\r  {url.rsplit('/', 1)[-1]}: {size}")
    sys.stderr.flush()


def _deadline_seconds():
    """DOWNLOAD_DEADLINE, or $MNIST_DOWNLOAD_DEADLINE when set."""
    value = os.environ.get(DEADLINE_ENV, "").strip()
    if not value:
        return DOWNLOAD_DEADLINE
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise MnistUnavailableError(
            f"{DEADLINE_ENV}={value!r} is not a positive number of seconds (the time one MNIST "
            f"file may take to download; default {DOWNLOAD_DEADLINE})"
        )
    return seconds


class _Deadline:
    """Cuts every connection of one download when its time is up.

    The socket timeout only bounds each read, so a server sending one byte every
    few seconds would never time out.  A timer thread shuts the connections down
    at the deadline instead; the blocked read (or TLS handshake) then returns, with
    an error or an early end, and the download reports the deadline.

    It keeps its own duplicate of each socket: shutting down a duplicate shuts
    the connection itself (a blocked read in another thread wakes up), and a
    duplicate stays valid when TLS takes the original over or it is closed, so
    the timer never touches a file descriptor that has come to mean something else.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.fired = False
        self._stopped = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True  # never keeps the interpreter alive

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def watch(self, sock):
        """Watch the connection of `sock` (a connected plain socket)."""
        with self._lock:
            self._sockets.append(sock.dup())
            if self.fired:
                _shut(self._sockets[-1])

    def _fire(self):
        with self._lock:
            if not self._stopped:
                self.fired = True
                for sock in self._sockets:
                    _shut(sock)

    def stop(self):
        """Cancel the timer; return whether the deadline had already passed."""
        with self._lock:
            self._stopped = True
        self._timer.cancel()
        return self.fired


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # the other side has already closed it
        pass


def _deadline_opener(deadline):
    """A urllib opener whose HTTP and HTTPS connections are watched by `deadline`."""
    import http.client
    import urllib.request

    def watched(base):
        class Watched(base):
            def connect(self):
                create = self._create_connection

                def create_and_watch(*args, **kwargs):
                    # the plain socket, before TLS wraps it: a handshake can stall too
                    sock = create(*args, **kwargs)
                    deadline.watch(sock)
                    return sock

                self._create_connection = create_and_watch
                super().connect()

        return Watched

    http_class = watched(http.client.HTTPConnection)
    https_class = watched(http.client.HTTPSConnection)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_class, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(https_class, req, context=self._context)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def _download(url, limit, timeout=None, deadline=None):
    """Fetch `url` and return its body, of at most `limit` bytes.

    HTTP errors (403, 404...), network errors, silence longer than `timeout`
    (default DOWNLOAD_TIMEOUT), a body shorter than its Content-Length, a body
    longer than `limit`, and a download not complete after `deadline` seconds
    (default DOWNLOAD_DEADLINE or $MNIST_DOWNLOAD_DEADLINE) raise _BadSource."""
    # Imported here because only downloads need them: they cost a few MB of
    # memory, and training runs are measured on their memory use.
    import http.client
    import urllib.error
    import urllib.request

    timeout = DOWNLOAD_TIMEOUT if timeout is None else timeout
    seconds = _deadline_seconds() if deadline is None else deadline
    request = urllib.request.Request(url, headers={"User-Agent": "dlfs-course-mnist"})
    chunks, got, total, problem = [], 0, 0, None
    with _Deadline(seconds) as watchdog:
        try:
            with _deadline_opener(watchdog).open(request, timeout=timeout) as response:
                total = int(response.headers.get("Content-Length") or 0)
                if total > limit:
                    raise _BadSource(
                        f"announces {total} bytes, more than the {limit} that MNIST's file can be"
                    )
                while True:
                    # read1: returns what one read brings, so a trickle is seen as it comes
                    chunk = response.read1(1 << 16)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > limit:
                        raise _BadSource(
                            f"sent more than {limit} bytes, more than MNIST's file can be"
                        )
                    chunks.append(chunk)
                    _progress(url, got, total)
        except urllib.error.HTTPError as exc:
            exc.close()
            problem = f"HTTP error {exc.code} {exc.reason}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            problem = f"cannot download ({getattr(exc, 'reason', exc)})"
        finally:
            if got and sys.stderr.isatty():
                sys.stderr.write("\n")
        late = watchdog.stop()
    if late:  # whatever the cut connection looked like (an error, or a clean end)
        raise _BadSource(
            f"not complete after the {seconds:g} s deadline ({got} bytes came); "
            f"on a slow link, set {DEADLINE_ENV} to more seconds"
        )
    if problem is not None:
        raise _BadSource(problem)
    if total and got < total:
        raise _BadSource(f"truncated download: {got} of {total} bytes")
    return b"".join(chunks)


def _mirror_list():
    """The mirrors to try: $MNIST_MIRRORS (comma-separated URLs) or MIRRORS."""
    value = os.environ.get("MNIST_MIRRORS", "")
    return [url.strip() for url in value.split(",") if url.strip()] or list(MIRRORS)


def _fetch(spec, folder, mirrors, failures):
    """Get one verified file: from the local folder first, then from each
    mirror in turn.  Every failure is reported and added to `failures`."""
    if folder is not None:
        try:
            return _read_local(folder, spec)
        except _BadSource as exc:
            failures.append(str(exc))
            _say(f"{exc}; trying the next source")
    for base in mirrors:
        if not base.startswith(("http://", "https://")):  # urllib: "unknown url type"
            failures.append(f"mirror {base!r} is not an http:// or https:// URL")
            _say(f"{failures[-1]}; trying the next mirror")
            continue
        url = f"{base.rstrip('/')}/{spec.name}.gz"
        _say(f"downloading {url}")
        try:
            return _parse_idx(_gunzip(_download(url, _gz_limit(spec)), _idx_size(spec)), spec)
        except _BadSource as exc:
            failures.append(f"{url}: {exc}")
            _say(f"{url}: {exc}; trying the next mirror")
    return None


def _from_sources(files, mirrors):
    """Read all files from MNIST_DIR or the mirrors, or raise MnistUnavailableError."""
    folder, notes = os.environ.get("MNIST_DIR"), []
    folder = Path(folder).expanduser() if folder else None
    if folder is not None and not _is_dir(folder):
        notes.append(f"MNIST_DIR={folder} is not a folder")
        _say(f"{notes[0]}; trying the mirrors")
        folder = None
    arrays = {}
    for spec in files:
        failures = list(notes)
        arrays[spec.key] = _fetch(spec, folder, mirrors, failures)
        if arrays[spec.key] is None:
            names = ", ".join(f.name for f in files)
            tried = "; ".join(failures) or "no source"
            raise MnistUnavailableError(
                f"cannot get the MNIST file {spec.name} ({tried}). Either set MNIST_DIR to a "
                f"folder holding the four MNIST files ({names}; raw or .gz), or give this "
                f"machine network access to one of the mirrors: {', '.join(mirrors)}"
            )
    return arrays


def _is_dir(path):
    """Path.is_dir, but False (not PermissionError) where the path cannot be looked at."""
    try:
        return path.is_dir()
    except OSError:
        return False


# --- the cache ----------------------------------------------------------------


def cache_path():
    """Where the cache lives: $DLFS_CACHE_DIR, else $XDG_CACHE_HOME/dlfs,
    else ~/.cache/dlfs; the file is mnist-v1.npz in that folder."""
    folder = os.environ.get("DLFS_CACHE_DIR")
    if not folder:
        xdg = os.environ.get("XDG_CACHE_HOME")
        folder = Path(xdg) / "dlfs" if xdg else Path.home() / ".cache" / "dlfs"
    return Path(folder).expanduser() / CACHE_NAME


def _read_member(archive, spec, dtype):
    """Stream one uint8 array out of the open cache archive into a new array of
    `dtype` (uint8, or float32 scaled to [0, 1]), hashing it on the way.

    Reading piece by piece means a full uint8 copy never sits next to the
    float32 one (about 47 MB less at the peak).  Only a uint8 array in C order
    is accepted, so nothing is ever unpickled."""
    with archive.open(f"{spec.key}.npy") as member:
        version = np.lib.format.read_magic(member)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran_order, stored = read_header(member)
        if stored != np.uint8 or fortran_order or shape != tuple(spec.shape):
            raise _BadSource(
                f"{spec.key}: expected uint8 {tuple(spec.shape)}, found {stored} {shape}"
            )
        out = np.empty(shape, dtype)
        flat = out.reshape(-1)  # a view: filling it fills `out`
        digest = hashlib.sha256(_idx_header(shape))  # an IDX file is header + pixels
        for start in range(0, flat.size, _CHUNK):
            piece = flat[start : start + _CHUNK]
            data = member.read(piece.size)
            if len(data) != piece.size:
                raise _BadSource(f"{spec.key}: truncated")
            digest.update(data)
            piece[...] = np.frombuffer(data, np.uint8)
            if dtype == np.float32:
                piece /= 255
    if digest.hexdigest() != spec.sha256:
        raise _BadSource(f"{spec.key}: {_MISMATCH}")
    return out


#: _read_cache's answer when the cache folder cannot even be looked into.
_NO_CACHE = "no cache"


def _read_cache(path, files, normalize):
    """Return the verified arrays from the cache at `path` (images as float32 in
    [0, 1] if `normalize`), None when there is none, or _NO_CACHE when the cache
    folder cannot be used at all (then it is not written either).  A broken
    cache is reported and deleted, and None returned."""
    try:
        if not path.is_file():
            if path.exists():  # a folder, say: not ours to delete
                _say(f"the cache {path} is not a file; loading without the cache")
                return _NO_CACHE
            return None
    except OSError as exc:  # e.g. DLFS_CACHE_DIR is a folder we may not look into
        _say(
            f"cannot use the cache folder {path.parent} ({exc.strerror or exc}); "
            "loading without the cache"
        )
        return _NO_CACHE
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                spec.key: _read_member(archive, spec, _dtype(spec, normalize)) for spec in files
            }
    except PermissionError as exc:  # someone else's cache: not broken, just not ours to read
        _say(f"cannot read the cache {path} ({exc.strerror}); loading without it")
        return None
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        _BadSource,
    ) as exc:
        _say(
            f"the cache {path} is unusable ({exc or type(exc).__name__}); "
            "deleting and rebuilding it"
        )
    try:
        path.unlink()
    except OSError as exc:
        _say(f"could not delete {path}: {exc}")
    return None


def _host_tag():
    """This machine's name as it goes into temporary file names: no dots, no slashes."""
    return "".join(c if c.isalnum() or c == "-" else "_" for c in socket.gethostname()) or "host"


def _writer_is_dead(name):
    """Whether the temporary cache file `name` was written by a process of this
    machine that no longer runs.  The name carries the writer:
    mnist-v1.npz.<host>.<pid>.<random>.part (see _write_cache)."""
    fields = name[len(CACHE_NAME) + 1 : -len(".part")].split(".")
    if len(fields) != 3 or fields[0] != _host_tag() or not fields[1].isdigit():
        return False  # another machine's (a shared folder) or an older name: age decides
    pid = int(fields[1])
    # os.kill(pid, 0) only asks whether the process exists on POSIX; on Windows it
    # would terminate it, so there only the age rule applies.
    if os.name != "posix" or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def _clean_stale_parts(folder, max_age=None):
    """Delete the temporary cache files that interrupted writers left in `folder`.

    A writer killed with SIGKILL (or by a power cut) cannot remove its
    ``mnist-v1.npz.*.part`` file.  Several processes may fill the cache at the
    same moment, so only files that no live writer can own are deleted: those of
    a dead process of this machine, and those unchanged for `max_age` seconds
    (default STALE_PART_AGE).  Were a live but stalled writer's file deleted all
    the same, its final rename fails, which it reports, keeping its data."""
    max_age = STALE_PART_AGE if max_age is None else max_age
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no folder yet, or one we may not list
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(f"{CACHE_NAME}.") and name.endswith(".part")):
            continue
        try:
            if now - entry.stat().st_mtime > max_age or _writer_is_dead(name):
                os.unlink(entry.path)
                _say(f"removed {entry.path}, left by an interrupted run")
        except OSError:  # someone else removed it first, or it is not ours to remove
            continue


def _write_cache(path, arrays):
    """Save the arrays to `path` atomically: write a temporary file in the same
    folder, then rename it.  Return whether it worked; a failure is reported."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # host and pid in the name let _clean_stale_parts tell a dead writer's file
        prefix = f"{path.name}.{_host_tag()}.{os.getpid()}."
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # uncompressed: fast to read back
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared cache folder needs it readable
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError as exc:
        _say(f"could not write the cache {path} ({exc}); going on without it")
        return False
    finally:
        if tmp is not None:  # the write failed or was interrupted: leave nothing behind
            try:
                os.unlink(tmp)
            except OSError:
                pass


# --- putting it together ------------------------------------------------------------


def _dtype(spec, normalize):
    """float32 for images when normalizing, otherwise uint8."""
    return np.float32 if normalize and len(spec.shape) == 3 else np.uint8


def _load_arrays(normalize, files=None, mirrors=None):
    """The four verified arrays, keyed x_train, t_train, x_test, t_test, with
    images as float32 in [0, 1] if `normalize`: from the cache, else from
    MNIST_DIR or the mirrors (which fills the cache)."""
    files = FILES if files is None else files
    path = cache_path()
    _clean_stale_parts(path.parent)  # a directory listing: nothing next to the data
    arrays = _read_cache(path, files, normalize)
    if arrays is not None and arrays is not _NO_CACHE:
        return arrays
    raw = _from_sources(files, _mirror_list() if mirrors is None else list(mirrors))
    if arrays is None and _write_cache(path, raw):
        del raw  # read the new cache back, straight into the wanted dtype
        arrays = _read_cache(path, files, normalize)
        if arrays is None or arrays is _NO_CACHE:
            raise MnistUnavailableError(f"the cache just written to {path} cannot be read back")
        return arrays
    for spec in files:  # no cache: convert in memory
        if _dtype(spec, normalize) == np.float32:
            raw[spec.key] = raw[spec.key].astype(np.float32)
            raw[spec.key] /= 255
    return raw


def _one_hot(labels, classes=10):
    """Labels (N,) -> float32 (N, classes) with a single 1 per row."""
    out = np.zeros((labels.size, classes), np.float32)
    out[np.arange(labels.size), labels] = 1
    return out


def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    """Load MNIST as ``(x_train, t_train), (x_test, t_test)``: 60000 and 10000 images.

    normalize:     True -> float32 pixels in [0, 1]; False -> uint8 pixels 0..255.
    flatten:       True -> images of shape (N, 784); False -> (N, 1, 28, 28).
    one_hot_label: True -> labels float32 (N, 10); False -> uint8 (N,) digits 0..9.

    Raises MnistUnavailableError when no source has the data (see the module docstring).
    """
    arrays = _load_arrays(normalize)
    result = []
    for images, labels in (("x_train", "t_train"), ("x_test", "t_test")):
        x, t = arrays.pop(images), arrays.pop(labels)
        x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *x.shape[1:])  # views
        result.append((x, _one_hot(t) if one_hot_label else t))
    return tuple(result)


def init_mnist():
    """Fill the cache, as the book's ``init_mnist()`` does; return its path.

    The book's version downloads the four files and writes its pickle; here the
    same call gets the files from MNIST_DIR or a mirror and writes the verified
    ``.npz`` cache, unless a good cache is already there (then it only checks
    it).  ``load_mnist`` calls this on its own when needed, so scripts never
    have to.  Raises MnistUnavailableError when no source has the data.
    """
    _load_arrays(normalize=False)
    return cache_path()


def _exists(path):
    """Path.exists, but False (not PermissionError) where the path cannot be looked at."""
    try:
        return path.exists()
    except OSError:
        return False


def main():
    """Fill the cache and print where it is; exit status 1 if MNIST is unavailable."""
    try:
        arrays = _load_arrays(normalize=False)
    except MnistUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    path = cache_path()
    print(f"MNIST cache: {path}" + ("" if _exists(path) else " (could not be written)"))
    for key, array in arrays.items():
        print(f"  {key}: shape {array.shape}, dtype {array.dtype}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
