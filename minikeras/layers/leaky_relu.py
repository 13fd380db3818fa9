"""LeakyReLU: x for x > 0, negative_slope * x otherwise."""

from .. import activations
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer


class LeakyReLU(Layer):
    """x where x > 0, else ``negative_slope`` * x (0.3 by default, as Keras 3's layer).

    The older argument name ``alpha`` is accepted for ``negative_slope``.
    """

    supports_masking = True  # passes a sequence mask on, as in Keras

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        number_argument(negative_slope, "negative_slope", "LeakyReLU", minimum=0)
        self.negative_slope = negative_slope
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
