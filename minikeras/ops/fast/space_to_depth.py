"""The fast convolution's machinery: space to depth, stride-1 correlation, input gradients.

Space to depth turns a strided convolution into a stride-1 one: cut the
padded image into SH x SW blocks and stack each block's pixels as channels.
A 6x6 stride-2 convolution over 24 channels becomes a 3x3 stride-1
convolution over 96 channels computing the same products (``Blocks``). At
stride 1 everything is one routine, ``correlate``: im2col and one GEMM.

The input gradient of a stride-1 convolution is itself a convolution, of
dL/dy (padded with zeros) with the kernel flipped and its channel axes
swapped; where most of that convolution's outputs would be thrown away (a
small "valid" image), the same sums come cheaper by col2im (``input_gradient``
picks one of the two).
"""

from ...backend import get_array_module
from .. import sliding_window


def input_gradient(g, block_kernel, blocks, dilation, gx):
    """Writes dL/dx of a piece into gx (images, H, W, C), from g = dL/dy (images, OH, OW, F).

    Usually as the convolution of g with the flipped block kernel. That
    convolution also computes gradients for blocks around the image that
    no output fully covers; when those are many (a small "valid" image),
    the same sums come cheaper as g @ K^T, each tap's columns added back
    where the tap read (col2im): fewer products, but a scatter.
    """
    qh, qw, c, f = block_kernel.shape
    (dh, dw), (rows, cols) = dilation, blocks.inside  # the blocks that hold x's pixels
    n, oh, ow, _ = g.shape
    if (rows.stop - rows.start) * (cols.stop - cols.start) > 1.25 * oh * ow:
        gblocks = get_array_module(g).zeros((n, *blocks.size, c), dtype=g.dtype)
        taps = g.reshape(-1, f) @ block_kernel.reshape(-1, f).T  # (images*OH*OW, QH*QW*C)
        taps = taps.reshape(n, oh, ow, qh, qw, c)  # what each tap's input receives
        for u in range(qh):
            for v in range(qw):
                gblocks[:, u * dh:u * dh + oh, v * dw:v * dw + ow] += taps[:, :, :, u, v]
        rows, cols = slice(0, None), slice(0, None)
    else:
        flipped = block_kernel[::-1, ::-1].swapaxes(2, 3)  # (QH, QW, F, SH*SW*C)
        # Zeros around g, so that every output a block pixel went into is counted.
        full = zero_padded(g, dh * (qh - 1), dw * (qw - 1))  # (images, R + .., .., F)
        gblocks = correlate(full, flipped, dilation, rows=rows, cols=cols)
    blocks.to_image(gblocks, rows.start, cols.start, gx)  # (images, H, W, C)


def stride_one_windows(x, window, dilation):
    """The windows of x (N, H, W, C) at stride 1, as a view: (N, OH, OW, QH, QW, C)."""
    return sliding_window.windows(x, window, (1, 1), dilation)


def im2col(windows):
    """Windows (N, OH, OW, QH, QW, C) copied one per row of a matrix: (N*OH*OW, QH*QW*C).

    The copy runs fastest along long rows of contiguous values: a window's rows
    (QW*C values) or, when they are shorter (one input channel), an image's
    rows (OW pixels); then the matrix is built column by column, transposed.
    """
    xp = get_array_module(windows)
    n, oh, ow, qh, qw, c = windows.shape
    if qw * c >= ow:
        return xp.ascontiguousarray(windows).reshape(n * oh * ow, qh * qw * c)
    columns = xp.ascontiguousarray(windows.transpose(3, 4, 5, 0, 1, 2))  # (QH, QW, C, N, OH, OW)
    return columns.reshape(qh * qw * c, n * oh * ow).T


def correlate(x, kernel, dilation, out=None, rows=slice(None), cols=slice(None)):
    """y[n, i, j] = sum_{a, b} x[n, i + a*dh, j + b*dw] @ kernel[a, b], at stride 1.

    x: (N, H, W, C); kernel: (QH, QW, C, F). Returns (or writes into ``out``)
    the outputs (N, OH, OW, F) in ``rows`` and ``cols`` of the "valid" ones:
    im2col and one GEMM.
    """
    xp = get_array_module(x, kernel)
    qh, qw, c, f = kernel.shape
    windows = stride_one_windows(x, (qh, qw), dilation)[:, rows, cols]  # (N, OH, OW, QH, QW, C)
    if out is None:
        out = xp.empty((*windows.shape[:3], f), dtype=xp.result_type(x, kernel))
    xp.matmul(im2col(windows), kernel.reshape(qh * qw * c, f), out=out.reshape(-1, f))
    return out  # (N, OH, OW, F)


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
        # Stride 1 and no padding: the blocks are the pixels themselves.
        self.identity = (sh, sw, r, t, top, left) == (1, 1, height, width, 0, 0)

    def from_image(self, x, out=None):
        """x (N, H, W, C) as blocks: (N, R, T, SH*SW*C), zero where the padding is;
        written into ``out`` if given. With ``identity``, x itself."""
        if self.identity:
            return x
        n, _, _, c = x.shape
        (sh, sw), (r, t) = self.strides, self.size
        if out is None:
            out = get_array_module(x).zeros((n, r, t, sh * sw * c), dtype=x.dtype)
        else:
            out[...] = 0
        blocks = out.reshape(n, r, t, sh, sw, c)
        for p, q, pixels, held in self._phases(0, 0, r, t):
            blocks[:, held[0], held[1], p, q] = x[:, pixels[0], pixels[1]]
        return out

    def to_image(self, blocks, first_row, first_col, out):
        """The inverse of ``from_image``: writes blocks (N, rows, cols, SH*SW*C) that start at
        block (first_row, first_col) into ``out`` (N, H, W, C), whose pixels that no block
        holds are left alone."""
        n, rows, cols, _ = blocks.shape
        (sh, sw), c = self.strides, self.input_shape[3]
        blocks = blocks.reshape(n, rows, cols, sh, sw, c)
        for p, q, pixels, held in self._phases(first_row, first_col, rows, cols):
            out[:, pixels[0], pixels[1]] = blocks[:, held[0], held[1], p, q]

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
