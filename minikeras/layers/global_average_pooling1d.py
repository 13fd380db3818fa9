"""GlobalAveragePooling1D: the mean of each channel over the steps of a sequence."""

from .. import ops
from .base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """(batch, steps, channels) -> (batch, channels): each channel's mean over the steps.

    With keepdims=True the output is (batch, 1, channels). Given a mask
    (batch, steps), from ``Embedding(mask_zero=True)`` for one, it averages the
    unmasked steps only, so padding does not dilute the mean.
    """

    pool_dimensions = 1
    reduce_function = staticmethod(ops.mean)
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = self._spatial_axes[0]
        keep = ops.expand_dims(ops.not_equal(mask, 0), -1 if steps_axis == 1 else 1)
        total = ops.sum(ops.where(keep, inputs, 0.0), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, count)  # (batch, channels)

    def compute_mask(self, inputs, previous_mask=None):
        return None  # the steps are gone


GlobalAvgPool1D = GlobalAveragePooling1D
