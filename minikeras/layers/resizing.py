"""Resizing: resizes images to a fixed height and width (bilinear or nearest)."""

from .. import ops
from .arguments import number_argument, spatial_axes
from .base_image_preprocessing import BaseImagePreprocessingLayer, choice_argument


class Resizing(BaseImagePreprocessingLayer):
    """Resizes each image to (height, width) with ``ops.image.resize``, in training and
    inference alike.

    interpolation: "bilinear" (default) or "nearest", as TensorFlow resizes
        (half-pixel centres, no antialiasing); Keras's bicubic, lanczos and
        area modes are not in minikeras.
    crop_to_aspect_ratio: first cut the largest centred window of the target's
        aspect ratio, so the image is not distorted.
    pad_to_aspect_ratio: first pad the short side evenly with ``fill_value``.
    fill_mode: "constant" only, as in Keras.
    (batch, h, w, channels) -> (batch, height, width, channels); one image
    (h, w, channels) too; channels first with data_format="channels_first".
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = "Resizing"
        self.height = number_argument(height, "height", name, kind=int, minimum=1)
        self.width = number_argument(width, "width", name, kind=int, minimum=1)
        self.interpolation = choice_argument(interpolation, "interpolation", name,
                                             ops.image.RESIZE_INTERPOLATIONS)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            raise ValueError(f"{name}: pass at most one of crop_to_aspect_ratio and "
                             "pad_to_aspect_ratio.")
        self.fill_mode = choice_argument(fill_mode, "fill_mode", name, ("constant",))
        self.fill_value = number_argument(fill_value, "fill_value", name)
        if antialias:
            raise ValueError(f"{name}: minikeras resizes without antialiasing; pass "
                             "antialias=False.")
        self.antialias = False

    def transform_images(self, images, transformation=None, training=True):
        return ops.image.resize(images, (self.height, self.width),
                                interpolation=self.interpolation,
                                crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                                pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                                fill_value=self.fill_value, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return resized_shape(input_shape, (self.height, self.width), self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def resized_shape(input_shape, size, data_format):
    """``input_shape`` (of a batch or of one image) with its height and width set to ``size``."""
    shape = list(input_shape)
    axes = spatial_axes(data_format, 2)
    if len(shape) == 3:  # one image: no batch axis
        axes = tuple(a - 1 for a in axes)
    for axis, n in zip(axes, size, strict=True):
        shape[axis] = n
    return tuple(shape)
