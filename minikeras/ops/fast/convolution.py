"""The fast 2-D convolution: a Conv2D layer's convolution, bias and ReLU in one op.

What makes it fast on a CPU:
- A stride is turned into stride 1 first (space to depth, see
  ``space_to_depth``): at stride 1 the input gradient is a plain convolution
  (a strided one would scatter its results).
- The batch goes through in pieces of a few images, sized so that a piece's
  im2col matrix stays in a core's cache, on every core at once (see
  ``runtime.parallel``): the im2col matrix of the whole batch (nine times
  the input for a 6x6 stride-2 kernel) never exists.
- A Conv2D layer's bias and ReLU are applied to each piece while it is in
  cache, in the same op, instead of in two more passes over the whole output.

On a GPU, where each array operation is a kernel launch, ``DeviceConv2D``
computes the same as the plain op does, with im2col and col2im as one
kernel each.
"""

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...backend import get_array_module, is_array
from ...runtime import kernels, parallel
from ..sliding_window import Geometry
from .activation import add_bias_and_relu, relu_gradient
from .device_windows import GEOMETRY, gather_over_windows, geometry_arguments
from .linalg import sum_of_rows
from .space_to_depth import Blocks, correlate, im2col, input_gradient, stride_one_windows

GEMM_ROWS = 256  # the fewest rows a piece's im2col matrix should have


