"""Grouped and depthwise 2-D convolution: each group of channels has filters of its own.

With G groups, the C input channels are cut into G groups of Cg = C / G and
the F filters into G groups of Fg = F / G; filter group g sees channel group g
only. The kernel is (KH, KW, Cg, F), and filter g*Fg + f of the output is

    y[n, i, j, g*Fg + f] = sum_{a, b, c} x[n, i*sh + a*dh, j*sw + b*dw, g*Cg + c]
                                         * k[a, b, c, g*Fg + f].

A depthwise convolution is the case of one channel per group (G = C): its
kernel (KH, KW, C, M), read as (KH, KW, 1, C*M), gives channel c the M
filters c*M .. c*M + M - 1 of its own.

The op is the textbook im2col convolution (see ``convolution`` for the fast
one that ordinary Conv2D layers use), done for every group at once: the
windows of x are copied into one matrix per group, and one batched matrix
product multiplies each by its group's filters.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .reshaping import reshape
from .sliding_window import Geometry, pair


class GroupedConv2D(Function):
    """y = grouped conv(x, k): for each group g, Y[g] = cols[g] @ K[g], where cols[g]
    (N*OH*OW, KH*KW*Cg) holds group g's windows, one per row, and K[g] (KH*KW*Cg, Fg)
    its filters. Then

        dL/dK[g] = cols[g]^T @ dL/dY[g],    dL/dcols[g] = dL/dY[g] @ K[g]^T,

    and dL/dx adds each window's row of dL/dcols back onto the pixels it was
    copied from (col2im): tap (a, b) of every window at once, as a strided slice.
    Strides and dilation only change which pixels the windows read.
    """

    def __init__(self, groups, strides, padding, dilation):
        self.groups, self.strides, self.padding, self.dilation = groups, strides, padding, dilation

    def forward(self, x, kernel):
        xp = get_array_module(x, kernel)
        kh, kw, cg, f = kernel.shape
        g = self.groups
        self.geometry = Geometry(x.shape, (kh, kw), self.strides, self.dilation, self.padding)
        windows = self.geometry.windows(self.geometry.pad(x))  # (N, OH, OW, KH, KW, C), a view
        n, oh, ow = windows.shape[:3]
        windows = windows.reshape(n, oh, ow, kh, kw, g, cg).transpose(5, 0, 1, 2, 3, 4, 6)
        cols = xp.ascontiguousarray(windows).reshape(g, n * oh * ow, kh * kw * cg)
        kernels = kernel.reshape(kh, kw, cg, g, f // g).transpose(3, 0, 1, 2, 4)
        self.kernels = kernels.reshape(g, kh * kw * cg, f // g)  # (G, KH*KW*Cg, Fg)
        self.cols = cols if self.needs_input_grad[1] else None
        self.x_shape, self.kernel_shape = x.shape, kernel.shape
        y = cols @ self.kernels  # (G, N*OH*OW, Fg)
        return y.transpose(1, 0, 2).reshape(n, oh, ow, f)  # channel g*Fg + f

    def backward(self, gy):
        xp = get_array_module(gy)
        n, oh, ow, f = gy.shape
        kh, kw, cg, _ = self.kernel_shape
        g = self.groups
        gy = gy.reshape(n * oh * ow, g, f // g).transpose(1, 0, 2)  # (G, N*OH*OW, Fg)
        gx = gkernel = None
        if self.needs_input_grad[0]:
            gcols = gy @ self.kernels.transpose(0, 2, 1)  # (G, N*OH*OW, KH*KW*Cg)
            gcols = gcols.reshape(g, n, oh, ow, kh, kw, cg).transpose(1, 2, 3, 4, 5, 0, 6)
            gx = self.geometry.padded_empty(self.x_shape, gy.dtype, xp)  # (N, H+pads, W+pads, C)
            gx[...] = 0
            for a, b, rows, cols in self.geometry.taps():
                gx[:, rows, cols, :] += gcols[:, :, :, a, b].reshape(n, oh, ow, g * cg)
            gx = self.geometry.crop(gx)  # (N, H, W, C)
        if self.needs_input_grad[1]:
            gkernels = self.cols.transpose(0, 2, 1) @ gy  # (G, KH*KW*Cg, Fg)
            gkernel = gkernels.reshape(g, kh, kw, cg, f // g).transpose(1, 2, 3, 0, 4)
            gkernel = gkernel.reshape(self.kernel_shape)  # (KH, KW, Cg, F)
        return gx, gkernel


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
    arguments = _window_arguments(strides, padding, dilation_rate)
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
    arguments = _window_arguments(strides, padding, dilation_rate)
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


def _window_arguments(strides, padding, dilation_rate):
    """(strides, padding, dilation) checked: pairs of positive ints, "valid" or "same"."""
    return pair(strides, "strides"), str(padding).lower(), pair(dilation_rate, "dilation_rate")
