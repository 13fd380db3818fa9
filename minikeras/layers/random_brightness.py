"""RandomBrightness: brightens or darkens each image by a random amount, in training."""

from .. import ops
from .base_image_preprocessing import (
    BaseImagePreprocessingLayer,
    factor_argument,
    value_range_argument,
)


class RandomBrightness(BaseImagePreprocessingLayer):
    """y = x + d, clipped to ``value_range``, with one random d per image; in inference it
    passes the images through unchanged.

    factor: a number f in [0, 1] or two (lower, upper) in [-1, 1]: d is drawn
        from [lower, upper] times the width of ``value_range`` (-1: black, 1: white).
    value_range: the range of the pixel values, (0, 255) by default (use
        (0, 1) after ``Rescaling(1 / 255)``); the outputs are clipped to it.
    The gradient with respect to the images is 1 where the output is not clipped.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor_argument(factor, "factor", "RandomBrightness")
        self.value_range = sorted(value_range_argument(value_range, "RandomBrightness"))

    def get_random_transformation(self, images, training=True, seed=None):
        """{"rgb_delta": (batch, 1, 1, 1) float32 amounts added}."""
        if not training:
            return None
        low, high = self.value_range
        lower, upper = self.factor
        return {"rgb_delta": self.uniform((images.shape[0], 1, 1, 1), lower, upper, seed)
                * (high - low)}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        delta = ops.convert_to_tensor(transformation["rgb_delta"], dtype="float32")
        return ops.clip(ops.add(images, delta), *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
