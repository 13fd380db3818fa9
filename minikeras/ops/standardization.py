"""Standardization within each sample: the op under LayerNormalization and GroupNormalization.

Batch normalization (normalization.py) takes its statistics over the batch;
these take them over some axes of each sample (its features, or the
channels of one group and every position), so no running averages are kept
and training and inference compute the same thing.
"""

from .. import backend
from ..autograd.function import Function
from ..backend import get_array_module
from .logic import convert_to_tensor
from .math import add, multiply, rsqrt
from .reduction import _normalize_axes, var
from .reshaping import reshape


class Standardize(Function):
    """y = (x - mean) / sqrt(var + eps), with the mean and (biased) variance of each slice
    of x over ``axes`` (n elements per slice):

        dL/dx = (g - mean(g) - y * mean(g * y)) / sqrt(var + eps),

    means over the same axes. As in batch normalization, the two subtracted
    terms are the gradient flowing through the mean and through the variance:
    shifting a slice, or scaling it about its mean, leaves y unchanged, so
    the parts of g that would do that are removed.
    """

    def __init__(self, axes, epsilon):
        self.axes, self.epsilon = axes, epsilon

    def forward(self, x):
        centred = x - x.mean(axis=self.axes, keepdims=True)  # (..), the mean (.., 1, ..)
        variance = (centred * centred).mean(axis=self.axes, keepdims=True)  # (.., 1, ..)
        self.inv_std = 1 / get_array_module(x).sqrt(variance + self.epsilon)
        self.y = centred * self.inv_std
        return self.y

    def backward(self, g):
        mean_g = g.mean(axis=self.axes, keepdims=True)  # (.., 1, ..)
        mean_gy = (g * self.y).mean(axis=self.axes, keepdims=True)  # (.., 1, ..)
        return (g - mean_g - self.y * mean_gy) * self.inv_std


def standardize(x, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon), the statistics of each slice over ``axis``
    (an int or a tuple of ints)."""
    return Standardize(_normalize_axes(axis, len(x.shape)), epsilon)(x)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    """Normalizes each sample over ``axis``, then scales by ``gamma`` and shifts by ``beta``,
    as ``keras.ops.layer_normalization``.

    x: any shape; axis: an int or a list of ints.
    gamma, beta: of the shape of the normalized axes (None: 1 and 0).
    epsilon: added to the variance (default ``backend.epsilon()``).
    rms_scaling: Keras's deprecated variant, x / sqrt(var + epsilon) * gamma,
        which divides by the spread about the mean without subtracting the mean.
    """
    x = convert_to_tensor(x)
    epsilon = backend.epsilon() if epsilon is None else epsilon
    axes = _normalize_axes(axis, len(x.shape))
    if rms_scaling:
        outputs = multiply(x, rsqrt(add(var(x, axis=axes, keepdims=True), epsilon)))
    else:
        outputs = Standardize(axes, epsilon)(x)
    parameter_shape = [n if i in axes else 1 for i, n in enumerate(x.shape)]  # (1, .., n, ..)
    if gamma is not None:
        outputs = multiply(outputs, reshape(gamma, parameter_shape))
    if beta is not None and not rms_scaling:
        outputs = add(outputs, reshape(beta, parameter_shape))
    return outputs
