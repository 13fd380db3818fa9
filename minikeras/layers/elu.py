"""ELU: the exponential linear unit as a layer."""

from .. import activations
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer


class ELU(Layer):
    """x where x > 0, else alpha * (exp(x) - 1): smooth, and negative down to -alpha."""

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = number_argument(alpha, "alpha", "ELU")
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
