"""Reductions over axes: sum, mean, max, min, logsumexp, and the non-differentiable argmax/argmin.

A reduction's backward does the reverse of collapsing: it puts back the
reduced axes with size 1 and broadcasts the gradient over them.
"""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .math import minimum, multiply, rsqrt, sqrt, square, subtract


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


class Sum(Function):
    """y = sum of x over axes;  dy/dx = 1 for every summed element."""

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        self.axes = _normalize_axes(self.axis, x.ndim)
        return x.sum(axis=self.axes, keepdims=self.keepdims)

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
    """

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = get_array_module(x)
        self.axes = _normalize_axes(self.axis, x.ndim)
        peak = x.max(axis=self.axes, keepdims=True)  # (.., 1, ..)
        peak = xp.where(xp.isfinite(peak), peak, 0)
        self.shifted_exp = xp.exp(x - peak)  # (.., n, ..), values <= 1
        self.total = self.shifted_exp.sum(axis=self.axes, keepdims=True)  # (.., 1, ..)
        y = xp.log(self.total) + peak
        return y if self.keepdims else y.reshape(
            [n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        gy = gy.reshape(self.total.shape)  # (.., 1, ..)
        return gy * self.shifted_exp / self.total  # (.., n, ..)


def sum(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.sum)
    """The sum of x over ``axis`` (None: all axes)."""
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    """The mean of x over ``axis`` (None: all axes)."""
    return Mean(axis, keepdims)(x)


def max(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.max)
    """The largest element of x over ``axis`` (None: all axes)."""
    return Extremum(axis, keepdims, largest=True)(x)


def min(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.min)
    """The smallest element of x over ``axis`` (None: all axes)."""
    return Extremum(axis, keepdims, largest=False)(x)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis`` (None: all axes), without overflow."""
    return LogSumExp(axis, keepdims)(x)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its L2 norm along ``axis``: x * min(1 / sqrt(sum(x**2)), 1 / epsilon).

    The norm is floored at ``epsilon`` (default ``backend.epsilon()``), so a
    zero vector stays zero. Only ``order=2`` is supported.
    """
    if order != 2:
        raise ValueError(f"normalize: only order=2 (the L2 norm) is supported; got order={order}.")
    epsilon = backend.epsilon() if epsilon is None else epsilon
    inverse_norm = rsqrt(sum(square(x), axis=axis, keepdims=True))  # (.., 1, ..)
    return multiply(x, minimum(inverse_norm, 1.0 / epsilon))


def var(x, axis=None, keepdims=False):
    """The (biased) variance of x over ``axis``: mean((x - mean(x))**2)."""
    centered = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(square(centered), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """The standard deviation of x over ``axis``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


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
