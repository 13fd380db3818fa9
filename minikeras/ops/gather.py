"""Gathering: ``take`` picks slices of an array by integer index, as an embedding looks up
its rows, and ``repeat`` copies each slice several times.

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
    size = data.shape[axis]
    indices = _index_array(indices)
    if indices.size and bool(((indices < -size) | (indices >= size)).any()):
        xp = get_array_module(indices)
        low, high = int(xp.min(indices)), int(xp.max(indices))
        raise ValueError(f"take: indices must lie in [{-size}, {size}) for axis {axis} of size "
                         f"{size}, but they range over [{low}, {high}].")
    xp = get_array_module(indices)
    return Take(axis)(x, xp.where(indices < 0, indices + size, indices))


def _index_array(indices):
    """``indices`` as an integer array on the device (floats truncated toward zero, as Keras
    casts them)."""
    data = indices.data if isinstance(indices, Tensor) else indices
    data = backend.to_device(data)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"take: indices must be integers, got dtype {data.dtype}.")
    return data if data.dtype.kind in "iu" else data.astype("int64")


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
