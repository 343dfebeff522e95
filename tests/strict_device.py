"""A stand-in GPU for the test suite: NumPy arrays that behave like CuPy's at the border.

It lets a machine without a GPU (CI) catch the bugs a GPU run would hit. ``install()`` plugs it
into ``common.backend`` as device ``strict``: ``tests/conftest.py`` does so for the test session,
and ``tests/sitecustomize.py`` for the scripts and notebook kernels the tests start. Select it
like the GPU: ``DLFS_DEVICE=strict``, ``--device strict`` or ``backend.use_device('strict')``.
Its arrays (``StrictArray``) compute with NumPy, so results equal the CPU's, but at the border
between host and device they are as strict as CuPy's:

* mixing one with a plain ``numpy.ndarray`` (``a + np_array``, ``np.dot(a, np_array)``,
  indexing with a NumPy index array) raises ``TypeError``, as CuPy does;
* turning one into a NumPy array without asking (``np.asarray(a)``, Matplotlib) raises
  ``TypeError``, as CuPy does: ``backend.to_cpu(a)`` is the way;
* every read of device data by the host (``float(a)``, ``bool``, ``a.item()``, ``asnumpy``, ...)
  is counted in ``host_transfers``: on a GPU each one waits for the device, so a test can pin
  that a training loop does not do it per step.
"""

import contextlib
import types

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

host_transfers = 0


@contextlib.contextmanager
def counting_host_transfers():
    """``with counting_host_transfers() as count: ...``; afterwards ``count()`` is the number."""
    start = host_transfers
    result = {}
    yield lambda: result.get("n", host_transfers - start)
    result["n"] = host_transfers - start


def _to_host():
    global host_transfers
    host_transfers += 1


def _refuse_mix(value):
    raise TypeError(
        f"strict device: a host numpy.ndarray (shape {value.shape}) was mixed with device "
        "arrays; move it first with backend.to_device(x) (CuPy raises here too)"
    )


def _unwrap(value):
    """The NumPy array inside a StrictArray; refuse plain (non-scalar) NumPy arrays."""
    if isinstance(value, StrictArray):
        return value._data
    if isinstance(value, np.ndarray) and value.ndim > 0:
        _refuse_mix(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value):
    """Arrays and NumPy scalars that come out of a computation stay on the device."""
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, StrictArray):
        return StrictArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _device_function(function):
    def on_device(*args, **kwargs):
        return _wrap(function(*_unwrap(args), **_unwrap(kwargs)))

    on_device.__name__ = getattr(function, "__name__", "function")
    return on_device


class StrictArray(NDArrayOperatorsMixin):
    """A NumPy array kept "on the device": see the module docstring for the rules."""

    __slots__ = ("_data", "__weakref__")

    def __init__(self, data):
        self._data = data

    # --- the wall: NumPy may compute with it, but not take it to the host ---------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "strict device: implicit conversion to a NumPy array is not allowed; "
            "use backend.to_cpu(x) (CuPy raises here too)"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        out = kwargs.get("out")
        if out is not None:  # in place (w -= g): the result is the very array written to
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    # --- reads by the host: allowed, counted ------------------------------------------
    def __float__(self):
        _to_host()
        return float(self._data)

    def __int__(self):
        _to_host()
        return int(self._data)

    def __index__(self):
        _to_host()
        return self._data.__index__()

    def __bool__(self):
        _to_host()
        return bool(self._data)

    def item(self, *args):
        _to_host()
        return self._data.item(*args)

    def tolist(self):
        _to_host()
        return self._data.tolist()

    def get(self):
        """CuPy's name for a device-to-host copy."""
        _to_host()
        return self._data.copy()

    def __format__(self, spec):
        _to_host()
        return format(self._data.item() if self._data.ndim == 0 else self._data, spec)

    def __repr__(self):
        return f"strict({self._data!r})"

    # --- everything else is NumPy's, with device arrays in and out ---------------------
    def __getitem__(self, index):
        return _wrap(self._data[_unwrap(index)])

    def __setitem__(self, index, value):
        self._data[_unwrap(index)] = _unwrap(value)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (_wrap(row) for row in self._data)

    def __getattr__(self, name):
        if name.startswith("__"):  # e.g. __array_interface__: a back door to the host
            raise AttributeError(name)
        value = getattr(self._data, name)
        return _device_function(value) if callable(value) else _wrap(value)

    @property
    def T(self):
        return StrictArray(self._data.T)

    @property
    def shape(self):
        return self._data.shape

    @shape.setter
    def shape(self, value):
        self._data.shape = value

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size


def asarray(x, dtype=None):
    """Host to device (explicit, so allowed): the one way in, like ``cupy.asarray``."""
    if isinstance(x, StrictArray):
        return x if dtype is None else x.astype(dtype, copy=False)
    return StrictArray(np.array(x, dtype=dtype))


def asnumpy(x):
    """Device to host (explicit, counted), like ``cupy.asnumpy``."""
    if not isinstance(x, StrictArray):
        return np.asarray(x)
    _to_host()
    return x._data.copy()


def _namespace(name, source, overrides):
    """A module whose functions are ``source``'s, taking and giving device arrays."""

    class _Module(types.ModuleType):
        def __getattr__(self, attr):
            value = getattr(source, attr)
            if callable(value) and not isinstance(value, type):
                value = _device_function(value)
            setattr(self, attr, value)  # looked up once
            return value

    module = _Module(name)
    module.__dict__.update(overrides)
    return module


#: The module a ``StrictArray`` belongs to (what ``backend.get_array_module`` returns).
xp = _namespace(
    "strict",
    np,
    {
        "ndarray": StrictArray,
        "asarray": asarray,
        "array": asarray,
        "asnumpy": asnumpy,
        "random": _namespace("strict.random", np.random, {}),
    },
)


def install():
    """Plug the stand-in into ``common.backend`` as device ``'strict'``."""
    from common import backend  # here: importing this module must not import the backend

    backend.register_device("strict", xp)
