"""2-D max and average pooling: a max or a mean over each window, with their backward passes.

The windows of the input are one view (``sliding_window.windows``); pooling
reduces its two window axes, and the backward pass hands each window's
gradient back to the pixels it read (col2im, ``sliding_window.add_windows_back``).

``max_pool`` and ``average_pool`` (what the pooling layers call) run
``fast.pooling``'s twins of these ops: the same mathematics, a few images
at a time on every core.
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .fast.pooling import (
    DeviceMaxPool2D,
    FastAveragePool2D,
    FastMaxPool2D,
    pooling_on_device,
)
from .image_layout import from_images, image_rank, to_images, window_argument
from .sliding_window import add_windows_back, padding_argument, paddings, windows


class MaxPool2D(Function):
    """y[n, i, j, c] = max of x[n, ., ., c] over window (i, j);  dL/dx = dL/dy at each window's
    max, 0 elsewhere (a pixel that is the max of several windows gets the sum).

    Where several taps of a window hold the max, the first in row-major order
    takes the whole gradient, as TensorFlow's MaxPoolGrad does. "same" padding
    pads with -inf, so the padding never wins.
    """

    def __init__(self, pool_size, strides, padding):
        self.pool_size, self.strides, self.padding = pool_size, strides, padding

    def forward(self, x):
        self.pads = paddings(x.shape, self.pool_size, self.strides, (1, 1), self.padding)
        padded = get_array_module(x).pad(x, self.pads, constant_values=float("-inf"))
        x_windows = windows(padded, self.pool_size, self.strides, (1, 1))  # (N, OH, OW, KH, KW, C)
        n, oh, ow, kh, kw, c = x_windows.shape
        taps = x_windows.reshape(n, oh, ow, kh * kw, c)  # a copy
        self.winner = taps.argmax(axis=3)  # (N, OH, OW, C): the first tap holding the max
        self.x_shape = x.shape
        return taps.max(axis=3)  # (N, OH, OW, C)

    def backward(self, gy):
        xp = get_array_module(gy)
        (kh, kw), (n, oh, ow, c) = self.pool_size, gy.shape
        tap = xp.arange(kh * kw).reshape(-1, 1)  # (KH*KW, 1)
        won = tap == self.winner[:, :, :, None]  # (N, OH, OW, KH*KW, C)
        gwindows = (won * gy[:, :, :, None]).reshape(n, oh, ow, kh, kw, c)  # (N, OH, OW, KH, KW, C)
        return add_windows_back(gwindows, self.x_shape, self.pads, self.strides, (1, 1))


class AveragePool2D(Function):
    """y[n, i, j, c] = sum of x[n, ., ., c] over window (i, j) / count[i, j];
    dL/dx = the sum of dL/dy / count over the windows that read the pixel.

    count is the number of the window's pixels inside the image: with "same"
    padding the windows at the border average fewer pixels, as TensorFlow's do.
    """

    def __init__(self, pool_size, strides, padding):
        self.pool_size, self.strides, self.padding = pool_size, strides, padding

    def forward(self, x):
        xp = get_array_module(x)
        self.pads = paddings(x.shape, self.pool_size, self.strides, (1, 1), self.padding)
        inside = xp.pad(xp.ones((1, *x.shape[1:3], 1), x.dtype), self.pads)  # 0 on the padding
        self.count = windows(inside, self.pool_size, self.strides, (1, 1)).sum(axis=(3, 4))
        x_windows = windows(xp.pad(x, self.pads), self.pool_size, self.strides, (1, 1))
        self.x_shape = x.shape  # count: (1, OH, OW, 1); x_windows: (N, OH, OW, KH, KW, C)
        return x_windows.sum(axis=(3, 4)) / self.count  # (N, OH, OW, C)

    def backward(self, gy):
        xp = get_array_module(gy)
        share = gy / self.count  # (N, OH, OW, C): what each pixel of a window receives
        n, oh, ow, c = gy.shape
        gwindows = xp.broadcast_to(share[:, :, :, None, None], (n, oh, ow, *self.pool_size, c))
        return add_windows_back(gwindows, self.x_shape, self.pads, self.strides, (1, 1))


def _pooled(name, function, inputs, pool_size, strides, padding, data_format):
    """``function`` (a pooling op's class) on ``inputs`` of rank 3 or 4 in ``data_format``."""
    rank = image_rank(name, inputs, data_format)
    pool_size = window_argument(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else window_argument(strides, rank, "strides")
    images = to_images(inputs, rank, data_format)  # (batch, height, width, channels)
    pooled = function(images)(pool_size, strides, padding_argument(padding))(images)
    return from_images(pooled, rank, data_format)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The max over each ``pool_size`` window of ``inputs``: (batch, height, width, channels)
    images or (batch, steps, channels) sequences, channels second with
    data_format="channels_first".

    pool_size, strides: an int or one per spatial axis; strides None means ``pool_size``
        (windows side by side).
    padding: "valid" (windows inside the image) or "same" (ceil(size / stride) outputs).
    """
    return _pooled("max_pool", lambda images: DeviceMaxPool2D if pooling_on_device(images)
                   else FastMaxPool2D, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean over each ``pool_size`` window of ``inputs``.

    Arguments as ``max_pool``; with "same" padding, border windows average only
    the pixels inside the image.
    """
    return _pooled("average_pool", lambda images: FastAveragePool2D, inputs, pool_size,
                   strides, padding, data_format)
