"""Cropping2D: cuts rows and columns off the edges of each image."""

from .. import ops
from .arguments import data_format_argument, side_pairs_argument, spatial_axes
from .input_spec import InputSpec
from .layer import Layer


class Cropping2D(Layer):
    """Removes rows from the top and bottom and columns from the left and right of each image.

    cropping: an int (all four sides), (height, width) (symmetric), or
        ((top, bottom), (left, right)).
    (batch, height, width, channels) -> (batch, height - top - bottom,
    width - left - right, channels); channels first with data_format="channels_first".
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = side_pairs_argument(cropping, "cropping", "Cropping2D")
        self.data_format = data_format_argument(data_format, "Cropping2D")
        self._spatial_axes = spatial_axes(self.data_format, 2)
        self.input_spec = InputSpec(ndim=4)
        self._build_at_init()

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a clear error if nothing would be left
        key = [slice(None)] * 4
        for axis, (before, after) in zip(self._spatial_axes, self.cropping, strict=True):
            key[axis] = slice(before, inputs.shape[axis] - after)
        return ops.getitem(inputs, tuple(key))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes, self.cropping, strict=True):
            if shape[axis] is not None:
                if before + after >= shape[axis]:
                    raise ValueError(
                        f'Layer "{self.name}": cropping={self.cropping} must leave something '
                        f"of each image, but the inputs have shape {tuple(input_shape)}.")
                shape[axis] -= before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
