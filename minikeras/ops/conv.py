"""2-D convolution as one matrix product (im2col), with its backward pass.

A convolution output is a dot product between each window of the input and
each filter. Copy every window into a row of a matrix ("im2col"):
cols (N*OH*OW, KH*KW*C) @ kernel (KH*KW*C, F) computes them all in one GEMM.
The backward pass is one GEMM for the kernel and, for the input, one small
GEMM per kernel tap whose result is added back where that tap read.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .sliding_window import Geometry, pair


class Conv2D(Function):
    """y[n, i, j, f] = sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, c] * k[a, b, c, f].

    With cols the im2col matrix of x and K the kernel as a (KH*KW*C, F) matrix,
    Y = cols @ K, so dL/dK = cols^T @ dL/dY. For dL/dx, look at one tap (a, b)
    of the kernel: it read the slice x[:, rows, cols] (N, OH, OW, C) and
    multiplied it by k[a, b] (C, F), so that slice receives dL/dY @ k[a, b]^T.
    A loop over the KH*KW taps adds them up, never a loop over pixels.
    """

    def __init__(self, strides, padding, dilation):
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def forward(self, x, kernel):
        xp = get_array_module(x, kernel)
        kh, kw, c, f = kernel.shape
        self.geometry = Geometry(x.shape, (kh, kw), self.strides, self.dilation, self.padding)
        self.x_shape, self.kernel = x.shape, kernel
        windows = self.geometry.windows(self.geometry.pad(x))  # (N, OH, OW, KH, KW, C) view
        n, oh, ow = windows.shape[:3]
        cols = xp.ascontiguousarray(windows).reshape(n * oh * ow, kh * kw * c)  # im2col copy
        self.cols = cols if self.needs_input_grad[1] else None
        y = cols @ kernel.reshape(kh * kw * c, f)  # (N*OH*OW, F)
        return y.reshape(n, oh, ow, f)

    def backward(self, gy):
        xp = get_array_module(gy)
        f = self.kernel.shape[-1]
        gy = xp.ascontiguousarray(gy).reshape(-1, f)  # (N*OH*OW, F)
        gkernel = gx = None
        if self.needs_input_grad[1]:
            gkernel = (self.cols.T @ gy).reshape(self.kernel.shape)  # (KH, KW, C, F)
        if self.needs_input_grad[0]:
            gx = self._input_gradient(gy)
        return gx, gkernel

    def _input_gradient(self, gy):
        """dL/dx (N, H, W, C) from dL/dY (N*OH*OW, F), one kernel tap at a time."""
        xp = get_array_module(gy)
        n, _, _, c = self.x_shape
        oh, ow = self.geometry.out_height, self.geometry.out_width
        kernel_t = xp.ascontiguousarray(self.kernel.transpose(0, 1, 3, 2))  # (KH, KW, F, C)
        tap_grad = xp.empty((gy.shape[0], c), dtype=gy.dtype)  # reused by every tap
        gx = self.geometry.padded_zeros(self.x_shape, gy.dtype, xp)  # (N, H+pads, W+pads, C)
        for a, b, rows, cols in self.geometry.taps():
            xp.matmul(gy, kernel_t[a, b], out=tap_grad)  # (N*OH*OW, C)
            gx[:, rows, cols, :] += tap_grad.reshape(n, oh, ow, c)
        return self.geometry.crop(gx)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """The 2-D convolution (cross-correlation) of ``inputs`` with ``kernel``, as keras.ops.conv.

    inputs: (batch, height, width, in_channels), channels_last.
    kernel: (kernel_height, kernel_width, in_channels, filters).
    strides, dilation_rate: an int or a pair; padding: "valid" or "same"
        (TensorFlow's split: the odd padding row or column goes at the end).
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
    padding = padding.lower()
    return Conv2D(pair(strides, "strides"), padding, pair(dilation_rate, "dilation_rate"))(
        inputs, kernel)
