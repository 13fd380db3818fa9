"""Image ops, as ``keras.ops.image``: ``resize`` and ``affine_transform``.

Resizing without antialiasing is linear and separable: each output row is a
fixed blend of (at most two) input rows, and likewise for columns. So
``resize`` multiplies by two constant interpolation matrices, one per axis,
R (out_height, height) and C (out_width, width): Y = R X C^T for each image
and channel. Its gradient needs no op of its own: dL/dX = R^T (dL/dY) C,
which is what the two matrix products' backward passes compute.

``affine_transform`` moves pixels: each output pixel reads the input at a
point the transform gives, blending the (up to four) pixels around it. It is
linear in the image too, y = sum over corners k of w_k * x[corner k], so it is
a ``take`` of the corners times constant weights; the gradient of ``take`` is
the scatter-add dL/dx[p] = sum of w_k * dL/dy over the outputs whose corner k
is p. There is no gradient with respect to the transform, as in Keras.
"""

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .gather import Take
from .linalg import matmul
from .math import add, multiply
from .padding import pad
from .reduction import sum as reduce_sum
from .reshaping import getitem, reshape, shape, transpose

RESIZE_INTERPOLATIONS = ("bilinear", "nearest")
AFFINE_TRANSFORM_INTERPOLATIONS = ("nearest", "bilinear")
AFFINE_TRANSFORM_FILL_MODES = ("constant", "nearest", "wrap", "reflect")


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
    if 0 in batch.shape[1:3]:
        raise ValueError(f"resize: images need a height and a width of at least 1 pixel. "
                         f"Received images of shape {tuple(images.shape)}.")
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


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """``images`` moved by projective transforms, as ``keras.ops.image.affine_transform`` (on
    TensorFlow, whose ImageProjectiveTransformV3 it reproduces).

    images: (batch, height, width, channels) or one (height, width, channels)
        image; channels first with data_format="channels_first".
    transform: (8,) or (batch, 8) rows [a0, a1, a2, b0, b1, b2, c0, c1]: output
        pixel (x, y) (column, row) reads the input at ((a0 x + a1 y + a2) / k,
        (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1. It gets no gradient.
    interpolation: "bilinear" (the four pixels around the point, weighted by
        nearness) or "nearest" (the pixel the point rounds to).
    fill_mode: where a point falls outside the image: "constant" reads
        ``fill_value``, "nearest" the edge pixel, "wrap" the image repeated,
        "reflect" the image mirrored about its edges (d c b a | a b c d | d c b a).
    """
    _check_affine_arguments(images, transform, interpolation, fill_mode)
    rank = len(images.shape)
    batch = images if rank == 4 else reshape(images, (1, *images.shape))
    if data_format == "channels_first":
        batch = transpose(batch, (0, 2, 3, 1))
    count, height, width, channels = batch.shape
    matrix = _transform_matrix(transform, count)  # (count, 8)
    rows, columns, weights, fill_weight = _sampling_points(
        matrix, height, width, interpolation, fill_mode)  # each (corners, count, height, width)
    xp = get_array_module(matrix)
    images_index = xp.arange(count).reshape(1, count, 1, 1) * (height * width)
    pixels = reshape(batch, (count * height * width, channels))
    corners = Take(axis=0)(pixels, images_index + rows * width + columns)  # (k, b, h, w, c)
    moved = reduce_sum(multiply(corners, weights[..., None]), axis=0)  # (b, h, w, c)
    if fill_value != 0:
        moved = add(moved, fill_weight[..., None] * xp.asarray(fill_value, dtype=moved.dtype))
    if data_format == "channels_first":
        moved = transpose(moved, (0, 3, 1, 2))
    return moved if rank == 4 else reshape(moved, moved.shape[1:])


def _check_affine_arguments(images, transform, interpolation, fill_mode):
    if interpolation not in AFFINE_TRANSFORM_INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of "
                         f"{AFFINE_TRANSFORM_INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation!r}")
    if fill_mode not in AFFINE_TRANSFORM_FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of "
                         f"{AFFINE_TRANSFORM_FILL_MODES}. Received: fill_mode={fill_mode!r}")
    if len(images.shape) not in (3, 4):
        raise ValueError(f"affine_transform: images must be of rank 3 (one image) or 4 (a "
                         f"batch). Received a shape of {tuple(images.shape)}.")
    transform_shape = shape(transform)
    if len(transform_shape) not in (1, 2) or transform_shape[-1] != 8:
        raise ValueError(f"affine_transform: transform must be of shape (8,) or (batch, 8). "
                         f"Received a shape of {transform_shape}.")


