"""2-D convolution as matrix products (im2col), with its backward pass.

A convolution output is a dot product between each window of the input and
each filter. Copy every window into a row of a matrix ("im2col"):
cols (N*OH*OW, KH*KW*C) @ kernel (KH*KW*C, F) computes them all in one GEMM.

The backward pass needs no new machinery: dL/dK = cols^T @ dL/dY, and dL/dx
is itself a convolution, of dL/dY with the kernel flipped.

What makes it fast on a CPU:
- A stride is turned into stride 1 first ("space to depth"): cut the image
  into s x s blocks and stack each block's pixels as channels. A 6x6 stride-2
  convolution over 24 channels becomes a 3x3 stride-1 convolution over 96
  channels computing the same products, and at stride 1 the input gradient
  is a plain convolution (a strided one would scatter its results).
- The batch goes through in pieces of a few images, sized so that a piece's
  im2col matrix stays in a core's cache, on every core at once (see
  ``parallel``): the im2col matrix of the whole batch (nine times the input
  for a 6x6 stride-2 kernel) never exists.
- A Conv2D layer's bias and ReLU are applied to each piece while it is in
  cache, in the same op, instead of in two more passes over the whole output.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from ..runtime import parallel
from .activation import add_bias_and_relu, relu_gradient
from .linalg import sum_of_rows
from .sliding_window import Geometry, pair

GEMM_ROWS = 256  # the fewest rows a piece's im2col matrix should have


class Conv2D(Function):
    """y = relu(conv(x, k) + b), where the bias b (F,) and the ReLU are optional, and
    conv(x, k)[n, i, j, f] = sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, c] * k[a, b, c, f].

    With cols the im2col matrix of x, K the kernel as a (KH*KW*C, F) matrix
    and g = dL/dy * (y > 0) the gradient that passes the ReLU (dL/dy without it):
        dL/dK = cols^T @ g,   dL/db = sum of g over n, i, j,
        dL/dx[n, p, q] = sum_{a, b} g[n, p - a*dh, q - b*dw] @ k[a, b]^T (stride 1),
    the convolution of g, padded with zeros, with the kernel flipped
    (a -> KH-1-a, b -> KW-1-b) and its channel axes swapped.
    Strides go through space to depth (``Blocks``) so that only stride 1 remains.
    """

    def __init__(self, strides, padding, dilation, relu=False):
        self.strides, self.padding, self.dilation, self.relu = strides, padding, dilation, relu

    def forward(self, x, kernel, bias=None):
        xp = get_array_module(x, kernel)
        geometry = Geometry(x.shape, kernel.shape[:2], self.strides, self.dilation, self.padding)
        self.blocks = Blocks(geometry, x.shape)
        self.block_kernel = self.blocks.from_kernel(kernel)  # (QH, QW, SH*SW*C, F)
        y = xp.empty((x.shape[0], geometry.out_height, geometry.out_width, kernel.shape[3]),
                     dtype=xp.result_type(x, kernel))
        # The kernel gradient reads the blocks again: keep them (unless they are x itself).
        keep_blocks = self.needs_input_grad[1] and not self.blocks.identity
        blocks_shape = (x.shape[0], *self.blocks.size, self.block_kernel.shape[2])
        self.x_blocks = xp.empty(blocks_shape, x.dtype) if keep_blocks else None

        def convolve(images):  # y[images] = relu(conv + bias), the piece staying in cache
            out = y[images]  # (images, OH, OW, F)
            kept = None if self.x_blocks is None else self.x_blocks[images]
            blocks = self.blocks.from_image(x[images], kept)  # (images, R, T, SH*SW*C)
            correlate(blocks, self.block_kernel, self.dilation, out)
            add_bias_and_relu(out, bias, self.relu)

        parallel.for_each(convolve, self._pieces(x))
        self.x, self.kernel_shape = x, kernel.shape
        self.y = y if self.relu else None
        return y

    def backward(self, gy):
        xp = get_array_module(gy)
        need_x, need_kernel, need_bias = self.needs_input_grad
        gx = xp.empty(self.x.shape, dtype=gy.dtype) if need_x else None  # zeroed piece by piece

        def gradients(images):  # this piece's share of dL/dK and dL/db; writes dL/dx
            g = gy[images]  # (images, OH, OW, F)
            if self.relu:
                g = relu_gradient(g, self.y[images])  # the gradient passes where y > 0
            if need_x:
                gx[images] = 0  # the pixels no window reads keep a zero gradient
                self._input_gradient(g, gx[images])
            if need_kernel:
                blocks = self.x[images] if self.x_blocks is None else self.x_blocks[images]
                cols = im2col(sliding_windows(blocks, self.block_kernel.shape[:2], self.dilation))
            g = g.reshape(-1, g.shape[-1])  # (images*OH*OW, F)
            return (cols.T @ g if need_kernel else 0.0,  # (QH*QW*SH*SW*C, F)
                    sum_of_rows(g) if need_bias else 0.0)  # (F,)

        none = (xp.zeros((self.block_kernel[..., 0].size, gy.shape[-1]), gy.dtype),
                xp.zeros(gy.shape[-1], gy.dtype))  # the sums over an empty batch
        gblocks, gbias = parallel.sum_over(gradients, self._pieces(gy), empty=none)
        gkernel = self.blocks.to_kernel(gblocks.reshape(self.block_kernel.shape)) \
            if need_kernel else None  # (KH, KW, C, F)
        return gx, gkernel, gbias if need_bias else None

    def _input_gradient(self, g, gx):
        """Writes dL/dx of a piece into gx (images, H, W, C).

        Usually as the convolution of g with the flipped block kernel. That
        convolution also computes gradients for blocks around the image that
        no output fully covers; when those are many (a small "valid" image),
        the same sums come cheaper as g @ K^T, each tap's columns added back
        where the tap read (col2im): fewer products, but a scatter.
        """
        qh, qw, c, f = self.block_kernel.shape
        (dh, dw), (rows, cols) = self.dilation, self.blocks.inside  # blocks that hold x's pixels
        n, oh, ow, _ = g.shape
        if (rows.stop - rows.start) * (cols.stop - cols.start) > 1.25 * oh * ow:
            gblocks = get_array_module(g).zeros((n, *self.blocks.size, c), dtype=g.dtype)
            taps = g.reshape(-1, f) @ self.block_kernel.reshape(-1, f).T  # (images*OH*OW, ..)
            taps = taps.reshape(n, oh, ow, qh, qw, c)  # what each tap's input receives
            for u in range(qh):
                for v in range(qw):
                    gblocks[:, u * dh:u * dh + oh, v * dw:v * dw + ow] += taps[:, :, :, u, v]
            rows, cols = slice(0, None), slice(0, None)
        else:
            flipped = self.block_kernel[::-1, ::-1].swapaxes(2, 3)  # (QH, QW, F, SH*SW*C)
            # Zeros around g, so that every output a block pixel went into is counted.
            full = zero_padded(g, dh * (qh - 1), dw * (qw - 1))  # (images, R + .., .., F)
            gblocks = correlate(full, flipped, self.dilation, rows=rows, cols=cols)
        self.blocks.to_image(gblocks, rows.start, cols.start, gx)  # (images, H, W, C)

    def _pieces(self, images):
        """Pieces of the batch whose im2col matrix fits in cache, but with at least
        GEMM_ROWS rows: fewer make BLAS slow."""
        qh, qw, c, _ = self.block_kernel.shape
        rows, cols = self.blocks.size
        im2col_bytes = rows * cols * qh * qw * c * images.itemsize  # one image's, about
        return parallel.pieces(images.shape[0], im2col_bytes, get_array_module(images),
                               min_items=-(-GEMM_ROWS // (rows * cols)))


def sliding_windows(x, window, dilation):
    """The windows of x (N, H, W, C) at stride 1, as a view: (N, OH, OW, QH, QW, C)."""
    return Geometry(x.shape, window, (1, 1), dilation, "valid").windows(x)


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
    windows = sliding_windows(x, (qh, qw), dilation)[:, rows, cols]  # (N, OH, OW, QH, QW, C)
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


def fused_conv(inputs, kernel, bias=None, relu=False, strides=1, padding="valid",
               dilation_rate=1):
    """relu(conv(inputs, kernel) + bias): a Conv2D layer's three steps in one op.

    bias: (filters,) or None; relu: apply max(., 0). The other arguments are
    those of ``conv``. Each piece of the batch gets its bias and ReLU while it
    is still in cache, and the backward pass handles the three steps together.
    """
    strides, padding, dilation_rate = _conv_arguments(inputs, kernel, strides, padding,
                                                      dilation_rate, None)
    return Conv2D(strides, padding, dilation_rate, relu)(inputs, kernel, bias)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """The 2-D convolution (cross-correlation) of ``inputs`` with ``kernel``, as keras.ops.conv.

    inputs: (batch, height, width, in_channels), channels_last.
    kernel: (kernel_height, kernel_width, in_channels, filters).
    strides, dilation_rate: an int or a pair (not both above 1, as in TensorFlow);
        padding: "valid" or "same" (TensorFlow's split: the odd padding row
        or column goes at the end).
    Returns (batch, out_height, out_width, filters).
    """
    strides, padding, dilation_rate = _conv_arguments(inputs, kernel, strides, padding,
                                                      dilation_rate, data_format)
    return Conv2D(strides, padding, dilation_rate)(inputs, kernel, None)


def _conv_arguments(inputs, kernel, strides, padding, dilation_rate, data_format):
    """The checked arguments of a convolution: (strides, padding, dilation_rate)."""
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
    return strides, padding.lower(), dilation_rate
