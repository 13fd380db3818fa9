"""Batch normalization: each channel scaled to mean 0 and variance 1, then by gamma and beta.

In training, each channel is normalized with the mean and variance of the
batch itself, so every output depends on every input of its channel; one op
differentiates through the statistics in three lines instead of a dozen
elementwise ops. In inference the statistics are constants (the moving
averages) and normalization is an affine map.

``BatchNormalization`` below does both, plainly. The layer calls
``fused_batch_normalization`` in training, which runs
``fast.normalization.FusedBatchNormalization`` (the same mathematics on
every core; on a GPU ``DeviceBatchNormalization``, in a few kernels), and
``batch_normalization`` in inference, composed from ops as TensorFlow
computes it.
"""

from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .fast.normalization import (
    DeviceBatchNormalization,
    FusedBatchNormalization,
    normalization_on_device,
)
from .logic import convert_to_tensor
from .math import add, divide, multiply, negative, sqrt, subtract
from .reshaping import reshape


class BatchNormalization(Function):
    """y = gamma * x_hat + beta,  x_hat = (x - mean) / sqrt(var + eps), channel by channel
    (``axis``), mean and var taken over the n values of a channel (every other axis).

    In training (no ``mean`` and ``variance`` given) they are the batch's own, and move
    with every input of the channel:
        dL/dx = gamma / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g * x_hat)).
    The two subtracted terms are the gradient through the mean and through the variance:
    shifting a channel's inputs, or scaling them about their mean, leaves x_hat unchanged.
    In inference mean and var are given constants (the moving averages), and
        dL/dx = gamma / sqrt(var + eps) * g.
    In both, dL/dgamma = sum(g * x_hat) and dL/dbeta = sum(g) over the channel.
    """

    def __init__(self, axis=-1, epsilon=1e-3, mean=None, variance=None):
        self.axis, self.epsilon, self.mean, self.variance = axis, epsilon, mean, variance

    def forward(self, x, gamma, beta):
        xp = get_array_module(x)
        self.axes = tuple(i for i in range(x.ndim) if i != self.axis % x.ndim)  # not the channel
        shape = [1 if i in self.axes else n for i, n in enumerate(x.shape)]  # (1, .., C, .., 1)
        self.training = self.mean is None
        mean = x.mean(axis=self.axes) if self.training else self.mean  # (C,)
        variance = x.var(axis=self.axes) if self.training else self.variance  # (C,)
        self.inv_std = 1 / xp.sqrt(variance.reshape(shape) + self.epsilon)  # (1, .., C, .., 1)
        self.x_hat = (x - mean.reshape(shape)) * self.inv_std  # x's shape
        self.gamma, self.batch_mean, self.batch_variance = gamma.reshape(shape), mean, variance
        return self.gamma * self.x_hat + beta.reshape(shape)

    def backward(self, g):
        sum_g = g.sum(axis=self.axes, keepdims=True)  # (1, .., C, .., 1)
        sum_g_x_hat = (g * self.x_hat).sum(axis=self.axes, keepdims=True)  # (1, .., C, .., 1)
        if self.training:
            n = g.size // sum_g.size
            g = g - sum_g / n - self.x_hat * (sum_g_x_hat / n)
        gx = self.gamma * self.inv_std * g  # x's shape
        return gx, sum_g_x_hat.reshape(-1), sum_g.reshape(-1)  # dL/dx, dL/dgamma, dL/dbeta


def fused_batch_normalization(x, scale=None, offset=None, axis=-1, epsilon=1e-3):
    """Normalizes ``x`` with its own batch statistics; returns (outputs, mean, variance).

    x: any shape; ``axis`` is the channel axis, statistics are taken over the others.
    scale, offset: gamma and beta of shape (channels,), or None (1 and 0).
    mean, variance: the batch statistics, shape (channels,), carrying no gradient
        (the variance is the biased one, as Keras's moving average uses).
    """
    x = convert_to_tensor(x)
    fast_twin = DeviceBatchNormalization if normalization_on_device(x) else (
        FusedBatchNormalization)
    function = fast_twin(axis, epsilon)
    outputs = function(x, scale, offset)
    return outputs, Tensor(function.mean.reshape(-1)), Tensor(function.variance.reshape(-1))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, as keras.ops.batch_normalization.

    mean, variance, offset, scale: shape (channels,), broadcast along ``axis``.
    Computed as TensorFlow does, x * inv + (offset - mean * inv) with
    inv = scale / sqrt(variance + epsilon), so gradients reach every argument.
    """
    ndim = len(x.shape)
    channel_shape = [1] * ndim
    channel_shape[axis % ndim] = x.shape[axis]
    inv = divide(1.0, sqrt(add(variance, epsilon)))
    if scale is not None:
        inv = multiply(inv, scale)
    shift = multiply(mean, inv)
    shift = negative(shift) if offset is None else subtract(offset, shift)
    return add(multiply(x, reshape(inv, channel_shape)), reshape(shift, channel_shape))
