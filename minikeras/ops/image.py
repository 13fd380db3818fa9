"""Image ops, as ``keras.ops.image``: ``resize``.

Resizing without antialiasing is linear and separable: each output row is a
fixed blend of (at most two) input rows, and likewise for columns. So
``resize`` multiplies by two constant interpolation matrices, one per axis,
R (out_height, height) and C (out_width, width): Y = R X C^T for each image
and channel. Its gradient needs no op of its own: dL/dX = R^T (dL/dY) C,
which is what the two matrix products' backward passes compute.
"""

import numpy as np

from .. import backend
from .linalg import matmul
from .padding import pad
from .reshaping import getitem, reshape, transpose

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")


def interpolation_matrix(in_size, out_size, interpolation):
    """The (out_size, in_size) matrix that resizes one axis, as TensorFlow's resize does
    (half-pixel centres: output pixel i samples the input at (i + 0.5) * in / out - 0.5).

    bilinear: each row blends the two nearest input pixels (clamped at the edges);
    nearest: each row picks the input pixel under the output pixel's centre.
    """
    scale = in_size / out_size
    rows = np.arange(out_size)
    matrix = np.zeros((out_size, in_size), dtype="float64")
    if interpolation == "nearest":
        source = np.minimum(np.floor((rows + 0.5) * scale).astype(int), in_size - 1)
        matrix[rows, source] = 1.0
        return matrix
    position = (rows + 0.5) * scale - 0.5
    lower = np.floor(position)
    weight = position - lower  # of the upper neighbour
    below = np.clip(lower, 0, in_size - 1).astype(int)
    above = np.clip(lower + 1, 0, in_size - 1).astype(int)
    np.add.at(matrix, (rows, below), 1.0 - weight)
    np.add.at(matrix, (rows, above), weight)
    return matrix


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """``images`` resized to ``size`` = (height, width), as ``keras.ops.image.resize``.

    images: (batch, height, width, channels) or one (height, width, channels)
        image; channels first with data_format="channels_first".
    interpolation: "bilinear" or "nearest" (without antialiasing, TensorFlow's default).
    crop_to_aspect_ratio / pad_to_aspect_ratio: first crop the centre (or pad
        both sides with ``fill_value``) to the target's aspect ratio, as Keras does.
    """
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"resize: interpolation must be one of {RESIZE_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")
    if antialias or fill_mode != "constant" or (crop_to_aspect_ratio and pad_to_aspect_ratio):
        raise ValueError("resize: minikeras supports antialias=False and fill_mode='constant' "
                         "only, with at most one of crop_to_aspect_ratio and "
                         "pad_to_aspect_ratio.")
    if not isinstance(size, (tuple, list)) or len(size) != 2 or not all(
            isinstance(n, (int, np.integer)) and n > 0 for n in size):
        raise ValueError(f"resize: size must be (height, width), two positive ints. "
                         f"Received: size={size!r}")
    rank = len(images.shape)
    if rank not in (3, 4):
        raise ValueError(f"resize: images must be of rank 3 (one image) or 4 (a batch). "
                         f"Received a shape of {tuple(images.shape)}.")
    batch = images if rank == 4 else reshape(images, (1, *images.shape))
    if data_format == "channels_first":
        batch = transpose(batch, (0, 2, 3, 1))
    if crop_to_aspect_ratio:
        batch = _crop_to_aspect_ratio(batch, size)
    elif pad_to_aspect_ratio:
        batch = _pad_to_aspect_ratio(batch, size, fill_value)
    resized = _resize_channels_last(batch, tuple(int(n) for n in size), interpolation)
    if data_format == "channels_first":
        resized = transpose(resized, (0, 3, 1, 2))
    return resized if rank == 4 else reshape(resized, resized.shape[1:])


def _resize_channels_last(images, size, interpolation):
    """(batch, height, width, channels) -> (batch, *size, channels): R X C^T per image."""
    count, height, width, channels = images.shape
    rows = backend.to_device(interpolation_matrix(height, size[0], interpolation).T,
                             dtype=images.dtype)  # (height, out_height)
    columns = backend.to_device(interpolation_matrix(width, size[1], interpolation).T,
                                dtype=images.dtype)  # (width, out_width)
    x = reshape(transpose(images, (0, 3, 2, 1)), (-1, height))  # (b * c * w, h)
    x = reshape(matmul(x, rows), (count, channels, width, size[0]))  # (b, c, w, out_h)
    x = reshape(transpose(x, (0, 1, 3, 2)), (-1, width))  # (b * c * out_h, w)
    x = reshape(matmul(x, columns), (count, channels, *size))  # (b, c, out_h, out_w)
    return transpose(x, (0, 2, 3, 1))  # (b, out_h, out_w, c)


def _crop_to_aspect_ratio(images, size):
    """The centre of each image with the aspect ratio of ``size`` (Keras's rounding)."""
    height, width = images.shape[1:3]
    crop_height = max(min(height, int(np.float32(width * size[0]) / size[1])), 1)
    crop_width = max(min(width, int(np.float32(height * size[1]) / size[0])), 1)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return getitem(images, (slice(None), slice(top, top + crop_height),
                            slice(left, left + crop_width)))


def _pad_to_aspect_ratio(images, size, fill_value):
    """Each image with ``fill_value`` added above and below (or left and right) to approach the
    aspect ratio of ``size``, as Keras pads: the same amount on both sides."""
    height, width = images.shape[1:3]
    pad_height = max(height, int(np.float32(width * size[0]) / size[1]))
    pad_width = max(width, int(np.float32(height * size[1]) / size[0]))
    top, left = (pad_height - height) // 2, (pad_width - width) // 2
    return pad(images, ((0, 0), (top, top), (left, left), (0, 0)), constant_values=fill_value)
