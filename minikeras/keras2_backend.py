"""Keras 2's ``keras.backend`` functions, which custom losses and metrics in most tutorials
call as ``K.mean``, ``K.square``, ``K.clip``, ...: each one warns (a DeprecationWarning on
the user's line naming its ``keras.ops`` spelling) and calls that op.

They take Keras 2's arguments and defaults (``K.argmax(x)`` is over the last axis,
``K.cumsum(x)`` over the first, ``K.concatenate`` joins the last) and work on whatever the
op takes: arrays, Tensors (gradients flow through the op) and symbolic tensors of
``keras.Input``. ``minikeras.backend`` hands them out by name (``K.mean``), so
``from keras import backend as K`` code runs unchanged.
"""

import functools
import math

from . import backend, ops
from .utils.keras2 import warn
from .variables import Variable

__all__ = []  # each function below adds its name (see _keras2)


def _keras2(modern):
    """Makes the decorated function warn, at each call, that ``keras.backend.<its name>``
    is spelled ``modern`` in Keras 3."""
    def decorate(function):
        old = f"keras.backend.{function.__name__}"
        __all__.append(function.__name__)

        @functools.wraps(function)
        def warned(*args, **kwargs):
            warn(old, modern)
            return function(*args, **kwargs)
        return warned
    return decorate


def _floats_if_bool(x):
    """``x`` cast to floatx if it holds bools: Keras 2 averages bools as 0.0 and 1.0."""
    if str(getattr(x, "dtype", "")) == "bool":
        return ops.cast(x, backend.floatx())
    return x


# Element by element.

@_keras2("keras.ops.abs")
def abs(x):
    """|x|."""
    return ops.abs(x)


@_keras2("keras.ops.square")
def square(x):
    """x squared."""
    return ops.square(x)


@_keras2("keras.ops.sqrt")
def sqrt(x):
    """The square root of x, negative values taken as 0 (as Keras 2 does)."""
    return ops.sqrt(ops.maximum(x, 0.0))


@_keras2("keras.ops.exp")
def exp(x):
    """e to the x."""
    return ops.exp(x)


@_keras2("keras.ops.log")
def log(x):
    """The natural logarithm of x."""
    return ops.log(x)


@_keras2("keras.ops.power")
def pow(x, a):
    """x to the power a."""
    return ops.power(x, a)


@_keras2("keras.ops.round")
def round(x):
    """x rounded to the nearest integer, halves to even."""
    return ops.round(x)


@_keras2("keras.ops.sign")
def sign(x):
    """-1, 0 or 1 by the sign of x."""
    return ops.sign(x)


@_keras2("keras.ops.clip")
def clip(x, min_value, max_value):
    """x limited to [min_value, max_value]; None leaves that side open, and a max_value below
    min_value is taken as min_value (as Keras 2 does)."""
    if min_value is None:
        min_value = -math.inf
    if max_value is None:
        max_value = math.inf
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)):
        max_value = max_value if max_value >= min_value else min_value
    return ops.clip(x, min_value, max_value)


@_keras2("keras.ops.maximum")
def maximum(x, y):
    """The larger of x and y, element by element (broadcast)."""
    return ops.maximum(x, y)


@_keras2("keras.ops.minimum")
def minimum(x, y):
    """The smaller of x and y, element by element (broadcast)."""
    return ops.minimum(x, y)


@_keras2("keras.ops.cast")
def cast(x, dtype):
    """x as ``dtype`` ("float32", "int32", "bool", ...)."""
    return ops.cast(x, dtype)


@_keras2("keras.ops.sigmoid")
def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


@_keras2("keras.ops.tanh")
def tanh(x):
    """The hyperbolic tangent of x."""
    return ops.tanh(x)


@_keras2("keras.ops.softplus")
def softplus(x):
    """log(1 + exp(x))."""
    return ops.softplus(x)


@_keras2("keras.ops.softmax(x, axis=-1)")
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    return ops.softmax(x, axis=axis)


# Comparisons: bool results.

