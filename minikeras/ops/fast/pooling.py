"""Fast 2-D max and average pooling: a loop over the window's taps, a few images at a time.

Every tap (a, b) of the window reads a strided slice of the input of the
output's shape (``Geometry.taps``), so pooling is a running max or sum of
kh*kw slices, and the backward pass adds each tap's share of the gradient
back into its slice. Both passes go through the batch in pieces on every
core (``runtime.parallel``), so a piece's slices stay in cache. On a GPU,
``DeviceMaxPool2D`` runs each pass of max pooling as one kernel.
"""

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...backend import get_array_module, is_array
from ...runtime import kernels, parallel
from ..sliding_window import Geometry
from .device_windows import GEOMETRY, gather_over_windows, geometry_arguments


class _FastPool(Function):
    """What the two fast pools share: the window and its geometry over the input."""

    input_names = ("inputs",)

    def __init__(self, pool_size, strides, padding):
        self.pool_size, self.strides, self.padding = pool_size, strides, padding

    def _place_window(self, x):
        self.geometry = Geometry(x.shape, self.pool_size, self.strides, (1, 1), self.padding)
        self.x_shape = x.shape


class FastMaxPool2D(_FastPool):
    """Same mathematics as ``pooling.MaxPool2D``; faster because both passes go a few images
    at a time on every core, tap by tap, with no copy of the windows: each
    window's first max is found by comparing the taps with the output, and a
    tap's gradient is written, not added, where windows do not overlap.
    """

    label = "MaxPool2D"

    def forward(self, x):
        xp = get_array_module(x)
        self._place_window(x)
        self.padded = self.geometry.pad(x, value=float("-inf"))  # (N, H+pads, W+pads, C)
        self.y = _combine_taps(xp.maximum, self.geometry, self.padded)
        return self.y

    def backward(self, gy):
        xp = get_array_module(gy)
        gx = self.geometry.padded_empty(self.x_shape, gy.dtype, xp)  # (N, H + pads, W + pads, C)
        overlap = any(s < p for s, p in zip(self.strides, self.pool_size, strict=True))
        # Windows side by side covering the whole input write every pixel below; otherwise
        # each piece first zeroes its part of gx, on its core and in cache.
        tiled = self.strides == self.pool_size and gx.shape[1:3] == (
            self.geometry.out_height * self.strides[0], self.geometry.out_width * self.strides[1])
        taps = list(self.geometry.taps())

        def route(images):
            if not tiled:
                gx[images] = 0
            for rows, cols, winner in _first_winners(taps, self.padded[images], self.y[images]):
                if overlap:  # a pixel may be the max of several windows
                    gx[images, rows, cols, :] += gy[images] * winner
                else:  # each pixel is in one window at most: write, no need to add
                    xp.multiply(gy[images], winner, out=gx[images, rows, cols, :])

        parallel.for_each(route, _pieces(gx))
        return self.geometry.crop(gx)


class FastAveragePool2D(_FastPool):
    """Same mathematics as ``pooling.AveragePool2D``; faster because both passes go a few
    images at a time on every core, tap by tap, with no copy of the windows.
    """

    label = "AveragePool2D"

    def forward(self, x):
        xp = get_array_module(x)
        self._place_window(x)
        self.counts = self._counts(x.dtype, xp)  # a number, or (1, OH, OW, 1) with padding
        total = _combine_taps(xp.add, self.geometry, self.geometry.pad(x))  # (N, OH, OW, C)
        total /= self.counts
        return total

    def _counts(self, dtype, xp):
        if not self.geometry.padded:
            return float(self.pool_size[0] * self.pool_size[1])
        inside = self.geometry.pad(xp.ones((1, *self.x_shape[1:3], 1), dtype=dtype))
        return _combine_taps(xp.add, self.geometry, inside)

    def backward(self, gy):
        xp = get_array_module(gy)
        share = gy / self.counts  # (N, OH, OW, C)
        gx = self.geometry.padded_empty(self.x_shape, gy.dtype, xp)

        def spread(images):
            gx[images] = 0
            for _, _, rows, cols in self.geometry.taps():
                gx[images, rows, cols, :] += share[images]

        parallel.for_each(spread, _pieces(gx))
        return self.geometry.crop(gx)


