"""What the window kernels of a GPU share: the geometry they take, and a gather over windows.

Convolution and pooling kernels take a thread per element and find the
pixels or windows it relates to by integer arithmetic on the geometry of a
window sliding over images (N, H, W, C), channels last (see
``sliding_window``): output pixel (r, j) reads input pixel
(r*SH + a*DH - top, j*SW + b*DW - left) at tap (a, b).
"""

# The kernel parameters every window kernel takes, in the order ``geometry_arguments``
# gives their values.
GEOMETRY = ("int64 height, int64 width, int64 channels, int64 out_height, int64 out_width, "
            "int64 kernel_height, int64 kernel_width, int64 stride_h, int64 stride_w, "
            "int64 dilation_h, int64 dilation_w, int64 top, int64 left")


def geometry_arguments(geometry, x_shape):
    """The values of ``GEOMETRY`` for a window placed by ``geometry`` (``sliding_window.Geometry``)
    over images of x_shape (N, H, W, C)."""
    _, height, width, channels = x_shape
    return (height, width, channels, geometry.out_height, geometry.out_width, *geometry.window,
            *geometry.strides, *geometry.dilation, geometry.row_padding[0],
            geometry.col_padding[0])


def gather_over_windows(body):
    """The source of a kernel with a thread per input pixel (N, H, W, C) that visits every
    window reading it, tap (a, b) in row-major order, and writes ``gx = total``: ``body``
    adds to ``total`` what window ``out`` (its flat index (n*OH + r)*OW + j) sends back."""
    return """
    const ptrdiff_t c = i % channels, w = i / channels % width;
    const ptrdiff_t h = i / (channels * width) % height, n = i / (channels * width * height);
    T total = 0;
    for (ptrdiff_t a = 0; a < kernel_height; ++a) {
        const ptrdiff_t above = h + top - a * dilation_h;  // r * stride_h, for window row r
        const ptrdiff_t r = above / stride_h;
        if (above >= 0 && above % stride_h == 0 && r < out_height) {
            for (ptrdiff_t b = 0; b < kernel_width; ++b) {
                const ptrdiff_t before = w + left - b * dilation_w;
                const ptrdiff_t j = before / stride_w;
                if (before >= 0 && before % stride_w == 0 && j < out_width) {
                    const ptrdiff_t out = (n * out_height + r) * out_width + j;
                    BODY
                }
            }
        }
    }
    gx = total;
    """.replace("BODY", body)