@_keras2("keras.ops.equal")
def equal(x, y):
    """x == y, element by element."""
    return ops.equal(x, y)


@_keras2("keras.ops.not_equal")
def not_equal(x, y):
    """x != y, element by element."""
    return ops.not_equal(x, y)


@_keras2("keras.ops.greater")
def greater(x, y):
    """x > y, element by element."""
    return ops.greater(x, y)


@_keras2("keras.ops.greater_equal")
def greater_equal(x, y):
    """x >= y, element by element."""
    return ops.greater_equal(x, y)


@_keras2("keras.ops.less")
def less(x, y):
    """x < y, element by element."""
    return ops.less(x, y)


@_keras2("keras.ops.less_equal")
def less_equal(x, y):
    """x <= y, element by element."""
    return ops.less_equal(x, y)


@_keras2("keras.ops.where(condition, x1, x2)")
def switch(condition, then_expression, else_expression):
    """``then_expression`` where ``condition`` holds, else ``else_expression``.

    As in Keras 2, either expression may be a function of no arguments (called here), and a
    condition of rank 2 or more but lower than ``then_expression``'s applies to its leading
    axes: a (batch, n) condition picks whole vectors of (batch, n, k) expressions. (A rank 1
    condition broadcasts as in ``keras.ops.where``, against the last axis.)
    """
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    rank = len(ops.shape(condition))
    missing = len(ops.shape(then_expression)) - rank
    if rank > 1 and missing > 0:
        condition = ops.reshape(condition, (*ops.shape(condition), *(1,) * missing))
    return ops.where(condition, then_expression, else_expression)


# Reductions: over every axis by default (axis=None), dropping the reduced axes unless
# keepdims.

@_keras2("keras.ops.sum")
def sum(x, axis=None, keepdims=False):
    """The sum over ``axis``."""
    return ops.sum(x, axis=axis, keepdims=keepdims)


@_keras2("keras.ops.mean")
def mean(x, axis=None, keepdims=False):
    """The mean over ``axis`` (of 0.0 and 1.0 for bools)."""
    return ops.mean(_floats_if_bool(x), axis=axis, keepdims=keepdims)


@_keras2("keras.ops.std")
def std(x, axis=None, keepdims=False):
    """The (population) standard deviation over ``axis``."""
    return ops.std(_floats_if_bool(x), axis=axis, keepdims=keepdims)


@_keras2("keras.ops.var")
def var(x, axis=None, keepdims=False):
    """The (population) variance over ``axis``."""
    return ops.var(_floats_if_bool(x), axis=axis, keepdims=keepdims)


@_keras2("keras.ops.max")
def max(x, axis=None, keepdims=False):
    """The largest value over ``axis``."""
    return ops.max(x, axis=axis, keepdims=keepdims)


@_keras2("keras.ops.min")
def min(x, axis=None, keepdims=False):
    """The smallest value over ``axis``."""
    return ops.min(x, axis=axis, keepdims=keepdims)


@_keras2("keras.ops.prod")
def prod(x, axis=None, keepdims=False):
    """The product over ``axis``."""
    return ops.prod(x, axis=axis, keepdims=keepdims)


@_keras2("keras.ops.cumsum(x, axis=0)")
def cumsum(x, axis=0):
    """Running sums along ``axis`` (the first by default)."""
    return ops.cumsum(x, axis=axis)


@_keras2("keras.ops.cumprod(x, axis=0)")
def cumprod(x, axis=0):
    """Running products along ``axis`` (the first by default)."""
    return ops.cumprod(x, axis=axis)


@_keras2("keras.ops.any")
def any(x, axis=None, keepdims=False):
    """Whether any value over ``axis`` is true (non-zero)."""
    return ops.any(x, axis=axis, keepdims=keepdims)


@_keras2("keras.ops.all")
def all(x, axis=None, keepdims=False):
    """Whether every value over ``axis`` is true (non-zero)."""
    return ops.all(x, axis=axis, keepdims=keepdims)


