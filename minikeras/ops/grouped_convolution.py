"""Grouped and depthwise 2-D convolution: each group of channels has filters of its own.

With G groups, the C input channels are cut into G groups of Cg = C / G and
the F filters into G groups of Fg = F / G; filter group g sees channel group g
only. The kernel is (KH, KW, Cg, F), and filter g*Fg + f of the output is

    y[n, i, j, g*Fg + f] = sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, g*Cg + c]
                                         * k[a, b, c, g*Fg + f].

A depthwise convolution is the case of one channel per group (G = C): its
kernel (KH, KW, C, M), read as (KH, KW, 1, C*M), gives channel c the M
filters c*M .. c*M + M - 1 of its own.

The op is ``convolution.Conv2D`` (im2col, one product, col2im back) done for
every group at once: the windows of x are copied into one matrix per group,
and one batched matrix product multiplies each by its group's filters.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .reshaping import reshape
from .sliding_window import Geometry, add_windows_back, padding_argument, paddings, pair, windows


class GroupedConv2D(Function):
    """y = grouped conv(x, k): for each group g, Y[g] = cols[g] @ K[g], where cols[g]
    (N*OH*OW, KH*KW*Cg) holds group g's windows, one per row, and K[g] (KH*KW*Cg, Fg)
    its filters. Then

        dL/dK[g] = cols[g]^T @ dL/dY[g],    dL/dcols[g] = dL/dY[g] @ K[g]^T,

    and dL/dx adds the gradients of all the copies of each pixel back (col2im).
    With one group it is ``convolution.Conv2D``.
    """

    def __init__(self, groups, strides, padding, dilation):
        self.groups, self.strides, self.padding, self.dilation = groups, strides, padding, dilation

    def forward(self, x, kernel):
        kh, kw, cg, f = kernel.shape
        g = self.groups
        self.pads = paddings(x.shape, (kh, kw), self.strides, self.dilation, self.padding)
        padded = get_array_module(x).pad(x, self.pads)  # (N, H + pads, W + pads, C)
        x_windows = windows(padded, (kh, kw), self.strides, self.dilation)  # (N, OH, OW, KH, KW, C)
        n, oh, ow = x_windows.shape[:3]
        by_group = x_windows.reshape(n, oh, ow, kh, kw, g, cg).transpose(5, 0, 1, 2, 3, 4, 6)
        self.cols = by_group.reshape(g, n * oh * ow, kh * kw * cg)  # im2col per group, a copy
        kernels = kernel.reshape(kh, kw, cg, g, f // g).transpose(3, 0, 1, 2, 4)
        self.kernels = kernels.reshape(g, kh * kw * cg, f // g)  # (G, KH*KW*Cg, Fg)
        self.x_shape, self.kernel_shape = x.shape, kernel.shape
        y = self.cols @ self.kernels  # (G, N*OH*OW, Fg)
        return y.transpose(1, 0, 2).reshape(n, oh, ow, f)  # channel g*Fg + f

    def backward(self, gy):
        n, oh, ow, f = gy.shape
        kh, kw, cg, _ = self.kernel_shape
        g = self.groups
        gy = gy.reshape(n * oh * ow, g, f // g).transpose(1, 0, 2)  # (G, N*OH*OW, Fg)
        gkernels = self.cols.transpose(0, 2, 1) @ gy  # (G, KH*KW*Cg, Fg)
        gkernel = gkernels.reshape(g, kh, kw, cg, f // g).transpose(1, 2, 3, 0, 4)
        gcols = gy @ self.kernels.transpose(0, 2, 1)  # (G, N*OH*OW, KH*KW*Cg)
        gwindows = gcols.reshape(g, n, oh, ow, kh, kw, cg).transpose(1, 2, 3, 4, 5, 0, 6)
        gx = add_windows_back(gwindows.reshape(n, oh, ow, kh, kw, g * cg), self.x_shape,
                              self.pads, self.strides, self.dilation)
        return gx, gkernel.reshape(self.kernel_shape)  # (N, H, W, C), (KH, KW, Cg, F)


def grouped_conv(inputs, kernel, groups, strides=1, padding="valid", dilation_rate=1):
    """The convolution of ``inputs`` (batch, height, width, channels) with ``kernel``
    (kernel_height, kernel_width, channels / groups, filters), each of the ``groups`` groups
    of channels with its own filters. strides and dilation_rate: an int or a pair (both may
    be above 1); padding: "valid" or "same" (TensorFlow's split).
    Returns (batch, out_height, out_width, filters).
    """
    name = "grouped_conv"
    check_images_and_kernel(name, inputs, kernel)
    channels, filters = inputs.shape[-1], kernel.shape[3]
    if not isinstance(groups, int) or groups < 1 or channels % groups or filters % groups:
        raise ValueError(f"{name}: groups must be a positive int dividing both the input's "
                         f"{channels} channels and the kernel's {filters} filters. "
                         f"Received: groups={groups!r}")
    if kernel.shape[2] * groups != channels:
        raise ValueError(f"{name}: with groups={groups}, a kernel for inputs of {channels} "
                         f"channels has shape (height, width, {channels // groups}, filters); "
                         f"received {tuple(kernel.shape)}.")
    arguments = _window_arguments(inputs, kernel.shape[:2], strides, padding, dilation_rate)
    return GroupedConv2D(groups, *arguments)(inputs, kernel)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """The depthwise convolution of ``inputs`` (batch, height, width, channels), as
    keras.ops.depthwise_conv: each channel convolved with its own ``depth_multiplier`` filters.

    kernel: (kernel_height, kernel_width, channels, depth_multiplier).
    Returns (batch, out_height, out_width, channels * depth_multiplier), channel c*M + m
    holding channel c convolved with filter m.
    """
    name = "depthwise_conv"
    check_images_and_kernel(name, inputs, kernel, data_format)
    kh, kw, channels, multiplier = kernel.shape
    if inputs.shape[-1] != channels:
        raise ValueError(f"{name}: the inputs have {inputs.shape[-1]} channels but the kernel "
                         f"of shape {tuple(kernel.shape)} expects {channels}.")
    arguments = _window_arguments(inputs, (kh, kw), strides, padding, dilation_rate)
    one_channel_per_group = reshape(kernel, (kh, kw, 1, channels * multiplier))
    return GroupedConv2D(channels, *arguments)(inputs, one_channel_per_group)


def check_images_and_kernel(name, inputs, kernel, data_format=None):
    """A ValueError unless ``inputs`` are channels_last images of rank 4 and ``kernel`` has
    rank 4 (what the convolution ops compute on)."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{name} supports data_format='channels_last' only. "
                         f"Received: data_format={data_format!r}")
    if len(inputs.shape) != 4 or len(kernel.shape) != 4:
        raise ValueError(f"{name} expects inputs of rank 4 (batch, height, width, channels) and "
                         f"a kernel of rank 4; received shapes {tuple(inputs.shape)} and "
                         f"{tuple(kernel.shape)}.")


def _window_arguments(inputs, window, strides, padding, dilation_rate):
    """(strides, padding, dilation) checked: pairs of positive ints, "valid" or "same", and
    the window fitting the inputs (a ValueError naming the sizes otherwise)."""
    strides, dilation = pair(strides, "strides"), pair(dilation_rate, "dilation_rate")
    padding = padding_argument(padding)
    Geometry(inputs.shape, window, strides, dilation, padding)  # raises if it does not fit
    return strides, padding, dilation
