"""The shared part of the global pooling layers, 1-D (sequences) and 2-D (images)."""

from .arguments import data_format_argument, spatial_axes
from .input_spec import InputSpec
from .layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces each channel to one number, over all its positions (steps, or height and width).

    data_format: "channels_last" (batch, *positions, channels, the default)
        or "channels_first" (batch, channels, *positions).
    keepdims: keep the position axes with size 1 instead of dropping them.
    Subclasses set ``pool_dimensions`` (1 or 2) and ``reduce_function``
    (ops.mean or ops.max).
    """

    pool_dimensions = None
    reduce_function = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_argument(data_format, type(self).__name__)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.pool_dimensions + 2)
        self._build_at_init()

    @property
    def _spatial_axes(self):
        return spatial_axes(self.data_format, self.pool_dimensions)

    def call(self, inputs):
        return self.reduce_function(inputs, axis=self._spatial_axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._spatial_axes else n for i, n in enumerate(input_shape))
        return tuple(n for i, n in enumerate(input_shape) if i not in self._spatial_axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}
