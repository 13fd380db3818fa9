"""2-D convolution as matrix products (im2col), with its backward pass.

A convolution output is a dot product between each window of the input and
each filter. Copy every window into a row of a matrix ("im2col"):
cols (N*OH*OW, KH*KW*C) @ kernel (KH*KW*C, F) computes them all in one GEMM.

The backward pass needs no new machinery: dL/dK = cols^T @ dL/dY, and dL/dx
is itself a convolution, of dL/dY with the kernel flipped.

Two things make it fast on a CPU:
- A stride is turned into stride 1 first ("space to depth"): cut the image
  into s x s blocks and stack each block's pixels as channels. A 6x6 stride-2
  convolution over 24 channels becomes a 3x3 stride-1 convolution over 96
  channels computing the same products, and at stride 1 the input gradient
  is a plain convolution (a strided one would scatter its results).
- The im2col matrix (nine times the input for a 6x6 stride-2 kernel) is never
  built whole: a few images at a time, sized to stay in a core's cache, on
  every core at once (see ``parallel``).
"""

from ..autograd.function import Function
from ..backend import get_array_module
from . import parallel
from .sliding_window import Geometry, pair


class Conv2D(Function):
    """y[n, i, j, f] = sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, c] * k[a, b, c, f].

    With cols the im2col matrix of x and K the kernel as a (KH*KW*C, F) matrix,
    Y = cols @ K, so dL/dK = cols^T @ dL/dY. At stride 1, x[n, p, q] meets
    k[a, b] in output (p - a*dh, q - b*dw), so
    dL/dx[n, p, q] = sum_{a, b} dL/dY[n, p - a*dh, q - b*dw] @ k[a, b]^T:
    the convolution of dL/dY, padded with zeros, with the kernel flipped
    (a -> KH-1-a, b -> KW-1-b) and its channel axes swapped.
    Strides go through space to depth (``to_blocks``) so that only stride 1 remains.
    """

    def __init__(self, strides, padding, dilation):
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def forward(self, x, kernel):
        self.x_shape, self.kernel_shape = x.shape, kernel.shape
        self.geometry = Geometry(x.shape, kernel.shape[:2], self.strides, self.dilation,
                                 self.padding)
        self.blocks = to_blocks(x, self.geometry)  # (N, OH + QH - 1, OW + QW - 1, SH*SW*C)
        self.block_kernel = kernel_to_blocks(kernel, self.strides)  # (QH, QW, SH*SW*C, F)
        return correlate(self.blocks, self.block_kernel, self.dilation)  # (N, OH, OW, F)

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = xp.ascontiguousarray(gy)  # (N, OH, OW, F)
        gkernel = gx = None
        if self.needs_input_grad[1]:
            gblocks = kernel_gradient(self.blocks, gy, self.block_kernel.shape, self.dilation)
            gkernel = kernel_from_blocks(gblocks, self.kernel_shape, self.strides)  # (KH, KW, C, F)
        if self.needs_input_grad[0]:
            gx = self._input_gradient(gy)
        return gx, gkernel

    def _input_gradient(self, gy):
        """dL/dx (N, H, W, C): dL/dY convolved with the flipped block kernel, then unblocked."""
        xp = get_array_module(gy)
        qh, qw = self.block_kernel.shape[:2]
        (dh, dw), (sh, sw) = self.dilation, self.strides
        flipped = self.block_kernel[::-1, ::-1].swapaxes(2, 3)  # (QH, QW, F, SH*SW*C)
        # Pad so that every output pixel a block pixel contributed to is counted.
        full = xp.pad(gy, ((0, 0), (dh * (qh - 1),) * 2, (dw * (qw - 1),) * 2, (0, 0)))
        (top, _), (left, _) = self.geometry.row_padding, self.geometry.col_padding
        _, height, width, _ = self.x_shape
        rows = slice(top // sh, -(-(top + height) // sh))  # only the blocks that hold x's pixels
        cols = slice(left // sw, -(-(left + width) // sw))
        gblocks = correlate(full, flipped, self.dilation, rows, cols)  # (N, rows, cols, SH*SW*C)
        gx = from_blocks(gblocks, self.strides)  # (N, rows*SH, cols*SW, C)
        top, left = top - rows.start * sh, left - cols.start * sw  # where x starts in gx
        # Crop the padding; pixels that no window reads (past the last one) get zeros.
        return pad_or_crop(gx, -top, height + top - gx.shape[1], -left, width + left - gx.shape[2])


def correlate(x, kernel, dilation, rows=slice(None), cols=slice(None)):
    """y[n, i, j] = sum_{a, b} x[n, i + a*dh, j + b*dw] @ kernel[a, b], at stride 1.

    x: (N, H, W, C); kernel: (QH, QW, C, F). Returns (N, OH, OW, F), the
    outputs in ``rows`` and ``cols`` of the "valid" ones. im2col + one GEMM
    per piece of a few images.
    """
    xp = get_array_module(x, kernel)
    qh, qw, c, f = kernel.shape
    windows = Geometry(x.shape, (qh, qw), (1, 1), dilation, "valid").windows(x)
    windows = windows[:, rows, cols]  # (N, OH, OW, QH, QW, C), a view
    n, oh, ow = windows.shape[:3]
    matrix = kernel.reshape(qh * qw * c, f)
    y = xp.empty((n, oh, ow, f), dtype=xp.result_type(x, kernel))

    def multiply(images):
        cols = xp.ascontiguousarray(windows[images]).reshape(-1, qh * qw * c)  # im2col copy
        xp.matmul(cols, matrix, out=y[images].reshape(-1, f))  # (images*OH*OW, F)

    item_bytes = oh * ow * qh * qw * c * x.itemsize  # one image's im2col rows
    parallel.for_each(multiply, parallel.pieces(n, item_bytes, xp))
    return y


def kernel_gradient(x, gy, kernel_shape, dilation):
    """dL/dkernel = cols^T @ dL/dY of ``correlate(x, kernel, dilation)``: (QH, QW, C, F).

    Summed piece by piece, so the im2col matrix of the whole batch never exists.
    """
    xp = get_array_module(x, gy)
    qh, qw, c, f = kernel_shape
    windows = Geometry(x.shape, (qh, qw), (1, 1), dilation, "valid").windows(x)
    n, oh, ow = windows.shape[:3]

    def product(images):
        cols = xp.ascontiguousarray(windows[images]).reshape(-1, qh * qw * c)  # im2col copy
        return cols.T @ gy[images].reshape(-1, f)  # (QH*QW*C, F)

    item_bytes = oh * ow * qh * qw * c * x.itemsize
    return parallel.sum_over(product, parallel.pieces(n, item_bytes, xp)).reshape(kernel_shape)


def block_counts(kernel_size, strides):
    """(QH, QW): the taps of the block kernel, ceil(KH / SH) and ceil(KW / SW)."""
    return tuple(-(-k // s) for k, s in zip(kernel_size, strides, strict=True))


def to_blocks(x, geometry):
    """x (N, H, W, C) padded and regrouped in SH x SW blocks: (N, R, T, SH*SW*C).

    Block (r, t) holds padded pixels (r*SH + p, t*SW + q) in its channels,
    ordered (p, q, c). R = OH + (QH - 1) * DH blocks down, enough for every
    window; rows past the padded image are zeros, which only meet the zero
    taps ``kernel_to_blocks`` adds. At stride 1 the blocks are the padded x.
    """
    n, height, width, c = x.shape
    (sh, sw), (dh, dw) = geometry.strides, geometry.dilation
    qh, qw = block_counts(geometry.window, geometry.strides)
    rows = sh * (geometry.out_height + (qh - 1) * dh)  # padded height the windows read
    cols = sw * (geometry.out_width + (qw - 1) * dw)
    (top, _), (left, _) = geometry.row_padding, geometry.col_padding
    x = pad_or_crop(x, top, rows - top - height, left, cols - left - width)  # (N, rows, cols, C)
    x = x.reshape(n, rows // sh, sh, cols // sw, sw, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, rows // sh, cols // sw, sh * sw * c)


def pad_or_crop(x, top, bottom, left, right):
    """x (N, H, W, C) with rows and columns of zeros added at each side (a positive
    count) or removed (a negative count)."""
    xp = get_array_module(x)
    x = x[:, max(-top, 0):x.shape[1] - max(-bottom, 0), max(-left, 0):x.shape[2] - max(-right, 0)]
    widths = ((0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)), (0, 0))
    return xp.pad(x, widths) if any(map(any, widths)) else x


def from_blocks(blocks, strides):
    """The inverse of the regrouping in ``to_blocks``: (N, R, T, SH*SW*C) -> (N, R*SH, T*SW, C)."""
    n, r, t, channels = blocks.shape
    sh, sw = strides
    c = channels // (sh * sw)
    blocks = blocks.reshape(n, r, t, sh, sw, c).transpose(0, 1, 3, 2, 4, 5)
    return blocks.reshape(n, r * sh, t * sw, c)


def kernel_to_blocks(kernel, strides):
    """kernel (KH, KW, C, F) as the kernel of the blocks: (QH, QW, SH*SW*C, F).

    Tap (u, v) of the block kernel holds the taps (u*SH + p, v*SW + q) of the
    kernel, zero where the kernel has no such tap (KH not a multiple of SH).
    """
    xp = get_array_module(kernel)
    kh, kw, c, f = kernel.shape
    (sh, sw), (qh, qw) = strides, block_counts((kh, kw), strides)
    if (qh * sh, qw * sw) != (kh, kw):
        kernel = xp.pad(kernel, ((0, qh * sh - kh), (0, qw * sw - kw), (0, 0), (0, 0)))
    kernel = kernel.reshape(qh, sh, qw, sw, c, f).transpose(0, 2, 1, 3, 4, 5)
    return kernel.reshape(qh, qw, sh * sw * c, f)


def kernel_from_blocks(block_kernel, kernel_shape, strides):
    """The inverse of ``kernel_to_blocks``: (QH, QW, SH*SW*C, F) -> (KH, KW, C, F)."""
    qh, qw, _, f = block_kernel.shape
    kh, kw, c, _ = kernel_shape
    sh, sw = strides
    kernel = block_kernel.reshape(qh, qw, sh, sw, c, f).transpose(0, 2, 1, 3, 4, 5)
    return kernel.reshape(qh * sh, qw * sw, c, f)[:kh, :kw]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """The 2-D convolution (cross-correlation) of ``inputs`` with ``kernel``, as keras.ops.conv.

    inputs: (batch, height, width, in_channels), channels_last.
    kernel: (kernel_height, kernel_width, in_channels, filters).
    strides, dilation_rate: an int or a pair (not both above 1, as in TensorFlow);
        padding: "valid" or "same" (TensorFlow's split: the odd padding row
        or column goes at the end).
    Returns (batch, out_height, out_width, filters).
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"conv supports data_format='channels_last' only. "
                         f"Received: data_format={data_format!r}")
    if len(inputs.shape) != 4 or len(kernel.shape) != 4:
        raise ValueError(f"conv expects inputs of rank 4 (batch, height, width, channels) and a "
                         f"kernel of rank 4; received shapes {tuple(inputs.shape)} and "
                         f"{tuple(kernel.shape)}.")
    if inputs.shape[-1] != kernel.shape[2]:
        raise ValueError(f"conv: the inputs have {inputs.shape[-1]} channels but the kernel "
                         f"of shape {tuple(kernel.shape)} expects {kernel.shape[2]}.")
    strides, dilation_rate = pair(strides, "strides"), pair(dilation_rate, "dilation_rate")
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"conv: strides > 1 is not supported together with dilation_rate > 1 "
                         f"(as in TensorFlow). Received: strides={strides}, "
                         f"dilation_rate={dilation_rate}")
    return Conv2D(strides, padding.lower(), dilation_rate)(inputs, kernel)
