"""Symbolic tensors, and the operations that record a functional graph with them.

``keras.Input(shape=(784,))`` returns a KerasTensor: a shape (None where a
size is not known yet, such as the batch size) and a dtype, without numbers.
An Operation called on KerasTensors computes nothing: it works out the
shapes and dtypes of its outputs, returns new KerasTensors and records a
Node (this operation, called on these tensors, gave those). Layers are
Operations, and so is every function of ``minikeras.ops`` (``ops.mean(x,
axis=1)``, ``x + y``, ``x[:, 0]``; see ``function_operations.py``).
``keras.Model(inputs, outputs)`` walks the Nodes from the outputs back to the
inputs and replays the calls on data.
"""

import inspect

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from ..utils import tree
from ..utils.naming import to_snake_case, unique_name


class KerasTensor:
    """A placeholder for a tensor: its shape (None for unknown sizes), dtype and origin.

    node: the Node whose call produced it; index: its position in that node's outputs.
    Python's operators and the functions of ``minikeras.ops`` accept it and
    return new KerasTensors, recording each operation in the graph.
    """

    __array_ufunc__ = None  # ndarray + KerasTensor: NumPy hands over to KerasTensor.__radd__

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = standardize_shape(shape)
        self.dtype = np.dtype(dtype).name
        self.name = name or unique_name("keras_tensor")
        self.node = node
        self.index = index

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def sparse(self):
        return False

    @property
    def ragged(self):
        return False

    def reshape(self, newshape):
        return _apply("reshape", self, newshape)

    def squeeze(self, axis=None):
        return _apply("squeeze", self, axis)

    def __repr__(self):
        origin = f", created by '{self.node.operation.name}'" if self.node else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}{origin}>"

    # -- no numbers to give ------------------------------------------------------

    def __array__(self, dtype=None, copy=None):
        raise ValueError(_NO_VALUE.format("a NumPy array"))

    def __int__(self):
        raise ValueError(_NO_VALUE.format("an int"))

    def __float__(self):
        raise ValueError(_NO_VALUE.format("a float"))

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a boolean: it has no value "
                        "yet. Use keras.ops.where or keras.ops.cond on it instead of `if`.")

    def __iter__(self):
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported: "
                                  "index it (x[:, 0]) or use keras.ops.unstack.")

    # -- operators: each one is a function of minikeras.ops ------------------------

    def __add__(self, other):
        return _apply("add", self, other)

    def __radd__(self, other):
        return _apply("add", other, self)

    def __sub__(self, other):
        return _apply("subtract", self, other)

    def __rsub__(self, other):
        return _apply("subtract", other, self)

    def __mul__(self, other):
        return _apply("multiply", self, other)

    def __rmul__(self, other):
        return _apply("multiply", other, self)

    def __matmul__(self, other):
        return _apply("matmul", self, other)

    def __rmatmul__(self, other):
        return _apply("matmul", other, self)

    def __truediv__(self, other):
        return _apply("true_divide", self, other)

    def __rtruediv__(self, other):
        return _apply("true_divide", other, self)

    def __floordiv__(self, other):
        return _apply("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return _apply("floor_divide", other, self)

    def __mod__(self, other):
        return _apply("mod", self, other)

    def __rmod__(self, other):
        return _apply("mod", other, self)

    def __pow__(self, other):
        return _apply("power", self, other)

    def __rpow__(self, other):
        return _apply("power", other, self)

    def __neg__(self):
        return _apply("negative", self)

    def __abs__(self):
        return _apply("absolute", self)

    def __round__(self, ndigits=None):
        return _apply("round", self, ndigits or 0)

    def __lt__(self, other):
        return _apply("less", self, other)

    def __le__(self, other):
        return _apply("less_equal", self, other)

    def __gt__(self, other):
        return _apply("greater", self, other)

    def __ge__(self, other):
        return _apply("greater_equal", self, other)

    def __ne__(self, other):  # == stays identity, as in Keras: KerasTensors are dict keys
        return _apply("not_equal", self, other)

    __hash__ = object.__hash__

    def __and__(self, other):
        return _apply("logical_and", self, other)

    def __rand__(self, other):
        return _apply("logical_and", other, self)

    def __or__(self, other):
        return _apply("logical_or", self, other)

    def __ror__(self, other):
        return _apply("logical_or", other, self)

    def __xor__(self, other):
        return _apply("logical_xor", self, other)

    def __rxor__(self, other):
        return _apply("logical_xor", other, self)

    def __invert__(self):
        return _apply("logical_not", self)

    def __getitem__(self, key):
        return _apply("getitem", self, key)


_NO_VALUE = ("A KerasTensor is symbolic: a placeholder for a shape and a dtype, with no "
             "numbers yet. You cannot convert it to {}. Use it as the input of a layer or a "
             "keras.ops function, or run the model on data.")


def _apply(name, *args):
    """minikeras.ops.<name>(*args): records the operator's node in the graph."""
    from .. import ops  # the package imports this module

    function = getattr(ops, name, None)
    if function is None:
        raise TypeError(f"This operator on a KerasTensor needs keras.ops.{name}, which "
                        "minikeras does not provide.")
    return function(*args)


def standardize_shape(shape):
    """``shape`` as a tuple of ints and Nones (NumPy integers accepted); ValueError otherwise."""
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise ValueError(f"A shape must be a tuple of ints or None, got {shape!r}.")
    dims = []
    for d in shape:
        if d is not None and (isinstance(d, (bool, np.bool_)) or not isinstance(
                d, (int, np.integer)) or d < 0):
            raise ValueError("Each entry of a shape must be a non-negative int or None. "
                             f"Received: shape={shape!r}")
        dims.append(None if d is None else int(d))
    return tuple(dims)


def any_symbolic_tensors(args, kwargs=None):
    """Whether a KerasTensor is among ``args`` or ``kwargs``' values (lists and dicts searched).

    Every call of an ops function asks, so it is a plain loop: no list is built.
    """
    for value in args:
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple)) and any_symbolic_tensors(value):
            return True
        if isinstance(value, dict) and any_symbolic_tensors(value.values()):
            return True
    return bool(kwargs) and any_symbolic_tensors(kwargs.values())


