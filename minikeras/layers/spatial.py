"""Where a convolution or pooling layer's spatial and channel axes are, for any rank and format.

The ops compute on images of rank 2 with the channels last, (batch, height,
width, channels). A layer of rank 1 (sequences: (batch, steps, channels))
gives its input a height of 1 on the way in and drops it on the way out; a
layer with data_format="channels_first" ((batch, channels, *spatial)) moves
its channels last on the way in and back on the way out. Weights keep Keras's
layout, which does not depend on data_format: only the activations move.
"""

from .. import ops


def to_images(inputs, rank, data_format):
    """(batch, *spatial, channels) or (batch, channels, *spatial) -> (batch, height, width,
    channels), with a height of 1 for rank 1."""
    if data_format == "channels_first":
        inputs = ops.transpose(inputs, (0, *range(2, rank + 2), 1))
    return ops.expand_dims(inputs, 1) if rank == 1 else inputs


def from_images(images, rank, data_format):
    """The inverse of ``to_images``: (batch, height, width, channels) -> the layer's layout."""
    if rank == 1:
        images = ops.squeeze(images, 1)
    if data_format == "channels_first":
        images = ops.transpose(images, (0, rank + 1, *range(1, rank + 1)))
    return images


def as_image_window(values):
    """A rank-1 window argument (kernel_size, strides, ...) as the images' pair: (k,) -> (1, k)."""
    return (1,) * (2 - len(values)) + tuple(values)


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
