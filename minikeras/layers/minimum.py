"""Minimum: the elementwise minimum of a list of inputs."""

from .. import ops
from .base_merge import Merge


class Minimum(Merge):
    """min(x1, x2, ...) elementwise; where inputs tie, the gradient goes to the first."""

    def merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.minimum(output, x)
        return output


def minimum(inputs, **kwargs):
    """The elementwise minimum of a list of inputs (the functional form of ``Minimum``)."""
    return Minimum(**kwargs)(inputs)
