"""Weight penalties added to the loss, as ``keras.regularizers``."""

from . import ops
from .registry import Registry

_REGISTRY = Registry("regularizer")


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar Tensor penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@_REGISTRY.register("L2", "l2")
class L2(Regularizer):
    """l2 * sum(x ** 2)."""

    def __init__(self, l2=0.01):
        self.l2 = l2

    def __call__(self, x):
        return self.l2 * ops.sum(ops.square(x))

    def get_config(self):
        return {"l2": float(self.l2)}


def get(identifier):
    """A regularizer from None, a name ("l2"), a config dict, an instance or a function."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret regularizer {identifier!r}.")


def serialize(regularizer):
    """Keras's dict form: {"module", "class_name", "config", "registered_name"}."""
    return {"module": "keras.regularizers", "class_name": type(regularizer).__name__,
            "config": regularizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """The regularizer described by ``config`` (the dict ``serialize`` makes)."""
    if isinstance(config, str):
        return get(config)
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _REGISTRY.get(name)
    return cls.from_config(config.get("config", {}))
