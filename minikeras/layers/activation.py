"""Activation: applies an activation function as a layer of its own."""

from .. import activations
from .input_spec import InputSpec
from .layer import Layer


class Activation(Layer):
    """Applies ``activation`` (a name such as "relu", or a function); the shape is unchanged."""

    supports_masking = True  # passes a sequence mask on, as in Keras

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
