"""MaxPooling2D: the largest value of each window."""

from .. import ops
from .base_pooling import BasePooling2D


class MaxPooling2D(BasePooling2D):
    """Downsamples (batch, height, width, channels) inputs by the max over each window.

    pool_size: (2, 2) by default; strides: None means pool_size; padding:
    "valid" or "same". Output (batch, out_height, out_width, channels).
    """

    pool_function = staticmethod(ops.max_pool)


MaxPool2D = MaxPooling2D
