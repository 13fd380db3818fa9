"""Variable: a named, mutable tensor — a layer's weight or a metric's state."""

import numbers

import numpy as np

from . import backend, initializers
from .autograd import Tensor


class Variable(Tensor):
    """A Tensor that persists across steps and is changed in place.

    initializer: the initial value (an array, a number or a Tensor), or an
        initializer (a name such as "zeros", an Initializer, or a function
        ``(shape, dtype) -> values``) called with ``shape``.
    shape: needed with an initializer; must match an initial value if given.
    dtype: defaults to the value's float type or ``floatx()``.
    trainable: whether gradients are computed for it and optimizers update it.
    name: the short name ("kernel"); ``path`` adds the owner ("dense/kernel").
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None):
        dtype = dtype or backend.floatx()
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(
                initializer, Tensor)):
            if shape is None:
                raise ValueError(f"Variable {name!r}: an initializer needs a shape.")
            backend.check_allocation(tuple(shape), dtype, f"Variable {name!r}")
            value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        else:
            value = initializer
        data = _to_device_array(value, dtype).copy()  # never share memory with the caller
        if shape is not None and tuple(shape) != data.shape:
            raise ValueError(
                f"Variable {name!r}: the initial value has shape {data.shape}, "
                f"but shape={tuple(shape)} was given."
            )
        super().__init__(data, requires_grad=trainable, name=name or "variable")
        self.path = self.name
        self.regularizer = None
        self.constraint = None
        self._assignments = 0  # counts assign, assign_add and assign_sub

    @property
    def trainable(self):
        """Whether gradients are computed for this variable (settable)."""
        return self.requires_grad

    @trainable.setter
    def trainable(self, value):
        self.requires_grad = bool(value)

    @property
    def value(self):
        """The current value as a Tensor that carries no gradient."""
        return Tensor(self.data)

    def assign(self, value):
        """Overwrites the value in place; ``value`` must have this variable's shape."""
        new = _operand(value, self.dtype) if self.shape == () else _to_device_array(
            value, self.dtype)
        if new.shape != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {new.shape} to variable {self.path!r} "
                f"of shape {self.shape}."
            )
        self.data[...] = new
        self._assignments += 1
        return self

    def assign_add(self, delta):
        """Adds ``delta`` (broadcastable to the shape) in place."""
        self.data += _operand(delta, self.dtype)
        self._assignments += 1
        return self

    def assign_sub(self, delta):
        """Subtracts ``delta`` (broadcastable to the shape) in place."""
        self.data -= _operand(delta, self.dtype)
        self._assignments += 1
        return self

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self.numpy()!r}>")


def _operand(value, dtype):
    """``value`` ready to update an array of ``dtype`` in place: a number stays on the host,
    as a scalar of that dtype (an array operation takes it as an argument, where copying it
    to a GPU first would cost a transfer); anything else becomes a device array."""
    if isinstance(value, (numbers.Number, np.generic)):
        return np.dtype(dtype).type(value)
    return _to_device_array(value, dtype)


def _to_device_array(value, dtype):
    if isinstance(value, Tensor):
        value = value.data
    if not backend.is_array(value):
        value = np.asarray(value)
    return backend.to_device(value, dtype=dtype)