class FusedConv2D(Function):
    """y = relu(conv(x, k) + b), where the bias b (F,) and the ReLU are optional.

    Same mathematics as ``convolution.Conv2D`` followed by adding the bias and
    ``activation.ReLU``; faster because the batch goes in cache-sized pieces
    on every core, each piece through all three steps while in cache, and
    strides go through space to depth (``Blocks``) so that only stride 1
    remains, where the input gradient is a convolution rather than a scatter.

    With cols the im2col matrix of x, K the kernel as a (KH*KW*C, F) matrix
    and g = dL/dy * (y > 0) the gradient that passes the ReLU (dL/dy without it):
        dL/dK = cols^T @ g,   dL/db = sum of g over n, i, j,
        dL/dx[n, p, q] = sum_{a, b} g[n, p - a*dh, q - b*dw] @ k[a, b]^T (stride 1),
    the convolution of g, padded with zeros, with the kernel flipped
    (a -> KH-1-a, b -> KW-1-b) and its channel axes swapped.
    """

    input_names = ("inputs", "kernel", "bias")

    def __init__(self, strides, padding, dilation, relu=False):
        self.strides, self.padding, self.dilation, self.relu = strides, padding, dilation, relu

    @property
    def label(self):
        """"Conv2D + bias + ReLU": the steps the op computes."""
        return " + ".join(["Conv2D"] + ["bias"] * self.with_bias + ["ReLU"] * self.relu)

    def forward(self, x, kernel, bias=None):
        xp = get_array_module(x, kernel)
        self.with_bias = bias is not None
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
                input_gradient(g, self.block_kernel, self.blocks, self.dilation, gx[images])
            if need_kernel:
                blocks = self.x[images] if self.x_blocks is None else self.x_blocks[images]
                cols = im2col(stride_one_windows(blocks, self.block_kernel.shape[:2],
                                                 self.dilation))
            g = g.reshape(-1, g.shape[-1])  # (images*OH*OW, F)
            return (cols.T @ g if need_kernel else 0.0,  # (QH*QW*SH*SW*C, F)
                    sum_of_rows(g) if need_bias else 0.0)  # (F,)

        none = (xp.zeros((self.block_kernel[..., 0].size, gy.shape[-1]), gy.dtype),
                xp.zeros(gy.shape[-1], gy.dtype))  # the sums over an empty batch
        gblocks, gbias = parallel.sum_over(gradients, self._pieces(gy), empty=none)
        gkernel = self.blocks.to_kernel(gblocks.reshape(self.block_kernel.shape)) \
            if need_kernel else None  # (KH, KW, C, F)
        return gx, gkernel, gbias if need_bias else None

    def _pieces(self, images):
        """Pieces of the batch whose im2col matrix fits in cache, but with at least
        GEMM_ROWS rows: fewer make BLAS slow."""
        qh, qw, c, _ = self.block_kernel.shape
        rows, cols = self.blocks.size
        im2col_bytes = rows * cols * qh * qw * c * images.itemsize  # one image's, about
        return parallel.pieces(images.shape[0], im2col_bytes, get_array_module(images),
                               min_items=-(-GEMM_ROWS // (rows * cols)))


# -- on a GPU ---------------------------------------------------------------------------

# im2col: a thread per element of cols (N*OH*OW, KH*KW*C), copying the pixel that window
# (n, r, j) reads at tap (a, b), channel c (0 in the padding). One launch where the pieces of
# FusedConv2D take a dozen copies.
_IM2COL = kernels.Elementwise("minikeras_im2col", "raw T x, " + GEOMETRY, "T cols", """
    const ptrdiff_t window = kernel_height * kernel_width * channels;
    const ptrdiff_t row = i / window, tap = i % window;
    const ptrdiff_t c = tap % channels, b = tap / channels % kernel_width;
    const ptrdiff_t a = tap / (channels * kernel_width);
    const ptrdiff_t j = row % out_width, r = row / out_width % out_height;
    const ptrdiff_t n = row / (out_width * out_height);
    const ptrdiff_t h = r * stride_h + a * dilation_h - top;
    const ptrdiff_t w = j * stride_w + b * dilation_w - left;
    cols = (h >= 0 && h < height && w >= 0 && w < width)
        ? x[((n * height + h) * width + w) * channels + c] : (T)0;
    """)
# col2im: a thread per pixel of x (N, H, W, C), adding up the gradients of its copies in
# cols, tap by tap in row-major order, as sliding_window.add_windows_back adds them.
_COL2IM = kernels.Elementwise(
    "minikeras_col2im", "raw T gcols, " + GEOMETRY, "T gx", gather_over_windows(
        "total += gcols[((out * kernel_height + a) * kernel_width + b) * channels + c];"))


class DeviceConv2D(Function):
    """Same mathematics as ``FusedConv2D`` (``convolution.Conv2D``, the bias, the ReLU) for a
    GPU, as the plain op computes it: im2col (one kernel), one product, the bias and ReLU
    (one kernel); backward: the ReLU's gradient (one kernel), two products, the bias gradient
    (a reduction) and col2im (one kernel). Eight launches where FusedConv2D, made for a CPU's
    caches, takes dozens.
    """

    label = "Conv2D"
    input_names = ("inputs", "kernel", "bias")

    def __init__(self, strides, padding, dilation, relu=False):
        self.strides, self.padding, self.dilation, self.relu = strides, padding, dilation, relu

    def forward(self, x, kernel, bias=None):
        xp = get_array_module(x, kernel)
        kh, kw, c, f = kernel.shape
        geometry = Geometry(x.shape, (kh, kw), self.strides, self.dilation, self.padding)
        self.arguments = geometry_arguments(geometry, x.shape)
        rows = x.shape[0] * geometry.out_height * geometry.out_width
        cols = xp.empty((rows, kh * kw * c), dtype=x.dtype)
        _IM2COL(x, *self.arguments, cols)  # (N*OH*OW, KH*KW*C)
        y = cols @ kernel.reshape(-1, f)  # (N*OH*OW, F)
        add_bias_and_relu(y, bias, self.relu)
        self.cols = cols if self.needs_input_grad[1] else None
        self.x_shape, self.kernel, self.y = x.shape, kernel, y if self.relu else None
        return y.reshape(x.shape[0], geometry.out_height, geometry.out_width, f)

    def backward(self, gy):
        xp = get_array_module(gy)
        need_x, need_kernel, need_bias = self.needs_input_grad
        g = gy.reshape(-1, gy.shape[-1])  # (N*OH*OW, F)
        if self.relu:
            g = relu_gradient(g, self.y)
        gkernel = (self.cols.T @ g).reshape(self.kernel.shape) if need_kernel else None
        gx = None
        if need_x:
            gcols = g @ self.kernel.reshape(-1, g.shape[1]).T  # (N*OH*OW, KH*KW*C)
            gx = xp.empty(self.x_shape, dtype=gy.dtype)
            _COL2IM(gcols, *self.arguments, gx)  # (N, H, W, C)
        return gx, gkernel, sum_of_rows(g) if need_bias else None


def convolution_on_device(x):
    """Whether ``DeviceConv2D`` runs for ``x`` (a Tensor or an array): on a device."""
    data = x.data if isinstance(x, Tensor) else x
    return is_array(data) and kernels.on_device(get_array_module(data))
