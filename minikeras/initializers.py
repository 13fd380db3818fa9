"""Initial values of weights, as ``keras.initializers``.

Random initializers draw on the host with NumPy and move the result to the
device, so the NumPy and CuPy backends start from the same weights. As in
Keras 3, one initializer instance returns the same values at every call: a
``seed`` fixes them, and without one the instance draws its own seed once,
when it is created, from ``backend.host_rng()`` (which
``utils.set_random_seed`` seeds). A layer given the name "glorot_uniform"
makes a new instance, so two layers never share their values by accident.

The variance-scaling family (Glorot, He, LeCun) sets the variance from the
weight's fans: fan_in inputs feed each output, fan_out outputs read each input.
"""

import math

import numpy as np

from . import backend
from .autograd import Tensor
from .registry import Registry
from .serialization import deserialize_keras_object, serialize_keras_object
from .utils import keras2

_REGISTRY = Registry("initializer")

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
    "OrthogonalInitializer", "RandomNormal",
    "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros", "constant", "deserialize",
    "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
    "serialize", "truncated_normal", "variance_scaling", "zeros",
]


class Initializer:
    """Base class: ``initializer(shape, dtype=None)`` returns a Tensor of that shape.

    Subclasses implement ``sample(shape, rng)``, returning a float64 NumPy
    array (``rng`` is a NumPy Generator), and ``get_config()``.
    """

    def __call__(self, shape, dtype=None):
        dtype = dtype or backend.floatx()
        values = self.sample(tuple(shape), self._rng())
        return Tensor(backend.to_device(np.asarray(values, dtype=dtype)))

    def _rng(self):
        return None

    def sample(self, shape, rng):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class RandomInitializer(Initializer):
    """Base of the random initializers.

    seed: an int, or None to draw one now from the host generator. Either
        way every call returns the same values (Keras 3's semantics);
        ``get_config`` keeps the seed as given.
    """

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"{type(self).__name__}: `seed` must be an int or None. "
                             f"Received: seed={seed!r}")
        self.seed = seed
        self._seed = seed if seed is not None else int(backend.host_rng().integers(1, 10**9))

    def _rng(self):
        return np.random.default_rng(self._seed)

    def get_config(self):
        return {"seed": self.seed}


@_REGISTRY.register("Zeros", "zeros", "zero")
class Zeros(Initializer):
    """All zeros."""

    def sample(self, shape, rng):
        return np.zeros(shape)


@_REGISTRY.register("Ones", "ones", "one")
class Ones(Initializer):
    """All ones."""

    def sample(self, shape, rng):
        return np.ones(shape)


@_REGISTRY.register("Constant", "constant")
class Constant(Initializer):
    """Every element equal to ``value``: a number, or an array (or Tensor) broadcast to the
    shape asked for. An array is saved as Keras saves it, as a "__numpy__" config."""

    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape, rng):
        return np.broadcast_to(backend.to_numpy(self.value), shape).astype("float64")

    def get_config(self):
        value = backend.to_numpy(self.value) if isinstance(self.value, Tensor) else self.value
        return {"value": serialize_keras_object(value)}

    @classmethod
    def from_config(cls, config):
        return cls(deserialize_keras_object(config["value"]))


@_REGISTRY.register("Identity", "identity", "IdentityInitializer")
class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; non-square ones get a partial one)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def sample(self, shape, rng):
        if len(shape) != 2:
            raise ValueError(f"Identity can only initialize 2-D matrices. Received: "
                             f"shape={shape} of rank {len(shape)}.")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


@_REGISTRY.register("RandomNormal", "random_normal", "normal")
class RandomNormal(RandomInitializer):
    """Normal samples with mean ``mean`` and standard deviation ``stddev``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


@_REGISTRY.register("TruncatedNormal", "truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Normal samples with ``mean`` and ``stddev``, redrawn until within two ``stddev`` of the mean.

    The cut makes the actual standard deviation 0.8796 * stddev.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev
        super().__init__(seed)

    def sample(self, shape, rng):
        return _truncated_normal(rng, shape, self.stddev, self.mean)

    def get_config(self):
        return {"seed": self.seed, "mean": self.mean, "stddev": self.stddev}


@_REGISTRY.register("RandomUniform", "random_uniform", "uniform")
class RandomUniform(RandomInitializer):
    """Uniform samples on [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        super().__init__(seed)

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"seed": self.seed, "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape as Keras counts them.

    Dense kernel (in, out): (in, out). Conv kernel (kh, kw, in, out): each
    output sees kh * kw * in inputs, so fan_in = kh * kw * in and
    fan_out = kh * kw * out. A vector counts its length for both, a scalar 1.
    input_axes, output_axes: the axes whose sizes multiply to each fan,
        overriding the rule above (both must be given).
    """
    if input_axes is not None and output_axes is not None:
        return (math.prod(shape[a] for a in input_axes),
                math.prod(shape[a] for a in output_axes))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


@_REGISTRY.register("VarianceScaling", "variance_scaling")
class VarianceScaling(RandomInitializer):
    """Random values whose variance is ``scale / n``, n set by ``mode`` from the fans.

    mode: "fan_in", "fan_out" or "fan_avg" (the mean of both); n is at least 1.
    distribution: "truncated_normal" (within two standard deviations, the
        default; "normal" means it too), "untruncated_normal", or "uniform"
        (on [-limit, limit] with limit = sqrt(3 * scale / n), which has that variance).
    input_axes, output_axes: see ``compute_fans``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling expects scale > 0. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Unknown mode {mode!r}: expected 'fan_in', 'fan_out' or 'fan_avg'.")
        distribution = distribution.lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                f"Unknown distribution {distribution!r}: expected 'truncated_normal', "
                "'untruncated_normal' or 'uniform'."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed)

    def sample(self, shape, rng):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        # A normal cut at two standard deviations has 0.8796... of its standard
        # deviation; dividing by it restores the variance asked for.
        return _truncated_normal(rng, shape, math.sqrt(variance) / 0.87962566103423978)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _truncated_normal(rng, shape, stddev, mean=0.0, dtype="float64"):
    """Normal samples, each redrawn until it lies within two standard deviations of the mean.

    rng: a NumPy Generator, or the device's (``keras.random.truncated_normal``).
    """
    values = rng.standard_normal(shape, dtype=dtype)
    xp = backend.get_array_module(values)
    outside = xp.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()), dtype=dtype)
        outside = xp.abs(values) > 2
    return mean + stddev * values


