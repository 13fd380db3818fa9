"""RandomTranslation: shifts images up/down and left/right by random amounts, in training."""

from .. import backend
from .base_image_preprocessing import BaseAffineLayer, factor_argument


class RandomTranslation(BaseAffineLayer):
    """Shifts each image by a random fraction of its height and width in training; in
    inference it passes the images through unchanged.

    height_factor, width_factor: a fraction f in [0, 1] (shifts in [-f, f] of the
        size) or two fractions (lower, upper) in [-1, 1]; positive shifts go
        down and right.
    fill_mode, interpolation, fill_value: see BaseAffineLayer (default "reflect").
    seed, data_format: see BaseImagePreprocessingLayer.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = factor_argument(
            height_factor, "height_factor", "RandomTranslation")
        self.width_lower, self.width_upper = factor_argument(
            width_factor, "width_factor", "RandomTranslation")

    def get_random_transformation(self, images, training=True, seed=None):
        """{"translations": (batch, 2) float32 shifts in pixels, (right, down)}."""
        if not training:
            return None
        height, width = self.image_size(images)
        rows = (images.shape[0], 1)
        down = self.uniform(rows, self.height_lower, self.height_upper, seed) * height
        right = self.uniform(rows, self.width_lower, self.width_upper, seed) * width
        return {"translations": backend.get_array_module(down).concatenate([right, down], 1)}

    def transform_matrix(self, transformation, images):
        """Output pixel (x, y) reads the input at (x - right, y - down)."""
        shifts = backend.to_device(transformation["translations"], dtype="float32")  # (b, 2)
        xp = backend.get_array_module(shifts)
        ones, zeros = xp.ones_like(shifts[:, :1]), xp.zeros_like(shifts[:, :1])
        return xp.concatenate([ones, zeros, -shifts[:, :1], zeros, ones, -shifts[:, 1:],
                               zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
