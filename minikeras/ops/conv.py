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
    Strides go through space to depth (``Blocks``) so that only stride 1 remains.
    """

    def __init__(self, strides, padding, dilation):
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def forward(self, x, kernel):
        geometry = Geometry(x.shape, kernel.shape[:2], self.strides, self.dilation, self.padding)
        self.blocks = Blocks(geometry, x.shape)
        self.x_blocks = self.blocks.from_image(x)  # (N, R, T, SH*SW*C)
        self.block_kernel = self.blocks.from_kernel(kernel)  # (QH, QW, SH*SW*C, F)
        return correlate(self.x_blocks, self.block_kernel, self.dilation)  # (N, OH, OW, F)

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = xp.ascontiguousarray(gy)  # (N, OH, OW, F)
        gkernel = gx = None
        if self.needs_input_grad[1]:
            gblocks = kernel_gradient(self.x_blocks, gy, self.block_kernel.shape, self.dilation)
            gkernel = self.blocks.to_kernel(gblocks)  # (KH, KW, C, F)
        if self.needs_input_grad[0]:
            gx = self._input_gradient(gy)
        return gx, gkernel

    def _input_gradient(self, gy):
        """dL/dx (N, H, W, C): dL/dY convolved with the flipped block kernel, then unblocked."""
        qh, qw = self.block_kernel.shape[:2]
        dh, dw = self.dilation
        flipped = self.block_kernel[::-1, ::-1].swapaxes(2, 3)  # (QH, QW, F, SH*SW*C)
        # Zeros around dL/dY, so that every output a block pixel went into is counted.
        full = zero_padded(gy, dh * (qh - 1), dw * (qw - 1))  # (N, R + DH*(QH-1), .., F)
        rows, cols = self.blocks.inside  # only the blocks that hold pixels of x
        gblocks = correlate(full, flipped, self.dilation, rows, cols)  # (N, rows, cols, SH*SW*C)
        return self.blocks.to_image(gblocks, rows.start, cols.start)  # (N, H, W, C)


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


def zero_padded(x, rows, cols):
    """x (N, H, W, C) with ``rows`` rows of zeros above and below, ``cols`` columns each side."""
    n, height, width, c = x.shape
    padded = get_array_module(x).zeros((n, height + 2 * rows, width + 2 * cols, c), x.dtype)
    padded[:, rows:rows + height, cols:cols + width] = x
    return padded


class Blocks:
    """Space to depth: the padded image cut into SH x SW blocks, each a pixel of SH*SW*C channels.

    Block (r, t) holds the padded pixels (r*SH + p, t*SW + q), p < SH, q < SW,
    in its channels, ordered (p, q, c). Seen on the blocks, window tap
    (a, b) = (u*SH + p, v*SW + q) of output (i, j) is channel group (p, q) of
    block (i + u, j + v): the strided convolution is a stride-1 one with a
    (QH, QW) = (ceil(KH / SH), ceil(KW / SW)) kernel. At stride 1 the blocks
    are the padded pixels themselves.

    R x T blocks cover what the windows read: R = OH + (QH - 1) * DH.
    """

    def __init__(self, geometry, input_shape):
        (sh, sw), (dh, dw) = self.strides, _ = geometry.strides, geometry.dilation
        kh, kw = self.window = geometry.window
        qh, qw = self.taps = (-(-kh // sh), -(-kw // sw))  # taps of the blocks' kernel
        self.size = (geometry.out_height + (qh - 1) * dh, geometry.out_width + (qw - 1) * dw)
        self.padding = (geometry.row_padding[0], geometry.col_padding[0])
        self.input_shape = input_shape
        _, height, width, _ = input_shape
        (top, left), (r, t) = self.padding, self.size
        # The blocks holding pixels of the image, not only padding.
        self.inside = (slice(top // sh, min(r, -(-(top + height) // sh))),
                       slice(left // sw, min(t, -(-(left + width) // sw))))

    def from_image(self, x):
        """x (N, H, W, C) as blocks: (N, R, T, SH*SW*C), zero where the padding is."""
        xp = get_array_module(x)
        n, _, _, c = x.shape
        (sh, sw), (r, t) = self.strides, self.size
        blocks = xp.zeros((n, r, t, sh, sw, c), dtype=x.dtype)
        for p, q, pixels, held in self._phases(0, 0, r, t):
            blocks[:, held[0], held[1], p, q] = x[:, pixels[0], pixels[1]]
        return blocks.reshape(n, r, t, sh * sw * c)

    def to_image(self, blocks, first_row, first_col):
        """The inverse of ``from_image`` for blocks (N, rows, cols, SH*SW*C) that start at
        block (first_row, first_col): (N, H, W, C), zero where no block holds the pixel."""
        xp = get_array_module(blocks)
        n, rows, cols, _ = blocks.shape
        (sh, sw), c = self.strides, self.input_shape[3]
        blocks = blocks.reshape(n, rows, cols, sh, sw, c)
        x = xp.zeros((n, *self.input_shape[1:]), dtype=blocks.dtype)
        for p, q, pixels, held in self._phases(first_row, first_col, rows, cols):
            x[:, pixels[0], pixels[1]] = blocks[:, held[0], held[1], p, q]
        return x

    def _phases(self, first_row, first_col, rows, cols):
        """(p, q, pixels, held) for each position (p, q) in a block: x[:, pixels] are the
        pixels at that position in blocks[:, held] (a range of blocks from the first)."""
        _, height, width, _ = self.input_shape
        (sh, sw), (top, left) = self.strides, self.padding
        for p in range(sh):
            pixel_rows, held_rows = _phase(height, top, sh, p, first_row, rows)
            for q in range(sw):
                pixel_cols, held_cols = _phase(width, left, sw, q, first_col, cols)
                yield p, q, (pixel_rows, pixel_cols), (held_rows, held_cols)

    def from_kernel(self, kernel):
        """kernel (KH, KW, C, F) as the blocks' kernel (QH, QW, SH*SW*C, F), zero where
        (u*SH + p, v*SW + q) is past the kernel's last tap."""
        xp = get_array_module(kernel)
        kh, kw, c, f = kernel.shape
        (sh, sw), (qh, qw) = self.strides, self.taps
        if (qh * sh, qw * sw) != (kh, kw):
            padded = xp.zeros((qh * sh, qw * sw, c, f), dtype=kernel.dtype)
            padded[:kh, :kw] = kernel
            kernel = padded
        kernel = kernel.reshape(qh, sh, qw, sw, c, f).transpose(0, 2, 1, 3, 4, 5)
        return kernel.reshape(qh, qw, sh * sw * c, f)

    def to_kernel(self, block_kernel):
        """The inverse of ``from_kernel``: (QH, QW, SH*SW*C, F) -> (KH, KW, C, F)."""
        qh, qw, _, f = block_kernel.shape
        (sh, sw), (kh, kw), c = self.strides, self.window, self.input_shape[3]
        kernel = block_kernel.reshape(qh, qw, sh, sw, c, f).transpose(0, 2, 1, 3, 4, 5)
        return kernel.reshape(qh * sh, qw * sw, c, f)[:kh, :kw]


def _phase(size, padding, stride, phase, first, count):
    """Along one axis: (pixels, held), the pixels x[pixels] at position ``phase`` of blocks
    ``first + held`` (blocks first..first+count-1): padded index b*stride + phase = pixel + padding.
    """
    start = max(first, -(-(padding - phase) // stride))  # the first block whose pixel is in x
    stop = min(first + count, (padding + size - 1 - phase) // stride + 1)
    if stop <= start:
        return slice(0, 0), slice(0, 0)
    pixel = start * stride + phase - padding
    return (slice(pixel, pixel + (stop - start - 1) * stride + 1, stride),
            slice(start - first, stop - first))


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
