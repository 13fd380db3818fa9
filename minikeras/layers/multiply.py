"""Multiply: the elementwise product of a list of inputs."""

from .. import ops
from .base_merge import Merge


class Multiply(Merge):
    """x1 * x2 * ...: inputs of one shape (or broadcastable) -> that shape."""

    def merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.multiply(output, x)
        return output


def multiply(inputs, **kwargs):
    """The elementwise product of a list of inputs (the functional form of ``Multiply``)."""
    return Multiply(**kwargs)(inputs)
