"""Weight penalties added to the loss, as ``keras.regularizers``: L1, L2, L1L2 and
OrthogonalRegularizer.

A layer given ``kernel_regularizer=L2(0.01)`` adds 0.01 * sum(kernel ** 2) to
``layer.losses``, and training adds those to the loss, so the gradient
pulls the weights towards 0. The penalties are built from ops, so their
gradients come from there.
"""

import math

from . import backend, ops
from .registry import Registry

_REGISTRY = Registry("regularizer")

__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get", "l1",
           "l1_l2", "l2", "orthogonal_regularizer", "serialize"]


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


@_REGISTRY.register("OrthogonalRegularizer", "orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (mode="rows") or the columns ("columns") of a matrix to be orthogonal.

    The penalty is ``factor`` times the mean, over the n (n - 1) / 2 pairs of
    rows (or columns), of |cosine| between the two, so 0 for orthogonal ones.
    On a Dense kernel (input_dim, units), "rows" makes the input features'
    weight vectors orthogonal.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", 0.01)
        if mode not in ("rows", "columns"):
            raise ValueError('Invalid value for argument `mode`. Expected one of {"rows", '
                             f'"columns"}}. Received: mode={mode!r}')
        self.mode = mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(x.shape)}")
        if self.mode == "rows":
            x = ops.normalize(x, axis=1)
            cosines = ops.matmul(x, ops.transpose(x))  # (rows, rows)
        else:
            x = ops.normalize(x, axis=0)
            cosines = ops.matmul(ops.transpose(x), x)  # (columns, columns)
        size = cosines.shape[0]
        xp = backend.get_array_module(cosines.data)
        off_diagonal = ops.multiply(cosines, 1.0 - xp.eye(size, dtype=cosines.dtype))
        pairs = size * (size - 1) / 2
        return self.factor * 0.5 * ops.sum(ops.abs(off_diagonal)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's lower-case names are the classes themselves: l2(0.01) is L2(0.01).
l1, l2, l1_l2 = L1, L2, L1L2
orthogonal_regularizer = OrthogonalRegularizer


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
