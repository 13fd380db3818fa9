"""GlobalMaxPooling1D: the largest value of each channel over the steps of a sequence."""

from .. import ops
from .base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """(batch, steps, channels) -> (batch, channels): each channel's max over the steps.

    With keepdims=True the output is (batch, 1, channels). As in Keras, it
    does not support masking: a mask on its input is dropped, with a warning.
    """

    pool_dimensions = 1
    reduce_function = staticmethod(ops.max)


GlobalMaxPool1D = GlobalMaxPooling1D
