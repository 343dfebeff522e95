"""The device of all of ``common``: NumPy on the CPU (the default) or CuPy on a GPU.

Chosen before networks are built: ``DLFS_DEVICE=gpu`` (read here once, at import),
``use_device('gpu')``, ``with using_device('gpu'):``, or ``--device gpu`` on a script. Arrays
are made with NumPy and moved once, ``to_device(x)``; code that computes asks an array for its
module, ``xp = get_array_module(x)``; ``to_cpu(x)`` brings results back, rarely (each transfer
waits for the device). Host data fed to a network whose parameters are on the device is moved
there by the network's doors (predict, loss, gradient, accuracy): every network does the same.
"""

import contextlib
import os
import sys

import numpy

ENV_VAR, DEVICES = "DLFS_DEVICE", ("cpu", "gpu")
HINT = "install CuPy for your CUDA version, e.g. `pip install cupy-cuda12x` (CUDA 12)"
plugged_in = {}  # devices added by register_device: name -> array module
_state = {"device": "cpu", "xp": numpy, "env_error": None}  # env_error: why $DLFS_DEVICE failed


class DeviceError(RuntimeError):
    """The requested device cannot be used (CuPy or a CUDA GPU is missing)."""


def _import_cupy():
    try:
        import cupy

        cupy.cuda.runtime.getDeviceCount()  # raises without a driver or a GPU
        return cupy
    except ImportError:
        raise DeviceError(f"the GPU backend needs CuPy, which is not installed: {HINT}") from None
    except Exception as exc:  # the first line of its message says what is missing
        why = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise DeviceError(f"CuPy is installed but CUDA is not usable ({why}): {HINT}") from None


def use_device(name):
    """Select ``'cpu'`` (NumPy) or ``'gpu'`` (CuPy) from now on; arrays made before stay put."""
    name = (name or "cpu").strip().lower()
    if name not in DEVICES and name not in plugged_in:
        raise DeviceError(f"unknown device {name!r}: choose one of {', '.join(DEVICES)}")
    xp = _import_cupy() if name == "gpu" else plugged_in.get(name, numpy)
    _state.update(device=name, xp=xp, env_error=None)
    return xp


@contextlib.contextmanager
def using_device(name):
    """Run a block on device ``name``, then go back to the device in use before."""
    saved = dict(_state)
    try:
        yield use_device(name)
    finally:
        _state.update(saved)


def get_xp():
    """The current device's array module; a DeviceError if ``$DLFS_DEVICE`` could not be used."""
    if _state["env_error"]:
        raise _state["env_error"]  # rather than quietly running on the CPU
    return _state["xp"]


def get_device():
    """The current device's name: ``'cpu'``, ``'gpu'`` (or a plugged-in one)."""
    return _state["device"]


def gpu_available():
    """True when CuPy imports and sees a CUDA GPU."""
    with contextlib.suppress(DeviceError):
        return _import_cupy() is not None
    return False


def get_array_module(x):
    """The module (``numpy``, ``cupy``) that owns array ``x``."""
    if type(x) is numpy.ndarray:  # the common case, answered first: layers ask at every call
        return numpy
    for xp in (sys.modules.get("cupy"), *plugged_in.values()):  # CuPy only if imported already
        if xp is not None and isinstance(x, xp.ndarray):
            return xp
    return numpy


def to_cpu(x):
    """``x`` as a NumPy array (itself if it is one): a copy from the device if it is there."""
    xp = get_array_module(x)
    return numpy.asarray(x) if xp is numpy else xp.asnumpy(x)


def to_device(x):
    """``x`` on the current device (itself if it is already there)."""
    xp = get_xp()
    return to_cpu(x) if xp is numpy else xp.asarray(x)


def to_gpu(x):
    """A CuPy copy of ``x`` on the GPU, whatever the current device."""
    return _import_cupy().asarray(x)


def seed(value):
    """Seed NumPy's generator (weights and batches are drawn there) and the device's."""
    numpy.random.seed(value)
    _state["xp"].random.seed(value)


def register_device(name, module):
    """Add device ``name`` whose arrays are ``module.ndarray`` (the tests' stand-in GPU)."""
    plugged_in[name] = module
    if name == _env_name:  # $DLFS_DEVICE asked for it before it was plugged in
        use_device(name)


_env_name = os.environ.get(ENV_VAR, "").strip().lower() or "cpu"  # the one read of it
try:
    use_device(_env_name)
except DeviceError as exc:  # not at import: a script reports it in one line (cli.setup)
    _state["env_error"] = DeviceError(f"${ENV_VAR}={_env_name}: {exc}")
