"""Average: the elementwise mean of a list of inputs."""

from .. import ops
from .base_merge import Merge


class Average(Merge):
    """(x1 + x2 + ... + xn) / n: inputs of one shape (or broadcastable) -> that shape."""

    def merge(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output / len(inputs)


def average(inputs, **kwargs):
    """The elementwise mean of a list of inputs (the functional form of ``Average``)."""
    return Average(**kwargs)(inputs)
