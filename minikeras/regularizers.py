"""Weight penalties added to the loss, as ``keras.regularizers``: L1, L2 and L1L2.

A layer given ``kernel_regularizer=L2(0.01)`` adds 0.01 * sum(kernel ** 2) to
``layer.losses``, and training adds those to the loss, so the gradient
pulls the weights towards 0. The penalties are built from ops, so their
gradients come from there.
"""

import math

from . import ops
from .registry import Registry

_REGISTRY = Registry("regularizer")

__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2",
           "serialize"]


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar Tensor penalty.

    Subclasses implement ``__call__`` and ``get_config`` (the constructor arguments).
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _factor(value, name, default):
    """A penalty factor as a float: None means ``default``; it must be finite and >= 0."""
    value = default if value is None else value
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


@_REGISTRY.register("L1L2", "l1_l2", "l1l2")
class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2); both factors default to 0."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", 0.0)
        self.l2 = _factor(l2, "l2", 0.0)

    def __call__(self, x):
        terms = []
        if self.l1:
            terms.append(self.l1 * ops.sum(ops.abs(x)))
        if self.l2:
            terms.append(self.l2 * ops.sum(ops.square(x)))
        return sum(terms[1:], terms[0]) if terms else ops.convert_to_tensor(0.0, dtype=x.dtype)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@_REGISTRY.register("L1", "l1")
class L1(Regularizer):
    """l1 * sum(|x|): pushes weights to exactly 0 (sparse weights)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1", 0.01)

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(x))

    def get_config(self):
        return {"l1": self.l1}


@_REGISTRY.register("L2", "l2")
class L2(Regularizer):
    """l2 * sum(x ** 2): weight decay, shrinking every weight in proportion to its size."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2", 0.01)

    def __call__(self, x):
        return self.l2 * ops.sum(ops.square(x))

    def get_config(self):
        return {"l2": self.l2}


# Keras's lower-case names are the classes themselves: l2(0.01) is L2(0.01).
l1, l2, l1_l2 = L1, L2, L1L2


def get(identifier):
    """A regularizer from None, a name ("l2"), a config dict, an instance or a function."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    """Keras's dict form: {"module", "class_name", "config", "registered_name"}; None stays None."""
    if regularizer is None:
        return None
    return {"module": "keras.regularizers", "class_name": type(regularizer).__name__,
            "config": regularizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The regularizer described by ``config`` (the dict ``serialize`` makes, or a name)."""
    if isinstance(config, str):
        return get(config)
    cls = _REGISTRY.class_of_config(config, custom_objects)
    return cls.from_config(config.get("config", {}))
