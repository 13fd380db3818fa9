"""Activation functions by name, as ``keras.activations``: relu, sigmoid, softmax, ...

Each is a function of a Tensor built from ``minikeras.ops``, so its gradient
comes from there. ``get("relu")`` looks one up; ``serialize``/``deserialize``
turn it into its name and back.
"""

from . import ops
from .registry import Registry

_REGISTRY = Registry("activation")
register = _REGISTRY.register


@register("relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); or ``negative_slope`` below ``threshold`` and a cap at ``max_value``."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    above = ops.greater(x, threshold)
    y = ops.where(above, x, negative_slope * (x - threshold) if negative_slope else 0.0)
    return y if max_value is None else ops.minimum(y, max_value)


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
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret activation {identifier!r}: expected a name such as "
        f"'relu', a function, or None."
    )


def serialize(activation):
    """The name of a built-in activation (a custom function is named by ``__name__``)."""
    return _REGISTRY.name_of(activation) or activation.__name__


def deserialize(config, custom_objects=None):
    """The activation named by ``config`` (a name, or Keras's dict with a ``config`` name)."""
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
    if custom_objects and config in custom_objects:
        return custom_objects[config]
    return _REGISTRY.get(config)