@_keras2("keras.ops.argmax(x, axis=-1)")
def argmax(x, axis=-1):
    """The index of the largest value along ``axis`` (the last by default)."""
    return ops.argmax(x, axis=axis)


@_keras2("keras.ops.argmin(x, axis=-1)")
def argmin(x, axis=-1):
    """The index of the smallest value along ``axis`` (the last by default)."""
    return ops.argmin(x, axis=axis)


# Losses, as Keras 2 orders their arguments: the target first.

@_keras2("keras.ops.categorical_crossentropy")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """The crossentropy of one-hot ``target`` and ``output`` (probabilities, or logits with
    ``from_logits``) along ``axis``: one value per sample."""
    return ops.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


@_keras2("keras.ops.binary_crossentropy")
def binary_crossentropy(target, output, from_logits=False):
    """The crossentropy of 0/1 ``target`` and ``output`` (probabilities, or logits with
    ``from_logits``), element by element."""
    return ops.binary_crossentropy(target, output, from_logits=from_logits)


# Shapes.

@_keras2("keras.ops.shape")
def shape(x):
    """The shape of x, a tuple (None for a symbolic tensor's unknown sizes)."""
    return ops.shape(x)


@_keras2("keras.ops.shape")
def int_shape(x):
    """The shape of x as a tuple of ints (None where unknown)."""
    return ops.shape(x)


@_keras2("keras.ops.reshape")
def reshape(x, shape):
    """x with the sizes ``shape`` (one of them may be -1)."""
    return ops.reshape(x, shape)


@_keras2("keras.ops.reshape(x, (-1,))")
def flatten(x):
    """x as one axis."""
    return ops.reshape(x, (-1,))


@_keras2("keras.ops.expand_dims(x, axis=-1)")
def expand_dims(x, axis=-1):
    """x with a new axis of size 1 at ``axis`` (the last by default)."""
    return ops.expand_dims(x, axis)


@_keras2("keras.ops.squeeze")
def squeeze(x, axis):
    """x without ``axis``, which has size 1."""
    return ops.squeeze(x, axis=axis)


@_keras2("keras.ops.transpose")
def transpose(x):
    """x with its axes in reverse order."""
    return ops.transpose(x)


@_keras2("keras.ops.stack(x, axis=0)")
def stack(x, axis=0):
    """The tensors of the list ``x`` stacked along a new axis."""
    return ops.stack(x, axis=axis)


@_keras2("keras.ops.concatenate(tensors, axis=-1)")
def concatenate(tensors, axis=-1):
    """The tensors joined along the existing ``axis`` (the last by default)."""
    return ops.concatenate(tensors, axis=axis)


@_keras2("keras.ops.tile")
def tile(x, n):
    """x repeated ``n`` times along each axis (``n``: an int or one int per axis)."""
    return ops.tile(x, n)


@_keras2('keras.ops.arange(start, stop, step, dtype="int32")')
def arange(start, stop=None, step=1, dtype="int32"):
    """start, start + step, ... before stop, as ``dtype`` (int32 by default); with one
    argument, 0, 1, ... before start (nothing for a negative one)."""
    if stop is None and start < 0:
        start = 0
    return ops.arange(start, stop, step, dtype=dtype)


@_keras2("keras.ops.ones_like")
def ones_like(x, dtype=None, name=None):
    """Ones of x's shape (and dtype, unless given); ``name`` is ignored."""
    return ops.ones_like(x, dtype=dtype)


@_keras2("keras.ops.zeros_like")
def zeros_like(x, dtype=None, name=None):
    """Zeros of x's shape (and dtype, unless given); ``name`` is ignored."""
    return ops.zeros_like(x, dtype=dtype)


@_keras2("keras.ops.one_hot")
def one_hot(indices, num_classes):
    """Integer ``indices`` as one-hot vectors along a new last axis of ``num_classes``."""
    return ops.one_hot(indices, num_classes)


@_keras2("keras.ops.take(reference, indices, axis=0)")
def gather(reference, indices):
    """The rows of ``reference`` at ``indices``."""
    return ops.take(reference, indices, axis=0)


