"""Where the spatial and channel axes of a convolution's or a pooling's input are.

The convolution and pooling ops compute on images of rank 2 with the
channels last, (batch, height, width, channels). A sequence (rank 1:
(batch, steps, channels)) gets a height of 1 on the way in and drops it on
the way out; data_format="channels_first" ((batch, channels, *spatial)) moves
the channels last on the way in and back on the way out. The functions of
``ops`` (``conv``, ``max_pool``...) and the layers both go through these.
"""

from .reshaping import expand_dims, squeeze, transpose


def to_images(inputs, rank, data_format):
    """(batch, *spatial, channels) or (batch, channels, *spatial) -> (batch, height, width,
    channels), with a height of 1 for rank 1."""
    if data_format == "channels_first":
        inputs = transpose(inputs, (0, *range(2, rank + 2), 1))
    return expand_dims(inputs, 1) if rank == 1 else inputs


def from_images(images, rank, data_format):
    """The inverse of ``to_images``: (batch, height, width, channels) -> the layer's layout."""
    if rank == 1:
        images = squeeze(images, 1)
    if data_format == "channels_first":
        images = transpose(images, (0, rank + 1, *range(1, rank + 1)))
    return images


def as_image_window(values):
    """A rank-1 window argument (kernel_size, strides, ...) as the images' pair: (k,) -> (1, k)."""
    return (1,) * (2 - len(values)) + tuple(values)


def window_argument(value, rank, name):
    """An int or ``rank`` ints (kernel_size, strides, dilation_rate...) as the images' pair."""
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or not all(isinstance(v, int) and v > 0 for v in values):
        raise ValueError(f"`{name}` must be a positive int or a tuple of {rank} of them. "
                         f"Received: {name}={value!r}")
    return as_image_window(values)


def image_rank(name, inputs, data_format):
    """The number of spatial axes of ``inputs`` (1 or 2); a ValueError for another rank or
    data_format."""
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"{name}: data_format must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    rank = len(inputs.shape) - 2
    if rank not in (1, 2):
        raise ValueError(f"{name} expects inputs of rank 3 (batch, steps, channels) or 4 "
                         f"(batch, height, width, channels); received shape "
                         f"{tuple(inputs.shape)}.")
    return rank
