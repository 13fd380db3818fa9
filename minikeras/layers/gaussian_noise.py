"""GaussianNoise: adds random normal noise in training, a regularizer."""

from .. import ops
from ..ops.random import normal
from .base_noise import Noise


class GaussianNoise(Noise):
    """Adds noise drawn from N(0, stddev**2) to each input in training; in inference it passes
    the inputs through unchanged. The gradient passes through unchanged too.

    stddev: between 0 and 1. seed: as Dropout's.
    """

    amount_name = "stddev"

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(stddev, seed=seed, **kwargs)

    def add_noise(self, inputs, generator):
        return ops.add(inputs, normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                                      seed=generator))
