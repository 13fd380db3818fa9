"""Flatten: one feature axis per sample."""

import math

from .. import ops
from .arguments import data_format_argument
from .input_spec import InputSpec
from .layer import Layer


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...); (batch,) -> (batch, 1).

    data_format: with "channels_first", the channel axis is moved last before
    flattening, so the features come out in the same order as channels_last.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_argument(data_format, "Flatten")
        self.input_spec = InputSpec(min_ndim=1)
        self._build_at_init()

    def call(self, inputs):
        rank = len(inputs.shape)
        if self.data_format == "channels_first" and rank > 2:
            inputs = ops.transpose(inputs, (0, *range(2, rank), 1))
        return ops.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        features = input_shape[1:]
        return (input_shape[0], None if None in features else math.prod(features))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
