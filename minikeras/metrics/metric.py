"""Metric: a number accumulated over batches, held in state variables.

A metric is not a layer and has no gradient: ``update_state`` folds one
batch into its variables (totals, counts, confusion matrices), ``result``
computes the number from them, ``reset_state`` zeroes them between epochs.
Every ``update_state``, ``result`` and ``reset_state`` -- a subclass's too --
runs under ``no_grad()``, so a metric never records a graph.
"""

import functools

from .. import backend, losses, ops
from ..autograd import Tensor, no_grad
from ..layers.layer import _dtype_name
from ..registry import Registry
from ..utils import keras2
from ..utils.naming import to_snake_case, unique_name
from ..variables import Variable

# The functions metrics wrap (binary_accuracy, ...), by name, for configs;
# loss functions are found in the losses' registry.
FUNCTIONS = Registry("metric function")


class Metric:
    """Base class of metrics, subclassable as in the Keras guides.

    Subclasses create state with ``self.add_variable`` (or ``add_weight``)
    in ``__init__`` and implement ``update_state(y_true, y_pred,
    sample_weight=None)`` and ``result()``; the default ``reset_state``
    sets every variable to zero.

    name: defaults to the class name in snake case.
    dtype: the dtype the metric computes in (``floatx()`` by default).
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._dtype = _dtype_name(dtype) or backend.floatx()
        self._variables = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for method in ("update_state", "result", "reset_state", "reset_states"):
            if method in vars(cls):
                setattr(cls, method, _without_graph(vars(cls)[method]))

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """A new state Variable of this metric (non-trainable, with assign/assign_add/assign_sub).

        shape: a tuple (default: a scalar). initializer: a name ("zeros"), an
        Initializer or a function (shape, dtype) -> values. dtype: ``floatx()``
        by default. ``aggregation`` is accepted for Keras compatibility.
        """
        if "_variables" not in vars(self):
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                               "before creating variables.")
        variable = Variable(initializer or "zeros", shape=tuple(shape), dtype=dtype,
                            trainable=False, name=name)
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """The same as ``add_variable`` (its older name)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """The state variables, as Keras tracks them: this metric's own (made by
        ``add_variable``, or Variables held in attributes, lists, tuples and dicts), then
        those of the metrics held there, in the order they were set."""
        own, held = list(self._variables), []
        for value in vars(self).values():
            for item in _held_objects(value):
                if isinstance(item, Variable) and not any(item is v for v in own):
                    own.append(item)
                elif isinstance(item, Metric) and item is not self and not any(
                        item is m for m in held):
                    held.append(item)
        return own + [v for metric in held for v in metric.variables]

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Sets every state variable to zero; runs instead a subclass's own
        ``reset_states``, Keras 2's name of this method, as Keras 2 did."""
        if self._defines_keras2_reset():
            keras2.warn(f"{type(self).__name__}.reset_states()",
                        f"{type(self).__name__}.reset_state() (rename the method)")
            self.reset_states()
            return
        self._zero_state()

    def reset_states(self):
        """Keras 2's name of ``reset_state`` (with a DeprecationWarning)."""
        if self._defines_keras2_reset():  # a subclass's reset_states calling super()'s
            self._zero_state()
            return
        keras2.warn("metric.reset_states()", "metric.reset_state()")
        self.reset_state()

    def _defines_keras2_reset(self):
        return type(self).reset_states is not Metric.reset_states

    def _zero_state(self):
        for variable in self.variables:
            variable.assign(ops.zeros_like(variable))

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _held_objects(value):
    """The Variables and Metrics in an attribute's value: itself, or inside (nested) lists,
    tuples and dicts."""
    if isinstance(value, (Variable, Metric)):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [item for element in value for item in _held_objects(element)]
    return []


def _without_graph(method):
    @functools.wraps(method)
    def wrapped(*args, **kwargs):
        with no_grad():
            return method(*args, **kwargs)

    return wrapped


def snapshot(variable):
    """A Tensor holding the variable's current value, unaffected by later updates."""
    return Tensor(variable.data.copy())


def serialize_function(fn):
    """Keras's dict for the function (or Loss) a MeanMetricWrapper averages."""
    name = FUNCTIONS.name_of(fn)
    if name is None:
        return losses.serialize(fn)
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def deserialize_function(config, custom_objects=None):
    """The metric or loss function (or Loss) a ``serialize_function`` dict or name describes."""
    name = config.get("config") if isinstance(config, dict) else config
    if isinstance(name, str) and name in FUNCTIONS and name not in (custom_objects or {}):
        return FUNCTIONS.get(name)
    return losses.deserialize(config, custom_objects)