class Node:
    """One call of an operation (a layer, or a function of minikeras.ops) in a graph.

    operation: what was called.
    call_args, call_kwargs: the call's arguments as given, KerasTensors included.
    outputs: the KerasTensors it returned, flattened.
    """

    def __init__(self, operation, call_args, call_kwargs, outputs):
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [
            x for x in tree.flatten((call_args, call_kwargs)) if isinstance(x, KerasTensor)
        ]
        for index, tensor in enumerate(outputs):
            tensor.node, tensor.index = self, index
        operation._inbound_nodes.append(self)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        return [x.node for x in self.input_tensors if x.node is not None]


class Operation:
    """What a functional graph records: a layer, or a function of ``minikeras.ops``.

    Called on Tensors (or arrays), it computes (``call``). Called with a
    KerasTensor among its arguments, it records a Node and returns the
    KerasTensors ``compute_output_spec`` describes.
    name: unique by default, from the class name ("add", "add_1", ...).

    As in Keras, the arguments an operation is constructed with are kept when
    they are plain values (numbers, strings, None, and lists and dicts of
    them): a subclass that writes no ``get_config`` gets them as its config,
    so it saves and loads without one.
    """

    # Constructor arguments a base class's get_config writes itself (Layer: trainable...).
    _arguments_configured_by_base = frozenset({"name"})

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        instance._auto_config = _plain_arguments(cls, args, kwargs)
        return instance

    def __init__(self, name=None):
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name!r} (of type {type(name).__name__})")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._inbound_nodes = []

    def __call__(self, *args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        """The computation on Tensors. Override it."""
        raise NotImplementedError(f"{type(self).__name__} does not implement call().")

    def symbolic_call(self, *args, **kwargs):
        """Records this call in the graph; returns KerasTensors for its outputs."""
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, tree.flatten(outputs))
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensors like the outputs, found by running ``call`` on zeros (see dry_run)."""
        return dry_run(self.call, args, kwargs, f"'{self.name}' ({type(self).__name__})")

    @property
    def input(self):
        """The KerasTensor(s) this operation was first called on in a functional graph."""
        return _unpack_singleton(self._first_node("input").input_tensors)

    @property
    def output(self):
        """The KerasTensor(s) this operation first returned in a functional graph."""
        return _unpack_singleton(self._first_node("output").outputs)

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined {what}: call it on a keras.Input first.")
        return self._inbound_nodes[0]

    def get_config(self):
        """The arguments that recreate this operation: its name, and for a subclass without
        a get_config of its own, the arguments it was constructed with."""
        config = {"name": self.name}
        if type(self).get_config is Operation.get_config:
            config.update(self._automatic_config())
        return config

    def _automatic_config(self):
        """The constructor's arguments, for a class that writes no config of its own."""
        if self._auto_config is None:
            raise NotImplementedError(
                f"{type(self).__name__} was created with arguments that are not plain values "
                "(numbers, strings, None, lists and dicts of them) or with *args, so its "
                "config cannot be written automatically. Implement get_config() (and "
                "from_config() if needed) to make it serializable: return the constructor's "
                "arguments, e.g. {**super().get_config(), 'units': self.units}.")
        return dict(self._auto_config)

    @classmethod
    def from_config(cls, config):
        """A new operation from ``get_config()``'s output."""
        return cls(**config)


