"""AveragePooling1D: the mean of each window of a sequence."""

from .. import ops
from .base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Downsamples (batch, steps, channels) inputs by the mean over each window of steps.

    pool_size: an int (no default, as in Keras); strides: None means pool_size; padding: "valid"
    or "same" (border windows average only the steps inside); data_format:
    "channels_last" or "channels_first" ((batch, channels, steps)).
    Output (batch, out_steps, channels).
    """

    pool_function = staticmethod(ops.average_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, name=name, **kwargs)


AvgPool1D = AveragePooling1D
