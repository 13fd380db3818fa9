"""SpatialDropout1D and SpatialDropout2D: dropout of whole channels."""

from .arguments import data_format_argument
from .dropout import Dropout
from .input_spec import InputSpec


class SpatialDropout1D(Dropout):
    """Drops whole channels of a sequence in training: each channel of each sample is zeroed
    at every step at once, with probability ``rate`` (the rest scaled by 1 / (1 - rate)).

    Neighbouring steps are strongly correlated, so dropping single values
    would hardly regularize; dropping a channel everywhere does.
    Input (batch, steps, channels); the mask has shape (batch, 1, channels).
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, noise_shape=(None, 1, None), seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):  # Keras's own keys: no trainable, no noise_shape
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout2D(Dropout):
    """Drops whole feature maps in training: each channel of each image is zeroed at every
    pixel at once, with probability ``rate`` (the rest scaled by 1 / (1 - rate)).

    Input (batch, height, width, channels), or channels first with
    data_format="channels_first"; the mask has shape (batch, 1, 1, channels).
    """

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        data_format = data_format_argument(data_format, "SpatialDropout2D")
        noise_shape = (None, 1, 1, None) if data_format == "channels_last" else (None, None, 1, 1)
        super().__init__(rate, noise_shape=noise_shape, seed=seed, name=name, dtype=dtype)
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=4)

    def get_config(self):  # Keras's own keys: no trainable, no noise_shape
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype,
                "data_format": self.data_format}
