"""RepeatVector: repeats each sample's vector n times, into a sequence."""

from .. import ops
from .input_spec import InputSpec
from .layer import Layer


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): the same vector at each of n steps (to feed
    a sequence decoder). The gradient of the input sums those of the n copies."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: `n` must be an integer. Received: n={n!r}")
        if n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive integer. Received: n={n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self._build_at_init()

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)  # (batch, n, features)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
