"""Learning-rate schedules: the learning rate as a function of the optimizer's step.

An optimizer given a schedule calls it with its ``iterations`` before every
update. The built-in schedules compute as Keras does, in the float type of
``initial_learning_rate`` (``floatx()``), so that where a formula rounds or
floors (``staircase``, the restarts of ``CosineDecayRestarts``) the step at
which the rate changes is the same as in tf.keras. A learning rate is a
scalar, so the arithmetic runs on the host; ``step`` may also be an array of
steps (to plot a schedule), which gives an array of rates.
"""

import math

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..registry import Registry

_REGISTRY = Registry("learning rate schedule")


class LearningRateSchedule:
    """Base class of schedules: ``schedule(step)`` is the learning rate at ``step``.

    Subclasses implement ``__call__(step)`` and ``get_config()`` (the
    constructor arguments, so ``from_config`` can rebuild them).
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _FloatSchedule(LearningRateSchedule):
    """A built-in schedule: ``rate(step)`` computes with NumPy scalars of floatx on the host."""

    def __call__(self, step):
        dtype = np.dtype(backend.floatx())
        step = np.asarray(backend.to_numpy(step)).astype(dtype)
        return Tensor(backend.to_device(np.asarray(self.rate(step, dtype.type), dtype=dtype)))

    def rate(self, step, cast):
        """The learning rate at ``step`` (floatx values); ``cast`` makes floatx scalars."""
        raise NotImplementedError


def _check_positive(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


@_REGISTRY.register("ExponentialDecay")
class ExponentialDecay(_FloatSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    staircase=True uses ``floor(step / decay_steps)``: the rate drops every
    ``decay_steps`` steps instead of continuously.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def rate(self, step, cast):
        p = step / cast(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return cast(self.initial_learning_rate) * cast(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


@_REGISTRY.register("PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while step <= boundaries[0], ``values[1]`` while step <= boundaries[1],
    ..., ``values[-1]`` after the last boundary.

    As in Keras, the boundaries take the type of ``step``: with an integer
    step (the optimizer's ``iterations``), float boundaries are truncated.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = np.asarray(backend.to_numpy(step))
        boundaries = np.asarray(self.boundaries).astype(step.dtype)
        values = np.asarray(self.values, dtype=backend.floatx())
        # values[i] where boundaries[i - 1] < step <= boundaries[i]
        interval = np.searchsorted(boundaries, step, side="left")
        return Tensor(backend.to_device(values[interval]))

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@_REGISTRY.register("PolynomialDecay")
class PolynomialDecay(_FloatSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` steps:

        (initial - end) * (1 - step / decay_steps) ** power + end

    then ``end_learning_rate``; with cycle=True, decay_steps grows to the
    first multiple of itself above step, so the rate rises and decays again.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def rate(self, step, cast):
        decay_steps = cast(self.decay_steps)
        if self.cycle:
            multiplier = np.where(step == 0, cast(1.0), np.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        initial, end = cast(self.initial_learning_rate), cast(self.end_learning_rate)
        return (initial - end) * (1 - p) ** cast(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


@_REGISTRY.register("InverseTimeDecay")
class InverseTimeDecay(_FloatSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    staircase=True uses ``floor(step / decay_steps)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def rate(self, step, cast):
        p = step / cast(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return cast(self.initial_learning_rate) / (1 + cast(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _cosine_decay(step, decay_steps, alpha, cast):
    """The factor ``(1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha``."""
    cosine = 0.5 * (1.0 + np.cos(cast(math.pi) * (step / decay_steps)))
    return (1 - alpha) * cosine + alpha


@_REGISTRY.register("CosineDecay")
class CosineDecay(_FloatSchedule):
    """Half a cosine from ``initial_learning_rate`` down to ``alpha`` times it, over
    ``decay_steps`` steps (Loshchilov & Hutter's SGDR without restarts).

    With ``warmup_target``, the rate first rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps,
    then decays from ``warmup_target``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def rate(self, step, cast):
        initial, decay_steps = cast(self.initial_learning_rate), cast(self.decay_steps)
        if self.warmup_target is None:
            step = np.minimum(step, decay_steps)
            return initial * _cosine_decay(step, decay_steps, self.alpha, cast)
        target, warmup_steps = cast(self.warmup_target), cast(self.warmup_steps)
        step = np.minimum(step, decay_steps + warmup_steps)
        in_warmup = step < warmup_steps
        # Only the branch that is taken is computed (a 0 / 0 in the other would warn).
        warmup = (target - initial) * (step / np.where(in_warmup, warmup_steps, 1)) + initial
        decay = target * _cosine_decay(step - warmup_steps, decay_steps, self.alpha, cast)
        return np.where(in_warmup, warmup, decay)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


@_REGISTRY.register("CosineDecayRestarts")
class CosineDecayRestarts(_FloatSchedule):
    """Cosine decay that restarts (SGDR): the i-th period lasts
    ``first_decay_steps * t_mul**i`` steps and starts from ``m_mul**i`` times
    the initial rate.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def rate(self, step, cast):
        t_mul, m_mul, alpha = cast(self._t_mul), cast(self._m_mul), cast(self.alpha)
        fraction = step / cast(self.first_decay_steps)  # in units of the first period
        if t_mul == 1.0:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            # Periods 1, t, t**2...: restart i begins at (1 - t**i) / (1 - t) first periods.
            restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / np.log(t_mul))
            elapsed = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            fraction = (fraction - elapsed) / t_mul ** restart
        cosine = 0.5 * m_mul ** restart * (1.0 + np.cos(cast(math.pi) * fraction))
        return cast(self.initial_learning_rate) * ((1 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def serialize(learning_rate_schedule):
    """Keras's dict form: {"module", "class_name", "config", "registered_name"}.

    A plain function (an optimizer's callable learning rate) is recorded by
    name, as Keras does; ``deserialize`` finds it again in ``custom_objects``.
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        name = getattr(learning_rate_schedule, "__name__", type(learning_rate_schedule).__name__)
        return {"module": getattr(learning_rate_schedule, "__module__", None),
                "class_name": "function", "config": name, "registered_name": name}
    return _REGISTRY.serialize_instance(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """The schedule (or function) described by ``config``, the dict ``serialize`` makes.

    custom_objects: names to user-defined schedule classes or functions.
    """
    custom_objects = custom_objects or {}
    if config.get("class_name") == "function":
        name = config["config"]
        if name not in custom_objects:
            raise ValueError(
                f"Cannot deserialize the learning-rate function {name!r}: pass it in "
                "custom_objects={name: function}.")
        return custom_objects[name]
    name = config["class_name"]
    cls = custom_objects.get(config.get("registered_name")) or custom_objects.get(name)
    if cls is None:
        cls = _REGISTRY.get(name)
    return cls.from_config(config["config"])


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
           "serialize"]
