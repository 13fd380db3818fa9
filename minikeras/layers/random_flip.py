"""RandomFlip: mirrors images left-right and/or upside down, at random, in training."""

from .. import backend, ops
from .arguments import spatial_axes
from .base_image_preprocessing import BaseImagePreprocessingLayer, choice_argument

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image with probability 1/2 in training; in inference it passes the images
    through unchanged. The gradient is flipped back.

    mode: "horizontal" (left-right), "vertical" (top-bottom), or
        "horizontal_and_vertical": as in Keras, one draw per image decides
        both, so an image is either turned half a circle or left as it is.
    seed, data_format: see BaseImagePreprocessingLayer.
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.mode = choice_argument(mode, "mode", "RandomFlip",
                                    (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL))

    def get_random_transformation(self, images, training=True, seed=None):
        """{"flips": (batch, 1, 1, 1) bools, True for the images to flip}."""
        if not training:
            return None
        return {"flips": self.uniform((images.shape[0], 1, 1, 1), 0.0, 1.0, seed) <= 0.5}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        flips = backend.to_device(transformation["flips"])
        height_axis, width_axis = spatial_axes(self.data_format, 2)
        axes = {HORIZONTAL: [width_axis], VERTICAL: [height_axis],
                HORIZONTAL_AND_VERTICAL: [width_axis, height_axis]}[self.mode]
        for axis in axes:
            reverse = tuple(slice(None, None, -1) if a == axis else slice(None)
                            for a in range(4))
            images = ops.where(flips, ops.getitem(images, reverse), images)
        return images

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
