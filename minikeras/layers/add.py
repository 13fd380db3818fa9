"""Add: the elementwise sum of a list of inputs."""

from .. import ops
from .base_merge import Merge


class Add(Merge):
    """x1 + x2 + ...: inputs of one shape (or broadcastable) -> that shape."""

    def merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


def add(inputs, **kwargs):
    """The elementwise sum of a list of inputs (the functional form of ``Add``)."""
    return Add(**kwargs)(inputs)
