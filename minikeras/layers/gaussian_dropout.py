"""GaussianDropout: multiplies by random normal noise of mean 1 in training, a regularizer."""

import math

from .. import ops
from ..ops.random import normal
from .base_noise import Noise


class GaussianDropout(Noise):
    """Multiplies each input by noise drawn from N(1, rate / (1 - rate)) in training (the
    variance of dropout's scaled 0/1 mask, without its zeros); in inference it passes the
    inputs through unchanged. The gradient is the same noise.

    rate: between 0 and 1. seed: as Dropout's.
    """

    amount_name = "rate"

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def add_noise(self, inputs, generator):
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return ops.multiply(inputs, normal(inputs.shape, mean=1.0, stddev=stddev,
                                           dtype=inputs.dtype, seed=generator))
