"""The array module behind every computation, the float type, device moves and the RNG.

minikeras computes with NumPy on the CPU or with CuPy on an NVIDIA GPU. The two
modules share one API, so no op imports either of them: it asks for the module
that holds its arrays (``xp = backend.get_array_module(x)``) and calls
``xp.exp``, ``xp.matmul``, ... on it. Arrays cross between host and device only
through ``to_device`` and ``to_numpy``, at the edges of a computation: data in,
metrics and weights out.

``backend.mean``, ``backend.square``, ... are Keras 2's ``K.*`` functions, kept in
``keras2_backend.py``.

The backend is chosen by the ``MINIKERAS_BACKEND`` environment variable
(``numpy`` or ``cupy``) when minikeras is imported, or later with
``set_backend(name)``.
"""

import contextlib
import math
import os
import threading

import numpy as np

BACKENDS = ("numpy", "cupy")


class _Active:
    """The state of the backend: its name, array module, float type and generators."""

    name = "numpy"
    xp = np
    floatx = "float32"
    epsilon = 1e-7
    image_data_format = "channels_last"
    seed = None
    stream = ()
    host_rng = np.random.default_rng()
    device_rng = host_rng


class _PerThread(threading.local):
    """Settings of the call in progress in this thread: a load's allocation budget and a
    ``floatx_scope``. A load or a gradcheck in one thread leaves other threads alone."""

    allocation_budget = None  # bytes still allowed while loading a file, or None
    floatx = None  # the floatx of the innermost floatx_scope, or None


_per_thread = _PerThread()


def backend():
    """The name of the active backend: ``"numpy"`` or ``"cupy"``."""
    return _Active.name


def set_backend(name, module=None):
    """Selects the array module every new computation uses.

    name: ``"numpy"`` or ``"cupy"``.
    module: for ``"cupy"`` only, a module with CuPy's API to use in place of
        CuPy itself; the tests pass ``minikeras.testing.strict_cupy`` here to
        run the device code path on a machine without a GPU.
    """
    if name not in BACKENDS:
        raise ValueError(f"Unknown backend {name!r}: expected one of {BACKENDS}.")
    if name == "numpy":
        xp = np
    else:
        xp = module if module is not None else _import_cupy()
    _Active.name, _Active.xp = name, xp
    _seed_generators(_Active.seed)


def _import_cupy():
    try:
        import cupy
    except ImportError as error:
        raise ImportError(
            "The 'cupy' backend needs CuPy and an NVIDIA GPU. Install CuPy for "
            "CUDA 12 with `pip install 'minikeras[gpu]'` (or the cupy-cudaXXx "
            "package matching your CUDA), or use the 'numpy' backend."
        ) from error
    try:
        devices = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:
        devices = 0
    if devices == 0:
        raise RuntimeError(
            "CuPy is installed but finds no CUDA GPU (is the NVIDIA driver "
            "loaded?). Use the 'numpy' backend on this machine."
        )
    return cupy


def array_module():
    """The array module of the active backend: ``numpy`` or ``cupy``."""
    return _Active.xp


def get_array_module(*arrays):
    """The module (``numpy`` or the device's) that holds ``arrays``.

    Ops call this on their input arrays and compute with what it returns, so
    the same code runs on the CPU and on the GPU.
    """
    xp = _Active.xp
    if xp is not np:
        for array in arrays:
            if isinstance(array, xp.ndarray):
                return xp
    return np


def is_array(value):
    """Whether ``value`` is an array of NumPy or of the active device module."""
    return isinstance(value, (np.ndarray, _Active.xp.ndarray))


def to_device(value, dtype=None):
    """``value`` (a NumPy array, list, scalar or device array) on the active device.

    dtype: cast to this dtype if given; otherwise the dtype is kept.
    """
    return _Active.xp.asarray(value, dtype=dtype)


