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
the next source is tried.  The cache is written whole or not at all.
Downloads are bounded in time and size, so a broken or hostile mirror costs a
little time and memory and then the next mirror is tried.  That machinery lives
in ``dataset/download.py``; this module is the loading path.

The book kept its cache in a pickle file.  This module does not: loading a
pickle can run arbitrary code, so a pickle someone swapped in would be a
security hole.  The ``.npz`` cache is a zip of ``.npy`` files; each one is read
as raw uint8 bytes (any other dtype is refused), so nothing is ever unpickled.

``python -m dataset.mnist`` (or ``init_mnist()`` or ``download_mnist()``, the
book's names) fills the cache once and prints where it is.  The run that fills
it says once, on stderr, where MNIST was read from and where the cache went.
"""

import hashlib
import math
import os
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

from dataset import download
from dataset.download import BadSource, gunzip, gz_limit, say

import numpy as np

__all__ = [
    "load_mnist",
    "init_mnist",
    "download_mnist",
    "cache_path",
    "MnistUnavailableError",
    "MIRRORS",
]

CACHE_NAME = "mnist-v1.npz"
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


# --- checking IDX data ------------------------------------------------------


def _idx_header(shape):
    """The IDX header of a uint8 array: magic 0x08NN (NN = number of
    dimensions, so 2049 for labels and 2051 for images), then each dimension,
    all as big-endian 32-bit integers."""
    return struct.pack(f">I{len(shape)}I", 0x0800 + len(shape), *shape)


def _idx_size(spec):
    """The exact length of the uncompressed IDX file: header plus one byte per value."""
    return 4 * (1 + len(spec.shape)) + math.prod(spec.shape)


def _parse_idx(data, spec):
    """Turn the bytes of an uncompressed IDX file into a verified uint8 array."""
    ndim = len(spec.shape)
    header_size = 4 * (1 + ndim)
    if len(data) < header_size:
        raise BadSource(f"only {len(data)} bytes, too short for an IDX header")
    magic, *dims = struct.unpack_from(f">I{ndim}I", data)
    if magic != 0x0800 + ndim:
        raise BadSource(f"bad IDX magic number {magic} (expected {0x0800 + ndim})")
    if tuple(dims) != tuple(spec.shape):
        raise BadSource(f"dimensions {tuple(dims)} in the header, expected {tuple(spec.shape)}")
    expected = int(np.prod(dims))
    if len(data) - header_size != expected:
        raise BadSource(
            f"payload is {len(data) - header_size} bytes, the header promises {expected}"
        )
    if hashlib.sha256(data).hexdigest() != spec.sha256:
        raise BadSource(_MISMATCH)
    # copy: the array gets its own writable memory and the file's bytes can be freed
    return np.frombuffer(data, np.uint8, offset=header_size).reshape(dims).copy()


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
            limit = gz_limit(size) if compressed else size
            actual = path.stat().st_size
            if actual > limit:
                raise BadSource(f"{actual} bytes, more than the {limit} that MNIST's file can be")
            data = path.read_bytes()
            array = _parse_idx(gunzip(data, size) if compressed else data, spec)
        except (OSError, BadSource) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            problems.append(f"{path}: {reason}")
            continue
        for problem in problems:
            say(f"{problem}; using {path} instead")
        return array
    if problems:
        raise BadSource("; ".join(problems))
    raise BadSource(f"MNIST_DIR={folder} holds neither {spec.name} nor {spec.name}.gz")


def _fetch(spec, folder, mirrors, failures):
    """Get one verified file, from the local folder first, then from the mirrors.
    Return (array, where it came from), or (None, None); every failure is
    reported and added to `failures`."""
    if folder is not None:
        try:
            return _read_local(folder, spec), str(folder)
        except BadSource as exc:
            failures.append(str(exc))
            say(f"{exc}; trying the next source")

    def read(blob):
        return _parse_idx(gunzip(blob, _idx_size(spec)), spec)

    try:
        return download.from_mirrors(
            f"{spec.name}.gz", gz_limit(_idx_size(spec)), mirrors, read, failures
        )
    except ValueError as exc:  # a bad $MNIST_DOWNLOAD_DEADLINE: no mirror would do better
        raise MnistUnavailableError(str(exc)) from None


def _from_sources(files, mirrors):
    """Read all files from MNIST_DIR or the mirrors, or raise MnistUnavailableError.
    Return the arrays and the places they came from."""
    folder, notes = os.environ.get("MNIST_DIR"), []
    folder = Path(folder).expanduser() if folder else None
    if folder is not None and not _is_dir(folder):
        notes.append(f"MNIST_DIR={folder} is not a folder")
        say(f"{notes[0]}; trying the mirrors")
        folder = None
    arrays, sources = {}, []
    for spec in files:
        failures = list(notes)
        arrays[spec.key], where = _fetch(spec, folder, mirrors, failures)
        if arrays[spec.key] is None:
            names = ", ".join(f.name for f in files)
            tried = "; ".join(failures) or "no source"
            raise MnistUnavailableError(
                f"cannot get the MNIST file {spec.name} ({tried}). Either set MNIST_DIR to a "
                f"folder holding the four MNIST files ({names}; raw or .gz), or give this "
                f"machine network access to one of the mirrors: {', '.join(mirrors)}"
            )
        if where not in sources:
            sources.append(where)
    return arrays, sources


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
            raise BadSource(
                f"{spec.key}: expected uint8 {tuple(spec.shape)}, found {stored} {shape}"
            )
        out = np.empty(shape, dtype)
        flat = out.reshape(-1)  # a view: filling it fills `out`
        digest = hashlib.sha256(_idx_header(shape))  # an IDX file is header + pixels
        for start in range(0, flat.size, _CHUNK):
            piece = flat[start : start + _CHUNK]
            data = member.read(piece.size)
            if len(data) != piece.size:
                raise BadSource(f"{spec.key}: truncated")
            digest.update(data)
            piece[...] = np.frombuffer(data, np.uint8)
            if dtype == np.float32:
                piece /= 255
    if digest.hexdigest() != spec.sha256:
        raise BadSource(f"{spec.key}: {_MISMATCH}")
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
                say(f"the cache {path} is not a file; loading without the cache")
                return _NO_CACHE
            return None
    except OSError as exc:  # e.g. DLFS_CACHE_DIR is a folder we may not look into
        say(
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
        say(f"cannot read the cache {path} ({exc.strerror}); loading without it")
        return None
    except (
        OSError,
        EOFError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        BadSource,
    ) as exc:
        say(
            f"the cache {path} is unusable ({exc or type(exc).__name__}); "
            "deleting and rebuilding it"
        )
    try:
        path.unlink()
    except OSError as exc:
        say(f"could not delete {path}: {exc}")
    return None


def _write_cache(path, arrays):
    """Save the arrays to `path`, whole or not at all (see download.write_atomically).
    Return whether it worked; a failure is reported."""
    try:
        # uncompressed: fast to read back
        download.write_atomically(path, lambda out: np.savez(out, **arrays))
        return True
    except OSError as exc:
        say(f"could not write the cache {path} ({exc}); going on without it")
        return False


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
    download.clean_stale_parts(path)  # a directory listing: nothing next to the data
    arrays = _read_cache(path, files, normalize)
    if arrays is not None and arrays is not _NO_CACHE:
        return arrays
    mirrors = download.mirror_list(MIRRORS) if mirrors is None else list(mirrors)
    raw, sources = _from_sources(files, mirrors)
    if arrays is None and _write_cache(path, raw):
        # said once, by the run that fills the cache: later runs read it silently
        say(f"read MNIST from {', '.join(sources)}; cached it in {path} for later runs")
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


def download_mnist():
    """The book's name for getting the four MNIST files; return the cache's path.

    The book's version saves the ``.gz`` files into the repository's ``dataset``
    folder.  Here nothing is written into the repository: the files come from
    MNIST_DIR or a mirror, are verified, and go into the cache (as ``init_mnist``).
    """
    return init_mnist()


def _exists(path):
    """Path.exists, but False (not PermissionError) where the path cannot be looked at."""
    try:
        return path.exists()
    except OSError:
        return False


def load_mnist_or_exit(**kwargs):
    """``load_mnist(**kwargs)`` for a script: without data, the one line that says what to
    do (set MNIST_DIR or allow the download) and exit status 1, not a traceback."""
    try:
        return load_mnist(**kwargs)
    except MnistUnavailableError as exc:
        sys.exit(f"error: {exc}")


def main(argv=None):
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
    # Ctrl-C and SIGTERM end it in one line: importing the package imported common first
    sys.exit(main())