def _transform_matrix(transform, count):
    """``transform`` as a float32 (count, 8) array on the device: one row per image."""
    data = transform.data if isinstance(transform, Tensor) else transform
    matrix = backend.to_device(data, dtype="float32").reshape(-1, 8)
    if matrix.shape[0] not in (1, count):
        raise ValueError(f"affine_transform: {matrix.shape[0]} transforms for {count} images; "
                         "give one, or one per image.")
    return get_array_module(matrix).broadcast_to(matrix, (count, 8))


def _sampling_points(matrix, height, width, interpolation, fill_mode):
    """Where each output pixel reads the input: (rows, columns, weights, fill_weight).

    rows, columns: (corners, count, height, width) pixel indices (ints, 0 where
    the corner is outside the image), weights: each corner's share (0 outside),
    fill_weight: (count, height, width), the share of ``fill_value``.
    """
    xp = get_array_module(matrix)
    y, x = (a.astype("float32") for a in xp.meshgrid(xp.arange(height), xp.arange(width),
                                                      indexing="ij"))
    a0, a1, a2, b0, b1, b2, c0, c1 = (matrix[:, i, None, None] for i in range(8))
    k = c0 * x + c1 * y + 1  # (count, height, width)
    finite = k != 0  # a point at infinity reads fill_value, as TensorFlow does
    k = xp.where(finite, k, 1)
    source_x = _map_coordinate((a0 * x + a1 * y + a2) / k, width, fill_mode, xp)
    source_y = _map_coordinate((b0 * x + b1 * y + b2) / k, height, fill_mode, xp)
    corners = (_nearest_corner(source_y, source_x, xp) if interpolation == "nearest"
               else _bilinear_corners(source_y, source_x, xp))
    rows, columns, weights = (xp.stack(parts) for parts in zip(*corners, strict=True))
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width) & finite
    fill_weight = xp.where(finite, xp.where(inside, 0, weights).sum(axis=0), 1)
    weights = xp.where(inside, weights, 0).astype("float32")
    rows = xp.where(inside, rows, 0).astype("int64")
    columns = xp.where(inside, columns, 0).astype("int64")
    return rows, columns, weights, fill_weight.astype("float32")


def _nearest_corner(y, x, xp):
    """[(row, column, weight 1)]: the pixel the point rounds to, halves away from zero (as
    C's round does)."""
    def round_half_away(v):
        return xp.sign(v) * xp.floor(xp.abs(v.astype("float64")) + 0.5)

    return [(round_half_away(y), round_half_away(x), xp.ones_like(x))]


def _bilinear_corners(y, x, xp):
    """[(row, column, weight)] of the four pixels around each point, the weights the products
    of the point's nearness to the corner along each axis."""
    top, left = xp.floor(y), xp.floor(x)
    down, right = y - top, x - left  # how far past the top-left corner
    return [(top, left, (1 - down) * (1 - right)), (top, left + 1, (1 - down) * right),
            (top + 1, left, down * (1 - right)), (top + 1, left + 1, down * right)]


def _map_coordinate(coordinate, size, fill_mode, xp):
    """A coordinate outside [0, size - 1] brought inside as ``fill_mode`` extends the image
    (TensorFlow's formulas); "constant" leaves it outside, to read fill_value."""
    if fill_mode == "constant":
        return coordinate
    if size <= 1:
        return xp.zeros_like(coordinate)
    last = size - 1
    if fill_mode == "reflect":  # period 2 * size, mirrored about -0.5 and size - 0.5
        period = 2 * size
        below = coordinate + period * xp.trunc(-coordinate / period)
        below = xp.where(below < -size, below + period, -below - 1)
        above = coordinate - period * xp.trunc(coordinate / period)
        above = xp.where(above >= size, period - above - 1, above)
    elif fill_mode == "wrap":
        below = coordinate + size * (xp.trunc(-coordinate / last) + 1)
        above = coordinate - size * xp.trunc(coordinate / last)
    else:  # "nearest"
        below, above = coordinate, coordinate
    mapped = xp.where(coordinate < 0, below, xp.where(coordinate > last, above, coordinate))
    return xp.clip(mapped, 0, last)
