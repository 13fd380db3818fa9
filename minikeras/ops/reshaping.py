"""Ops that move elements around without changing them: reshape, transpose, indexing, joining.

Their backward passes move the gradient back the same way: reshape it back,
transpose it with the inverse permutation, scatter it to where the elements
came from, or cut it into the pieces that were joined.
"""

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .logic import convert_to_tensor


class Reshape(Function):
    """y = x with a new shape;  the gradient is reshaped back to x's shape."""

    def forward(self, x, shape):
        self.x_shape = x.shape
        return x.reshape(shape)

    def backward(self, gy):
        return gy.reshape(self.x_shape), None


class Transpose(Function):
    """y = x with its axes permuted;  the gradient is permuted back by the inverse permutation."""

    def forward(self, x, axes):
        self.axes = tuple(range(x.ndim))[::-1] if axes is None else tuple(a % x.ndim for a in axes)
        return x.transpose(self.axes)

    def backward(self, gy):
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return gy.transpose(inverse), None


class BroadcastTo(Function):
    """y = x repeated to a larger shape;  the engine sums the gradient over the repeats."""

    def forward(self, x, shape):
        return get_array_module(x).broadcast_to(x, shape)

    def backward(self, gy):
        return gy, None


class GetItem(Function):
    """y = x[key];  the gradient is scattered back to the positions the elements came from.

    A basic key (ints, slices) picks each element at most once, so the
    gradient is simply written into place; an index array may pick the same
    element twice, so its gradients are added with ``add.at``.
    """

    def forward(self, x, key):
        self.x_shape, self.x_dtype, self.key = x.shape, x.dtype, key
        return x[key]

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.x_shape, dtype=self.x_dtype)
        if _is_basic_index(self.key):
            gx[self.key] = gy
        else:
            xp.add.at(gx, self.key, gy)
        return gx, None


def _is_basic_index(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, slice)) or k is None or k is Ellipsis for k in parts)