class _FixedVarianceScaling(VarianceScaling):
    """A named member of the family: only the seed (and the fan axes) can be chosen."""

    scale, mode, distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        cls = type(self)
        super().__init__(cls.scale, cls.mode, cls.distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


@_REGISTRY.register("GlorotUniform", "glorot_uniform")
class GlorotUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)); Keras's default kernel."""

    scale, mode, distribution = 1.0, "fan_avg", "uniform"


@_REGISTRY.register("GlorotNormal", "glorot_normal")
class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal with variance 2 / (fan_in + fan_out)."""

    scale, mode, distribution = 1.0, "fan_avg", "truncated_normal"


@_REGISTRY.register("HeNormal", "he_normal")
class HeNormal(_FixedVarianceScaling):
    """Truncated normal with variance 2 / fan_in, for relu networks."""

    scale, mode, distribution = 2.0, "fan_in", "truncated_normal"


@_REGISTRY.register("HeUniform", "he_uniform")
class HeUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(6 / fan_in), for relu networks."""

    scale, mode, distribution = 2.0, "fan_in", "uniform"


@_REGISTRY.register("LecunNormal", "lecun_normal")
class LecunNormal(_FixedVarianceScaling):
    """Truncated normal with variance 1 / fan_in, for selu networks."""

    scale, mode, distribution = 1.0, "fan_in", "truncated_normal"


@_REGISTRY.register("LecunUniform", "lecun_uniform")
class LecunUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(3 / fan_in)."""

    scale, mode, distribution = 1.0, "fan_in", "uniform"


@_REGISTRY.register("Orthogonal", "orthogonal", "OrthogonalInitializer")
class Orthogonal(RandomInitializer):
    """``gain`` times a random orthogonal matrix (for shapes of rank >= 2, flattened to
    (prod(shape[:-1]), shape[-1])): its rows or its columns, whichever are fewer, are
    orthonormal. Made as Keras does, from the QR decomposition of a normal matrix
    with the signs fixed so that the result is uniformly distributed.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def sample(self, shape, rng):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal can only initialize tensors of rank >= 2. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        normal = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(normal)  # q: (max, min) with orthonormal columns
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}


# Keras's lower-case names are the classes themselves: he_normal(seed=1) is HeNormal(seed=1).
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
glorot_uniform, glorot_normal, he_normal, he_uniform = (
    GlorotUniform, GlorotNormal, HeNormal, HeUniform)
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal  # Keras's older names
# Keras 2's names (keras.initializers.normal(stddev=0.01)); as strings Keras 3 keeps them.
__getattr__ = keras2.renamed_attributes(__name__, {
    "zero": "zeros", "one": "ones", "normal": "random_normal", "uniform": "random_uniform"})


def get(identifier):
    """An initializer from a name ("glorot_uniform"), a config dict, an instance, a class,
    a callable ``(shape, dtype) -> values``, or the values themselves (an array or a
    Tensor: the initializer returns them, for their shape only)."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, (Tensor, np.ndarray, np.generic)) or backend.is_array(identifier):
        return _values_initializer(identifier)
    if callable(identifier):
        return identifier() if isinstance(identifier, type) else identifier
    raise TypeError(
        f"Could not interpret initializer {identifier!r}: expected a name such as "
        "'glorot_uniform', an Initializer or a function (shape, dtype) -> values."
    )


def _values_initializer(values):
    """An initializer returning ``values`` (cast to the dtype asked for), as Keras makes of
    an array given where an initializer is expected."""

    def initialize(shape, dtype=None):
        if tuple(shape) != tuple(values.shape):
            raise ValueError(f"Expected `shape` to be {tuple(values.shape)} for direct tensor "
                             f"as initializer. Received shape={tuple(shape)}")
        array = values.data if isinstance(values, Tensor) else values
        return Tensor(backend.to_device(array, dtype=dtype or backend.floatx()))

    return initialize


def serialize(initializer):
    """Keras's dict form: {"module", "class_name", "config", "registered_name"}; None stays None."""
    if initializer is None:
        return None
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """The initializer described by ``config`` (the dict ``serialize`` makes, or a name)."""
    if isinstance(config, str):
        return get(config)
    cls = _REGISTRY.class_of_config(config, custom_objects)
    return cls.from_config(config.get("config", {}))
