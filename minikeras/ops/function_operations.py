"""Every function of ``minikeras.ops`` as an operation of a functional graph.

``ops.mean(x, axis=1)`` on a KerasTensor ``x`` records a node of class
``Mean``, holding ``axis=1, keepdims=False`` as its config and taking ``x`` as
its argument, exactly as Keras records it: a model built with ops runs,
trains, summarises and saves, and its ``.keras`` file loads in tf.keras (and
the reverse). Nothing here is written per function: ``ops/__init__.py``
passes each public function through ``accept_keras_tensors`` once, and what
Keras calls the node and which arguments are its tensors come from the table
in ``keras_op_table.py``.
"""

import functools
import inspect
import re
import types

from .keras_op_table import ALIASES, KERAS_OPERATIONS, NOT_OPERATIONS
from .symbolic import Operation, any_symbolic_tensors


class FunctionOperation(Operation):
    """One call of a ``minikeras.ops`` function in a graph; each function has its subclass.

    config: the function's arguments that are not the call's tensors (axis=,
        keepdims=, ...), by name, as Keras keeps them in the class's config.
    """

    function = None  # the plain function of minikeras.ops
    tensor_parameters = ()  # the names of the call's arguments, in order; "*xs" takes the rest

    def __init__(self, name=None, **config):
        super().__init__(name=name)
        self.config = _standardize_config(self.function, type(self).__name__, config)

    def call(self, *args, **kwargs):
        """The function on ``args`` (the tensor arguments, in order) and the config."""
        arguments = {**self.config, **kwargs}
        args = [_lists_to_tuples(arg) for arg in args]
        for index, parameter in enumerate(self.tensor_parameters[:len(args)]):
            if parameter.startswith("*"):
                arguments[parameter[1:]] = tuple(args[index:])
                break
            arguments[parameter] = args[index]
        else:
            if len(args) > len(self.tensor_parameters):
                raise TypeError(f"Operation {type(self).__name__} takes the tensors "
                                f"{list(self.tensor_parameters)}, but received {len(args)}.")
        bound = inspect.BoundArguments(inspect.signature(self.function), arguments)
        return self.function(*bound.args, **bound.kwargs)

    def get_config(self):
        return {"name": self.name, **self.config}


def _standardize_config(function, class_name, config):
    """The config as ``function`` takes it.

    An argument the function lacks (a config Keras wrote) is dropped when it
    asks for nothing (None or False: Keras's ``sparse=False``, ``initial=None``...)
    and refused otherwise.
    """
    parameters = inspect.signature(function).parameters
    unknown = sorted(k for k, v in config.items()
                     if k not in parameters and v is not None and v is not False)
    if unknown:
        raise TypeError(f"Operation {class_name} (keras.ops.{function.__name__}) got arguments "
                        f"minikeras does not support: {unknown}; it takes {list(parameters)}.")
    return {key: _lists_to_tuples(value) for key, value in config.items() if key in parameters}


def _lists_to_tuples(value):
    """Tuples for lists: JSON keeps no tuples, so an axis (1, 2) comes back from a file as a
    list, and a key x[:, 0] too, which NumPy would read as a list of indices."""
    if isinstance(value, (list, tuple)):
        return tuple(_lists_to_tuples(v) for v in value)
    return value


def public_functions(namespace, defined_in=None):
    """{name: function} of the public functions in ``namespace`` (a module's globals, or
    ``vars(module)``); with ``defined_in`` (a module's name), only those that module
    defines, not those it imports."""
    return {name: value for name, value in namespace.items()
            if not name.startswith("_") and isinstance(value, types.FunctionType)
            and (defined_in is None or value.__module__ == defined_in)}


def accept_keras_tensors_in(namespace, defined_in=None):
    """Passes each public function of ``namespace`` (a module's globals) through
    ``accept_keras_tensors``; with ``defined_in``, only those that module defines."""
    for name, value in public_functions(namespace, defined_in).items():
        namespace[name] = accept_keras_tensors(name, value)


def accept_keras_tensors(name, function):
    """``function`` (public as ``ops.<name>``), recording a node when given a KerasTensor.

    Without KerasTensors among its arguments, the call computes as before.
    """
    if name in NOT_OPERATIONS or hasattr(function, "__wrapped__"):
        return function
    _PLAIN_FUNCTIONS[name] = function

    @functools.wraps(function)
    def dispatch(*args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return symbolic_call(name, function, args, kwargs)
        return function(*args, **kwargs)

    return dispatch


def symbolic_call(name, function, args, kwargs):
    """Records ``function(*args, **kwargs)`` as a node: returns its output KerasTensors."""
    cls = operation_class(name, function)
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    config = dict(bound.arguments)
    tensors = []
    for parameter in cls.tensor_parameters:
        value = config.pop(parameter.lstrip("*"))
        tensors += value if parameter.startswith("*") else [value]
    # A KerasTensor where Keras expects a setting (clip's x_min...) stays an input of the node.
    symbolic = {k: v for k, v in config.items() if any_symbolic_tensors([v])}
    config = {k: v for k, v in config.items() if k not in symbolic}
    return cls(**config).symbolic_call(*tensors, **symbolic)


_PLAIN_FUNCTIONS = {}  # public function name -> the function, for every one that records nodes
_CLASSES = {}  # public function name -> its FunctionOperation subclass


def operation_class(name, function):
    """The FunctionOperation subclass for ``ops.<name>``, made on first use."""
    if name not in _CLASSES:
        keras_module, class_name, tensor_parameters = _keras_facts(name, function)
        _CLASSES[name] = type(class_name, (FunctionOperation,), {
            "__doc__": f"A call of keras.ops.{name} in a functional graph.",
            "function": staticmethod(function),
            "tensor_parameters": tensor_parameters,
            "keras_location": (keras_module, class_name),  # (module, registered name) in files
        })
    return _CLASSES[name]


def operation_class_named(class_name):
    """The operation class Keras saves as ``class_name`` ("Add", "GetItem"...), or None."""
    for name, function in _PLAIN_FUNCTIONS.items():
        if _keras_facts(name, function)[1] == class_name:
            return operation_class(name, function)
    return None


def _keras_facts(name, function):
    """(Keras's module for the class, the class name, the tensor parameters) of ``ops.<name>``.

    From the table for Keras's functions; for minikeras's own, the class is
    the name in CamelCase and the tensors are the arguments without a default.
    """
    entry = KERAS_CLASSES.get(ALIASES.get(name, name))
    parameters = inspect.signature(function).parameters
    if entry is not None and all(p.lstrip("*") in parameters for p in entry[2]):
        return entry
    required = tuple(("*" if p.kind is p.VAR_POSITIONAL else "") + p.name
                     for p in parameters.values()
                     if p.default is p.empty and p.kind is not p.VAR_KEYWORD)
    class_name = entry[1] if entry else _camel_case(name)
    return (entry[0] if entry else "minikeras.ops"), class_name, required


def _camel_case(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _parse_table(table):
    entries = {}
    for module, text in table.items():
        for name, class_name, tensors in re.findall(r"(\w+)(?::(\w+))?\(([^)]*)\)", text):
            class_name = class_name or _camel_case(name)
            entries[name] = (f"keras.src.ops.{module}", class_name,
                             tuple(t for t in tensors.split(",") if t))
    return entries


KERAS_CLASSES = _parse_table(KERAS_OPERATIONS)  # name -> (module, class, tensor parameters)
