"""The transposed 2-D convolution ("deconvolution"): a convolution run backwards.

A convolution with strides s maps an (OH, OW) image to about (OH / s, OW / s)
outputs; its transpose maps (H, W) inputs back up to (OH, OW): each input
pixel spreads its channels, through the kernel, over the window that a
convolution would have read. It is exactly the map that carries a
convolution's output gradient back to its input, which is how TensorFlow
computes it (Conv2DBackpropInput), so its own backward pass is an ordinary
convolution.

So it is ``convolution.Conv2D`` read backwards: its forward pass is one
matrix product and col2im, its backward pass im2col and two products.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .grouped_convolution import check_images_and_kernel
from .sliding_window import Geometry, add_windows_back, padding_argument, paddings, pair, windows


class ConvTranspose2D(Function):
    """y = conv_transpose(x, k), for x (N, H, W, C) and k (KH, KW, F, C):

        y[n, i*sh + a*dh - top, j*sw + b*dw - left, f] += sum_c x[n, i, j, c] * k[a, b, f, c]

    for every input pixel (i, j) and tap (a, b), where top and left are the
    padding a convolution of the (OH, OW) output would have. So with X = x as
    (N*H*W, C) and K = k as (KH*KW*F, C), the windows' values X @ K^T are added
    into the output (col2im); the backward pass copies g = dL/dy's windows into
    gcols (N*H*W, KH*KW*F) (im2col), and

        dL/dx = gcols @ K    (the convolution of g with k),    dL/dK = gcols^T @ X.
    """

    def __init__(self, output_size, strides, padding, dilation):
        self.output_size, self.strides = output_size, strides
        self.padding, self.dilation = padding, dilation

    def forward(self, x, kernel):
        n, h, w, c = x.shape
        kh, kw, f, _ = kernel.shape
        y_shape = (n, *self.output_size, f)
        self.pads = paddings(y_shape, (kh, kw), self.strides, self.dilation, self.padding)
        cols = x.reshape(-1, c) @ kernel.reshape(kh * kw * f, c).T  # (N*H*W, KH*KW*F)
        self.x, self.kernel = x, kernel
        return add_windows_back(cols.reshape(n, h, w, kh, kw, f), y_shape, self.pads,
                                self.strides, self.dilation)  # (N, OH, OW, F)

    def backward(self, gy):
        kh, kw, f, c = self.kernel.shape
        padded = get_array_module(gy).pad(gy, self.pads)  # (N, OH + pads, OW + pads, F)
        gy_windows = windows(padded, (kh, kw), self.strides, self.dilation)  # (N, H, W, KH, KW, F)
        gcols = gy_windows.reshape(-1, kh * kw * f)  # im2col, a copy: (N*H*W, KH*KW*F)
        gx = (gcols @ self.kernel.reshape(kh * kw * f, c)).reshape(self.x.shape)  # (N, H, W, C)
        gkernel = (gcols.T @ self.x.reshape(-1, c)).reshape(self.kernel.shape)  # (KH, KW, F, C)
        return gx, gkernel


def transposed_output_size(size, window, stride, dilation, padding, output_padding=None):
    """The length a transposed convolution gives an axis of ``size`` inputs, as Keras computes it.

    span = (window - 1) * dilation + 1 is the dilated window. Without
    ``output_padding``: "valid" gives (size - 1) * stride + max(span, stride) and "same"
    size * stride; with it, (size - 1) * stride + span (valid) or + span % 2 (same),
    plus output_padding.
    """
    span = (window - 1) * dilation + 1
    if output_padding is None:
        return (size - 1) * stride + max(span, stride) if padding == "valid" else size * stride
    return (size - 1) * stride + (span if padding == "valid" else span % 2) + output_padding


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The transposed convolution of ``inputs`` with ``kernel``, as keras.ops.conv_transpose.

    inputs: (batch, height, width, in_channels), channels_last.
    kernel: (kernel_height, kernel_width, filters, in_channels): note the order,
        that of the convolution this one transposes.
    strides, dilation_rate: an int or a pair (not both above 1); padding: "valid" or
    "same"; output_padding: None, an int or a pair, each below its stride, the extra
    rows and columns the output gets (see ``transposed_output_size``).
    Returns (batch, out_height, out_width, filters).
    """
    name = "conv_transpose"
    check_images_and_kernel(name, inputs, kernel, data_format)
    if inputs.shape[-1] != kernel.shape[3]:
        raise ValueError(f"{name}: the inputs have {inputs.shape[-1]} channels but the kernel of "
                         f"shape {tuple(kernel.shape)} expects {kernel.shape[3]} (its last axis).")
    strides, dilation = pair(strides, "strides"), pair(dilation_rate, "dilation_rate")
    padding = padding_argument(padding)
    extra = (None, None) if output_padding is None else _output_padding(output_padding, strides)
    output_size = tuple(
        transposed_output_size(size, window, stride, rate, padding, more)
        for size, window, stride, rate, more in zip(inputs.shape[1:3], kernel.shape[:2], strides,
                                                    dilation, extra, strict=True))
    check = Geometry((1, *output_size, 1), kernel.shape[:2], strides, dilation, padding)
    if (check.out_height, check.out_width) != tuple(inputs.shape[1:3]):
        raise ValueError(
            f"{name}: no convolution maps an output of size {output_size} back to inputs of "
            f"size {tuple(inputs.shape[1:3])} with kernel size {tuple(kernel.shape[:2])}, "
            f"strides={strides}, padding={padding!r} and output_padding={output_padding!r}: "
            f"choose another output_padding.")
    return ConvTranspose2D(output_size, strides, padding, dilation)(inputs, kernel)


def _output_padding(output_padding, strides):
    """``output_padding`` as a pair of ints, each >= 0 and below its stride."""
    values = (output_padding,) * 2 if isinstance(output_padding, int) else tuple(output_padding)
    if len(values) != 2 or not all(isinstance(v, int) and 0 <= v < s
                                   for v, s in zip(values, strides, strict=False)):
        raise ValueError(f"`output_padding` must be an int or a pair of ints, each >= 0 and "
                         f"below its stride. Received: output_padding={output_padding!r}, "
                         f"strides={strides}")
    return values
