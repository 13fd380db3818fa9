"""Where a convolution or pooling layer's spatial and channel axes are, for any rank and format.

The ops compute on images of rank 2 with the channels last; ``to_images`` and
``from_images`` (from ``ops/image_layout.py``, which the ops use too) move a
layer's inputs there and back. Weights keep Keras's layout, which does not
depend on data_format: only the activations move.
"""

from ..ops.image_layout import as_image_window, from_images, to_images  # noqa: F401


def channel_axis(data_format):
    return 1 if data_format == "channels_first" else -1


def split_shape(shape, data_format):
    """(batch, spatial sizes, channels) of an input shape in ``data_format``."""
    if data_format == "channels_first":
        return shape[0], tuple(shape[2:]), shape[1]
    return shape[0], tuple(shape[1:-1]), shape[-1]


def join_shape(batch, spatial, channels, data_format):
    """The inverse of ``split_shape``."""
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)
