"""Initial values of weights, as ``keras.initializers``.

Random initializers draw on the host from ``backend.host_rng()`` (seeded by
``utils.set_random_seed``) and move the result to the device, so the NumPy
and CuPy backends start from the same weights. An initializer given its own
``seed`` returns the same values at every call, as Keras's do.
"""

import math

import numpy as np

from . import backend
from .autograd import Tensor
from .registry import Registry

_REGISTRY = Registry("initializer")


class Initializer:
    """Base class: ``initializer(shape, dtype=None)`` returns a Tensor of that shape.

    Subclasses implement ``sample(shape, rng)``, returning a float64 NumPy
    array, and ``get_config()``.
    """

    def __call__(self, shape, dtype=None):
        dtype = dtype or backend.floatx()
        values = self.sample(tuple(shape), self._rng())
        return Tensor(backend.to_device(np.asarray(values, dtype=dtype)))

    def _rng(self):
        seed = getattr(self, "seed", None)
        return backend.host_rng() if seed is None else np.random.default_rng(seed)

    def sample(self, shape, rng):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@_REGISTRY.register("Zeros", "zeros")
class Zeros(Initializer):
    """All zeros."""

    def sample(self, shape, rng):
        return np.zeros(shape)


@_REGISTRY.register("Ones", "ones")
class Ones(Initializer):
    """All ones."""

    def sample(self, shape, rng):
        return np.ones(shape)


@_REGISTRY.register("Constant", "constant")
class Constant(Initializer):
    """Every element equal to ``value``."""

    def __init__(self, value=0.0):
        self.value = value

    def sample(self, shape, rng):
        return np.full(shape, self.value, dtype="float64")

    def get_config(self):
        return {"value": self.value}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape as Keras counts them.

    Dense kernel (in, out): (in, out). Conv kernel (kh, kw, in, out): each
    output sees kh * kw * in inputs, so fan_in = kh * kw * in and
    fan_out = kh * kw * out. A vector counts its length for both.
    input_axes, output_axes: when both are given, the axes whose sizes multiply
    into fan_in and fan_out.
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
class VarianceScaling(Initializer):
    """Random values whose variance is ``scale / n``, n set by ``mode`` from the fans.

    mode: "fan_in", "fan_out" or "fan_avg" (the mean of both).
    distribution: "truncated_normal" (within two standard deviations),
        "untruncated_normal" or "uniform" (on [-limit, limit] with
        limit = sqrt(3 * scale / n), which has that variance).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling expects scale > 0, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Unknown mode {mode!r}: expected 'fan_in', 'fan_out' or 'fan_avg'.")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                f"Unknown distribution {distribution!r}: expected 'truncated_normal', "
                "'untruncated_normal' or 'uniform'."
            )
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.input_axes, self.output_axes = input_axes, output_axes

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
        return truncated_normal(rng, shape, math.sqrt(variance) / 0.87962566103423978)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


def truncated_normal(rng, shape, stddev, mean=0.0):
    """Normal samples, each redrawn until it lies within two standard deviations of the mean."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


@_REGISTRY.register("GlorotUniform", "glorot_uniform")
class GlorotUniform(VarianceScaling):
    """Uniform on [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)); Keras's default."""

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed,
                         input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


def get(identifier):
    """An initializer from a name ("glorot_uniform"), a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier() if isinstance(identifier, type) else identifier
    raise TypeError(
        f"Could not interpret initializer {identifier!r}: expected a name such as "
        "'glorot_uniform', an Initializer or a function (shape, dtype) -> values."
    )


def serialize(initializer):
    """Keras's dict form: {"module", "class_name", "config", "registered_name"}."""
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
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _REGISTRY.get(name)
    return cls.from_config(config.get("config", {}))
