"""Padding: ``pad`` surrounds an array with a border along each axis, as ZeroPadding2D does.

With a constant border the input's elements keep their values and only move,
so the backward pass cuts the input's region out of the output's gradient.
A mirrored border ("reflect", "symmetric") copies input elements, so it is a
gather along each axis, whose gradient adds the copies back (see gather.py).
"""

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .gather import take

PAD_MODES = ("constant", "reflect", "symmetric")  # those of Keras's TensorFlow backend


class ConstantPad(Function):
    """y = x with ``pad_width[i] = (before, after)`` constant elements added on each side of
    axis i;  dL/dx = dL/dy[before_0 : before_0 + n_0, before_1 : ..., ...] (the border
    does not depend on x).
    """

    def __init__(self, pad_width, constant_values):
        self.pad_width, self.constant_values = pad_width, constant_values

    def forward(self, x):
        self.inside = tuple(slice(before, before + n)
                            for (before, _), n in zip(self.pad_width, x.shape, strict=True))
        xp = get_array_module(x)
        return xp.pad(x, self.pad_width, mode="constant", constant_values=self.constant_values)

    def backward(self, gy):
        return gy[self.inside]  # (n_0, n_1, ..)


def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` with a border, as ``keras.ops.pad``.

    pad_width: ((before, after), ...) per axis, or one pair or one int for all
        axes (as NumPy reads it); non-negative ints.
    mode: "constant" (the border holds ``constant_values``, default 0),
        "reflect" ([1, 2, 3] padded by 2 -> [3, 2, 1, 2, 3, 2, 1]) or
        "symmetric" (-> [2, 1, 1, 2, 3, 3, 2]).
    """
    ndim = len(x.shape)
    widths = _pad_widths(pad_width, ndim)
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {PAD_MODES}. Received: mode={mode!r}")
    if mode == "constant":
        return ConstantPad(widths, 0 if constant_values is None else constant_values)(x)
    if constant_values is not None:
        raise ValueError(f"pad: constant_values applies to mode='constant' only, not "
                         f"mode={mode!r}.")
    for axis, (before, after) in enumerate(widths):
        size = x.shape[axis]
        if mode == "reflect" and max(before, after) >= size:
            raise ValueError(f"pad: mode='reflect' needs pads smaller than the axis; axis "
                             f"{axis} has size {size}, pads {(before, after)}.")
        if mode == "symmetric" and max(before, after) > size:
            raise ValueError(f"pad: mode='symmetric' needs pads no larger than the axis; axis "
                             f"{axis} has size {size}, pads {(before, after)}.")
        if before or after:  # the index each output position copies from
            x = take(x, np.pad(np.arange(size), (before, after), mode=mode), axis=axis)
    return x if isinstance(x, Tensor) else Tensor(x)


def _pad_widths(pad_width, ndim):
    """((before, after), ...) for each of ``ndim`` axes; ValueError for anything else."""
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (ndim, 2))
    except ValueError:
        widths = None
    if widths is None or widths.dtype.kind not in "iu" or (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative ints, one (before, after) pair "
                         f"per axis of the rank-{ndim} input. Received: pad_width={pad_width!r}")
    return tuple((int(before), int(after)) for before, after in widths)