class Concatenate(Function):
    """y = x1, x2, ... joined along an axis;  the gradient is cut into the same pieces."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return get_array_module(*xs).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        bounds = []
        total = 0
        for size in self.sizes[:-1]:
            total += size
            bounds.append(total)
        return tuple(xp.split(gy, bounds, axis=self.axis))


def reshape(x, newshape):
    """x with shape ``newshape`` (one entry may be -1)."""
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return Reshape()(convert_to_tensor(x), newshape)


def transpose(x, axes=None):
    """x with its axes permuted by ``axes`` (None: reversed)."""
    return Transpose()(convert_to_tensor(x), axes)


def broadcast_to(x, shape):
    """x repeated along new or size-1 axes to ``shape``."""
    return BroadcastTo()(x, tuple(shape))


def getitem(x, key):
    """x[key] for any NumPy key: ints, slices, None, Ellipsis, index or boolean arrays."""
    key = _unwrap_key(key)
    return GetItem()(x, key)


def _unwrap_key(key):
    """The key with Tensors replaced by their data and index lists/arrays moved to the device."""
    if isinstance(key, tuple):
        return tuple(_unwrap_key(k) for k in key)
    if isinstance(key, Tensor):
        return key.data
    if isinstance(key, (list, np.ndarray)):
        return backend.to_device(key)
    return key


def concatenate(xs, axis=0):
    """The tensors ``xs`` joined along ``axis``."""
    return Concatenate(axis)(*map(convert_to_tensor, xs))


def stack(x, axis=0):
    """The tensors of the list ``x`` (all of one shape) stacked along a new ``axis``."""
    return concatenate([expand_dims(item, axis) for item in x], axis=axis)


def hstack(xs):
    """The tensors ``xs`` joined along their second axis (the first for vectors)."""
    return concatenate(xs, axis=0 if len(_shape(xs[0])) == 1 else 1)


def vstack(xs):
    """The tensors ``xs`` joined along their first axis, vectors taken as rows."""
    return concatenate([reshape(x, (1, -1)) if len(_shape(x)) <= 1 else x for x in xs], axis=0)


def expand_dims(x, axis):
    """x with a new axis of size 1 at position ``axis``."""
    shape = list(_shape(x))
    axis = axis % (len(shape) + 1)
    return reshape(x, shape[:axis] + [1] + shape[axis:])


def squeeze(x, axis=None):
    """x without its size-1 axes (or only the given ones, which must have size 1)."""
    x = convert_to_tensor(x)
    shape = _shape(x)
    if axis is None:
        axes = {i for i, n in enumerate(shape) if n == 1}
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        if not all(-len(shape) <= a < len(shape) for a in axes):
            raise ValueError(f"Cannot squeeze axis {axis} of a tensor of shape {shape}: it has "
                             f"no such axis.")
        axes = {a % len(shape) for a in axes}
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"Cannot squeeze axis {a} of a tensor of shape {shape}: "
                                 "its size is not 1.")
    return reshape(x, [n for i, n in enumerate(shape) if i not in axes])


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else get_array_module(x).asarray(x).shape


def shape(x):
    """The shape of x as a tuple of ints."""
    return _shape(x)


def moveaxis(x, source, destination):
    """x with axes ``source`` (an int or a list) moved to positions ``destination``, the
    others keeping their order."""
    ndim = len(_shape(x))
    sources = [a % ndim for a in ((source,) if isinstance(source, int) else source)]
    destinations = [a % ndim for a in
                    ((destination,) if isinstance(destination, int) else destination)]
    if len(sources) != len(destinations):
        raise ValueError("moveaxis: `source` and `destination` must name as many axes. "
                         f"Received: source={source}, destination={destination}")
    order = [a for a in range(ndim) if a not in sources]
    for position, axis in sorted(zip(destinations, sources, strict=True)):
        order.insert(position, axis)
    return transpose(x, order)


def swapaxes(x, axis1, axis2):
    """x with axes ``axis1`` and ``axis2`` exchanged."""
    order = list(range(len(_shape(x))))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(x, order)


def tile(x, repeats):
    """x repeated ``repeats[i]`` times along axis i, as whole copies ([a, b] -> [a, b, a, b]);
    ``repeats`` (an int or a list) is padded with 1s in front to x's rank, or x's shape with
    1s to ``repeats``' length.

    Axis i of size n becomes a new axis of size repeats[i] before it, broadcast, then both
    merge into one of size repeats[i] * n: the gradient is the broadcast's, a sum over the
    copies.
    """
    repeats = [repeats] if isinstance(repeats, int) else [int(r) for r in repeats]
    shape = list(_shape(x))
    rank = max(len(shape), len(repeats))
    shape = [1] * (rank - len(shape)) + shape
    repeats = [1] * (rank - len(repeats)) + repeats
    spread = broadcast_to(reshape(x, [n for size in shape for n in (1, size)]),
                          [n for pair in zip(repeats, shape, strict=True) for n in pair])
    return reshape(spread, [r * n for r, n in zip(repeats, shape, strict=True)])


def split(x, indices_or_sections, axis=0):
    """x cut along ``axis`` into a list of tensors: ``indices_or_sections`` equal pieces (an
    int, which must divide the axis), or pieces cut before each index of a list."""
    size = _shape(x)[axis]
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or size % indices_or_sections:
            raise ValueError(f"split: {indices_or_sections} pieces cannot cut an axis of size "
                             f"{size} evenly; give a divisor of {size} or a list of indices.")
        step = size // indices_or_sections
        bounds = list(range(0, size + 1, step))
    else:
        bounds = [0, *(min(int(i), size) for i in indices_or_sections), size]
    before = (slice(None),) * (axis % len(_shape(x)))
    return [getitem(x, (*before, slice(start, stop)))
            for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]


def unstack(x, num=None, axis=0):
    """The slices of x along ``axis``, as a list of tensors of one rank less."""
    x = convert_to_tensor(x)
    size = _shape(x)[axis]
    if num is not None and num != size:
        raise ValueError(f"unstack: num={num} does not match the size {size} of axis {axis}.")
    before = (slice(None),) * (axis % len(_shape(x)))
    return [getitem(x, (*before, i)) for i in range(size)]


def flip(x, axis=None):
    """x with the order of its elements reversed along ``axis`` (an int, a list, or None:
    every axis)."""
    x = convert_to_tensor(x)
    ndim = len(_shape(x))
    axes = range(ndim) if axis is None else [
        a % ndim for a in ((axis,) if isinstance(axis, int) else axis)]
    return getitem(x, tuple(slice(None, None, -1) if a in axes else slice(None)
                            for a in range(ndim)))


def ravel(x):
    """x flattened to one axis."""
    return reshape(x, (-1,))
