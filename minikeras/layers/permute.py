"""Permute: reorders the axes of each sample."""

from .. import ops
from .input_spec import InputSpec
from .layer import Layer


class Permute(Layer):
    """Permutes the axes after the batch axis: ``dims`` lists them, numbered from 1, in their
    new order; Permute((2, 1)) turns (batch, steps, features) into (batch, features, steps).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        listed = tuple(dims) if hasattr(dims, "__iter__") and not isinstance(dims, str) else ()
        if not listed or sorted(d for d in listed if isinstance(d, int)) != list(
                range(1, len(listed) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1, 2, ..., n (the axes "
                             f"after the batch axis). Received: dims={dims!r}")
        self.dims = listed
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self._build_at_init()

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
