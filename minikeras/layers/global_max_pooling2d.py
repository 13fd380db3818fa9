"""GlobalMaxPooling2D: the largest value of each channel over the image."""

from .. import ops
from .base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling2D(BaseGlobalPooling):
    """(batch, height, width, channels) -> (batch, channels): each channel's max.

    With keepdims=True the output is (batch, 1, 1, channels).
    """

    pool_dimensions = 2
    reduce_function = staticmethod(ops.max)


GlobalMaxPool2D = GlobalMaxPooling2D
