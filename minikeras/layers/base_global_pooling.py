"""The shared part of GlobalAveragePooling2D and GlobalMaxPooling2D."""

from .arguments import data_format_argument
from .input_spec import InputSpec
from .layer import Layer


class BaseGlobalPooling2D(Layer):
    """Reduces each channel of an image to one number, over its height and width.

    data_format: "channels_last" (batch, height, width, channels, the default)
        or "channels_first" (batch, channels, height, width).
    keepdims: keep the spatial axes with size 1 instead of dropping them.
    Subclasses set ``reduce_function`` (ops.mean or ops.max).
    """

    reduce_function = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_argument(data_format, type(self).__name__)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    @property
    def _spatial_axes(self):
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def call(self, inputs):
        return self.reduce_function(inputs, axis=self._spatial_axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._spatial_axes else n for i, n in enumerate(input_shape))
        return tuple(n for i, n in enumerate(input_shape) if i not in self._spatial_axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}
