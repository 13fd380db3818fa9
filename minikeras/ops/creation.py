"""New tensors from shapes and numbers: zeros, ones, full, arange, linspace, eye, array.

(``zeros_like``, ``ones_like`` and ``full_like`` take a shape from a tensor: see logic.py.)

They start a computation rather than continue one, so none carries a
gradient. Their dtypes are Keras's: floatx for zeros, ones, eye and
linspace, and for arange and full the type of the numbers given, a Python
int counting as int32 and a Python float as floatx.
"""

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from .logic import convert_to_tensor


def dtype_of(value):
    """The Keras dtype name of a number or array: its own dtype; for a Python bool, int or
    float, "bool", "int32" or floatx (Keras's weak types)."""
    if hasattr(value, "dtype"):
        return np.dtype(value.dtype).name
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return backend.floatx()
    return np.asarray(value).dtype.name


def result_dtype(*values):
    """The dtype Keras gives a result of ``values``: the widest float among their dtypes if
    there is one (floatx for Python floats alone), otherwise the widest integer."""
    kinds = [np.dtype(dtype_of(v)) for v in values if v is not None]
    floats = [k for k in kinds if k.kind == "f"]
    if floats:
        typed = [np.dtype(v.dtype) for v in values if hasattr(v, "dtype")
                 and np.dtype(v.dtype).kind == "f"]
        return max(typed, key=lambda k: k.itemsize).name if typed else backend.floatx()
    return np.result_type(*kinds).name if kinds else backend.floatx()


def _filled(shape, value, dtype):
    xp = backend.array_module()
    return Tensor(xp.full(_shape_tuple(shape), value, dtype=dtype))


def _shape_tuple(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)


def zeros(shape, dtype=None):
    """A tensor of ``shape`` filled with 0 (dtype floatx unless given)."""
    return _filled(shape, 0, dtype or backend.floatx())


def ones(shape, dtype=None):
    """A tensor of ``shape`` filled with 1 (dtype floatx unless given)."""
    return _filled(shape, 1, dtype or backend.floatx())


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value`` (dtype floatx unless given, as Keras)."""
    value = fill_value.data if isinstance(fill_value, Tensor) else fill_value
    xp = backend.array_module()
    return Tensor(xp.broadcast_to(xp.asarray(value, dtype=dtype or backend.floatx()),
                                  _shape_tuple(shape)).copy())


def arange(start, stop=None, step=None, dtype=None):
    """start, start + step, ... up to ``stop`` (excluded); with one argument, 0 .. start - 1.

    dtype: int32 for Python ints, floatx if a float is among the arguments, unless given.
    """
    dtype = dtype or result_dtype(start, stop, step)
    start, stop = (0, start) if stop is None else (start, stop)
    return Tensor(backend.array_module().arange(start, stop, 1 if step is None else step)
                  .astype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included unless not
    ``endpoint``); with ``retstep``, (values, step). start and stop may be arrays: the
    values then run along a new ``axis``. An integer dtype rounds the values down."""
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f"`num` must be a non-negative integer. Received: num={num}")
    dtype = dtype or result_dtype(start, stop, 1.0)
    xp = backend.array_module()
    values, step = xp.linspace(backend.to_device(start), backend.to_device(stop), num,
                               endpoint=endpoint, retstep=True, axis=axis)
    if np.dtype(dtype).kind in "iu":
        values = xp.floor(values)
    values = Tensor(values.astype(dtype))
    return (values, Tensor(xp.asarray(step, dtype=dtype))) if retstep else values


def eye(N, M=None, k=0, dtype=None):  # noqa: N803  (Keras's argument names)
    """An N x M matrix (M = N unless given) of zeros with ones on diagonal ``k`` (0: the main
    one, above 0: above it)."""
    return Tensor(backend.array_module().eye(N, M, k, dtype=dtype or backend.floatx()))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803  (Keras's argument names)
    """An N x M matrix with ones at and below diagonal ``k``, zeros above."""
    return Tensor(backend.array_module().tri(N, M, k, dtype=dtype or backend.floatx()))


def array(x, dtype=None):
    """x (a number, a nested list, an array or a Tensor) as a Tensor: ``convert_to_tensor``."""
    return convert_to_tensor(x, dtype=dtype)
