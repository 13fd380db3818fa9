"""Subtract: the elementwise difference of two inputs."""

from .. import ops
from .base_merge import Merge


class Subtract(Merge):
    """x1 - x2, for exactly two inputs of one shape (or broadcastable)."""

    def build(self, input_shape):
        self._check_two(input_shape)
        super().build(input_shape)

    def merge(self, inputs):
        self._check_two(inputs)
        return ops.subtract(inputs[0], inputs[1])

    def _check_two(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f'Layer "{self.name}" should be called on exactly 2 inputs. '
                             f"Received {len(inputs)} inputs.")


def subtract(inputs, **kwargs):
    """The elementwise difference of two inputs (the functional form of ``Subtract``)."""
    return Subtract(**kwargs)(inputs)
