"""Gathering: ``take`` picks slices of an array by integer index, as an embedding looks up
its rows, ``take_along_axis`` picks one element per position (as sorting does), ``roll``
and ``repeat`` move and copy slices.

The backward pass of a gather is a scatter-add: the gradient of every picked
slice goes back to the slice it was copied from, and where one slice was
picked several times its gradients add up.
"""

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .reshaping import broadcast_to, expand_dims, reshape


class Take(Function):
    """y[.., i, j, ..] = x[.., indices[i, j], ..] (x's slices along ``axis`` at ``indices``);
        dL/dx[k] = sum of dL/dy over the positions where indices == k
    (zero for a slice never picked).

    x: (*before, n, *after); indices: any shape, ints in [0, n);
    y: (*before, *indices.shape, *after).
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x, indices):
        self.x_shape, self.indices = x.shape, indices
        return get_array_module(x).take(x, indices, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        axis, picked = self.axis, self.indices.ndim
        # Put the index axes first and flatten them: (count, *before, *after).
        order = (*range(axis, axis + picked), *range(axis), *range(axis + picked, gy.ndim))
        rows = gy.transpose(order).reshape(self.indices.size, *gy.shape[:axis],
                                           *gy.shape[axis + picked:])
        gx = xp.zeros((self.x_shape[axis], *rows.shape[1:]), dtype=gy.dtype)  # (n, ..)
        xp.add.at(gx, self.indices.reshape(-1), rows)  # repeated indices add up
        return xp.moveaxis(gx, 0, axis), None  # (*before, n, *after)


class TakeAlongAxis(Function):
    """y[.., i, ..] = x[.., indices[.., i, ..], ..] along ``axis``, the other axes matching
    (or broadcast);  dL/dx[.., k, ..] = sum of dL/dy[.., i, ..] over the i with
    indices[.., i, ..] == k.

    x: (.., n, ..); indices: (.., m, ..), ints in [0, n); y: indices' shape (broadcast).
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x, indices):
        xp = get_array_module(x)
        shape = np.broadcast_shapes(_without(x.shape, self.axis),
                                    _without(indices.shape, self.axis))
        self.indices = xp.broadcast_to(indices, _with(shape, self.axis, indices.shape))
        x = xp.broadcast_to(x, _with(shape, self.axis, x.shape))  # (.., n, ..)
        self.x_shape, self.x_dtype = x.shape, x.dtype
        return xp.take_along_axis(x, self.indices, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.x_shape, dtype=self.x_dtype)  # x broadcast: (.., n, ..)
        positions = [xp.arange(n).reshape([n if i == a else 1 for i in range(gy.ndim)])
                     for a, n in enumerate(gy.shape)]  # (1, .., n, .., 1): where each y is
        positions[self.axis] = self.indices
        xp.add.at(gx, tuple(positions), gy)  # an element picked twice gets both gradients
        return gx, None  # the engine sums a broadcast x back to its shape


def _without(shape, axis):
    """``shape`` with a 1 at ``axis``: the part that broadcasts."""
    return tuple(1 if i == axis % len(shape) else n for i, n in enumerate(shape))


def _with(shape, axis, source):
    """``shape`` with ``source``'s size at ``axis``."""
    shape = list(shape)
    shape[axis] = source[axis]
    return tuple(shape)


