"""GaussianDropout: multiplies by random normal noise of mean 1 in training, a regularizer."""

import math

from .. import ops
from ..ops.random import normal
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer
from .seeded import LayerGenerator


class GaussianDropout(Layer):
    """Multiplies each input by noise drawn from N(1, rate / (1 - rate)) in training (the
    variance of dropout's scaled 0/1 mask, without its zeros); in inference it passes the
    inputs through unchanged. The gradient is the same noise.

    rate: between 0 and 1. seed: as Dropout's.
    """

    supports_masking = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        number_argument(rate, "rate", "GaussianDropout", minimum=0)
        if rate > 1:
            raise ValueError(f"GaussianDropout: `rate` must be between 0 and 1. Received: "
                             f"rate={rate!r}")
        self.rate, self.seed = rate, seed
        self._generator = LayerGenerator(seed)
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise = normal(inputs.shape, mean=1.0, stddev=math.sqrt(self.rate / (1.0 - self.rate)),
                       dtype=inputs.dtype, seed=self._generator.get())
        return ops.multiply(inputs, noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