def _plain_arguments(cls, args, kwargs):
    """``cls(*args, **kwargs)``'s arguments by name, defaults included, or None when they
    are not all plain values, or cannot be named (*args, positional-only parameters)."""
    signature = inspect.signature(cls.__init__)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    arguments = {}
    for parameter in list(signature.parameters.values())[1:]:
        value = bound.arguments.get(parameter.name)
        if parameter.kind is parameter.VAR_KEYWORD:
            arguments.update(value)
        elif parameter.kind is parameter.VAR_POSITIONAL and value or (
                parameter.kind is parameter.POSITIONAL_ONLY):
            return None
        elif parameter.kind is not parameter.VAR_POSITIONAL:
            arguments[parameter.name] = value
    arguments = {k: v for k, v in arguments.items() if k not in cls._arguments_configured_by_base}
    plain = (str, int, float, bool, type(None))
    return arguments if all(isinstance(v, plain) for v in tree.flatten(arguments)) else None


def _unpack_singleton(values):
    return values[0] if len(values) == 1 else list(values)


# The unknown sizes of the two dry runs: small, so the runs cost little, and
# above 1, since axes of size 1 broadcast and get squeezed.
_DRY_RUN_SIZES = (2, 3)


def dry_run(fn, args, kwargs, what):
    """KerasTensors with the shapes and dtypes of what ``fn`` returns for these arguments.

    ``fn`` runs on zeros in place of the KerasTensors among ``args`` and
    ``kwargs``; when some of their sizes are unknown (None) it runs twice, with
    those sizes set to 2, then to 3, and an output size that differs between
    the two runs is unknown too.
    what: names the caller in error messages.
    """
    symbolic = [x for x in tree.flatten((args, kwargs)) if isinstance(x, KerasTensor)]
    unknown = any(d is None for x in symbolic for d in x.shape)
    runs = [_run_on_zeros(fn, args, kwargs, size, what)
            for size in (_DRY_RUN_SIZES if unknown else _DRY_RUN_SIZES[:1])]
    flat_runs = [tree.flatten(run) for run in runs]
    specs = iter([_spec(values) for values in zip(*flat_runs, strict=True)])
    return tree.map_structure(lambda _: next(specs), runs[0])


def _run_on_zeros(fn, args, kwargs, size, what):
    def zeros(x):
        if not isinstance(x, KerasTensor):
            return x
        shape = tuple(size if d is None else d for d in x.shape)
        backend.check_allocation(shape, x.dtype, f"The dry run of {what}", persistent=False)
        return Tensor(backend.to_device(np.zeros(shape, dtype=x.dtype)))

    args, kwargs = tree.map_structure(zeros, (args, kwargs))
    try:
        with no_grad(), np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    except (ValueError, TypeError) as error:
        raise type(error)(f"Could not infer the output shape and dtype of {what} on "
                          f"KerasTensors: {error}") from error


def _spec(values):
    """One KerasTensor for the same output of each dry run (None where sizes differ).

    values: that output in each run (a Tensor, an array or a number), or None.
    """
    if values[0] is None:
        return None
    shapes = [tuple(np.shape(v.data if isinstance(v, Tensor) else v)) for v in values]
    if len({len(s) for s in shapes}) > 1:
        raise ValueError(f"The rank of an output depends on the unknown sizes: {shapes}.")
    shape = tuple(d if all(s[i] == d for s in shapes) else None for i, d in enumerate(shapes[0]))
    first = values[0]
    return KerasTensor(shape, dtype=first.dtype if hasattr(first, "dtype") else type(first))
