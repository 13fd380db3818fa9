"""AveragePooling2D: the mean of each window of an image."""

from .. import ops
from .base_pooling import BasePooling


class AveragePooling2D(BasePooling):
    """Downsamples (batch, height, width, channels) inputs by the mean over each window.

    pool_size: an int or a pair (no default, as in Keras); strides: None means pool_size; padding:
    "valid" or "same" (border windows average only the pixels inside);
    data_format: "channels_last" or "channels_first".
    Output (batch, out_height, out_width, channels).
    """

    pool_function = staticmethod(ops.average_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, name=name, **kwargs)


AvgPool2D = AveragePooling2D
