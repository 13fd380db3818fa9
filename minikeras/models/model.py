"""Model: a Layer that can be trained, evaluated, summarised and saved.

There are three ways to make one, as in Keras:

- functional: ``keras.Model(inputs, outputs)`` on tensors from ``keras.Input``
  (this returns a ``Functional`` model, see ``functional.py``);
- ``keras.Sequential([...])``, a stack of layers (``sequential.py``);
- subclassing: ``class MyModel(keras.Model)`` with layers set in
  ``__init__`` and the computation written in ``call()``.

Training, evaluation and prediction come from ``Trainer`` (``trainer.py``).
"""

import json
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor, no_grad
from ..layers.layer import Layer
from ..ops.symbolic import KerasTensor, standardize_shape
from ..saving import load_weights, save_model, save_weights, serialize_keras_object
from ..utils import tree, user_warnings
from .graph import Graph
from .keras2_methods import Keras2Methods
from .trainer import Trainer


class Model(Trainer, Keras2Methods, Layer):
    """A trainable group of layers: ``keras.Model(inputs, outputs)`` or a subclass with ``call()``.

    inputs, outputs: for the functional API, KerasTensors from ``keras.Input``
        and the layers called on them (one, a list or a dict of each).
    name, trainable: as for any layer.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from .functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        Trainer.__init__(self)
        self._graph = None
        if _functional_arguments(args, kwargs):
            self._init_graph(*args, **kwargs)
        else:
            Layer.__init__(self, *args, **kwargs)

    def _init_graph(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        for key, x in (inputs.items() if isinstance(inputs, dict) else ()):
            if isinstance(x, KerasTensor) and key != x.name:
                user_warnings.warn(
                    "When providing `inputs` as a dict, all keys in the dict must match the "
                    f"names of the corresponding tensors. Received key '{key}' mapping to "
                    f"value {x} which has name '{x.name}'. Change the tensor name to '{key}' "
                    f"(via `Input(..., name='{key}')`)")
        graph = Graph(inputs, outputs)
        self._graph = graph
        self._layers = list(graph.layers)
        self.output_names = [x.node.operation.name for x in graph.outputs]
        if trainable is False:
            self.trainable = False
        self.built = True

    # -- calling -----------------------------------------------------------

    def call(self, inputs, training=None):
        """Runs the functional graph on ``inputs``; subclasses override this."""
        if self._graph is None:
            raise NotImplementedError(
                f"Model {type(self).__name__} does not have a `call()` method implemented."
            )
        outputs = self._graph.run(self._standardize_inputs(inputs), training=training)
        return _unpack_singleton(outputs)

    def _standardize_inputs(self, inputs):
        """``inputs`` as a flat list in the order of ``self.inputs``, checked against them."""
        flat = self._flatten_inputs(inputs)
        return [self._conform(x, ref) for x, ref in zip(flat, self._graph.inputs, strict=True)]

    def _flatten_inputs(self, inputs):
        """``inputs`` as a flat list in the order of ``self.inputs``, matched as Keras does.

        A nest like the model's inputs is flattened the same way (dicts by
        sorted key); a dict given for inputs that are not a dict goes by the
        inputs' names. A list given for a dict of inputs goes by position in
        key order, with Keras's warning, and is refused when the dict's keys are
        not in sorted order (the positions would then be ambiguous).
        """
        struct, expected = self._graph.inputs_struct, self._graph.inputs
        names = sorted(struct) if isinstance(struct, dict) else self._input_names()
        if isinstance(inputs, dict) and (not isinstance(struct, dict) or set(inputs) != set(
                struct)):
            missing = [n for n in names if n not in inputs]
            if isinstance(struct, dict) or missing:
                raise ValueError(f'Model "{self.name}" expects inputs named {names}, but '
                                 f"received a dict with keys {sorted(inputs)}.")
            inputs = [inputs[n] for n in names]
        elif isinstance(struct, dict) and not isinstance(inputs, dict):
            if list(struct) != sorted(struct):
                raise ValueError(
                    f'Model "{self.name}" takes a dict of inputs with keys {list(struct)}, '
                    f"which are not in sorted order, so a {type(inputs).__name__} cannot be "
                    "matched with them by position. The structure of `inputs` doesn't match "
                    "the expected structure: pass a dict.")
            warnings.warn("The structure of `inputs` doesn't match the expected structure.\n"
                          f"Expected: {tree.map_structure(lambda x: x.name, struct)}\n"
                          f"Received: a {type(inputs).__name__}: its items are taken in the "
                          "order of the sorted keys.", stacklevel=4)
        flat = tree.flatten(inputs)
        if len(flat) != len(expected):
            raise ValueError(
                f'Model "{self.name}" expects {len(expected)} input(s) {names}, but it '
                f"received {len(flat)}."
            )
        return flat

    def _input_names(self):
        return [x.name for x in self._graph.inputs]

    # Whether inputs must have the sizes of the model's inputs, the batch size apart (a
    # Sequential model leaves them to its layers, as Keras does).
    _checks_input_sizes = True

    def _conform(self, x, ref):
        """``x`` with the rank and dtype of the input ``ref`` (a trailing axis of 1 may differ).

        None passes for an optional input.
        """
        if x is None:
            _check_optional(ref)
            return None
        shape = _conformed_shape(tuple(x.shape), ref, self.name, self._checks_input_sizes)
        if shape != tuple(x.shape):
            x = Tensor(x.data.reshape(shape))
        if np.dtype(ref.dtype).kind == "f" and x.dtype != ref.dtype:
            x = Tensor(x.data.astype(ref.dtype))
        return x

    def _check_input_data(self, inputs):
        """Checks arrays (the whole data set) against the model's inputs before a step runs."""
        for x, ref in zip(self._flatten_inputs(inputs), self._graph.inputs, strict=True):
            if x is None:
                _check_optional(ref)
            else:
                _conformed_shape(tuple(x.shape), ref, self.name, self._checks_input_sizes)

    def _maybe_build(self, input_shape):
        if not self.built:
            self._build_input_shape = input_shape
            if type(self).build is not Model.build:
                with self._name_scope():
                    self.build(input_shape)
            self.built = True

    def build(self, input_shape=None):
        """Creates the weights by running the model once on zeros of ``input_shape``.

        input_shape: with the batch axis (None is read as 1), or a list of shapes
            for several inputs.
        """
        if self._graph is not None or self.built:
            self.built = True
            return
        self._build_input_shape = _shape_tuples(input_shape)
        self.built = True

        def zeros(shape):
            shape = [1 if d is None else d for d in shape]
            backend.check_allocation(shape, backend.floatx(), f'The input of model "{self.name}"',
                                     persistent=False)
            return Tensor(backend.to_device(np.zeros(shape, dtype=backend.floatx())))

        with no_grad():
            self(tree.map_shapes(zeros, self._build_input_shape), training=False)

    # -- structure ---------------------------------------------------------

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of ``model.layers``."""
        layers = self.layers
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index, not both. "
                             f"Received: index={index}, name={name}.")
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def inputs(self):
        """The model's input KerasTensors, as a flat list."""
        return list(self._require_graph("inputs").inputs)

    @property
    def outputs(self):
        """The model's output KerasTensors, as a flat list."""
        return list(self._require_graph("outputs").outputs)

    @property
    def input(self):
        """The input KerasTensor(s), in the structure the model was built with."""
        return self._require_graph("input").inputs_struct

    @property
    def output(self):
        """The output KerasTensor(s), in the structure the model was built with."""
        return self._require_graph("output").outputs_struct

    @property
    def input_shape(self):
        """The input shape (batch axis None), or a list of them for several inputs."""
        return _unpack_singleton([x.shape for x in self.inputs])

    @property
    def output_shape(self):
        """The output shape (batch axis None), or a list of them for several outputs."""
        return _unpack_singleton([x.shape for x in self.outputs])

    def _require_graph(self, what):
        if self._graph is None:
            raise AttributeError(
                f"Model '{self.name}' has no defined {what}: it is not a functional model, "
                "or it has not been built on an input shape yet."
            )
        return self._graph

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints Keras's table of layers, output shapes and parameter counts.

        print_fn: called once with the whole summary as a string (default: print).
        line_length, positions, show_trainable, expand_nested, layer_range: as in Keras.
        """
        from .summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # -- configuration and saving -----------------------------------------------

    def get_config(self):
        """The arguments that recreate a subclassed model (override it for your own arguments)."""
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model from ``get_config()``'s output."""
        from .functional import Functional, functional_from_config

        if all(key in config for key in ("name", "layers", "input_layers", "output_layers")) and (
                cls in (Model, Functional) or _accepts_functional_arguments(cls)):
            return functional_from_config(cls, config, custom_objects=custom_objects)
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(
                f"Unable to revive model {cls.__name__} from its config {config}: {error}. "
                "A subclassed model with its own constructor arguments must return them "
                "from get_config() (or define from_config)."
            ) from error

    def get_build_config(self):
        """The input shape the model was built with, for ``build_from_config`` when loading."""
        if self._graph is not None:
            return {"input_shape": None}
        if self._build_input_shape is not None:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, config):
        """Builds the model's weights from ``get_build_config()``'s output."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            self.build(shape)

    # -- the state as a tree of paths --------------------------------------

    def get_state_tree(self, value_format="backend_tensor"):
        """Every variable's value in nested dicts by path, as Keras gives them::

            {"trainable_variables": {"sequential": {"dense": {"kernel": ..., "bias": ...}}},
             "non_trainable_variables": {...}, "optimizer_variables": {"adam": {...}},
             "metrics_variables": {"loss": {"total": ..., "count": ...}, ...}}

        value_format: "backend_tensor" (the values as Tensors) or "numpy_array".
        """
        if value_format not in ("backend_tensor", "numpy_array"):
            raise ValueError("Invalid `value_format` argument. Expected one of "
                             "{'numpy_array', 'backend_tensor'}. Received: "
                             f"value_format={value_format!r}")
        optimizer = getattr(self, "optimizer", None)
        groups = {
            "trainable_variables": self.trainable_variables,
            "non_trainable_variables": self.non_trainable_variables,
            "optimizer_variables": optimizer.variables if optimizer is not None else [],
            "metrics_variables": self.metrics_variables,
        }
        return {group: _nested_by_path(variables, value_format)
                for group, variables in groups.items()}

    def set_state_tree(self, state_tree):
        """Assigns the values of a ``get_state_tree()`` dict (all or some of its groups and
        paths, from minikeras or from Keras) to the variables at those paths."""
        optimizer = getattr(self, "optimizer", None)
        groups = {
            "trainable_variables": lambda: self.trainable_variables,
            "non_trainable_variables": lambda: self.non_trainable_variables,
            "optimizer_variables": lambda: optimizer.variables if optimizer is not None else [],
            "metrics_variables": lambda: self.metrics_variables,
        }
        for group, tree_of_values in state_tree.items():
            if group not in groups:
                raise ValueError(f"Unknown variable name: {group!r}: a state tree's keys are "
                                 f"{sorted(groups)}.")
            by_path = {variable.path: variable for variable in groups[group]()}
            for path, value in _flat_by_path(tree_of_values).items():
                if path not in by_path:
                    raise ValueError(f"set_state_tree(): model '{self.name}' has no {group} "
                                     f"variable at {path!r}. Known: {sorted(by_path)}.")
                by_path[path].assign(value)

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string (``keras.models.model_from_json`` reads it)."""
        return json.dumps(serialize_keras_object(self), **kwargs)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves architecture, weights and optimizer state as a Keras ``.keras`` file."""
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and optimizer state) to a Keras ``.weights.h5`` file."""
        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights saved by ``save_weights`` (or from a ``.keras`` file)."""
        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)


def _nested_by_path(variables, value_format):
    """{"dense": {"kernel": value, ...}, ...}: the variables' values nested by path."""
    nested, seen = {}, set()
    for variable in variables:
        if variable.path in seen:
            raise ValueError(
                f"The following variable path is found twice in the model: '{variable.path}'. "
                "`get_state_tree()` can only be called when all variable paths are unique. "
                "Make sure to give unique names to your layers (and other objects).")
        seen.add(variable.path)
        *scopes, name = variable.path.split("/")
        level = nested
        for scope in scopes:
            level = level.setdefault(scope, {})
        level[name] = variable.numpy() if value_format == "numpy_array" else variable.value
    return nested


