"""Weight constraints, as ``keras.constraints``: projections applied after each update.

A layer given ``kernel_constraint=MaxNorm(2)`` hands the constraint to its
kernel Variable; after every optimizer step the optimizer replaces the
weight by ``constraint(weight)`` (see ``Optimizer.apply``), so the weight
never leaves the allowed set: non-negative, or with each unit's incoming
weight vector of bounded norm. A constraint is any function of a Tensor
returning a Tensor of its shape; these are built from ops.

The norms are taken along ``axis``: for a Dense kernel (in, out), axis=0
gives one norm per output unit; for a Conv2D kernel (kh, kw, in, out),
axis=[0, 1, 2] gives one per filter.
"""

from . import backend, ops
from .registry import Registry
from .serialization import serialize_keras_object
from .utils import keras2
from .utils.naming import to_snake_case

_REGISTRY = Registry("constraint")

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight (unchanged here).

    Subclasses implement ``__call__`` and ``get_config`` (the constructor arguments).
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    """The L2 norms of ``w`` along ``axis``, kept as axes of size 1 (they broadcast to w)."""
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


def _rescaled(w, norms, desired):
    """``w`` scaled so that each norm becomes ``desired``: w * desired / (epsilon + norms)."""
    return ops.multiply(w, ops.divide(desired, ops.add(norms, backend.epsilon())))


class MaxNorm(Constraint):
    """Rescales each weight vector along ``axis`` whose norm exceeds ``max_value`` to that norm.

    max_value: the largest norm allowed.
    axis: the axis (or list of axes) the norms are taken over (see the module docstring).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return _rescaled(w, norms, ops.clip(norms, 0, self.max_value))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero: max(w, 0)."""

    def __call__(self, w):
        return ops.maximum(w, 0.0)


class UnitNorm(Constraint):
    """Rescales each weight vector along ``axis`` to norm 1 (see the module docstring)."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(_norms(w, self.axis), backend.epsilon()))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each weight vector's norm along ``axis`` towards [min_value, max_value].

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``:
    rate=1 enforces the bounds at once, a smaller rate moves towards them step by step.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, self.min_value, self.max_value)
        desired = ops.add(ops.multiply(clipped, self.rate), ops.multiply(norms, 1 - self.rate))
        return _rescaled(w, norms, desired)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


for _cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm):
    _REGISTRY.add(_cls, _cls.__name__, to_snake_case(_cls.__name__))

# Keras's lower-case names are the classes themselves: max_norm(2) is MaxNorm(2).
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

# Keras 2's names (from keras.constraints import maxnorm; kernel_constraint="maxnorm").
_KERAS2_NAMES = {"maxnorm": "max_norm", "nonneg": "non_neg", "unitnorm": "unit_norm"}
__getattr__ = keras2.renamed_attributes(__name__, _KERAS2_NAMES)


def get(identifier):
    """A constraint from None, a name ("non_neg", "MaxNorm"), a config dict, a class, an
    instance or a function of a weight."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _KERAS2_NAMES:
            keras2.warn(f"constraint {identifier!r}", f"{_KERAS2_NAMES[identifier]!r}")
            identifier = _KERAS2_NAMES[identifier]
        return _REGISTRY.get(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}: expected a "
                     "name such as 'non_neg', a Constraint, a config dict or a function.")


def serialize(constraint):
    """Keras's dict form ({"module": "keras.constraints", "class_name", "config", ...});
    None stays None, a function is saved by its name."""
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint described by ``config`` (the dict ``serialize`` makes, or a name)."""
    if isinstance(config, str):
        return get(config)
    cls = _REGISTRY.class_of_config(config, custom_objects)
    return cls.from_config(config.get("config", {}))
