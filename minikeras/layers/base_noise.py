"""Noise: the base of the layers that perturb their inputs with random noise in training only
(GaussianNoise, GaussianDropout)."""

from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer
from .seeded import LayerGenerator


class Noise(Layer):
    """Perturbs each input with noise whose size one argument sets, in training; in inference
    it passes the inputs through unchanged. Subclasses name that argument (``amount_name``,
    e.g. "stddev", which holds its value) and define ``add_noise(inputs, generator)``.

    amount: the value of ``amount_name``, between 0 and 1 (0: no noise).
    seed: as Dropout's.
    """

    supports_masking = True
    amount_name = None

    def __init__(self, amount, seed=None, **kwargs):
        super().__init__(**kwargs)
        layer, name = type(self).__name__, self.amount_name
        number_argument(amount, name, layer, minimum=0)
        if amount > 1:
            raise ValueError(f"{layer}: `{name}` must be between 0 and 1. Received: "
                             f"{name}={amount!r}")
        setattr(self, name, amount)
        self.seed = seed
        self._generator = LayerGenerator(seed)
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs, training=False):
        if not training or getattr(self, self.amount_name) == 0:
            return inputs
        return self.add_noise(inputs, self._generator.get())

    def add_noise(self, inputs, generator):
        """``inputs`` with noise drawn from ``generator``; same shape and dtype."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), self.amount_name: getattr(self, self.amount_name),
                "seed": self.seed}
