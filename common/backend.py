"""The array backend: NumPy by default, CuPy on request.

Every array in ``common`` lives on one device, chosen once:

* the environment variable ``DLFS_DEVICE`` (``cpu`` or ``gpu``), read at import, or
* ``use_device('gpu')`` from code, or ``--device gpu`` on a chapter script
  (see ``add_device_argument`` and ``device_from_args``).

Code that *creates* arrays (weights, optimizer state) asks for ``get_xp()``,
the module of the current device.  Code that *operates* on arrays it was given
asks the array itself: ``xp = get_array_module(x)``.  That way a layer works on
whatever it is fed, and nothing calls NumPy on a CuPy array.

Moving data: ``to_device(x)`` sends an array to the current device (once, not per
batch), ``to_cpu(x)`` brings it back for printing and plotting.

CPU threads: NumPy's BLAS uses every core by default, which is fastest on an
idle machine (chapter 5's training: 4.5 s with two threads, 5.7 s with one).
Where the cores are shared (a busy laptop, CI, parallel trials) OpenBLAS's
waiting threads make the same run five to ten times *slower*; set
``DLFS_CPU_THREADS=1`` there (the test suite does), or call ``set_cpu_threads(n)``.
"""
import os
import sys

import numpy

ENV_VAR = "DLFS_DEVICE"
THREADS_VAR = "DLFS_CPU_THREADS"
DEVICES = ("cpu", "gpu")

INSTALL_HINT = ("install CuPy for your CUDA version, e.g. `pip install cupy-cuda12x` "
                "(CUDA 12) or `pip install cupy-cuda13x` (CUDA 13)")

_xp = numpy
_device = "cpu"
_env_error = None  # why $DLFS_DEVICE could not be honoured at import, if it could not


class DeviceError(RuntimeError):
    """The requested device cannot be used (CuPy or a CUDA GPU is missing)."""


def _import_cupy():
    """Import CuPy and check a GPU answers; raise DeviceError in one line if not."""
    try:
        import cupy
    except ImportError:
        raise DeviceError(f"the GPU backend needs CuPy, which is not installed: {INSTALL_HINT}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver/runtime missing or broken
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DeviceError(f"CuPy is installed but CUDA is not usable ({first_line}); "
                          f"check the NVIDIA driver, or {INSTALL_HINT}") from None
    if count == 0:
        raise DeviceError("CuPy is installed but no CUDA GPU was found on this machine")
    return cupy


def use_device(name):
    """Select ``'cpu'`` (NumPy) or ``'gpu'`` (CuPy) for all of ``common``.

    Call it before creating networks: arrays already made stay where they are.
    """
    global _xp, _device, _env_error
    name = (name or "cpu").strip().lower()
    if name not in DEVICES:
        raise DeviceError(f"unknown device {name!r}: choose one of {', '.join(DEVICES)}")
    _xp = _import_cupy() if name == "gpu" else numpy
    _device = name
    _env_error = None
    return _xp


def get_xp():
    """The array module of the current device: ``numpy`` or ``cupy``.

    If ``$DLFS_DEVICE`` asked for a GPU that is not there, this is where it is
    reported (a DeviceError), rather than quietly running on the CPU.
    """
    if _env_error is not None:
        raise _env_error
    return _xp


def get_device():
    """The current device name, ``'cpu'`` or ``'gpu'``."""
    return _device


def gpu_available():
    """True when CuPy imports and sees at least one CUDA GPU."""
    try:
        _import_cupy()
    except DeviceError:
        return False
    return True


def _cupy_if_loaded():
    # Only look at CuPy if someone already imported it: never pay for the import on CPU.
    return sys.modules.get("cupy")


def get_array_module(x):
    """The module (``numpy`` or ``cupy``) that owns array ``x``."""
    cupy = _cupy_if_loaded()
    if cupy is not None and isinstance(x, cupy.ndarray):
        return cupy
    return numpy


def to_cpu(x):
    """A NumPy copy of ``x`` (or ``x`` itself if it already is on the CPU)."""
    cupy = _cupy_if_loaded()
    if cupy is not None and isinstance(x, cupy.ndarray):
        return cupy.asnumpy(x)
    return numpy.asarray(x)


def to_gpu(x):
    """A CuPy copy of ``x`` on the current GPU."""
    return _import_cupy().asarray(x)


def to_device(x):
    """``x`` on the current device: unchanged if it is already there."""
    xp = get_xp()
    return to_cpu(x) if xp is numpy else xp.asarray(x)


def seed(value):
    """Seed NumPy's global generator (weights are drawn there) and CuPy's, if in use."""
    numpy.random.seed(value)
    if _device == "gpu":
        _xp.random.seed(value)


def add_device_argument(parser):
    """Add ``--device {cpu,gpu}`` to an argparse parser (default: ``$DLFS_DEVICE`` or cpu)."""
    parser.add_argument("--device", choices=DEVICES,
                        default=os.environ.get(ENV_VAR, "cpu").strip().lower() or "cpu",
                        help=f"array backend: cpu (NumPy) or gpu (CuPy); default from ${ENV_VAR}, else cpu")
    return parser


def device_from_args(args):
    """Switch to ``args.device``; on failure print one line and exit with status 1."""
    try:
        use_device(args.device)
    except DeviceError as exc:
        sys.exit(f"error: --device {args.device}: {exc}")


_blas_default_threads = None  # BLAS's own thread count, read before set_cpu_threads first changes it


def _blas():
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas")


def get_cpu_threads():
    """The number of threads NumPy's BLAS uses now (1 where threadpoolctl finds no BLAS)."""
    return max([lib["num_threads"] for lib in _blas().info()], default=1)


def set_cpu_threads(n):
    """Let NumPy's BLAS use ``n`` threads (``None`` or 0: its default, every core).

    Uses threadpoolctl, which finds the BLAS library NumPy loaded and sets its
    thread count in place; it works after NumPy is imported, unlike the
    OPENBLAS_NUM_THREADS variable.
    """
    global _blas_default_threads
    if _blas_default_threads is None:
        _blas_default_threads = get_cpu_threads()
    _blas().limit(limits=n or _blas_default_threads)


def _init_from_environment():
    global _env_error
    threads = os.environ.get(THREADS_VAR, "").strip()
    if threads:
        if not threads.isdigit():
            raise DeviceError(f"${THREADS_VAR} must be a whole number of threads, got {threads!r}")
        set_cpu_threads(int(threads))

    wanted = os.environ.get(ENV_VAR, "").strip().lower()
    if not wanted or wanted == "cpu":
        return
    # Importing must not fail (a script would die with a traceback before it could
    # print a clean message); the error waits in get_xp() and device_from_args().
    try:
        use_device(wanted)
    except DeviceError as exc:
        _env_error = DeviceError(f"${ENV_VAR}={wanted}: {exc}")


_init_from_environment()

__all__ = ["ENV_VAR", "DeviceError", "use_device", "get_device", "get_xp", "gpu_available",
           "get_array_module", "to_cpu", "to_gpu", "to_device", "seed", "set_cpu_threads", "get_cpu_threads",
           "add_device_argument", "device_from_args"]
