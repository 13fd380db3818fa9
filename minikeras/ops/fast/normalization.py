"""Fast batch normalization in training: every pass on all cores, the sums in two stages
(on a GPU, ``DeviceBatchNormalization``: a few kernels per pass)."""

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...backend import get_array_module, is_array
from ...runtime import kernels, parallel

BATCH_ROWS = 64  # samples summed in float32 before the float64 stage (see _sum_over_batch)


class _TrainingBatchNormalization(Function):
    """What the two fast twins of ``normalization.BatchNormalization`` in training share: the
    op's names, its arguments, and where the channels are."""

    label = "BatchNormalization"
    input_names = ("inputs", "gamma", "beta")

    def __init__(self, axis, epsilon):
        self.axis, self.epsilon = axis, epsilon

    def _channel_layout(self, x):
        """The channel axis of ``x``, the shape (1, .., C, .., 1) that channel arrays take to
        broadcast against it, and how many values each channel holds."""
        axis = self.axis % x.ndim
        return (axis, tuple(n if i == axis else 1 for i, n in enumerate(x.shape)),
                x.size // x.shape[axis])


class FusedBatchNormalization(_TrainingBatchNormalization):
    """y = gamma * x_hat + beta,  x_hat = (x - mean) / sqrt(var + eps), with the batch's mean
    and var over every axis but the channel axis; gamma and beta may be None (1 and 0).

    Same mathematics as ``normalization.BatchNormalization`` in training;
    faster because every pass over the batch runs on all cores, a few images
    at a time, writing into preallocated arrays, and the per-channel sums
    go in two stages (``_sum_over_batch``) that keep float32 data as precise
    as a float64 sum, 4-5x faster. The batch's mean and variance stay on the
    op as ``mean`` and ``variance`` (C,).
    """

    def forward(self, x, gamma, beta):
        xp = get_array_module(x)
        self.channel_axis, self.channel_shape, self.count = self._channel_layout(x)
        axis, shape = self.channel_axis, self.channel_shape
        self.mean = _sum_over_batch(axis, x) / self.count  # (C,)
        self.x_hat = x_hat = xp.empty_like(x)  # (.., C): centred, then scaled
        _in_pieces(lambda x, x_hat: xp.subtract(x, self.mean.reshape(shape), out=x_hat),
                   axis, x, x_hat)
        self.variance = _sum_over_batch(axis, x_hat, x_hat) / self.count  # (C,)
        self.inv_std = (1 / xp.sqrt(self.variance + self.epsilon)).reshape(shape)
        self.gamma = gamma
        y = xp.empty_like(x)  # never x_hat itself, which backward reads

        def normalize(x_hat, y):  # x_hat = (x - mean) / sqrt(var + eps);  y = gamma x_hat + beta
            x_hat *= self.inv_std
            if gamma is None:
                xp.copyto(y, x_hat)
            else:
                xp.multiply(x_hat, gamma.reshape(shape), out=y)
            if beta is not None:
                y += beta.reshape(shape)

        _in_pieces(normalize, axis, x_hat, y)
        return y

    def backward(self, g):
        xp = get_array_module(g)
        shape = self.channel_shape
        sum_g = _sum_over_batch(self.channel_axis, g)  # (C,)
        sum_g_x_hat = _sum_over_batch(self.channel_axis, g, self.x_hat)  # (C,)
        gx = None
        if self.needs_input_grad[0]:
            scale = self.inv_std if self.gamma is None else (
                self.inv_std * self.gamma.reshape(shape))
            gx = xp.empty_like(g)

            def input_gradient(g, x_hat, gx):
                # gx = (g - mean(g) - x_hat * mean(g * x_hat)) * gamma / sqrt(var + eps)
                xp.multiply(x_hat, (sum_g_x_hat / self.count).reshape(shape), out=gx)
                gx += (sum_g / self.count).reshape(shape)
                xp.subtract(g, gx, out=gx)
                gx *= scale

            _in_pieces(input_gradient, self.channel_axis, g, self.x_hat, gx)
        ggamma = sum_g_x_hat if self.needs_input_grad[1] else None  # (C,)
        gbeta = sum_g if self.needs_input_grad[2] else None  # (C,)
        return gx, ggamma, gbeta


def _in_pieces(function, channel_axis, *arrays):
    """``function`` on pieces of the batch of ``arrays`` on all cores (see ``parallel``); in one
    call when the channels are the batch axis."""
    if channel_axis == 0:
        function(*arrays)
    else:
        parallel.elementwise(function, *arrays)


def _sum_over_batch(axis, *arrays):
    """The sum of the product of ``arrays`` (one or two) over every axis but ``axis``: (C,).

    A float32 running sum of the 10^4-10^6 terms of a convolution's channel
    loses up to 1e-5 of its value (tf.keras's statistics keep about 1e-7),
    enough to steer a training run away from tf.keras's. So the sum goes in
    two stages for each block of at most ``BATCH_ROWS`` samples (the blocks
    on all cores; on a GPU the whole batch is one block): first over the
    samples, in float32 (each element adds at most that many terms, and the
    passes run along whole samples, as fast as NumPy goes); then over the
    other axes but the channel one, in float64, where the block sums are
    added too. einsum forms the products of two arrays without a temporary;
    for 4-D arrays and axis 3 its subscripts read "abcd,abcd->bcd", then
    "bcd->d". The sums return in the input dtype.
    """
    xp = get_array_module(*arrays)
    letters = "abcdefghijklmnopqrstuvwxyz"[:arrays[0].ndim]
    if axis == 0:  # the channels are the batch axis: all in float64, in one stage
        subscripts = ",".join([letters] * len(arrays)) + "->" + letters[axis]
        return xp.einsum(subscripts, *arrays, dtype="float64").astype(arrays[0].dtype)
    over_samples = ",".join([letters] * len(arrays)) + "->" + letters[1:]

    def block_sum(samples):  # (C,) in float64
        partial = xp.einsum(over_samples, *(a[samples] for a in arrays))  # (..., C, ...)
        return xp.einsum(f"{letters[1:]}->{letters[axis]}", partial, dtype="float64")

    count = arrays[0].shape[0]
    sample_bytes = sum(a[:1].nbytes for a in arrays)
    blocks = parallel.pieces(count, sample_bytes, xp, at_least=max(1, -(-count // BATCH_ROWS)))
    total = parallel.sum_over(block_sum, blocks,
                              empty=xp.zeros(arrays[0].shape[axis], dtype="float64"))
    return total.astype(arrays[0].dtype)


# -- on a GPU ---------------------------------------------------------------------------

# Batch normalization in training on a GPU, a few kernels per pass: the channel means and
# variances as two reductions (summed in float64), the normalization as one elementwise
# kernel; backward, the two channel sums and the input gradient. Seven launches where the
# pieces above take dozens; the channel arrays (mean, variance, gamma, beta, the sums) have
# the channel shape (1, .., C, .., 1) and broadcast against x.
_COUNT = "(_in_ind.size() / _out_ind.size())"  # the values reduced into each output
_CHANNEL_MEAN = kernels.Reduction(
    "minikeras_channel_mean", "T x", "T mean", "x", "a + b", f"mean = a / {_COUNT}", "0",
    "float64")
_CHANNEL_VARIANCE = kernels.Reduction(
    "minikeras_channel_variance", "T x, T mean", "T variance", "(x - mean) * (x - mean)",
    "a + b", f"variance = a / {_COUNT}", "0", "float64")
_CHANNEL_SUM = kernels.Reduction(
    "minikeras_channel_sum", "T g", "T total", "g", "a + b", "total = a", "0", "float64")
_CHANNEL_SUM_OF_PRODUCTS = kernels.Reduction(
    "minikeras_channel_sum_of_products", "T g, T x_hat", "T total", "g * x_hat", "a + b",
    "total = a", "0", "float64")
_INVERSE_STD = "((T)1 / sqrt(variance + epsilon))"


def _normalize_kernel(with_gamma, with_beta):
    """x_hat = (x - mean) / sqrt(var + eps), y = gamma * x_hat + beta, as the pieces above."""
    y = "x_hat" + " * gamma" * with_gamma + " + beta" * with_beta
    return kernels.Elementwise(
        f"minikeras_batch_normalization{'_gamma' * with_gamma}{'_beta' * with_beta}",
        "T x, T mean, T variance, T epsilon" + ", T gamma" * with_gamma + ", T beta" * with_beta,
        "T x_hat, T y", f"x_hat = (x - mean) * {_INVERSE_STD}; y = {y};")


def _input_gradient_kernel(with_gamma):
    """dL/dx = (g - mean(g) - x_hat * mean(g * x_hat)) * gamma / sqrt(var + eps), as above."""
    scale = _INVERSE_STD + " * gamma" * with_gamma
    return kernels.Elementwise(
        f"minikeras_batch_normalization_gradient{'_gamma' * with_gamma}",
        "T g, T x_hat, T sum_g, T sum_g_x_hat, T variance, T epsilon, T count"
        + ", T gamma" * with_gamma, "T gx",
        f"gx = (g - (x_hat * (sum_g_x_hat / count) + sum_g / count)) * ({scale});")


_NORMALIZE = {(g, b): _normalize_kernel(g, b) for g in (False, True) for b in (False, True)}
_INPUT_GRADIENT = {g: _input_gradient_kernel(g) for g in (False, True)}
_MOVING_AVERAGES = kernels.Elementwise(
    "minikeras_moving_averages", "T mean, T variance, T momentum, T one_minus_momentum",
    "T moving_mean, T moving_variance", """
    moving_mean = moving_mean * momentum + mean * one_minus_momentum;
    moving_variance = moving_variance * momentum + variance * one_minus_momentum;
    """)


class DeviceBatchNormalization(_TrainingBatchNormalization):
    """Same mathematics as ``FusedBatchNormalization`` (``normalization.BatchNormalization``
    in training) in a few kernels per pass, for a GPU. The batch's mean and variance stay
    on the op as ``mean`` and ``variance`` (C,)."""

    def forward(self, x, gamma, beta):
        xp = get_array_module(x)
        axis, self.shape, self.count = self._channel_layout(x)
        self.reduced = tuple(i for i in range(x.ndim) if i != axis)
        self.epsilon_value = x.dtype.type(self.epsilon)
        mean = _CHANNEL_MEAN(x, axis=self.reduced, keepdims=True)  # (1, .., C, .., 1)
        self.variance = _CHANNEL_VARIANCE(x, mean, axis=self.reduced, keepdims=True)
        self.x_hat, y = xp.empty_like(x), xp.empty_like(x)
        self.gamma = None if gamma is None else gamma.reshape(self.shape)
        channels = [c.reshape(self.shape) for c in (gamma, beta) if c is not None]
        _NORMALIZE[gamma is not None, beta is not None](
            x, mean, self.variance, self.epsilon_value, *channels, self.x_hat, y)
        self.mean = mean
        return y

    def backward(self, g):
        sum_g = _CHANNEL_SUM(g, axis=self.reduced, keepdims=True)  # (1, .., C, .., 1)
        sum_g_x_hat = _CHANNEL_SUM_OF_PRODUCTS(g, self.x_hat, axis=self.reduced, keepdims=True)
        gx = None
        if self.needs_input_grad[0]:
            gx = get_array_module(g).empty_like(g)
            gamma = () if self.gamma is None else (self.gamma,)
            _INPUT_GRADIENT[self.gamma is not None](
                g, self.x_hat, sum_g, sum_g_x_hat, self.variance, self.epsilon_value,
                g.dtype.type(self.count), *gamma, gx)
        ggamma = sum_g_x_hat.reshape(-1) if self.needs_input_grad[1] else None  # (C,)
        gbeta = sum_g.reshape(-1) if self.needs_input_grad[2] else None  # (C,)
        return gx, ggamma, gbeta


def normalization_on_device(x):
    """Whether ``DeviceBatchNormalization`` runs for ``x`` (a Tensor or an array): on a device."""
    data = x.data if isinstance(x, Tensor) else x
    return is_array(data) and kernels.on_device(get_array_module(data))


def update_moving_averages(moving_mean, moving_variance, mean, variance, momentum):
    """moving = moving * momentum + batch * (1 - momentum) for the mean and the variance
    (arrays (C,) on a device), the moving ones in place, in one kernel."""
    cast = moving_mean.dtype.type
    _MOVING_AVERAGES(mean, variance, cast(momentum), cast(1.0 - momentum), moving_mean,
                     moving_variance)
