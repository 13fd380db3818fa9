"""RandomZoom: zooms images in or out about their centre by random amounts, in training."""

from .. import backend
from .base_image_preprocessing import BaseAffineLayer, factor_argument


class RandomZoom(BaseAffineLayer):
    """Zooms each image about its centre by a random factor per axis in training; in
    inference it passes the images through unchanged.

    height_factor: a fraction f (zoom factors in [1 - f, 1 + f]) or two
        fractions (lower, upper) in (-1, 1]: positive ones zoom out (the image
        shrinks), negative ones zoom in.
    width_factor: the same for the width; None (the default) zooms both axes
        by the height's factor, keeping the aspect ratio.
    fill_mode, interpolation, fill_value: see BaseAffineLayer (default "reflect").
    seed, data_format: see BaseImagePreprocessingLayer.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = factor_argument(
            height_factor, "height_factor", "RandomZoom", low_included=False)
        if width_factor is not None:
            self.width_lower, self.width_upper = factor_argument(
                width_factor, "width_factor", "RandomZoom", low_included=False)

    def get_random_transformation(self, images, training=True, seed=None):
        """{"height_zoom", "width_zoom": (batch, 1) float32 zoom factors}."""
        if not training:
            return None
        rows = (images.shape[0], 1)
        height_zoom = self.uniform(rows, 1 + self.height_lower, 1 + self.height_upper, seed)
        width_zoom = height_zoom if self.width_factor is None else self.uniform(
            rows, 1 + self.width_lower, 1 + self.width_upper, seed)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom}

    def transform_matrix(self, transformation, images):
        """Output pixel (x, y) reads the input at the centre plus (x - centre) times the zoom
        factor of each axis: a factor above 1 reads a larger area (zooms out)."""
        zx = backend.to_device(transformation["width_zoom"], dtype="float32").reshape(-1, 1)
        zy = backend.to_device(transformation["height_zoom"], dtype="float32").reshape(-1, 1)
        xp = backend.get_array_module(zx)
        height, width = self.image_size(images)
        zeros = xp.zeros_like(zx)
        return xp.concatenate([zx, zeros, (width - 1) / 2 * (1 - zx),
                               zeros, zy, (height - 1) / 2 * (1 - zy), zeros, zeros], axis=1)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor}
