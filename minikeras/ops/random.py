"""Random ops: dropout, and normal noise, drawn from the backend's seeded device generator."""

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module
from .fast.random import DeviceDropout, mask_on_device


class Dropout(Function):
    """y = x * keep / (1 - rate), keep a 0/1 mask drawn once;  dy/dx = keep / (1 - rate).

    ``scale`` holds keep / (1 - rate), of the noise shape (broadcast against x).
    """

    def __init__(self, scale):
        self.scale = scale

    def forward(self, x):
        return x * self.scale

    def backward(self, gy):
        return gy * self.scale


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeros each element of ``inputs`` with probability ``rate`` and scales the rest by
    1 / (1 - rate), so the expected value is unchanged ("inverted" dropout).

    noise_shape: the shape of the mask, broadcast against ``inputs``; a None
        entry takes the input's size (e.g. (None, 1, C) drops whole channels).
    seed: None (the backend's seeded device generator), an int (the same mask
        at every call, as Keras's stateless random ops), or a generator from
        ``backend.make_device_rng``.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"dropout expects 0 <= rate <= 1. Received: rate={rate}")
    data = inputs.data if isinstance(inputs, Tensor) else inputs
    if rate == 0:
        return inputs if isinstance(inputs, Tensor) else Tensor(data)
    shape = tuple(data.shape if noise_shape is None else (
        n if n is not None else data.shape[i] for i, n in enumerate(noise_shape)))
    xp = get_array_module(data)
    if rate == 1:
        return Dropout(xp.zeros(shape, dtype=data.dtype))(inputs)
    keep_probability = 1.0 - rate
    if mask_on_device(data, shape):  # the mask made in the kernel that applies it
        draws = _generator(seed).random(shape, dtype="float32")
        return DeviceDropout(draws, keep_probability)(inputs)
    keep = backend.random_mask(_generator(seed), shape, keep_probability)
    return Dropout(keep.astype(data.dtype) * (1 / keep_probability))(inputs)


def _generator(seed):
    if seed is None:
        return backend.device_rng()
    if isinstance(seed, int):
        return backend.make_device_rng(seed)
    return seed


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A Tensor of ``shape`` drawn from the normal distribution N(mean, stddev**2) on the
    device, in ``dtype`` (default floatx); it carries no gradient. seed: as ``dropout``'s."""
    dtype = dtype or backend.floatx()
    draws = _generator(seed).standard_normal(tuple(shape), dtype=dtype)
    return Tensor(draws * stddev + mean)  # Python numbers keep the draws' dtype