@_keras2("keras.ops.in_top_k(targets, predictions, k)")
def in_top_k(predictions, targets, k):
    """Whether each row's target class is among its ``k`` largest predictions (Keras 2 takes
    the predictions first)."""
    return ops.in_top_k(targets, predictions, k)


@_keras2("keras.ops.dot")
def dot(x, y):
    """The matrix product of x and y: x's last axis with y's second to last (its only one if
    y is 1-D), the result having x's other axes then y's."""
    return ops.dot(x, y)


@_keras2("keras.ops.einsum")
def batch_dot(x, y, axes=None):
    """Per sample (axis 0), the dot product of x and y along ``axes``: x's axes[0] with y's
    axes[1] (an int for both; by default x's last with y's last if y is 2-D, else with y's
    second to last). The result has x's other axes then y's; from two 2-D inputs, (batch, 1).
    """
    x_rank, y_rank = len(ops.shape(x)), len(ops.shape(y))
    if x_rank < 2 or y_rank < 2:
        raise ValueError(f"batch_dot needs inputs of rank 2 or more; got shapes {ops.shape(x)} "
                         f"and {ops.shape(y)}.")
    if axes is None:
        axes = (x_rank - 1, y_rank - 1 if y_rank == 2 else y_rank - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    x_axis, y_axis = axes[0] % x_rank, axes[1] % y_rank
    if 0 in (x_axis, y_axis):
        raise ValueError(f"batch_dot cannot sum over the batch axis 0 (axes={axes}); add a "
                         "batch axis with keras.ops.expand_dims(x, 0) for unbatched inputs.")
    if x_rank == 2:
        x, x_axis = ops.expand_dims(x, 1), 2
    if y_rank == 2:
        y = ops.expand_dims(y, 2)
    # x as (batch, its other axes, summed), y as (batch, summed, its other axes): a matmul.
    x = ops.transpose(x, [a for a in range(len(ops.shape(x))) if a != x_axis] + [x_axis])
    y = ops.transpose(y, [0, y_axis] + [a for a in range(1, len(ops.shape(y))) if a != y_axis])
    x_kept, summed, y_kept = ops.shape(x)[1:-1], ops.shape(x)[-1], ops.shape(y)[2:]
    product = ops.matmul(ops.reshape(x, (-1, math.prod(x_kept), summed)),
                         ops.reshape(y, (-1, summed, math.prod(y_kept))))
    product = ops.reshape(product, (-1, *x_kept, *y_kept))
    if x_rank == 2:
        return ops.squeeze(product, axis=1)
    return ops.squeeze(product, axis=-1) if y_rank == 2 else product


# Variables and constants.

@_keras2("keras.Variable")
def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding ``value`` (float32 unless ``dtype``)."""
    created = Variable(value, dtype=dtype, name=name)
    created.constraint = constraint
    return created


@_keras2("keras.ops.convert_to_tensor")
def constant(value, dtype=None, shape=None, name=None):
    """A Tensor holding ``value`` (float32 unless ``dtype``), broadcast to ``shape`` if
    given; ``name`` is ignored."""
    tensor = ops.convert_to_tensor(value, dtype=dtype or backend.floatx())
    return tensor if shape is None else ops.broadcast_to(tensor, tuple(shape))


@_keras2("keras.ops.stop_gradient")
def stop_gradient(variables):
    """x as a value no gradient flows back through (each of a list or tuple of them)."""
    if isinstance(variables, (list, tuple)):
        return [ops.stop_gradient(v) for v in variables]
    return ops.stop_gradient(variables)


@_keras2("keras.ops.convert_to_numpy")
def get_value(x):
    """The value of a Variable or Tensor as a NumPy array (anything else as it is)."""
    return ops.convert_to_numpy(x) if hasattr(x, "numpy") else x


@_keras2("variable.assign(value)")
def set_value(x, value):
    """Overwrites the Variable ``x`` with ``value``."""
    x.assign(value)
