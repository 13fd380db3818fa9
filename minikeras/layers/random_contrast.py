"""RandomContrast: stretches or flattens each image's contrast by a random factor, in
training."""

from .. import ops
from .arguments import spatial_axes
from .base_image_preprocessing import (
    BaseImagePreprocessingLayer,
    factor_argument,
    value_range_argument,
)


class RandomContrast(BaseImagePreprocessingLayer):
    """y = (x - mean) * c + mean, clipped to ``value_range``, with one random factor c per
    image and the mean of each channel of each image; in inference it passes the images
    through unchanged.

    factor: a number f in [0, 1] or two (lower, upper): c is drawn from
        [1 - lower, 1 + upper]. As in Keras, one number f gives lower = 0, so
        c is in [1, 1 + f]: the contrast only grows.
    value_range: the range of the pixel values, (0, 255) by default; the
        outputs are clipped to it.
    The gradient flows to the images through the mean and the clip.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor_argument(factor, "factor", "RandomContrast", low=0.0)
        self.value_range = value_range_argument(value_range, "RandomContrast")

    def get_random_transformation(self, images, training=True, seed=None):
        """{"contrast_factor": (batch, 1, 1, 1) float32 factors}."""
        if not training:
            return None
        lower, upper = self.factor
        return {"contrast_factor": self.uniform((images.shape[0], 1, 1, 1), 1.0 - lower,
                                                1.0 + upper, seed)}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        factor = ops.convert_to_tensor(transformation["contrast_factor"], dtype="float32")
        mean = ops.mean(images, axis=spatial_axes(self.data_format, 2), keepdims=True)
        stretched = ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)
        return ops.clip(stretched, min(self.value_range), max(self.value_range))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}
