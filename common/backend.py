"""The array backend: which module holds the arrays, NumPy (default) or CuPy.

Every array of ``common`` lives on one device, chosen once, before networks are built:

* ``DLFS_DEVICE=gpu`` in the environment (read at import), or
* ``use_device('gpu')`` in code, or ``with using_device('gpu'): ...`` for a block,
* ``--device gpu`` on a chapter script (``common.cli`` calls ``use_device``).

The contract, in three rules:

1. Code that *creates* arrays (weights, optimizer state, data sets) makes them on
   the host with NumPy and sends them over with ``to_device(x)``, once.
2. Code that *operates* on arrays it was given asks the array which module owns
   it, ``xp = get_array_module(x)``, and calls ``xp.exp`` etc.: a layer then works
   on whatever it is fed, and nothing calls NumPy on a GPU array.
3. Results come back with ``to_cpu(x)``, for printing and plotting, as rarely as
   possible: every transfer waits for the device to finish.

A third device, ``strict``, exists for the test suite only: NumPy arrays behind a
CuPy-like wall (``common.strict_device``), so that CI, which has no GPU, catches
code that mixes host and device arrays or reads device values in a hot loop.
"""

import contextlib
import os
import sys

import numpy

ENV_VAR = "DLFS_DEVICE"
DEVICES = ("cpu", "gpu")  # what learners choose from; "strict" is for the tests
TEST_DEVICE = "strict"

INSTALL_HINT = (
    "install CuPy for your CUDA version, e.g. `pip install cupy-cuda12x` "
    "(CUDA 12) or `pip install cupy-cuda13x` (CUDA 13)"
)

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
        raise DeviceError(
            f"the GPU backend needs CuPy, which is not installed: {INSTALL_HINT}"
        ) from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver/runtime missing or broken
        text = str(exc).strip()
        first_line = text.splitlines()[0] if text else type(exc).__name__
        raise DeviceError(
            f"CuPy is installed but CUDA is not usable ({first_line}); "
            f"check the NVIDIA driver, or {INSTALL_HINT}"
        ) from None
    if count == 0:
        raise DeviceError("CuPy is installed but no CUDA GPU was found on this machine")
    return cupy


def _module_for(name):
    if name == "cpu":
        return numpy
    if name == "gpu":
        return _import_cupy()
    from common import strict_device

    return strict_device.xp


def use_device(name):
    """Select ``'cpu'`` (NumPy) or ``'gpu'`` (CuPy) for all of ``common``; return its module.

    Call it before creating networks: arrays already made stay where they are.
    """
    global _xp, _device, _env_error
    name = (name or "cpu").strip().lower()
    if name not in DEVICES + (TEST_DEVICE,):
        raise DeviceError(f"unknown device {name!r}: choose one of {', '.join(DEVICES)}")
    _xp = _module_for(name)
    _device = name
    _env_error = None
    return _xp


@contextlib.contextmanager
def using_device(name):
    """Run a block on device ``name``, then return to the device that was in use."""
    saved = (_xp, _device, _env_error)
    try:
        yield use_device(name)
    finally:
        _restore(saved)


def _restore(saved):
    global _xp, _device, _env_error
    _xp, _device, _env_error = saved


def get_xp():
    """The array module of the current device: ``numpy`` or ``cupy``.

    If ``$DLFS_DEVICE`` asked for a GPU that is not there, this is where it is
    reported (a DeviceError), rather than quietly running on the CPU.
    """
    if _env_error is not None:
        raise _env_error
    return _xp


def get_device():
    """The current device name: ``'cpu'``, ``'gpu'`` (or ``'strict'`` in the tests)."""
    return _device


def gpu_available():
    """True when CuPy imports and sees at least one CUDA GPU."""
    try:
        _import_cupy()
    except DeviceError:
        return False
    return True


def _loaded_device_modules():
    # Only modules someone already imported: the CPU path never pays for importing CuPy.
    cupy = sys.modules.get("cupy")
    strict = sys.modules.get("common.strict_device")
    return [m for m in (cupy, strict and strict.xp) if m is not None]


def get_array_module(x):
    """The module (``numpy``, ``cupy``) that owns array ``x``."""
    for module in _loaded_device_modules():
        if isinstance(x, module.ndarray):
            return module
    return numpy


def to_cpu(x):
    """A NumPy array of ``x`` (``x`` itself if it already is one): a device-to-host copy."""
    xp = get_array_module(x)
    return numpy.asarray(x) if xp is numpy else xp.asnumpy(x)


def to_device(x):
    """``x`` on the current device: unchanged if it is already there."""
    xp = get_xp()
    if xp is numpy:
        return to_cpu(x)
    return x if isinstance(x, xp.ndarray) else xp.asarray(x)


def to_gpu(x):
    """A CuPy copy of ``x`` on the current GPU."""
    return _import_cupy().asarray(x)


def seed(value):
    """Seed NumPy's global generator (weights and batches are drawn there) and CuPy's."""
    numpy.random.seed(value)
    if _device == "gpu":
        _xp.random.seed(value)


def _init_from_environment():
    global _env_error
    wanted = os.environ.get(ENV_VAR, "").strip().lower()
    if not wanted or wanted == "cpu":
        return
    # Importing must not fail (a script would die with a traceback before it could
    # print a clean message): the error waits in get_xp() and common.cli.setup().
    try:
        use_device(wanted)
    except DeviceError as exc:
        _env_error = DeviceError(f"${ENV_VAR}={wanted}: {exc}")


_init_from_environment()

__all__ = [
    "ENV_VAR",
    "DEVICES",
    "DeviceError",
    "use_device",
    "using_device",
    "get_device",
    "get_xp",
    "gpu_available",
    "get_array_module",
    "to_cpu",
    "to_device",
    "to_gpu",
    "seed",
]
