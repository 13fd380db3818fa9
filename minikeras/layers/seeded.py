"""The generator a layer with a ``seed`` argument draws from (Dropout, GaussianNoise, ...)."""

from .. import backend


class LayerGenerator:
    """Where one layer's random draws come from.

    seed None: the backend's device generator (seeded by ``utils.set_random_seed``).
    seed an int: the layer's own generator, restarted from the seed and
    ``backend.stream()`` whenever the stream changes (fit restarts it each
    epoch), so its draws repeat run after run, and resumed training draws
    what an uninterrupted run draws.
    """

    def __init__(self, seed):
        self.seed = seed
        self._generator, self._stream = None, None

    def get(self):
        """The generator to draw from now."""
        if self.seed is None:
            return backend.device_rng()
        if self._generator is None or self._stream != backend.stream():
            self._stream = backend.stream()
            self._generator = backend.make_device_rng(
                backend.derived_seed(self.seed, *self._stream))
        return self._generator