def to_numpy(value):
    """``value`` (a Tensor, a device array or anything array-like) as a NumPy array."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    xp = _Active.xp
    if xp is not np and isinstance(value, xp.ndarray):
        return xp.asnumpy(value)
    return np.asarray(value)


def floatx():
    """The default float type, as a string: ``"float32"`` unless changed."""
    return _per_thread.floatx or _Active.floatx


def set_floatx(value):
    """Sets the default float type: ``"float16"``, ``"float32"`` or ``"float64"``."""
    _Active.floatx = _checked_floatx(value)


def _checked_floatx(value):
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown floatx {value!r}: expected 'float16', 'float32' or 'float64'."
        )
    return value


@contextlib.contextmanager
def floatx_scope(value):
    """Within the block, ``floatx()`` is ``value`` in this thread; gradcheck uses it for
    float64."""
    previous = _per_thread.floatx
    _per_thread.floatx = _checked_floatx(value)
    try:
        yield
    finally:
        _per_thread.floatx = previous


def epsilon():
    """The fuzz factor Keras adds to avoid division by zero: 1e-7 unless changed."""
    return _Active.epsilon


def set_epsilon(value):
    """Sets the fuzz factor returned by ``epsilon()``."""
    _Active.epsilon = float(value)


def image_data_format():
    """Where images keep their channels when a layer or loader is not told:
    ``"channels_last"`` (batch, height, width, channels), Keras's default, or
    ``"channels_first"`` (batch, channels, height, width)."""
    return _Active.image_data_format


def set_image_data_format(data_format):
    """Sets what ``image_data_format()`` returns: ``"channels_first"`` or ``"channels_last"``."""
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    _Active.image_data_format = value


def set_seed(seed):
    """Seeds the host and device generators (``utils.set_random_seed`` calls this)."""
    _Active.seed = seed
    _seed_generators(seed)


def _seed_generators(seed):
    # Two independent streams from one seed: initial weights are drawn on the
    # host (so both backends start from the same weights), dropout masks on
    # the device.
    sequence = np.random.SeedSequence(seed)
    host_seed, device_seed = (int(s) for s in sequence.generate_state(2))
    _Active.host_rng = np.random.default_rng(host_seed)
    _Active.device_rng = make_device_rng(device_seed)


def seed_stream(*key):
    """Restarts the random streams at a point named by ``key`` (non-negative ints).

    fit calls it at the start of each epoch with (epoch, updates done so far):
    with a seed set, the host and device generators restart from (seed, *key),
    and layers with their own seed (Dropout(seed=...)) restart theirs from
    ``stream()``. What an epoch draws -- its shuffling, its dropout masks --
    then depends only on the seed, the epoch and the updates before it, so
    training resumed from a checkpoint draws exactly what an uninterrupted run
    draws. Without a seed the generators go on unseeded.
    """
    _Active.stream = tuple(int(k) for k in key)
    if _Active.seed is not None:
        _seed_generators([_Active.seed, *_Active.stream])


def stream():
    """The key of the last ``seed_stream`` call: () before any."""
    return _Active.stream


def host_rng():
    """The seeded NumPy generator that initializers draw from."""
    return _Active.host_rng


def device_rng():
    """The seeded generator of the active device (dropout masks, random ops)."""
    return _Active.device_rng


def derived_seed(seed, *key):
    """One int from ``seed`` and a key of non-negative ints (``seed`` itself for no key):
    the seed of a generator that must repeat for the same pair and differ for another."""
    if not key:
        return seed
    return int(np.random.SeedSequence([seed, *key]).generate_state(1)[0])


def make_device_rng(seed):
    """A new generator on the active device, seeded with ``seed`` (an int or None)."""
    return _Active.xp.random.default_rng(seed)


def random_mask(generator, shape, probability):
    """A bool array of ``shape`` from ``generator`` (on its device), each element True with
    ``probability`` (a dropout mask).

    From NumPy's default bit generator (PCG64), its raw 64-bit words split into
    two 32-bit draws each, compared with probability * 2**32. NumPy makes its
    float32 uniforms from the top 24 bits of the same 32-bit draws, so this is
    the mask ``generator.random(shape, dtype="float32") < probability`` gives
    (but for about one element in 2**24, at the edge), drawn twice as fast:
    without a call per value. Other generators draw those uniforms.
    """
    if not isinstance(getattr(generator, "bit_generator", None), np.random.PCG64):
        return generator.random(shape, dtype="float32") < probability
    count = math.prod(shape)
    draws = generator.bit_generator.random_raw(-(-count // 2)).view(np.uint32)[:count]
    return draws.reshape(shape) < np.uint32(min(round(probability * 2.0**32), 2**32 - 1))


@contextlib.contextmanager
def allocation_budget(num_bytes):
    """Within the block (in this thread), ``check_allocation`` refuses arrays beyond
    ``num_bytes`` in all.

    Loading a file builds a model from its config before reading its weights;
    the loaders set a budget proportional to the size of the file, so a config
    that declares a huge layer (Dense(units=10**9)) is a ValueError, not a
    multi-GB allocation.
    """
    outer = _per_thread.allocation_budget
    _per_thread.allocation_budget = num_bytes
    try:
        yield
    finally:
        _per_thread.allocation_budget = outer


def check_allocation(shape, dtype, what, persistent=True):
    """Raises ValueError if an array of ``shape`` and ``dtype`` exceeds the allocation budget
    (none outside ``allocation_budget``); ``persistent`` ones (weights) use it up."""
    budget = _per_thread.allocation_budget
    if budget is None or not all(isinstance(d, int) for d in shape):
        return
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if size > budget:
        raise ValueError(
            f"{what} of shape {tuple(shape)} would take {size:,} bytes, more than the file being "
            f"loaded can justify ({budget:,} bytes left): the file is damaged or misleading."
        )
    if persistent:
        _per_thread.allocation_budget = budget - size


_uids = {}
_uids_lock = threading.Lock()


def get_uid(prefix):
    """1, 2, 3, ... for successive calls with the same prefix (layer auto-naming), from any
    thread."""
    with _uids_lock:
        _uids[prefix] = _uids.get(prefix, 0) + 1
        return _uids[prefix]


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic KerasTensor (a ``keras.Input`` or what a layer or
    ``keras.ops`` function made of one), not an array or an eager Tensor."""
    from .ops.symbolic import KerasTensor
    return isinstance(x, KerasTensor)


def clear_session():
    """Forgets the layer names given so far, so new layers are named from scratch."""
    _uids.clear()


def __getattr__(name):
    """Keras 2's ``K.*`` functions (``K.mean``, ``K.square``, ...), from ``keras2_backend``:
    imported at their first use, since they call the ops, which import this module."""
    if not name.startswith("__"):
        from . import keras2_backend
        if name in keras2_backend.__all__:
            return getattr(keras2_backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    from . import keras2_backend
    return sorted({*globals(), *keras2_backend.__all__})


_requested = os.environ.get("MINIKERAS_BACKEND", "numpy").strip().lower()
if _requested != "numpy":
    set_backend(_requested)
