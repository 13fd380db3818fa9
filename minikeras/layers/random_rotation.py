"""RandomRotation: turns images about their centre by random angles, in training."""

import math

from .. import backend
from .base_image_preprocessing import BaseAffineLayer, factor_argument


class RandomRotation(BaseAffineLayer):
    """Rotates each image about its centre by a random angle in training; in inference it
    passes the images through unchanged.

    factor: a fraction f of a full turn (angles in [-f, f] * 360 degrees) or two
        fractions (lower, upper) in [-1, 1]; positive angles turn
        counter-clockwise.
    fill_mode, interpolation, fill_value: see BaseAffineLayer (default "reflect").
    seed, data_format: see BaseImagePreprocessingLayer.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_argument(factor, "factor", "RandomRotation")

    def get_random_transformation(self, images, training=True, seed=None):
        """{"angle": (batch,) float32 angles in degrees}."""
        if not training:
            return None
        lower, upper = self.factor
        return {"angle": self.uniform((images.shape[0],), lower * 360.0, upper * 360.0, seed)}

    def transform_matrix(self, transformation, images):
        """Output pixel (x, y) reads the input at (x, y) turned by the angle about the centre
        (cx, cy) = ((width - 1) / 2, (height - 1) / 2)."""
        angle = backend.to_device(transformation["angle"], dtype="float32") * (math.pi / 180)
        xp = backend.get_array_module(angle)
        height, width = self.image_size(images)
        cx, cy = (width - 1) / 2, (height - 1) / 2
        cos, sin, zeros = xp.cos(angle), xp.sin(angle), xp.zeros_like(angle)
        return xp.stack([cos, -sin, cx - cx * cos + cy * sin,
                         sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
