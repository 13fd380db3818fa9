"""UpSampling2D: enlarges each image by whole factors."""

from .. import ops
from .arguments import data_format_argument, int_tuple, spatial_axes
from .input_spec import InputSpec
from .layer import Layer


class UpSampling2D(Layer):
    """Repeats rows ``size[0]`` times and columns ``size[1]`` times ("nearest"), or blends
    neighbouring pixels ("bilinear", as ``keras.ops.image.resize``).

    (batch, height, width, channels) -> (batch, height * size[0],
    width * size[1], channels); channels first with data_format="channels_first".
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = int_tuple(size, 2, "size", "UpSampling2D")
        self.data_format = data_format_argument(data_format, "UpSampling2D")
        self.interpolation = interpolation.lower() if isinstance(interpolation, str) else None
        if self.interpolation not in ops.image.RESIZE_INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: `interpolation` must be one of "
                             f"{ops.image.RESIZE_INTERPOLATIONS} in minikeras. Received: "
                             f"interpolation={interpolation!r}")
        self._spatial_axes = spatial_axes(self.data_format, 2)
        self.input_spec = InputSpec(ndim=4)
        self._build_at_init()

    def call(self, inputs):
        if self.interpolation == "bilinear":
            new_size = tuple(inputs.shape[a] * f for a, f in zip(self._spatial_axes, self.size,
                                                                 strict=True))
            return ops.image.resize(inputs, new_size, interpolation="bilinear",
                                    data_format=self.data_format)
        for axis, factor in zip(self._spatial_axes, self.size, strict=True):
            inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes, self.size, strict=True):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
