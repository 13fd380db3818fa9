"""Activation functions, each one op with its own derivative.

Writing them as single ops rather than compositions keeps the backward pass
short and the numbers stable: sigmoid never computes exp of a large positive
number, softmax subtracts the row maximum, log_softmax never takes log of 0.
"""

import math

from ..autograd.function import Function
from ..backend import get_array_module
from .fast.activation import FastReLU
from .fast.softmax import DeviceSoftmax, rows_on_device
from .logic import convert_to_tensor
from .math import erf_array, multiply, negative

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


class ReLU(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0.

    The layers run ``fast.activation.FastReLU``, the same on every core.
    """

    def forward(self, x):
        self.y = get_array_module(x).maximum(x, 0)
        return self.y

    def backward(self, gy):
        return gy * (self.y > 0)  # y > 0 exactly where x > 0


class ReLU6(Function):
    """y = min(max(x, 0), 6);  dy/dx = 1 where 0 < x < 6, else 0."""

    def forward(self, x):
        self.linear = (x > 0) & (x < 6)
        return get_array_module(x).clip(x, 0, 6)

    def backward(self, gy):
        return gy * self.linear


class LeakyReLU(Function):
    """y = x where x > 0, else slope * x;  dy/dx = 1 where x > 0, else slope."""

    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        self.positive = x > 0
        return get_array_module(x).where(self.positive, x, self.negative_slope * x)

    def backward(self, gy):
        return get_array_module(gy).where(self.positive, gy, self.negative_slope * gy)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)."""

    def forward(self, x):
        self.y = sigmoid_array(x)
        return self.y

    def backward(self, gy):
        return gy * self.y * (1 - self.y)


def sigmoid_array(x):
    """The sigmoid of an array, never overflowing: exp only ever sees -|x|."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))  # in (0, 1]
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Tanh(Function):
    """y = tanh(x);  dy/dx = 1 - y**2."""

    def forward(self, x):
        self.y = get_array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        return gy * (1 - self.y * self.y)


class Softplus(Function):
    """y = log(1 + exp(x));  dy/dx = sigmoid(x)."""

    def forward(self, x):
        self.x = x
        return softplus_array(x)

    def backward(self, gy):
        return gy * sigmoid_array(self.x)


def softplus_array(x):
    """log(1 + exp(x)) of an array, written max(x, 0) + log(1 + exp(-|x|)) so it never overflows."""
    xp = get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class Softsign(Function):
    """y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)**2."""

    def forward(self, x):
        self.denominator = 1 + get_array_module(x).abs(x)
        return x / self.denominator

    def backward(self, gy):
        return gy / (self.denominator * self.denominator)


class ELU(Function):
    """y = x where x > 0, else alpha (exp(x) - 1);  dy/dx = 1 where x > 0, else y + alpha."""

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        xp = get_array_module(x)
        self.positive = x > 0
        self.y = xp.where(self.positive, x, self.alpha * xp.expm1(xp.minimum(x, 0)))
        return self.y

    def backward(self, gy):
        return get_array_module(gy).where(self.positive, gy, gy * (self.y + self.alpha))


class SELU(Function):
    """y = scale * elu(x, alpha) with Klambauer et al.'s constants;  dy/dx = scale * elu'(x)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.positive = x > 0
        self.negative_part = SELU_SCALE * SELU_ALPHA * xp.exp(xp.minimum(x, 0))
        return xp.where(self.positive, SELU_SCALE * x, self.negative_part - SELU_SCALE * SELU_ALPHA)

    def backward(self, gy):
        xp = get_array_module(gy)
        return xp.where(self.positive, SELU_SCALE * gy, gy * self.negative_part)


class GELU(Function):
    """y = x Phi(x), Phi the standard normal CDF;  dy/dx = Phi(x) + x phi(x).

    With ``approximate``, Phi(x) is replaced by Hendrycks and Gimpel's
    0.5 (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))), differentiated exactly.
    """

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = get_array_module(x)
        self.x = x
        if self.approximate:
            self.t = xp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))
            return 0.5 * x * (1 + self.t)
        self.cdf = 0.5 * (1 + erf_array(x * (1 / math.sqrt(2))))
        return x * self.cdf

    def backward(self, gy):
        xp = get_array_module(gy)
        x = self.x
        if self.approximate:
            dt_dx = (1 - self.t * self.t) * math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
            return gy * (0.5 * (1 + self.t) + 0.5 * x * dt_dx)
        pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return gy * (self.cdf + x * pdf)


class SiLU(Function):
    """y = x sigmoid(x);  dy/dx = s + x s (1 - s) with s = sigmoid(x)."""

    def forward(self, x):
        self.x = x
        self.s = sigmoid_array(x)
        return x * self.s

    def backward(self, gy):
        s = self.s
        return gy * (s + self.x * s * (1 - s))


class HardSigmoid(Function):
    """y = relu6(x + 3) / 6;  dy/dx = 1/6 where -3 < x < 3, else 0."""

    def forward(self, x):
        self.linear = (x > -3) & (x < 3)
        return get_array_module(x).clip(x + 3, 0, 6) / 6

    def backward(self, gy):
        return gy * self.linear / 6


