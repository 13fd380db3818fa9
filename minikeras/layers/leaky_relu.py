"""LeakyReLU: x for x > 0, negative_slope * x otherwise."""

from .. import activations
from .layer import Layer


class LeakyReLU(Layer):
    """x where x > 0, else ``negative_slope`` * x (0.3 by default, as Keras 3's layer).

    The older argument name ``alpha`` is accepted for ``negative_slope``.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"LeakyReLU: negative_slope must be a float >= 0. "
                             f"Received: negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
