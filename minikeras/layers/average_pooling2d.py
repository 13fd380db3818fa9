"""AveragePooling2D: the mean of each window."""

from .. import ops
from .base_pooling import BasePooling2D


class AveragePooling2D(BasePooling2D):
    """Downsamples (batch, height, width, channels) inputs by the mean over each window.

    pool_size: (2, 2) by default; strides: None means pool_size; padding:
    "valid" or "same" (border windows average only the pixels inside).
    Output (batch, out_height, out_width, channels).
    """

    pool_function = staticmethod(ops.average_pool)


AvgPool2D = AveragePooling2D
