"""A strict stand-in for CuPy: NumPy underneath, but its arrays refuse to leave the "device".

CuPy arrays live on the GPU and raise TypeError when something tries to turn
them into NumPy arrays implicitly (``np.asarray(x)``, ``x.__array__()``).
Code that passes its tests on NumPy can still break on CuPy that way. This
module reproduces CuPy's surface on the CPU, a little more strictly:

- ``ndarray`` wraps a NumPy array and raises TypeError on ``__array__``, on
  any NumPy function or ufunc called with it (``np.sum(x)``, ``np.exp(x)``;
  CuPy would dispatch these, but minikeras's ops must use the backend's
  module) and on mixing it with a NumPy array (``x + np.ones(3)``);
- the module's functions (``exp``, ``matmul``, ``where``...) accept its arrays
  and Python or NumPy scalars, and reject NumPy arrays, except ``asarray`` and
  ``array``, the explicit host-to-device copies; ``asnumpy`` and
  ``ndarray.get()`` are the device-to-host copies;
- every read of a device value on the host (``get``, ``asnumpy``, ``bool``,
  ``float``, ``int``, ``item``, use as an index) is counted in ``host_reads``. On a GPU each
  one waits for all the work queued before it, so a training loop that reads
  at every step keeps the host from running ahead of the device.

Point the backend at it with ``backend.set_backend("cupy", module=strict_cupy)``.
"""

import sys
import types

import numpy as np

host_reads = 0  # device values read on the host so far (each a wait for the device)

_REFUSAL = (
    "Implicit conversion of a device array to NumPy is not allowed (as with "
    "CuPy): move it to the host explicitly with backend.to_numpy()."
)


class ndarray:  # noqa: N801  (named like cupy.ndarray)
    """A device array: a NumPy array that NumPy itself may not touch."""

    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array

    # -- what CuPy refuses ------------------------------------------------

    def __array__(self, *args, **kwargs):
        raise TypeError(_REFUSAL)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"numpy.{func.__name__} was called on a device array. " + _REFUSAL)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise TypeError(f"numpy.{ufunc.__name__} was given a device array. " + _REFUSAL)

    # -- the explicit way back to the host ----------------------------------

    def get(self):
        """A NumPy copy of the array (the device-to-host transfer)."""
        _count_host_read()
        return self._array.copy()

    # -- everything else behaves like the wrapped array ---------------------

    def __getattr__(self, name):
        if name.startswith("__"):  # __array_interface__ and friends would leak the array
            raise AttributeError(name)
        if name in ("item", "tolist"):
            _count_host_read()
        value = getattr(self._array, name)
        return _StrictCallable(value) if callable(value) else _wrap(value)

    def __getitem__(self, key):
        return _wrap(self._array[_unwrap(key)])

    def __setitem__(self, key, value):
        self._array[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (_wrap(row) for row in self._array)

    def __bool__(self):
        _count_host_read()
        return bool(self._array)

    def __float__(self):
        _count_host_read()
        return float(self._array)

    def __int__(self):
        _count_host_read()
        return int(self._array)

    def __index__(self):
        _count_host_read()
        return self._array.__index__()

    def __repr__(self):
        return "strict_cupy." + repr(self._array)

    def __reduce__(self):
        raise TypeError("Device arrays cannot be pickled; use backend.to_numpy() first.")


def _count_host_read():
    global host_reads
    host_reads += 1


def _binary(name):
    def method(self, other):
        result = getattr(self._array, name)(_unwrap(other))
        return self if name.startswith("__i") and result is self._array else _wrap(result)

    method.__name__ = name
    return method


def _unary(name):
    def method(self):
        return _wrap(getattr(self._array, name)())

    method.__name__ = name
    return method


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
            "and", "or", "xor", "lshift", "rshift"):
    for _name in (f"__{_op}__", f"__r{_op}__", f"__i{_op}__"):
        setattr(ndarray, _name, _binary(_name))
for _name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
    setattr(ndarray, _name, _binary(_name))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(ndarray, _name, _unary(_name))
ndarray.__hash__ = None


def _unwrap(value):
    """The NumPy array inside a device array; NumPy arrays themselves are refused."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, np.ndarray):
        raise TypeError(
            "A NumPy array was passed where a device array is expected (as CuPy "
            "refuses): move it to the device with backend.to_device() first."
        )
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(v) for v in value)
    return value


def _wrap(value):
    """NumPy results as device arrays (CuPy returns 0-d arrays, not NumPy scalars)."""
    if isinstance(value, np.ndarray):
        return ndarray(value)
    if isinstance(value, np.generic):
        return ndarray(np.asarray(value))
    if isinstance(value, (tuple, list)):
        return type(value)(_wrap(v) for v in value)
    return value


class _StrictCallable:
    """A NumPy function (or ufunc, or method) that takes and returns device arrays."""

    def __init__(self, function):
        self._function = function

    def __call__(self, *args, **kwargs):
        args = [_unwrap(a) for a in args]
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        return _wrap(self._function(*args, **kwargs))

    def __getattr__(self, name):  # ufunc methods: np.add.at, np.maximum.reduce, ...
        return _StrictCallable(getattr(self._function, name))


class _StrictModule:
    """A NumPy module (``linalg``, ``lib.stride_tricks``...) whose functions use device arrays."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return _lookup(self._module, name)


def _lookup(module, name):
    value = getattr(module, name)
    if isinstance(value, types.ModuleType):
        return _StrictModule(value)
    if isinstance(value, (type, np.dtype)) or not callable(value):
        return value  # dtypes (float32...), classes and constants (pi, inf, newaxis)
    return _StrictCallable(value)


def asarray(value, dtype=None, order=None):
    """``value`` as a device array: the host-to-device copy when it is on the host."""
    if isinstance(value, ndarray):
        return value if dtype is None else ndarray(value._array.astype(dtype, copy=False))
    return ndarray(np.array(value, dtype=dtype, order=order, copy=True))


def array(value, dtype=None, copy=True, order="K"):
    """A new device array holding ``value``."""
    if isinstance(value, ndarray):
        value = value._array
    return ndarray(np.array(value, dtype=dtype, copy=True, order=order))


def asnumpy(value):
    """A NumPy copy of a device array (the device-to-host transfer)."""
    return value.get() if isinstance(value, ndarray) else np.asarray(value)


def get_array_module(*args):
    """This module if any argument is a device array, else NumPy (as cupy.get_array_module)."""
    return _this if any(isinstance(a, ndarray) for a in args) else np


class _Generator:
    """``random.default_rng(seed)``, returning device arrays.

    CuPy's generator (XORWOW) draws other numbers than NumPy's (PCG64) from
    the same seed, so the stand-in uses another bit generator too (Philox):
    code and tests that expect the device's random numbers to equal the
    host's fail here as they would on a GPU.
    """

    def __init__(self, seed):
        self._generator = np.random.Generator(np.random.Philox(seed))

    def __getattr__(self, name):
        return _StrictCallable(getattr(self._generator, name))


random = types.SimpleNamespace(default_rng=_Generator)
linalg = _StrictModule(np.linalg)
lib = _StrictModule(np.lib)


def __getattr__(name):
    return _lookup(np, name)


_this = sys.modules[__name__]