def _flat_by_path(nested, prefix=""):
    """The leaves of nested dicts by their "/"-joined keys."""
    flat = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            flat.update(_flat_by_path(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _functional_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _accepts_functional_arguments(cls):
    import inspect

    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = [p.name for p in parameters]
    kinds = {p.kind for p in parameters}
    return names[:2] == ["inputs", "outputs"] or (
        inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds)


def _conformed_shape(shape, ref, model_name, check_sizes=True):
    """``shape`` made to match the input ``ref`` by adding or dropping a last axis of 1.

    The batch size is never checked (Keras checks none: an ``Input(batch_size=N)``
    model takes any number of rows); the other sizes when ``check_sizes``.
    Raises ValueError naming the input and both shapes when it cannot match.
    """
    if len(shape) == len(ref.shape) + 1 and shape[-1] == 1:
        shape = shape[:-1]
    elif len(shape) == len(ref.shape) - 1 and ref.shape[-1] == 1:
        shape = (*shape, 1)
    if len(shape) != len(ref.shape) or check_sizes and any(
            r is not None and r != s for r, s in zip(ref.shape[1:], shape[1:], strict=True)):
        raise ValueError(
            f'Input "{ref.node.operation.name}" of model "{model_name}" is incompatible: '
            f"expected shape {(None, *ref.shape[1:])}, but received an input of shape {shape}."
        )
    return shape


def _check_optional(ref):
    """ValueError unless the input ``ref`` is optional (made by ``Input(optional=True)``)."""
    if not getattr(ref.node.operation, "optional", False):
        raise ValueError(f"The input '{ref.node.operation.name}' is not optional, but None was "
                         "passed. Please provide a valid tensor, or make the input with "
                         "keras.Input(..., optional=True).")


def _unpack_singleton(x):
    return x[0] if isinstance(x, (list, tuple)) and len(x) == 1 else x


def _shape_tuples(shape):
    if tree.is_shape(shape):
        return standardize_shape(shape)
    if isinstance(shape, dict):
        return {key: _shape_tuples(value) for key, value in shape.items()}
    return [_shape_tuples(s) for s in shape]