def take_along_axis(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis``, as ``keras.ops.take_along_axis``:
    x and indices have the same rank and match (or broadcast) on the other axes.

    axis: None takes from the flattened x (indices then 1-D). A negative index counts from
    the end; an index outside [-n, n) is a ValueError.
    """
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    data = x.data if isinstance(x, Tensor) else backend.to_device(x)
    indices = _index_array(indices, "take_along_axis")
    if indices.ndim != data.ndim:
        raise ValueError(f"take_along_axis: indices must have the rank of x ({data.ndim}); "
                         f"received shapes {tuple(data.shape)} and {tuple(indices.shape)}.")
    axis %= data.ndim
    return TakeAlongAxis(axis)(x, _checked_indices(indices, data.shape[axis], axis,
                                                   "take_along_axis"))


def roll(x, shift, axis=None):
    """x with its elements moved ``shift`` places along ``axis`` (an int or a list, with a
    shift each; None: the flattened x), those pushed off one end coming back at the other.
    A take of each axis in its new order, so the gradient moves back."""
    if axis is None:
        return reshape(roll(reshape(x, (-1,)), shift, 0), tuple(x.shape))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    shifts = (shift,) * len(axes) if isinstance(shift, int) else tuple(shift)
    for a, s in zip(axes, shifts, strict=True):
        size = x.shape[a]
        x = take(x, (np.arange(size) - s) % size if size else np.arange(0), axis=a)
    return x


def take(x, indices, axis=None):
    """The slices of ``x`` along ``axis`` at ``indices``, as ``keras.ops.take``.

    axis: None takes from the flattened ``x``.
    indices: integers (a Tensor, an array or a list; floats are truncated, as
        Keras casts them); a negative index counts from the end, as in Keras.
    Raises ValueError for an index outside [-n, n), n the size of the axis
    (checking reads one value back from a GPU).
    """
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    data = x.data if isinstance(x, Tensor) else x
    ndim = len(data.shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"take: axis {axis} is out of range for a tensor of rank {ndim}.")
    axis %= ndim
    indices = _index_array(indices, "take")
    return Take(axis)(x, _checked_indices(indices, data.shape[axis], axis, "take"))


def _index_array(indices, name):
    """``indices`` as an integer array on the device (floats truncated toward zero, as Keras
    casts them)."""
    data = indices.data if isinstance(indices, Tensor) else indices
    data = backend.to_device(data)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{name}: indices must be integers, got dtype {data.dtype}.")
    return data if data.dtype.kind in "iu" else data.astype("int64")


def _checked_indices(indices, size, axis, name):
    """``indices`` with the negative ones counted from the end (+ size); a ValueError for
    one outside [-size, size) (checking reads one value back from a GPU)."""
    xp = get_array_module(indices)
    if indices.size and bool(((indices < -size) | (indices >= size)).any()):
        low, high = int(xp.min(indices)), int(xp.max(indices))
        raise ValueError(f"{name}: indices must lie in [{-size}, {size}) for axis {axis} of "
                         f"size {size}, but they range over [{low}, {high}].")
    return xp.where(indices < 0, indices + size, indices)


def repeat(x, repeats, axis=None):
    """Each slice of ``x`` along ``axis`` repeated ``repeats`` times in a row, as
    ``keras.ops.repeat`` ([a, b] -> [a, a, b, b] for 2).

    repeats: an int, or one int per slice; axis: None repeats the flattened ``x``.
    An int count is a broadcast of a new axis (whose gradient is a sum over
    it); a count per slice is a ``take`` of each index that many times.
    """
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    shape = tuple(x.shape)
    axis %= len(shape)
    counts = np.asarray(backend.to_numpy(repeats.data if isinstance(repeats, Tensor) else repeats))
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
        raise ValueError(f"repeat: repeats must be a non-negative int or a list of them, one "
                         f"per slice. Received: repeats={repeats!r}")
    if counts.ndim == 1:
        if len(counts) != shape[axis]:
            raise ValueError(f"repeat: {len(counts)} repeats given for axis {axis} of size "
                             f"{shape[axis]}; give one per slice, or a single int.")
        return take(x, np.repeat(np.arange(shape[axis]), counts), axis=axis)
    count = int(counts)
    spread = broadcast_to(expand_dims(x, axis + 1),
                          (*shape[:axis + 1], count, *shape[axis + 1:]))  # (.., n, count, ..)
    return reshape(spread, (*shape[:axis], shape[axis] * count, *shape[axis + 1:]))
