"""Reductions over axes: sum, mean, max, min, prod, logsumexp, the cumulative sums and
products, and the non-differentiable argmax/argmin.

A reduction's backward does the reverse of collapsing: it puts back the
reduced axes with size 1 and broadcasts the gradient over them.
"""

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .logic import convert_to_tensor
from .math import minimum, multiply, rsqrt, sqrt, square, subtract, to_float
from .reshaping import reshape


def _normalize_axes(axis, ndim):
    """``axis`` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    rank = ndim or 1  # a scalar accepts axis 0 and -1, as NumPy's does
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}.")
    return tuple(sorted(a % rank for a in axes))


def _kept_dims_shape(shape, axes):
    """``shape`` with each reduced axis set to 1, as ``keepdims=True`` leaves it."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def integer_accumulator(dtype):
    """The dtype Keras sums and multiplies booleans and integers in: their own, widened to
    32 bits (NumPy would take 64 bits); None (the input's own) for floats."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return None
    if dtype.kind == "b" or dtype.itemsize < 4:
        return np.dtype("uint32" if dtype.kind == "u" else "int32")
    return dtype


class Sum(Function):
    """y = sum of x over axes;  dy/dx = 1 for every summed element."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        self.axes = _normalize_axes(self.axis, x.ndim)
        return x.sum(axis=self.axes, keepdims=self.keepdims, dtype=integer_accumulator(x.dtype))

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = gy.reshape(_kept_dims_shape(self.x_shape, self.axes))  # (.., 1, ..)
        return xp.broadcast_to(gy, self.x_shape)  # (.., n, ..)


class Mean(Function):
    """y = mean of x over axes;  dy/dx = 1 / (number of elements averaged)."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        self.axes = _normalize_axes(self.axis, x.ndim)
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        xp = get_array_module(gy)
        count = 1
        for a in self.axes:
            count *= self.x_shape[a]
        gy = gy.reshape(_kept_dims_shape(self.x_shape, self.axes)) / count  # (.., 1, ..)
        return xp.broadcast_to(gy, self.x_shape)  # (.., n, ..)


class Extremum(Function):
    """y = max (or min) of x over axes;  dy/dx = 1 at the extreme element, else 0.

    Where several elements tie for the extreme, they share the gradient
    equally, as TensorFlow does.
    """

    def __init__(self, axis, keepdims, largest):
        self.axis, self.keepdims, self.largest = axis, keepdims, largest

    def forward(self, x):
        self.x = x
        self.axes = _normalize_axes(self.axis, x.ndim)
        reduce = x.max if self.largest else x.min
        self.y = reduce(axis=self.axes, keepdims=True)  # (.., 1, ..)
        return self.y if self.keepdims else self.y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        is_extreme = (self.x == self.y).astype(gy.dtype)  # (.., n, ..)
        share = is_extreme / is_extreme.sum(axis=self.axes, keepdims=True)
        return gy.reshape(self.y.shape) * share


class LogSumExp(Function):
    """y = log(sum of exp(x) over axes);  dy/dx = exp(x) / sum(exp(x)) = softmax(x) over them.

    Computed as m + log(sum(exp(x - m))) with m the maximum (taken as 0 when
    it is infinite), so exp never overflows; the gradient reuses exp(x - m).
    A slice of only -inf (a masked-out row) sums to 0: its y is -inf and its
    gradient 0.
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        self.axes = _normalize_axes(self.axis, x.ndim)
        peak = x.max(axis=self.axes, keepdims=True)  # (.., 1, ..)
        peak = xp.where(xp.isfinite(peak), peak, 0)
        self.shifted_exp = xp.exp(x - peak)  # (.., n, ..), values <= 1
        total = self.shifted_exp.sum(axis=self.axes, keepdims=True)  # (.., 1, ..)
        empty = total == 0
        self.total = xp.where(empty, 1, total)  # no log(0) nor 0 / 0 for an empty slice
        y = xp.where(empty, -xp.inf, xp.log(self.total) + peak)
        return y if self.keepdims else y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        gy = gy.reshape(self.total.shape)  # (.., 1, ..)
        return gy * self.shifted_exp / self.total  # (.., n, ..)


class Prod(Function):
    """y = product of x over axes;  dy/dx_i = the product of the other elements.

    Not y / x_i, which is 0 / 0 where x_i = 0: with the reduced elements in a row
    x_1 .. x_n, the product of those before i times the product of those after i,
    two cumulative products.
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x = x
        self.axes = _normalize_axes(self.axis, x.ndim)
        return x.prod(axis=self.axes, keepdims=self.keepdims, dtype=integer_accumulator(x.dtype))

    def backward(self, gy):
        xp = get_array_module(gy)
        order = [a for a in range(self.x.ndim) if a not in self.axes] + list(self.axes)
        moved = self.x.transpose(order)  # (.., reduced axes)
        rows = moved.reshape(*moved.shape[:moved.ndim - len(self.axes)], -1)  # (.., n)
        ones = xp.ones_like(rows[..., :1])
        before = xp.cumprod(xp.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
        after = xp.cumprod(xp.concatenate([ones, rows[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        inverse = tuple(np.argsort(order).tolist())
        others = (before * after).reshape(moved.shape).transpose(inverse)  # x's shape
        return gy.reshape(_kept_dims_shape(self.x.shape, self.axes)) * others


class Cumsum(Function):
    """y_i = x_1 + ... + x_i along ``axis``;  dL/dx_i = dL/dy_i + ... + dL/dy_n, the
    cumulative sum of the gradient from the other end."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return get_array_module(x).cumsum(x, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.flip(xp.cumsum(xp.flip(gy, self.axis), axis=self.axis), self.axis)


