"""MaxPooling2D: the largest value of each window of an image."""

from .. import ops
from .base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Downsamples (batch, height, width, channels) inputs by the max over each window.

    pool_size: (2, 2) by default; strides: None means pool_size; padding:
    "valid" or "same"; data_format: "channels_last" or "channels_first".
    Output (batch, out_height, out_width, channels).
    """

    pool_function = staticmethod(ops.max_pool)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, name=name, **kwargs)


MaxPool2D = MaxPooling2D