class Softmax(Function):
    """y_i = exp(x_i) / sum_j exp(x_j) along an axis;  dL/dx = y * (g - sum_j g_j y_j).

    The Jacobian is dy_i/dx_k = y_i (delta_ik - y_k); multiplying it by the
    incoming gradient g collapses to the one line above, with no n x n matrix.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))  # exp of values <= 0
        self.y = e / e.sum(axis=self.axis, keepdims=True)
        return self.y

    def backward(self, gy):
        y = self.y
        return y * (gy - (gy * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - log(sum_j exp(x_j)) along an axis;  dL/dx = g - softmax(x) * sum_j g_j."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.y = log_softmax_array(x, self.axis)
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        return gy - xp.exp(self.y) * gy.sum(axis=self.axis, keepdims=True)


class Sparsemax(Function):
    """y = max(x - tau, 0) along an axis, with tau such that y sums to 1: the Euclidean
    projection of x onto the probability simplex (Martins & Astudillo, 2016).

    With x sorted in decreasing order, z_1 >= z_2 >= ..., the support S is the
    k largest entries, those with 1 + j z_j > z_1 + ... + z_j, and
    tau = (z_1 + ... + z_k - 1) / k. Inside S, y = x - tau and tau moves by
    1/k with each x in S, so:  dL/dx_i = g_i - sum_{j in S} g_j / k  for i in S,
    0 outside. (Like TensorFlow differentiating max(x - tau, 0), an x that is
    exactly tau without being in S also passes its g_i on.)
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        z = -xp.sort(-x, axis=self.axis)  # decreasing along the axis
        positions = [1] * x.ndim
        positions[self.axis] = -1
        j = xp.arange(1, x.shape[self.axis] + 1, dtype=x.dtype).reshape(positions)
        in_support = z - (xp.cumsum(z, axis=self.axis) - 1) / j > 0  # the first k of z
        self.k = in_support.sum(axis=self.axis, keepdims=True).astype(x.dtype)  # (.., 1, ..)
        z_sum = xp.where(in_support, z, 0).sum(axis=self.axis, keepdims=True)
        tau = (z_sum - 1) / self.k  # (.., 1, ..)
        smallest = xp.take_along_axis(z, self.k.astype("int64") - 1, axis=self.axis)
        self.support = x >= smallest  # equal entries are in S together
        self.passing = x - tau >= 0
        return xp.maximum(x - tau, 0)

    def backward(self, gy):
        passed = gy * self.passing
        return passed - self.support * (passed.sum(axis=self.axis, keepdims=True) / self.k)


def log_softmax_array(x, axis):
    """log(softmax(x)) of an array, as (x - max) - log(sum(exp(x - max))): never log of 0."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)  # every value <= 0, the largest exactly 0
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def relu(x):
    """max(x, 0), on every core (``FastReLU``)."""
    return FastReLU()(convert_to_tensor(x))


def relu6(x):
    """min(max(x, 0), 6)."""
    return ReLU6()(convert_to_tensor(x))


def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else ``negative_slope`` * x."""
    return LeakyReLU(negative_slope)(convert_to_tensor(x))


def sigmoid(x):
    """1 / (1 + exp(-x)). The output remembers x, so a cross-entropy loss can use the logits."""
    x = convert_to_tensor(x)
    y = Sigmoid()(x)
    y._keras_logits = x
    return y


def tanh(x):
    """The hyperbolic tangent of x."""
    return Tanh()(convert_to_tensor(x))


def softplus(x):
    """log(1 + exp(x))."""
    return Softplus()(convert_to_tensor(x))


def softsign(x):
    """x / (1 + |x|)."""
    return Softsign()(convert_to_tensor(x))


def elu(x, alpha=1.0):
    """x where x > 0, else ``alpha`` * (exp(x) - 1)."""
    return ELU(alpha)(convert_to_tensor(x))


def selu(x):
    """The scaled exponential linear unit (self-normalising networks)."""
    return SELU()(convert_to_tensor(x))


def gelu(x, approximate=True):
    """The Gaussian error linear unit x * Phi(x) (tanh approximation by default, as keras.ops)."""
    return GELU(approximate)(convert_to_tensor(x))


def silu(x):
    """x * sigmoid(x), also called swish."""
    return SiLU()(convert_to_tensor(x))


def swish(x):
    """x * sigmoid(x) (Keras's alias of ``silu``)."""
    return SiLU()(convert_to_tensor(x))


def hard_sigmoid(x):
    """relu6(x + 3) / 6, a piecewise-linear sigmoid."""
    return HardSigmoid()(convert_to_tensor(x))


def hard_silu(x):
    """x * hard_sigmoid(x), a piecewise-polynomial silu."""
    x = convert_to_tensor(x)
    return multiply(x, hard_sigmoid(x))


def hard_swish(x):
    """x * hard_sigmoid(x) (Keras's alias of ``hard_silu``)."""
    return hard_silu(x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return negative(softplus(negative(x)))


def softmax(x, axis=-1):
    """exp(x) normalised to sum to 1 along ``axis``. The output remembers x (the logits).

    On a device, over the last axis, ``fast.softmax.DeviceSoftmax`` computes it in one kernel.
    """
    x = convert_to_tensor(x)
    y = (DeviceSoftmax() if rows_on_device(x, axis) else Softmax(axis))(x)
    y._keras_logits = x
    return y


def sparsemax(x, axis=-1):
    """The projection of x onto the probability simplex along ``axis``: like softmax it sums
    to 1, but the small entries are exactly 0."""
    return Sparsemax(axis)(convert_to_tensor(x))


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, computed without ever taking the log of 0."""
    return LogSoftmax(axis)(convert_to_tensor(x))
