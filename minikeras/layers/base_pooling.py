"""The shared part of MaxPooling2D and AveragePooling2D: arguments, shapes and config."""

from ..ops.sliding_window import output_size_and_padding
from .arguments import data_format_argument, int_tuple, padding_argument
from .input_spec import InputSpec
from .layer import Layer


class BasePooling2D(Layer):
    """Pools each ``pool_size`` window of (batch, height, width, channels) inputs.

    pool_size: an int or a pair. strides: an int, a pair, or None (= pool_size).
    padding: "valid" or "same". Subclasses set ``pool_function`` (an op).
    """

    pool_function = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        layer = type(self).__name__
        self.pool_size = int_tuple(pool_size, 2, "pool_size", layer)
        self.strides = self.pool_size if strides is None else int_tuple(
            strides, 2, "strides", layer)
        self.padding = padding_argument(padding, layer)
        self.data_format = data_format_argument(data_format, layer, channels_first=False)
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a clear error if the window does not fit
        return self.pool_function(inputs, self.pool_size, strides=self.strides,
                                  padding=self.padding)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        out_height, out_width = (
            None if size is None else output_size_and_padding(size, window, stride, 1,
                                                              self.padding)[0]
            for size, window, stride in zip((height, width), self.pool_size, self.strides,
                                            strict=True))
        if any(size is not None and size <= 0 for size in (out_height, out_width)):
            raise ValueError(
                f'Layer "{self.name}": computed output size would be zero or negative. Received '
                f"input shape {tuple(input_shape)}, pool_size={self.pool_size}, "
                f"strides={self.strides}, padding={self.padding!r}.")
        return (batch, out_height, out_width, channels)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}
