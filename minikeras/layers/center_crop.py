"""CenterCrop: cuts the central (height, width) window out of each image."""

from .. import ops
from .arguments import number_argument, spatial_axes
from .base_image_preprocessing import BaseImagePreprocessingLayer
from .resizing import resized_shape


class CenterCrop(BaseImagePreprocessingLayer):
    """Keeps the central (height, width) pixels of each image, in training and inference
    alike. An image smaller than that on either side is first cut to the target's aspect
    ratio (its largest centred window) and then resized (bilinear), as Keras does.

    (batch, h, w, channels) -> (batch, height, width, channels); one image
    (h, w, channels) too; channels first with data_format="channels_first".
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = number_argument(height, "height", "CenterCrop", kind=int, minimum=1)
        self.width = number_argument(width, "width", "CenterCrop", kind=int, minimum=1)

    def transform_images(self, images, transformation=None, training=True):
        height, width = self.image_size(images)
        if height < self.height or width < self.width:
            return ops.image.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                                    data_format=self.data_format)
        top, left = (height - self.height) // 2, (width - self.width) // 2
        key = [slice(None)] * 4
        height_axis, width_axis = spatial_axes(self.data_format, 2)
        key[height_axis] = slice(top, top + self.height)
        key[width_axis] = slice(left, left + self.width)
        return ops.getitem(images, tuple(key))

    def compute_output_shape(self, input_shape):
        return resized_shape(input_shape, (self.height, self.width), self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
