"""Random draws as ``keras.random``: normal, uniform, truncated_normal, randint, shuffle,
dropout, categorical, and the SeedGenerator that makes them repeat.

Every function takes ``seed``, as Keras's do:

- ``seed=None``: the global generator (``keras.utils.set_random_seed`` seeds
  it), so successive calls differ;
- ``seed=42``: the same numbers at every call with 42;
- ``seed=keras.random.SeedGenerator(42)``: the generator's next draws, so
  successive calls differ, and a new ``SeedGenerator(42)`` repeats them.

The numbers are drawn on the active device (NumPy's or CuPy's PCG64) and
returned as Tensors that carry no gradient. They follow Keras's distributions
but are not TensorFlow's numbers: the same seed gives the same numbers within
minikeras on one backend.
"""

import numpy as np

from . import backend
from .autograd.tensor import Tensor
from .initializers import _truncated_normal
from .ops import random as random_ops


class SeedGenerator:
    """A seed that moves on after each draw: the state of a stream of random calls.

    seed: an int; None draws one from the global generator (so it repeats after
        ``keras.utils.set_random_seed``).
    ``state`` is Keras's (2,) uint32 array: the seed and the number of draws
    taken so far.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(backend.host_rng().integers(0, 2**31 - 1))
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError("`seed` argument should be an instance of `int`. Received: "
                             f"seed={seed} (of type {type(seed)})")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        self.state = np.array([self._initial_seed, 0], dtype="uint32")

    def next(self):
        """The device generator for the next draw; the state moves on by one."""
        seed, draws = (int(v) for v in self.state)
        self.state[1] = draws + 1
        return backend.make_device_rng(backend.derived_seed(seed, draws))

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _generator(seed):
    """The device generator to draw from for ``seed`` (None, an int or a SeedGenerator)."""
    if seed is None:
        return backend.device_rng()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError("`seed` must be None, an int or a keras.random.SeedGenerator. "
                         f"Received: seed={seed!r} (of type {type(seed).__name__})")
    return backend.make_device_rng(int(seed))


def _float_dtype(dtype, function):
    dtype = np.dtype(dtype or backend.floatx())
    if dtype.kind != "f":
        raise ValueError(f"`keras.random.{function}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype} ")
    return dtype


def _floats_on_device(values):
    """``values`` as a device array; Python numbers and lists become floatx, not float64."""
    if backend.is_array(values):
        return backend.to_device(values)
    return backend.to_device(np.asarray(values, dtype=backend.floatx()))


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A Tensor of ``shape`` drawn from N(mean, stddev**2), in ``dtype`` (default floatx)."""
    return random_ops.normal(_shape(shape), mean, stddev, _float_dtype(dtype, "normal").name,
                             _generator(seed))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """A Tensor of ``shape`` drawn uniformly from [minval, maxval), in ``dtype`` (a float)."""
    dtype = _float_dtype(dtype, "uniform")
    draws = _generator(seed).random(_shape(shape), dtype=dtype.name)
    return Tensor((draws * (maxval - minval) + minval).astype(dtype, copy=False))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A Tensor of ``shape`` drawn from N(mean, stddev**2), each value more than two
    ``stddev`` from the mean drawn again (so the spread is 0.8796 * stddev)."""
    dtype = _float_dtype(dtype, "truncated_normal")
    values = _truncated_normal(_generator(seed), _shape(shape), stddev, mean, dtype.name)
    return Tensor(values.astype(dtype, copy=False))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """A Tensor of ``shape`` of integers drawn uniformly from [minval, maxval)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise ValueError("`keras.random.randint` requires an integer `dtype`. "
                         f"Received: dtype={dtype} ")
    return Tensor(_generator(seed).integers(minval, maxval, size=_shape(shape), dtype=dtype))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order (a new Tensor)."""
    data = backend.to_device(x.data if isinstance(x, Tensor) else x)
    xp = backend.get_array_module(data)
    order = xp.argsort(_generator(seed).random(data.shape[axis]))
    return Tensor(xp.take(data, order, axis=axis))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with each element zeroed with probability ``rate`` and the others scaled
    by 1 / (1 - rate) (``noise_shape``: the mask's shape, broadcast against the inputs)."""
    if not isinstance(inputs, Tensor):
        inputs = Tensor(_floats_on_device(inputs))
    return random_ops.dropout(inputs, rate, noise_shape=noise_shape, seed=_generator(seed))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """(batch, num_samples) class indices, row i drawn from softmax(logits[i]).

    logits: (batch, classes) unnormalized log-probabilities. Each draw is the
    class of the largest ``logits + g``, g standard Gumbel noise (-log(-log(u))),
    which picks class k with probability softmax(logits)[k].
    """
    data = logits.data if isinstance(logits, Tensor) else _floats_on_device(logits)
    if data.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits of shape {tuple(data.shape)}")
    xp = backend.get_array_module(data)
    batch, classes = data.shape
    uniform_draws = _generator(seed).random((batch, int(num_samples), classes))
    gumbel = -xp.log(-xp.log(xp.maximum(uniform_draws, np.finfo("float64").tiny)))
    return Tensor(xp.argmax(data[:, None, :] + gumbel, axis=-1).astype(dtype))


__all__ = ["SeedGenerator", "categorical", "dropout", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]
