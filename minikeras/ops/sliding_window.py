"""Sliding a window over a batch of images: the geometry convolution and pooling share.

Images are channels_last, ``(batch, height, width, channels)``. A window of
``(kh, kw)`` taps moves by ``strides``; ``dilation`` spreads its taps apart.
Output pixel (i, j) reads input pixel (i*sh + a*dh, j*sw + b*dw) at tap (a, b).

Seen from one tap (a, b), the pixels it reads for all outputs form a regular
grid: rows a*dh, a*dh + sh, a*dh + 2sh, ... That grid is a plain strided slice
of the input, so a loop over the kh*kw taps (never over pixels) does all the
work: pooling takes the max or sum of the tap slices, and every backward pass
adds each tap's gradient back into its slice.
"""

from ..backend import get_array_module


def pair(value, name):
    """``value`` as a pair of positive ints: 3 -> (3, 3), [2, 1] -> (2, 1)."""
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int) and v > 0 for v in values):
        raise ValueError(f"`{name}` must be a positive int or a tuple of 2 positive ints. "
                         f"Received: {name}={value!r}")
    return values


def output_size_and_padding(size, window, stride, dilation, padding):
    """(output size, padding before, padding after) along one spatial axis, as TensorFlow does.

    "valid": no padding; the window must fit, so floor((size - span) / stride) + 1
    outputs, where span = (window - 1) * dilation + 1 is the window's extent.
    "same": ceil(size / stride) outputs, and just enough zeros to reach them,
    split with the odd one at the end (TensorFlow's asymmetric split).
    """
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return (size - span) // stride + 1, 0, 0
    if padding != "same":
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


class Geometry:
    """Where a window goes over images of one shape: output size, padding, tap slices.

    input_shape: (batch, height, width, channels).
    window, strides, dilation: pairs of ints; padding: "valid" or "same".
    Raises ValueError when the window does not fit (a "valid" output of size 0).
    """

    def __init__(self, input_shape, window, strides, dilation, padding):
        _, height, width, _ = input_shape
        self.window, self.strides, self.dilation = window, strides, dilation
        rows = output_size_and_padding(height, window[0], strides[0], dilation[0], padding)
        cols = output_size_and_padding(width, window[1], strides[1], dilation[1], padding)
        (self.out_height, *self.row_padding), (self.out_width, *self.col_padding) = rows, cols
        if self.out_height <= 0 or self.out_width <= 0:
            raise ValueError(
                f"Computed output size would be zero or negative: an input of shape "
                f"{tuple(input_shape)} is smaller than the window {window} with "
                f"dilation_rate={dilation} and padding={padding!r}.")

    @property
    def padded(self):
        """Whether the input needs padding."""
        return any(self.row_padding) or any(self.col_padding)

    def pad(self, x, value=0.0):
        """x (N, H, W, C) with the padding rows and columns added: (N, H + pads, W + pads, C)."""
        if not self.padded:
            return x
        xp = get_array_module(x)
        widths = ((0, 0), tuple(self.row_padding), tuple(self.col_padding), (0, 0))
        return xp.pad(x, widths, constant_values=value)

    def padded_empty(self, input_shape, dtype, xp):
        """An uninitialized array of the padded shape of ``input_shape``, for a backward pass
        to zero piece by piece (each piece on its core, in cache) and add gradients into."""
        n, height, width, c = input_shape
        return xp.empty((n, height + sum(self.row_padding), width + sum(self.col_padding), c),
                        dtype=dtype)

    def crop(self, padded):
        """The inverse of ``pad``: (N, H + pads, W + pads, C) -> (N, H, W, C)."""
        if not self.padded:
            return padded
        (top, bottom), (left, right) = self.row_padding, self.col_padding
        return padded[:, top:padded.shape[1] - bottom, left:padded.shape[2] - right, :]

    def taps(self):
        """(a, b, rows, cols) for each tap (a, b): it reads x[:, rows, cols] (N, OH, OW, C)."""
        (sh, sw), (dh, dw) = self.strides, self.dilation
        for a in range(self.window[0]):
            rows = slice(a * dh, a * dh + sh * (self.out_height - 1) + 1, sh)
            for b in range(self.window[1]):
                cols = slice(b * dw, b * dw + sw * (self.out_width - 1) + 1, sw)
                yield a, b, rows, cols

    def windows(self, x):
        """The view (N, OH, OW, KH, KW, C) of padded x: element [n, i, j, a, b, c] is the
        pixel tap (a, b) of output (i, j) reads. No copy: ``as_strided`` only
        describes how to step through x's memory (a step along OH skips sh rows,
        a step along KH skips dh rows)."""
        xp = get_array_module(x)
        n, _, _, c = x.shape
        step_n, step_row, step_col, step_c = x.strides
        (sh, sw), (dh, dw) = self.strides, self.dilation
        shape = (n, self.out_height, self.out_width, *self.window, c)
        steps = (step_n, step_row * sh, step_col * sw, step_row * dh, step_col * dw, step_c)
        return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=steps)
