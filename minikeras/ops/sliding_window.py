"""Sliding a window over a batch of images: the geometry convolution and pooling share.

Images are channels_last, ``(batch, height, width, channels)``. A window of
``(kh, kw)`` taps moves by ``strides``; ``dilation`` spreads its taps apart.
Output pixel (i, j) reads input pixel (i*sh + a*dh, j*sw + b*dw) at tap (a, b).

The plain ops see all windows at once: ``windows`` is a view of shape
(N, OH, OW, KH, KW, C) and ``add_windows_back`` its way back for gradients.
Seen from one tap (a, b), the pixels it reads for all outputs form a regular
grid, a strided slice of the input: so ``add_windows_back``, and the fast ops'
``Geometry.taps``, loop over the kh*kw taps, never over pixels.
"""

from ..backend import get_array_module


def pair(value, name):
    """``value`` as a pair of positive ints: 3 -> (3, 3), [2, 1] -> (2, 1)."""
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int) and v > 0 for v in values):
        raise ValueError(f"`{name}` must be a positive int or a tuple of 2 positive ints. "
                         f"Received: {name}={value!r}")
    return values


def padding_argument(padding):
    """``padding`` lower-cased, checked to be "valid" or "same"."""
    checked = padding.lower() if isinstance(padding, str) else padding
    if checked not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    return checked


def output_size_and_padding(size, window, stride, dilation, padding):
    """(outputs, zeros before, zeros after) along one axis, as TensorFlow: "valid" fits the window
    in the image; "same" makes ceil(size / stride) outputs, the odd zero at the end."""
    span = (window - 1) * dilation + 1  # the window's extent
    out = (size - span) // stride + 1 if padding == "valid" else -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


def paddings(x_shape, window, strides, dilation, padding):
    """The zeros around x (N, H, W, C), as xp.pad takes them: (0, 0), (top, bottom), ..."""
    rows, cols = (output_size_and_padding(x_shape[1 + axis], window[axis], strides[axis],
                                          dilation[axis], padding)[1:] for axis in (0, 1))
    return (0, 0), rows, cols, (0, 0)


def windows(x, window, strides, dilation):
    """The windows of x (N, H, W, C), padded already: a view (N, OH, OW, KH, KW, C) whose
    [n, i, j, a, b, c] is x[n, i*sh + a*dh, j*sw + b*dw, c]. as_strided copies nothing."""
    (n, h, w, c), (kh, kw), (sh, sw), (dh, dw) = x.shape, window, strides, dilation
    oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1
    step_n, step_h, step_w, step_c = x.strides  # bytes from one element to the next
    steps = (step_n, step_h * sh, step_w * sw, step_h * dh, step_w * dw, step_c)
    return get_array_module(x).lib.stride_tricks.as_strided(x, (n, oh, ow, kh, kw, c), steps)


def add_windows_back(gwindows, x_shape, pads, strides, dilation):
    """col2im: the windows' gradients (N, OH, OW, KH, KW, C) added into the pixels of x they
    read, padded by ``pads``; a pixel in several windows gets the sum. Returns (N, H, W, C)."""
    (_, (top, bottom), (left, right), _), (n, h, w, c) = pads, x_shape
    gx = get_array_module(gwindows).zeros((n, top + h + bottom, left + w + right, c),
                                          dtype=gwindows.dtype)  # (N, H + pads, W + pads, C)
    taps = windows(gx, gwindows.shape[3:5], strides, dilation)  # a view of gx, as gwindows
    for a in range(taps.shape[3]):
        for b in range(taps.shape[4]):  # at one tap, no two windows read the same pixel
            taps[:, :, :, a, b] += gwindows[:, :, :, a, b]
    return gx[:, top:top + h, left:left + w]  # (N, H, W, C): the padding's gradients dropped


class Geometry:
    """Where a window goes over images of one shape, for the fast ops: output size, padding,
    tap slices.

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
