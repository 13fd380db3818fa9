"""ZeroPadding2D: adds rows and columns of zeros around each image."""

from .. import ops
from .arguments import data_format_argument, side_pairs_argument, spatial_axes
from .input_spec import InputSpec
from .layer import Layer


class ZeroPadding2D(Layer):
    """Adds zeros above, below, left and right of each image.

    padding: an int (all four sides), (height, width) (symmetric), or
        ((top, bottom), (left, right)).
    (batch, height, width, channels) -> (batch, height + top + bottom,
    width + left + right, channels); channels first with data_format="channels_first".
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = side_pairs_argument(padding, "padding", "ZeroPadding2D")
        self.data_format = data_format_argument(data_format, "ZeroPadding2D")
        self._spatial_axes = spatial_axes(self.data_format, 2)
        self.input_spec = InputSpec(ndim=4)
        self._build_at_init()

    def call(self, inputs):
        widths = [(0, 0)] * 4
        for axis, sides in zip(self._spatial_axes, self.padding, strict=True):
            widths[axis] = sides
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes, self.padding, strict=True):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
