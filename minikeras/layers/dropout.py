"""Dropout: zeros random inputs in training, a regularizer against co-adaptation."""

from .. import ops
from .input_spec import InputSpec
from .layer import Layer
from .seeded import LayerGenerator


class Dropout(Layer):
    """Sets each input to 0 with probability ``rate`` in training, scaling the rest by
    1 / (1 - rate); in inference it passes the inputs through unchanged.

    noise_shape: the shape of the mask, broadcast against the inputs (None
        entries take the input's size), e.g. (batch, 1, features).
    seed: an int gives the layer its own seeded generator, so its masks repeat
        run after run (in fit it restarts each epoch from the seed and
        ``backend.stream()``, so resumed training repeats them too); None draws
        from the backend's generator (seeded by ``utils.set_random_seed``).
    """

    supports_masking = True  # passes a sequence mask on, as in Keras

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Dropout expects a rate between 0 and 1. Received: rate={rate!r}")
        if noise_shape is not None:
            noise_shape = tuple(noise_shape) if isinstance(noise_shape, (tuple, list)) else (
                noise_shape,)
            if not all(d is None or (isinstance(d, int) and d > 0) for d in noise_shape):
                raise ValueError(f"Dropout: `noise_shape` must hold positive ints or None. "
                                 f"Received: noise_shape={noise_shape}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self._generator = LayerGenerator(seed)
        self.input_spec = InputSpec(min_ndim=1 if noise_shape is None else len(noise_shape))
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        self._check_noise_shape(inputs.shape)
        return ops.dropout(inputs, self.rate, noise_shape=self.noise_shape,
                           seed=self._generator.get())

    def _check_noise_shape(self, shape):
        if self.noise_shape is not None and (len(self.noise_shape) != len(shape) or any(
                n not in (None, 1, s) for n, s in zip(self.noise_shape, shape, strict=True))):
            raise ValueError(f'Layer "{self.name}": noise_shape={self.noise_shape} does not '
                             f"broadcast against inputs of shape {tuple(shape)}.")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}

