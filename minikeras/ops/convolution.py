"""2-D convolution as one matrix product (im2col), with its backward pass.

A convolution output is a dot product between each window of the input and
each filter. Copy every window into a row of a matrix ("im2col"):
cols (N*OH*OW, KH*KW*C) @ kernel (KH*KW*C, F) computes them all in one GEMM.
The backward pass is two more GEMMs and the way back from rows to pixels
("col2im", ``sliding_window.add_windows_back``).

``Conv2D`` below is that, in full. ``conv`` and ``fused_conv`` (what the
Conv2D layer calls) run ``fast.convolution.FusedConv2D``, the same
mathematics in cache-sized pieces on every core, or on a GPU
``DeviceConv2D``, the same in a few kernels.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .fast.convolution import DeviceConv2D, FusedConv2D, convolution_on_device
from .grouped_convolution import grouped_conv
from .image_layout import from_images, image_rank, to_images, window_argument
from .reshaping import expand_dims
from .sliding_window import add_windows_back, padding_argument, paddings, pair, windows


class Conv2D(Function):
    """y[n, i, j, f] = sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, c] * k[a, b, c, f], x padded.

    With cols the im2col matrix of x (a window per row) and K the kernel as a
    (KH*KW*C, F) matrix, Y = cols @ K:  dL/dK = cols^T @ dL/dY,  dL/dcols = dL/dY @ K^T,
    and dL/dx adds up the gradients of all the copies of each pixel in cols (col2im).
    """

    def __init__(self, strides, padding, dilation):
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def forward(self, x, kernel):
        kh, kw, c, f = kernel.shape
        self.pads = paddings(x.shape, (kh, kw), self.strides, self.dilation, self.padding)
        padded = get_array_module(x).pad(x, self.pads)  # (N, H + pads, W + pads, C)
        x_windows = windows(padded, (kh, kw), self.strides, self.dilation)  # (N, OH, OW, KH, KW, C)
        self.cols = x_windows.reshape(-1, kh * kw * c)  # im2col, a copy: (N*OH*OW, KH*KW*C)
        self.x_shape, self.kernel = x.shape, kernel
        y = self.cols @ kernel.reshape(kh * kw * c, f)  # (N*OH*OW, F)
        return y.reshape(*x_windows.shape[:3], f)  # (N, OH, OW, F)

    def backward(self, gy):
        g = gy.reshape(-1, gy.shape[3])  # (N*OH*OW, F)
        gkernel = (self.cols.T @ g).reshape(self.kernel.shape)  # (KH, KW, C, F)
        gcols = g @ self.kernel.reshape(-1, g.shape[1]).T  # (N*OH*OW, KH*KW*C)
        gwindows = gcols.reshape(*gy.shape[:3], *self.kernel.shape[:3])  # (N, OH, OW, KH, KW, C)
        gx = add_windows_back(gwindows, self.x_shape, self.pads, self.strides, self.dilation)
        return gx, gkernel  # (N, H, W, C), (KH, KW, C, F)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """The 1-D or 2-D convolution (cross-correlation) of ``inputs`` with ``kernel``, as
    keras.ops.conv.

    inputs: (batch, height, width, channels) or, for 1-D, (batch, steps, channels); with
        data_format="channels_first", the channels come second.
    kernel: (kernel_height, kernel_width, channels / groups, filters), or (kernel_steps,
        channels / groups, filters). When the inputs have more channels than the kernel
        takes, the convolution is grouped, as Keras's: groups = channels / kernel's
        in_channels, each group of channels with its filters / groups filters.
    strides, dilation_rate: an int or one per spatial axis (not both above 1, as in
        TensorFlow); padding: "valid" or "same" (TensorFlow's split: the odd padding row
        or column goes at the end).
    Returns (batch, *out_spatial, filters) (channels first with "channels_first").
    """
    rank = image_rank("conv", inputs, data_format)
    if len(kernel.shape) != rank + 2:
        raise ValueError(f"conv: inputs of shape {tuple(inputs.shape)} ({rank}-D) take a "
                         f"kernel of rank {rank + 2} (*kernel_size, in_channels, filters); "
                         f"received a kernel of shape {tuple(kernel.shape)}.")
    images = to_images(inputs, rank, data_format)
    image_kernel = expand_dims(kernel, 0) if rank == 1 else kernel
    strides = window_argument(strides, rank, "strides")
    dilation_rate = window_argument(dilation_rate, rank, "dilation_rate")
    channels, kernel_channels = images.shape[-1], kernel.shape[-2]
    if channels != kernel_channels and kernel_channels and channels % kernel_channels == 0:
        outputs = grouped_conv(images, image_kernel, channels // kernel_channels, strides,
                               padding, dilation_rate)
    else:
        arguments = _conv_arguments(images, image_kernel, strides, padding, dilation_rate)
        outputs = _fast_twin(images)(*arguments)(images, image_kernel, None)
    return from_images(outputs, rank, data_format)


def fused_conv(inputs, kernel, bias=None, relu=False, strides=1, padding="valid",
               dilation_rate=1):
    """relu(conv(inputs, kernel) + bias): a Conv2D layer's three steps in one op.

    bias: (filters,) or None; relu: apply max(., 0). The other arguments are
    those of ``conv``. Each piece of the batch gets its bias and ReLU while it
    is still in cache, and the backward pass handles the three steps together.
    """
    strides, padding, dilation_rate = _conv_arguments(inputs, kernel, strides, padding,
                                                      dilation_rate)
    return _fast_twin(inputs)(strides, padding, dilation_rate, relu)(inputs, kernel, bias)


def _fast_twin(inputs):
    """The fast op for ``inputs``: FusedConv2D on a CPU, DeviceConv2D on a GPU."""
    return DeviceConv2D if convolution_on_device(inputs) else FusedConv2D


def _conv_arguments(inputs, kernel, strides, padding, dilation_rate):
    """The checked arguments of a convolution of channels_last images: (strides, padding,
    dilation_rate)."""
    if len(inputs.shape) != 4 or len(kernel.shape) != 4:
        raise ValueError(f"conv expects inputs of rank 4 (batch, height, width, channels) and a "
                         f"kernel of rank 4; received shapes {tuple(inputs.shape)} and "
                         f"{tuple(kernel.shape)}.")
    if inputs.shape[-1] != kernel.shape[2]:
        raise ValueError(f"conv: the inputs have {inputs.shape[-1]} channels but the kernel "
                         f"of shape {tuple(kernel.shape)} expects {kernel.shape[2]} (or, "
                         "grouped, a divisor of the inputs' channels).")
    strides, dilation_rate = pair(strides, "strides"), pair(dilation_rate, "dilation_rate")
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"conv: strides > 1 is not supported together with dilation_rate > 1 "
                         f"(as in TensorFlow). Received: strides={strides}, "
                         f"dilation_rate={dilation_rate}")
    return strides, padding_argument(padding), dilation_rate