class Cumprod(Function):
    """y_j = x_1 * ... * x_j along ``axis``;
        dL/dx_i = sum over j >= i of dL/dy_j * (x_1 .. x_j without x_i)
                = (x_1 * ... * x_(i-1)) * S_i,  S_i = dL/dy_i + x_(i+1) * S_(i+1),  S_n = dL/dy_n.

    Computed by that recurrence, one step per position of the axis, so a zero x_i gives
    the right gradient (TensorFlow's sum(dL/dy_j * y_j) / x_i is infinite or NaN there).
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.x = x
        return get_array_module(x).cumprod(x, axis=self.axis)

    def backward(self, gy):
        xp = get_array_module(gy)
        x, g = xp.moveaxis(self.x, self.axis, 0), xp.moveaxis(gy, self.axis, 0)  # (n, ..)
        before = xp.cumprod(xp.concatenate([xp.ones_like(x[:1]), x[:-1]]), axis=0)  # x_1..x_(i-1)
        total = xp.empty_like(g)  # S_i
        running = xp.zeros_like(g[0])
        for i in range(len(g) - 1, -1, -1):
            running = g[i] + (x[i + 1] * running if i + 1 < len(g) else 0)
            total[i] = running
        return xp.moveaxis(before * total, 0, self.axis)


def sum(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.sum)
    """The sum of x over ``axis`` (None: all axes)."""
    return Sum(axis, keepdims)(convert_to_tensor(x))


def mean(x, axis=None, keepdims=False):
    """The mean of x over ``axis`` (None: all axes); integers and booleans average to floatx,
    as in Keras."""
    return Mean(axis, keepdims)(to_float(x))


def max(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.max)
    """The largest element of x over ``axis`` (None: all axes)."""
    return Extremum(axis, keepdims, largest=True)(convert_to_tensor(x))


def min(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.min)
    """The smallest element of x over ``axis`` (None: all axes)."""
    return Extremum(axis, keepdims, largest=False)(convert_to_tensor(x))


def prod(x, axis=None, keepdims=False, dtype=None):
    """The product of x's elements over ``axis`` (None: all axes); its gradient is exact
    where elements are 0."""
    return Prod(axis, keepdims)(convert_to_tensor(x, dtype))


def cumsum(x, axis=None, dtype=None):
    """The running sums of x along ``axis`` (None: of the flattened x)."""
    x = convert_to_tensor(x, dtype)
    return Cumsum(0)(reshape(x, (-1,))) if axis is None else Cumsum(axis)(x)


def cumprod(x, axis=None, dtype=None):
    """The running products of x along ``axis`` (None: of the flattened x)."""
    x = convert_to_tensor(x, dtype)
    return Cumprod(0)(reshape(x, (-1,))) if axis is None else Cumprod(axis)(x)


def amax(x, axis=None, keepdims=False):
    """The largest element over ``axis`` (NumPy's name for ``max``)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """The smallest element over ``axis`` (NumPy's name for ``min``)."""
    return min(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis`` (None: all axes), without overflow."""
    return LogSumExp(axis, keepdims)(convert_to_tensor(x))


def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its L2 norm along ``axis``: x * min(1 / sqrt(sum(x**2)), 1 / epsilon).

    The norm is floored at ``epsilon`` (default ``backend.epsilon()``), so a
    zero vector stays zero. Only ``order=2`` is supported.
    """
    if order != 2:
        raise ValueError(f"normalize: only order=2 (the L2 norm) is supported; got order={order}.")
    x = convert_to_tensor(x)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    inverse_norm = rsqrt(sum(square(x), axis=axis, keepdims=True))  # (.., 1, ..)
    return multiply(x, minimum(inverse_norm, 1.0 / epsilon))


def var(x, axis=None, keepdims=False):
    """The (biased) variance of x over ``axis``: mean((x - mean(x))**2); floatx for integers."""
    x = to_float(x)
    centered = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(square(centered), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """The standard deviation of x over ``axis``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of x over ``axes``, as ``keras.ops.moments`` (the variance is the
    biased one, as batch normalization uses). ``synchronized`` (across devices) changes
    nothing on one device."""
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def argmax(x, axis=None, keepdims=False):
    """The index (int32, as in Keras) of the largest element along ``axis`` (None: of the
    flattened x; no gradient)."""
    data = _data(x)
    return Tensor(get_array_module(data).argmax(data, axis=axis, keepdims=keepdims).astype(
        "int32"))


def argmin(x, axis=None, keepdims=False):
    """The index (int32, as in Keras) of the smallest element along ``axis`` (None: of the
    flattened x; no gradient)."""
    data = _data(x)
    return Tensor(get_array_module(data).argmin(data, axis=axis, keepdims=keepdims).astype(
        "int32"))
