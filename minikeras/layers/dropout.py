"""Dropout: zeros random inputs in training, a regularizer against co-adaptation."""

from .. import backend, ops
from .layer import Layer


class Dropout(Layer):
    """Sets each input to 0 with probability ``rate`` in training, scaling the rest by
    1 / (1 - rate); in inference it passes the inputs through unchanged.

    noise_shape: the shape of the mask, broadcast against the inputs (None
        entries take the input's size), e.g. (batch, 1, features).
    seed: an int gives the layer its own seeded generator, so its masks repeat
        run after run; None draws from the backend's generator (seeded by
        ``utils.set_random_seed``).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout expects a rate between 0 and 1. Received: rate={rate}")
        if noise_shape is not None:
            noise_shape = tuple(noise_shape)
            if not all(d is None or (isinstance(d, int) and d > 0) for d in noise_shape):
                raise ValueError(f"Dropout: `noise_shape` must hold positive ints or None. "
                                 f"Received: noise_shape={noise_shape}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self._generator = None
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.seed is not None and self._generator is None:
            self._generator = backend.make_device_rng(self.seed)
        return ops.dropout(inputs, self.rate, noise_shape=self.noise_shape, seed=self._generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
