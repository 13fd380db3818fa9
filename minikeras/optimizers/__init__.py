"""Optimizers, as ``keras.optimizers``: they turn gradients into in-place weight updates.

Read ``optimizer.py`` first (the order of a step: clipping, weight decay, the
update rule, moving averages, constraints), then ``sgd.py`` and ``adam.py``.
``optimizers.get("adam")`` gives an Adam with Keras's defaults.
"""

from ..registry import Registry
from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_REGISTRY = Registry("optimizer")
for _cls in (Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, Optimizer, RMSprop, SGD):
    _REGISTRY.add(_cls, _cls.__name__.lower())  # Keras looks optimizers up case-insensitively


def get(identifier):
    """An optimizer from a name ("sgd", "adam", "rmsprop"... with Keras's defaults),
    a config dict, or an Optimizer instance (returned as it is)."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        optimizer = deserialize(identifier)
    elif isinstance(identifier, str):
        optimizer = deserialize({"class_name": identifier, "config": {}})
    else:
        optimizer = identifier
    if isinstance(optimizer, Optimizer):
        return optimizer
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}: expected a name such as "
        "'adam', a config dict or an Optimizer instance.")


def serialize(optimizer):
    """Keras's dict form: {"module", "class_name", "config", "registered_name"}."""
    return _REGISTRY.serialize_instance(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """The optimizer described by ``config`` (the dict ``serialize`` makes, or tf.keras writes).

    Built-in class names are case-insensitive ("Adam", "adam"); custom_objects
    maps names to user-defined optimizer classes.
    """
    custom_objects = custom_objects or {}
    name = config["class_name"]
    cls = custom_objects.get(config.get("registered_name")) or custom_objects.get(name)
    if cls is None:
        cls = _REGISTRY.get(name.lower() if name.lower() in _REGISTRY else name)
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects)


__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer",
           "RMSprop", "deserialize", "get", "schedules", "serialize"]
