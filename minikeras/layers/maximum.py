"""Maximum: the elementwise maximum of a list of inputs."""

from .. import ops
from .base_merge import Merge


class Maximum(Merge):
    """max(x1, x2, ...) elementwise; where inputs tie, the gradient goes to the first."""

    def merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.maximum(output, x)
        return output


def maximum(inputs, **kwargs):
    """The elementwise maximum of a list of inputs (the functional form of ``Maximum``)."""
    return Maximum(**kwargs)(inputs)