def _first_winners(taps, padded, y):
    """(rows, cols, winner) for each tap: ``winner`` (N, OH, OW, C) is True where the tap holds
    its window's max y and no earlier tap does.

    The last tap needs no comparison: it wins every window not yet claimed
    (also one whose max is NaN, which no tap equals).
    """
    unclaimed = None  # windows whose max is not yet found
    for index, (_, _, rows, cols) in enumerate(taps):
        if unclaimed is not None and index == len(taps) - 1:
            yield rows, cols, unclaimed
            return
        winner = padded[:, rows, cols, :] == y
        if unclaimed is None:
            unclaimed = ~winner
        else:
            winner &= unclaimed
            unclaimed ^= winner
        yield rows, cols, winner


def _combine_taps(combine, geometry, padded):
    """``combine`` (a ufunc: maximum, add) folded over the window's taps of the padded input:
    (N, OH, OW, C). The first two taps go into the output in one pass."""
    xp = get_array_module(padded)
    out = xp.empty((padded.shape[0], geometry.out_height, geometry.out_width, padded.shape[3]),
                   dtype=padded.dtype)

    def fold(images):
        first, *others = (padded[images, rows, cols, :] for _, _, rows, cols in geometry.taps())
        if not others:
            out[images] = first
            return
        combine(first, others[0], out=out[images])
        for tap in others[1:]:
            combine(out[images], tap, out=out[images])

    parallel.for_each(fold, _pieces(padded))
    return out


def _pieces(images):
    """Pieces of the batch for ``parallel``, sized by the images (N, H, W, C) they read."""
    image_bytes = images.itemsize * images.shape[1] * images.shape[2] * images.shape[3]
    return parallel.pieces(images.shape[0], 2 * image_bytes, get_array_module(images))


# -- on a GPU ---------------------------------------------------------------------------

# Max pooling on a GPU, a kernel per pass. Forward: a thread per output finds its window's
# max and the first tap holding it (a NaN counting as the max, the padding as -inf), as the
# plain op's argmax does; backward: a thread per input pixel adds up dL/dy of the windows
# whose winning tap it is.
_MAX_POOL = kernels.Elementwise("minikeras_max_pool", "raw T x, " + GEOMETRY,
                                "T y, int32 winner", """
    const ptrdiff_t c = i % channels, j = i / channels % out_width;
    const ptrdiff_t r = i / (channels * out_width) % out_height;
    const ptrdiff_t n = i / (channels * out_width * out_height);
    const T minus_infinity = (T)-1 / (T)0;  // what the padding holds (no header defines it)
    T best = 0;
    int tap_of_best = 0;
    for (ptrdiff_t a = 0; a < kernel_height; ++a) {
        for (ptrdiff_t b = 0; b < kernel_width; ++b) {
            const ptrdiff_t h = r * stride_h + a * dilation_h - top;
            const ptrdiff_t w = j * stride_w + b * dilation_w - left;
            const T value = (h >= 0 && h < height && w >= 0 && w < width)
                ? x[((n * height + h) * width + w) * channels + c] : minus_infinity;
            const int tap = a * kernel_width + b;
            if (tap == 0 || (!isnan(best) && (isnan(value) || value > best))) {
                best = value;
                tap_of_best = tap;
            }
        }
    }
    y = best;
    winner = tap_of_best;
    """)
_MAX_POOL_GRADIENT = kernels.Elementwise(
    "minikeras_max_pool_gradient", "raw T gy, raw int32 winner, " + GEOMETRY, "T gx",
    gather_over_windows("""
    if (winner[out * channels + c] == a * kernel_width + b) total += gy[out * channels + c];
    """))


class DeviceMaxPool2D(_FastPool):
    """Same mathematics as ``pooling.MaxPool2D`` for a GPU, one kernel per pass (the passes
    above take a dozen array operations or more)."""

    label = "MaxPool2D"

    def forward(self, x):
        xp = get_array_module(x)
        self._place_window(x)
        self.arguments = geometry_arguments(self.geometry, x.shape)
        shape = (x.shape[0], self.geometry.out_height, self.geometry.out_width, x.shape[3])
        y, self.winner = xp.empty(shape, x.dtype), xp.empty(shape, "int32")
        _MAX_POOL(x, *self.arguments, y, self.winner)  # (N, OH, OW, C) twice
        return y

    def backward(self, gy):
        gx = get_array_module(gy).empty(self.x_shape, gy.dtype)  # (N, H, W, C)
        _MAX_POOL_GRADIENT(gy, self.winner, *self.arguments, gx)
        return gx


def pooling_on_device(x):
    """Whether ``DeviceMaxPool2D`` runs for ``x`` (a Tensor or an array): on a device."""
    data = x.data if isinstance(x, Tensor) else x
    return is_array(data) and kernels.on_device(get_array_module(data))
