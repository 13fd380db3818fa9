"""Reshape: each sample to a new shape, the batch axis untouched."""

import math
import numbers

from .. import ops
from .input_spec import InputSpec
from .layer import Layer


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1 (inferred)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape) if isinstance(target_shape, (tuple, list)) else (
            target_shape,)
        if any(not isinstance(d, numbers.Integral) or d < -1 for d in target_shape) or (
                target_shape.count(-1) > 1):
            raise ValueError(f"Reshape: each entry of `target_shape` must be a non-negative int, "
                             f"or -1 for a single unknown one. Received: "
                             f"target_shape={target_shape}")
        self.target_shape = tuple(int(d) for d in target_shape)  # np.int64(7) -> 7
        self.input_spec = InputSpec(min_ndim=1)  # a batch axis, then anything
        self._build_at_init()

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0], *self._sample_shape(inputs.shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._sample_shape(input_shape))

    def _sample_shape(self, input_shape):
        """target_shape with its -1 resolved; ValueError if the sizes do not match."""
        if None in input_shape[1:]:
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(input_shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            fits = known > 0 and size % known == 0
        else:
            fits = size == known
        if not fits:
            raise ValueError(
                f'Layer "{self.name}" cannot reshape samples of shape {tuple(input_shape[1:])} '
                f"({size} elements) to target_shape={self.target_shape}. "
                f"Full input shape received: {tuple(input_shape)}")
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
