"""GaussianNoise: adds random normal noise in training, a regularizer."""

from .. import ops
from ..ops.random import normal
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer
from .seeded import LayerGenerator


class GaussianNoise(Layer):
    """Adds noise drawn from N(0, stddev**2) to each input in training; in inference it passes
    the inputs through unchanged. The gradient passes through unchanged too.

    stddev: between 0 and 1. seed: as Dropout's.
    """

    supports_masking = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        number_argument(stddev, "stddev", "GaussianNoise", minimum=0)
        if stddev > 1:
            raise ValueError(f"GaussianNoise: `stddev` must be between 0 and 1. Received: "
                             f"stddev={stddev!r}")
        self.stddev, self.seed = stddev, seed
        self._generator = LayerGenerator(seed)
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                       seed=self._generator.get())
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
