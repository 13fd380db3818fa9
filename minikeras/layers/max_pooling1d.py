"""MaxPooling1D: the largest value of each window of a sequence."""

from .. import ops
from .base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Downsamples (batch, steps, channels) inputs by the max over each window of steps.

    pool_size: 2 by default; strides: None means pool_size; padding: "valid"
    or "same"; data_format: "channels_last" or "channels_first" ((batch, channels, steps)).
    Output (batch, out_steps, channels).
    """

    pool_function = staticmethod(ops.max_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, name=name, **kwargs)


MaxPool1D = MaxPooling1D
