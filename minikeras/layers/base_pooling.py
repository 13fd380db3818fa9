"""The shared part of the pooling layers of rank 1 and 2: arguments, layouts, shapes and config."""

from ..ops.sliding_window import output_size_and_padding
from . import spatial
from .arguments import data_format_argument, int_tuple, padding_argument
from .input_spec import InputSpec
from .layer import Layer


class BasePooling(Layer):
    """Pools each ``pool_size`` window of the input's ``rank`` spatial axes.

    pool_size: an int or ``rank`` ints. strides: an int, ``rank`` ints, or None
        (= pool_size, windows side by side). padding: "valid" or "same".
    data_format: "channels_last" (batch, *spatial, channels), the default, or
        "channels_first" (batch, channels, *spatial).
    Subclasses set ``pool_function`` (an op on (batch, height, width, channels) images).
    """

    pool_function = None

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        layer = type(self).__name__
        self.rank = rank
        self.pool_size = int_tuple(pool_size, rank, "pool_size", layer)
        self.strides = self.pool_size if strides is None else int_tuple(
            strides, rank, "strides", layer)
        self.padding = padding_argument(padding, layer)
        self.data_format = data_format_argument(data_format, layer)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._build_at_init()

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a clear error if the window does not fit
        images = spatial.to_images(inputs, self.rank, self.data_format)
        pooled = self.pool_function(images, spatial.as_image_window(self.pool_size),
                                    strides=spatial.as_image_window(self.strides),
                                    padding=self.padding)
        return spatial.from_images(pooled, self.rank, self.data_format)

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = spatial.split_shape(input_shape, self.data_format)
        lengths = tuple(
            None if size is None else output_size_and_padding(size, window, stride, 1,
                                                              self.padding)[0]
            for size, window, stride in zip(sizes, self.pool_size, self.strides, strict=True))
        if any(length is not None and length <= 0 for length in lengths):
            raise ValueError(
                f'Layer "{self.name}": computed output size would be zero or negative. Received '
                f"input shape {tuple(input_shape)}, pool_size={self.pool_size}, "
                f"strides={self.strides}, padding={self.padding!r}.")
        return spatial.join_shape(batch, lengths, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}
