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
- ``ElementwiseKernel`` and ``ReductionKernel`` run their CUDA C source on
  NumPy (see ``kernel_emulator``), so a device kernel is tested here with the
  very code a GPU compiles.

It also counts the device's work, as a GPU would see it (see ``counting``):

- launches: every array operation that is a kernel on a GPU (an arithmetic
  operator, a ufunc, a reduction, a copy, a fill, a gather or scatter, a
  random draw, a matrix product, a custom kernel); views (reshape,
  transpose, basic slicing) and ``empty`` are not;
- allocations: every array made with new device memory (not a view, not an
  ``out=`` argument, not an array updated in place);
- host reads: every device value read on the host (``get``, ``asnumpy``,
  ``bool``, ``float``, ``int``, ``item``, a boolean mask, ``nonzero``...). On a
  GPU each one waits for all the work queued before it, so a training loop
  that reads at every step keeps the host from running ahead of the device;
- host-to-device copies (``asarray``, ``array`` of host data, a list used as
  an index), and among them the scalar ones: each is a transfer and a wait
  on the host, where a Python number passed to an operation costs nothing.

Point the backend at it with ``backend.set_backend("cupy", module=strict_cupy)``.
"""

import collections
import contextlib
import os
import sys
import types

import numpy as np

from . import kernel_emulator

host_reads = 0  # device values read on the host so far (each a wait for the device)

KINDS = ("launches", "allocations", "host_reads", "host_to_device", "scalar_host_to_device")

_REFUSAL = (
    "Implicit conversion of a device array to NumPy is not allowed (as with "
    "CuPy): move it to the host explicitly with backend.to_numpy()."
)

# Operations that make views: no launch, unless NumPy had to copy (a reshape of a
# non-contiguous array), which is a copy kernel on a GPU too.
_VIEWS = frozenset({
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "expand_dims",
    "squeeze", "broadcast_to", "broadcast_arrays", "view", "split", "array_split",
    "atleast_1d", "atleast_2d", "atleast_3d", "as_strided", "sliding_window_view", "diagonal",
    "astype", "ascontiguousarray",
})
_NO_LAUNCH = frozenset({"empty", "empty_like", "item", "tolist", "result_type", "shape",
                        "ndim", "size", "may_share_memory", "shares_memory", "iscomplexobj",
                        "isscalar", "dtype", "default_rng"})
# Operations whose result size depends on the data: CuPy reads it back first.
_READS_BACK = frozenset({"nonzero", "argwhere", "flatnonzero", "unique", "compress",
                         "extract"})
# Operations CuPy runs as several kernels (most are one).
_SEVERAL_LAUNCHES = {
    "take_along_axis": lambda a, *_: a.ndim,  # an arange per other axis, then the gather
    "var": lambda *_: 4,  # mean, difference, square, sum
    "std": lambda *_: 5,
    "pad": lambda *_: 2,  # fill, then copy
    "permutation": lambda *_: 2,
}


# -- counting ------------------------------------------------------------------


class Counts:
    """The device work counted inside one ``counting()`` block (see the module's docstring).

    launches, allocations, host_reads, host_to_device, scalar_host_to_device:
    the totals. With ``sites=True``, ``where(kind)`` lists the file:line of
    minikeras (or of the caller) that caused each, most frequent first.
    """

    def __init__(self, sites=False):
        for kind in KINDS:
            setattr(self, kind, 0)
        self.sites = {kind: collections.Counter() for kind in KINDS} if sites else None

    def snapshot(self):
        """{kind: total so far}."""
        return {kind: getattr(self, kind) for kind in KINDS}

    def where(self, kind):
        """[(file:line, count), ...] of ``kind``, most frequent first (needs ``sites=True``)."""
        if self.sites is None:
            raise ValueError("Sites were not recorded: use counting(sites=True).")
        return self.sites[kind].most_common()

    def report(self, kind="launches"):
        """The sites of ``kind`` as lines "count  file:line", for a failing test's message."""
        return "\n".join(f"{count:6d}  {site}" for site, count in self.where(kind))

    def __repr__(self):
        return "Counts(" + ", ".join(f"{k}={v}" for k, v in self.snapshot().items()) + ")"


_active = []  # the Counts of the counting() blocks we are in


@contextlib.contextmanager
def counting(sites=False):
    """Counts the device work done inside the block; yields a ``Counts``.

    sites: also record where each event comes from (slower).
    """
    counts = Counts(sites)
    _active.append(counts)
    try:
        yield counts
    finally:
        _active.remove(counts)


def _record(kind, number=1):
    global host_reads
    if kind == "host_reads":
        host_reads += number
    if not number or not _active:
        return
    site = _site() if any(c.sites is not None for c in _active) else None
    for counts in _active:
        setattr(counts, kind, getattr(counts, kind) + number)
        if counts.sites is not None:
            counts.sites[kind][site] += number


_HERE = (os.path.dirname(os.path.abspath(__file__)), os.path.dirname(np.__file__))


def _site(depth=3):
    """"file:line < file:line < ..." of the ``depth`` innermost callers outside this
    package's testing code and NumPy: the line that made the event, and who called it."""
    frame, lines = sys._getframe(1), []
    while frame is not None and len(lines) < depth:
        filename = frame.f_code.co_filename
        if not filename.startswith(_HERE):
            marker = filename.rfind(os.sep + "minikeras" + os.sep)
            lines.append(f"{filename[marker + 1:] if marker >= 0 else filename}:{frame.f_lineno}")
        frame = frame.f_back
    return " < ".join(lines) or "?"


def _root(array):
    """The array that owns ``array``'s memory (itself unless it is a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _new_arrays(result, inputs):
    """How many NumPy arrays in ``result`` own memory none of ``inputs`` owns."""
    roots = {id(_root(a)) for a in inputs if isinstance(a, np.ndarray)}
    results = result if isinstance(result, (tuple, list)) else [result]
    return sum(1 for r in results if isinstance(r, np.generic) or (
        isinstance(r, np.ndarray) and id(_root(r)) not in roots))


def _arrays_in(values):
    for value in values:
        if isinstance(value, np.ndarray):
            yield value
        elif isinstance(value, (tuple, list)):
            yield from _arrays_in(value)


def _count_operation(name, result, inputs, launches=None):
    """Records the launches and allocations of one operation ``name`` on ``inputs``."""
    new = _new_arrays(result, list(_arrays_in(inputs)))
    if launches is None:
        if name in _NO_LAUNCH:
            launches = 0
        elif name in _VIEWS:
            launches = 1 if new else 0
        elif name in _SEVERAL_LAUNCHES:
            launches = _SEVERAL_LAUNCHES[name](*inputs)
        else:
            launches = 1
    if name in _READS_BACK:
        _record("host_reads")
    _record("launches", launches)
    _record("allocations", new)


def _count_host_read():
    _record("host_reads")


def _count_host_to_device(array):
    _record("host_to_device")
    if array.size <= 1:
        _record("scalar_host_to_device")
    _record("allocations")


# -- the device array -------------------------------------------------------------


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
        key = _unwrap_index(key)
        result = self._array[key]
        if _is_advanced(key):
            _count_operation("take", result, [self._array])
        return _wrap(result)

    def __setitem__(self, key, value):
        self._array[_unwrap_index(key)] = _unwrap(value)
        _record("launches")

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


def _binary(name):
    def method(self, other):
        other = _unwrap(other)
        result = getattr(self._array, name)(other)
        _count_operation(name, result, [self._array, other])
        return self if name.startswith("__i") and result is self._array else _wrap(result)

    method.__name__ = name
    return method


def _unary(name):
    def method(self):
        result = getattr(self._array, name)()
        _count_operation(name, result, [self._array])
        return _wrap(result)

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


def _unwrap_index(key):
    """An index with its device arrays unwrapped; a list in it is copied to the device
    (as CuPy does), and a boolean mask is read back (its number of True values sizes
    the result)."""
    parts = key if isinstance(key, tuple) else (key,)
    for part in parts:
        if isinstance(part, list):
            _count_host_to_device(np.asarray(part))
        elif isinstance(part, ndarray) and part._array.dtype == bool:
            _count_host_read()
    return _unwrap(key)


def _is_advanced(key):
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(part, (np.ndarray, list)) for part in parts)


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
        result = self._function(*args, **kwargs)
        name = getattr(self._function, "__name__", "")
        owner = getattr(self._function, "__self__", None)
        inputs = [*args, *kwargs.values()]
        if isinstance(owner, np.ndarray):
            inputs.append(owner)
        _count_operation(name, result, inputs)
        return _wrap(result)

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
        if dtype is None:
            return value
        result = value._array.astype(dtype, copy=False)
        _count_operation("astype", result, [value._array])
        return ndarray(result)
    array = np.array(value, dtype=dtype, order=order, copy=True)
    _count_host_to_device(array)
    return ndarray(array)


def array(value, dtype=None, copy=True, order="K"):
    """A new device array holding ``value``."""
    if isinstance(value, ndarray):
        result = np.array(value._array, dtype=dtype, copy=True, order=order)
        _count_operation("copy", result, [value._array])
        return ndarray(result)
    result = np.array(value, dtype=dtype, copy=True, order=order)
    _count_host_to_device(result)
    return ndarray(result)


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


# -- custom kernels -------------------------------------------------------------------


class ElementwiseKernel:
    """CuPy's ElementwiseKernel, its CUDA C operation run on NumPy (``kernel_emulator``).

    in_params, out_params: "T x, raw T y, float32 alpha" as in CuPy; operation:
    the C statements run for each index ``i``; name: the kernel's name.
    Each call is one launch; outputs not passed in are allocated.
    """

    def __init__(self, in_params, out_params, operation, name="kernel", **options):
        self.name = name
        self._kernel = kernel_emulator.Elementwise(name, in_params, out_params, operation,
                                                   options.get("preamble", ""))

    def __call__(self, *args, size=None):
        arrays = [_unwrap(a) for a in args]
        outputs = self._kernel(arrays, size)
        _record("launches")
        _record("allocations", len(outputs) - sum(
            1 for a in arrays[len(self._kernel.inputs):] if isinstance(a, np.ndarray)))
        return _wrap(outputs[0] if len(outputs) == 1 else tuple(outputs))


class ReductionKernel:
    """CuPy's ReductionKernel, its CUDA C expressions run on NumPy (``kernel_emulator``).

    map_expr maps each input element; reduce_expr (in ``a`` and ``b``: "a + b",
    "max(a, b)", "min(a, b)") folds them; post_map_expr writes the outputs
    from the folded ``a``; identity starts the fold. One launch per call.
    """

    def __init__(self, in_params, out_params, map_expr, reduce_expr, post_map_expr,
                 identity, name="reduce_kernel", reduce_type=None, **options):
        self.name = name
        self._kernel = kernel_emulator.Reduction(name, in_params, out_params, map_expr,
                                                 reduce_expr, post_map_expr, identity,
                                                 reduce_type, options.get("preamble", ""))

    def __call__(self, *args, axis=None, keepdims=False, out=None):
        arrays = [_unwrap(a) for a in args]
        output = self._kernel(arrays, axis, keepdims, None if out is None else _unwrap(out))
        _record("launches")
        _record("allocations", 0 if out is not None else 1)
        return out if out is not None else _wrap(output)


random = types.SimpleNamespace(default_rng=_Generator)
linalg = _StrictModule(np.linalg)
lib = _StrictModule(np.lib)


def __getattr__(name):
    return _lookup(np, name)


_this = sys.modules[__name__]
