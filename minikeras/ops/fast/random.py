"""Dropout on a GPU: the mask and its scaling made and applied in one kernel."""

from ...autograd.function import Function
from ...backend import get_array_module
from ...runtime import kernels

# scale = keep / (1 - rate) with keep = (uniform draw < 1 - rate), as ``backend.random_mask``
# draws it for a generator of uniforms, and y = x * scale: one launch for the comparison, the
# cast, the scaling and the product of the plain op's forward pass.
_DROPOUT = kernels.Elementwise(
    "minikeras_dropout", "T x, float32 draw, float32 keep_probability, T inverse",
    "T y, T scale", "scale = draw < keep_probability ? inverse : (T)0; y = x * scale;")


def mask_on_device(x, shape):
    """Whether ``DeviceDropout`` applies to ``x`` (an array) and a mask of ``shape``: on a
    device, the mask of x's own shape."""
    return kernels.on_device(get_array_module(x)) and tuple(shape) == x.shape


class DeviceDropout(Function):
    """Same mathematics as ``random.Dropout``, its mask made from ``draws`` (uniform float32
    draws in [0, 1) of x's shape) in the forward pass, in the kernel that applies it."""

    label = "Dropout"

    def __init__(self, draws, keep_probability):
        self.draws, self.keep_probability = draws, keep_probability

    def forward(self, x):
        xp = get_array_module(x)
        y, self.scale = xp.empty_like(x), xp.empty_like(x)
        inverse = x.dtype.type(1 / self.keep_probability)
        _DROPOUT(x, self.draws, self.keep_probability, inverse, y, self.scale)
        del self.draws
        return y

    def backward(self, gy):
        return gy * self.scale
