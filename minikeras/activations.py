"""Activation functions by name, as ``keras.activations``: relu, sigmoid, softmax, ...

Each is a function of a Tensor built from ``minikeras.ops``, so its gradient
comes from there. ``get("relu")`` looks one up; ``serialize``/``deserialize``
turn it into its name and back.
"""

from . import ops
from .registry import Registry
from .serialization import object_registration

_REGISTRY = Registry("activation function")  # Keras's words in its errors
register = _REGISTRY.register

__all__ = [
    "celu", "deserialize", "elu", "exponential", "gelu", "get", "glu", "hard_shrink",
    "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear",
    "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "serialize", "sigmoid",
    "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
]


@register("relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0) by default; in general, as Keras computes it:

        x > threshold:   min(x, max_value)  (and >= 0 once max_value is set)
        x <= threshold:  negative_slope * (x - threshold)  (0 without a slope)
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return ops.leaky_relu(x, negative_slope)
    if threshold != 0.0:
        y = ops.where(ops.greater(x, threshold), x, 0.0)
    elif max_value == 6:
        y = ops.relu6(x)
    else:
        y = ops.relu(x)
    if max_value is not None and not (threshold == 0.0 and max_value == 6):
        y = ops.clip(y, 0.0, max_value)
    if negative_slope != 0.0:
        y = y - negative_slope * ops.relu(threshold - x)
    return y


@register("leaky_relu")
def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else ``negative_slope`` * x."""
    return ops.leaky_relu(x, negative_slope)


@register("relu6")
def relu6(x):
    """min(max(x, 0), 6)."""
    return ops.relu6(x)


@register("sigmoid")
def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


@register("hard_sigmoid")
def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return ops.hard_sigmoid(x)


@register("tanh")
def tanh(x):
    """The hyperbolic tangent."""
    return ops.tanh(x)


@register("softmax")
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``: a probability distribution."""
    return ops.softmax(x, axis=axis)


@register("log_softmax")
def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``."""
    return ops.log_softmax(x, axis=axis)


@register("sparsemax")
def sparsemax(x, axis=-1):
    """max(x - tau, 0) along ``axis``, tau chosen so that it sums to 1: a probability
    distribution in which the small entries are exactly 0 (Martins & Astudillo, 2016)."""
    return ops.sparsemax(x, axis=axis)


@register("softplus")
def softplus(x):
    """log(1 + exp(x)), a smooth relu."""
    return ops.softplus(x)


@register("softsign")
def softsign(x):
    """x / (1 + |x|)."""
    return ops.softsign(x)


@register("elu")
def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return ops.elu(x, alpha)


@register("selu")
def selu(x):
    """The scaled exponential linear unit."""
    return ops.selu(x)


@register("gelu")
def gelu(x, approximate=False):
    """x * Phi(x), Phi the standard normal CDF (exact by default, as keras.activations)."""
    return ops.gelu(x, approximate=approximate)


@register("silu", "swish")
def silu(x):
    """x * sigmoid(x)."""
    return ops.silu(x)


swish = silu


@register("celu")
def celu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x / alpha) - 1) otherwise: an elu with a continuous derivative.

    Written with ``where`` rather than Keras's max(x, 0) + alpha * expm1(min(x, 0) / alpha),
    whose gradient at exactly 0 counts both branches (2 instead of 1).
    """
    negative_part = alpha * ops.expm1(ops.minimum(x, 0.0) / alpha)
    return ops.where(ops.greater(x, 0.0), x, negative_part)


@register("mish")
def mish(x):
    """x * tanh(softplus(x))."""
    return x * ops.tanh(ops.softplus(x))


@register("hard_silu", "hard_swish")
def hard_silu(x):
    """x * hard_sigmoid(x): 0 below -3, x above 3, x (x + 3) / 6 between."""
    return x * ops.hard_sigmoid(x)


hard_swish = hard_silu


@register("log_sigmoid")
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return -ops.softplus(-x)


@register("hard_tanh")
def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return ops.clip(x, -1.0, 1.0)


@register("tanh_shrink")
def tanh_shrink(x):
    """x - tanh(x)."""
    return x - ops.tanh(x)


@register("squareplus")
def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2, a smooth relu."""
    return (x + ops.sqrt(ops.square(x) + b)) / 2


@register("sparse_plus")
def sparse_plus(x):
    """0 for x <= -1, (x + 1)**2 / 4 for -1 < x < 1, x for x >= 1."""
    inside = ops.square(x + 1.0) * 0.25
    return ops.where(ops.less_equal(x, -1.0), 0.0, ops.where(ops.less(x, 1.0), inside, x))


@register("sparse_sigmoid")
def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    inside = (x + 1.0) * 0.5
    return ops.where(ops.less_equal(x, -1.0), 0.0,
                     ops.where(ops.greater_equal(x, 1.0), 1.0, inside))


@register("soft_shrink")
def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 between."""
    return ops.where(ops.greater(x, threshold), x - threshold,
                     ops.where(ops.less(x, -threshold), x + threshold, 0.0))


@register("hard_shrink")
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return ops.where(ops.greater(ops.abs(x), threshold), x, 0.0)


@register("threshold")
def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value``."""
    return ops.where(ops.greater(x, threshold), x, default_value)


@register("glu")
def glu(x, axis=-1):
    """a * sigmoid(b), a and b the two halves of x along ``axis`` (whose size must be even)."""
    size = x.shape[axis]
    if size % 2:
        raise ValueError(f"glu needs an even size along axis {axis}. Received shape "
                         f"{tuple(x.shape)}")
    index = [slice(None)] * len(x.shape)
    index[axis] = slice(None, size // 2)
    first = x[tuple(index)]
    index[axis] = slice(size // 2, None)
    return first * ops.sigmoid(x[tuple(index)])


@register("exponential")
def exponential(x):
    """exp(x)."""
    return ops.exp(x)


@register("linear")
def linear(x):
    """The identity: x unchanged."""
    return x


def get(identifier):
    """An activation function from a name, a function, or None (which means ``linear``)."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret activation {identifier!r}: expected a name such as "
        f"'relu', a function, or None."
    )


def serialize(activation):
    """The name of a built-in activation (a custom function is named by ``__name__``);
    None, which layers read as no activation, is "linear"."""
    if activation is None:
        return "linear"
    return _REGISTRY.name_of(activation) or activation.__name__


def deserialize(config, custom_objects=None):
    """The activation named by ``config`` (a name, or Keras's dict with a ``config`` name).

    A user's function is found by its name in ``custom_objects``, in an
    enclosing ``CustomObjectScope`` (as ``load_model(custom_objects=...)``
    opens) or among the registered objects, before the built-in names.
    """
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
    custom = object_registration.get_registered_object(config, custom_objects)
    return custom if custom is not None else _REGISTRY.get(config)
