"""Lambda: wraps a function of tensors as a layer."""

import inspect

from ..serialization import deserialize_keras_object, safe_mode, serialize_keras_object
from ..utils import tree
from .layer import Layer


class Lambda(Layer):
    """Applies ``function(inputs, **arguments)`` as a layer: ``Lambda(lambda x: x ** 2)``.

    The function gets minikeras Tensors; use operators and ``keras.ops``. Its
    gradient is that of the ops it calls.
    output_shape: the output's shape without the batch axis (a tuple), or a
        function of the full input shape; by default found by a dry run.
    mask: the output's mask, or a function ``mask(inputs, previous_mask)``.
    arguments: keyword arguments passed to the function.
    A function that takes ``mask`` or ``training`` receives them.

    Saving: a named function is saved by name (register it with
    ``@keras.saving.register_keras_serializable()`` to load it back); a Python
    lambda has no name, so its bytecode is saved, as Keras does, and loading
    it runs code from the file: ``load_model`` refuses unless given
    ``safe_mode=False`` (see ``serialization/safe_mode.py``).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable. Received: {function!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda: `arguments` must be a dict of keyword arguments. "
                            f"Received: arguments={arguments!r}")
        self.function, self.arguments = function, dict(arguments or {})
        self.mask, self._output_shape = mask, output_shape
        self.supports_masking = mask is not None
        parameters = _parameter_names(function)
        self._takes_mask, self._takes_training = "mask" in parameters, "training" in parameters
        self._build_at_init()

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        return self.mask(inputs, previous_mask) if callable(self.mask) else self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch_size = tree.flatten(input_shape)[0]
        return tree.map_shapes(lambda shape: (batch_size, *shape), self._output_shape)

    def get_config(self):
        config = {**super().get_config(), "function": _function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (_function_config(self.mask) if callable(self.mask)
                              else serialize_keras_object(self.mask))
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config):
        """The layer ``get_config()`` describes. A Python lambda in it is code: refused (a
        ValueError saying what to do) unless the load runs with ``safe_mode=False``."""
        config = dict(config)
        name = config.get("name")
        config["function"] = _load_function(config["function"],
                                            f"the function of Lambda layer '{name}'")
        if "output_shape" in config:
            shape = config["output_shape"]
            config["output_shape"] = (
                _load_function(shape, f"the output_shape of Lambda layer '{name}'")
                if isinstance(shape, dict) else tuple(shape) if _is_int_list(shape) else shape)
        if "mask" in config:
            config["mask"] = _load_function(config["mask"], f"the mask of Lambda layer '{name}'")
        if "arguments" in config:
            config["arguments"] = deserialize_keras_object(config["arguments"])
        return cls(**config)


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        return set()


def _function_config(fn):
    """A Python lambda as its code (Keras's ``__lambda__``); any other callable by name."""
    if getattr(fn, "__name__", None) == "<lambda>":
        return safe_mode.dump_lambda(fn)
    return serialize_keras_object(fn)


def _load_function(config, what):
    if safe_mode.is_lambda_config(config):
        return safe_mode.load_lambda(config, what)
    return deserialize_keras_object(config)


def _is_int_list(value):
    return isinstance(value, list) and all(v is None or isinstance(v, int) for v in value)
