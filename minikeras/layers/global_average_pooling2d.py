"""GlobalAveragePooling2D: the mean of each channel over the image."""

from .. import ops
from .base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """(batch, height, width, channels) -> (batch, channels): each channel's mean.

    With keepdims=True the output is (batch, 1, 1, channels).
    """

    pool_dimensions = 2
    reduce_function = staticmethod(ops.mean)


GlobalAvgPool2D = GlobalAveragePooling2D
