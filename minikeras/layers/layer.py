"""Layer: the base class of every layer, and of models.

A layer owns weights (Variables) and maps input Tensors to output Tensors
with ops in ``call()``. Its weights are created lazily: the first call
passes the input shape to ``build()``, so ``Dense(64)`` need not be told
its input size. Calling a layer on a KerasTensor (``keras.Input``) records
the call for the functional API instead of computing.

Masks travel with the tensors, as in Keras: a layer that makes one
(``Embedding(mask_zero=True)``) attaches it to its output as ``_keras_mask``;
the next layer receives it as its ``mask`` argument if its ``call`` takes
one, and passes it on to its own output if it ``supports_masking``; losses
and metrics weigh the model's outputs by it.
"""

import contextlib
import inspect
import threading
import warnings

import numpy as np

from .. import backend, constraints, initializers, ops, regularizers
from ..autograd import Tensor, no_grad
from ..ops.symbolic import KerasTensor, Node, Operation, standardize_shape
from ..utils import tree
from ..utils.naming import current_path, name_scope
from ..variables import Variable
from .input_spec import InputSpec
from .keras2_arguments import Keras2Arguments


class _CallContext(threading.local):
    """The ``training`` flag of the outermost layer call in progress in this thread (None
    outside calls)."""

    active = False
    training = None


_call_context = _CallContext()


class Layer(Operation, metaclass=Keras2Arguments):
    """Base class of layers: weights, lazy build, training flag, config, functional calls.

    Subclasses implement:
      build(input_shape): create weights with ``add_weight`` from the input shape.
      call(inputs, training=None): compute the outputs with ops (never numpy on data).
      compute_output_shape(input_shape) or compute_output_spec(inputs):
          optional; by default the output shape is found by a dry run of ``call``
          on zeros.
      get_config(): the constructor arguments, for saving; optional when they
          are plain values (numbers, strings...), which are kept automatically.

    trainable: whether the optimizer updates this layer's trainable weights.
    name: unique by default ("dense", "dense_1", ...).
    dtype: the float type of the weights (``floatx()`` by default).
    input_shape / input_dim: accepted as older Keras code passes them to the
        first layer of a Sequential model (shape without the batch axis).
    """

    # The arguments of Layer.__init__ (get_config writes the ones that last).
    _arguments_configured_by_base = frozenset({
        "trainable", "name", "dtype", "activity_regularizer", "input_shape", "input_dim",
        "batch_input_shape", "batch_size"})
    _parent_path = None  # the scopes this layer was first built or called in, see _name_scope

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 input_shape=None, input_dim=None, batch_input_shape=None, batch_size=None,
                 **kwargs):
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments {sorted(kwargs)}."
            )
        Operation.__init__(self, name=name)
        self._layers = []
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._losses = []
        self._trainable = bool(trainable)
        self.dtype = _dtype_name(dtype) or backend.floatx()
        self.built = False
        self._build_input_shape = None
        self.input_spec = None
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._input_shape_arg = _input_shape_argument(
            input_shape, input_dim, batch_input_shape, batch_size)

    # -- tracking of weights and sublayers --------------------------------------

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_layers":
            self._track_layers([value])
        elif isinstance(value, (list, tuple)) and value and all(
                isinstance(v, Layer) for v in value):
            self._track_layers(value)
        elif isinstance(value, Variable):
            self._track_variable(value)
        object.__setattr__(self, name, value)

    def _track_layers(self, layers):
        tracked = self.__dict__.setdefault("_layers", [])
        known = {id(layer) for layer in tracked}
        for layer in layers:
            if id(layer) not in known:
                known.add(id(layer))
                tracked.append(layer)

    def _track_variable(self, variable):
        own = self._trainable_variables + self._non_trainable_variables
        if not any(variable is known for known in own):
            target = self._trainable_variables if variable.trainable else (
                self._non_trainable_variables)
            target.append(variable)

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates, tracks and returns a Variable of this layer.

        shape: tuple of ints (default: a scalar).
        initializer: name, Initializer or function; default "glorot_uniform"
            for floats, "zeros" otherwise.
        regularizer: its penalty on this weight joins ``layer.losses``.
        constraint: a name, Constraint or function of the weight, applied to it after
            each optimizer update.
        """
        dtype = _dtype_name(dtype) or self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        variable = Variable(initializers.get(initializer), shape=tuple(shape or ()),
                            dtype=dtype, trainable=trainable, name=name)
        with name_scope(self.name, caller=self, parent_path=self._parent_path):
            variable.path = f"{current_path()}/{variable.name}"
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        if not self._trainable:
            variable.trainable = False
        (self._trainable_variables if trainable else self._non_trainable_variables).append(
            variable)
        return variable

    add_variable = add_weight

    @property
    def layers(self):
        """The sublayers this layer owns, in the order they were set."""
        return list(self._layers)

    @property
    def weights(self):
        """Every weight: own trainable ones, own non-trainable ones, then the sublayers'."""
        weights, seen = [], set()
        for w in self._trainable_variables + self._non_trainable_variables + [
                w for layer in self._layers for w in layer.weights]:
            if id(w) not in seen:
                seen.add(id(w))
                weights.append(w)
        return weights

    variables = weights

    @property
    def trainable_weights(self):
        """The weights the optimizer updates (none when the layer is frozen)."""
        return [w for w in self.weights if w.trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        """The weights the optimizer leaves alone (all of them when the layer is frozen)."""
        return [w for w in self.weights if not w.trainable] if self.trainable else self.weights

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        """Whether training updates this layer; setting it freezes or unfreezes sublayers too."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for variable in self._trainable_variables:
            variable.trainable = self._trainable
        for layer in self._layers:
            layer.trainable = self._trainable

    def get_weights(self):
        """The weights as NumPy arrays, in the order of ``weights`` (Keras's order)."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Sets the weights from NumPy arrays given in the order of ``weights``.

        Every shape and dtype is checked before any weight changes, so a mismatch
        leaves the layer as it was.
        """
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f'Layer "{self.name}" expects {len(own)} weights, but set_weights() received '
                f"{len(weights)}. Expected shapes: {[tuple(w.shape) for w in own]}."
            )
        values = [value if backend.is_array(value) else np.asarray(value) for value in weights]
        for variable, value in zip(own, values, strict=True):
            scopes = variable.path.split("/")[:-1]  # sequential/dense/kernel: its layer is dense
            owner = scopes[-1] if scopes else self.name
            where = f'weight {variable.path!r} (layer "{owner}")'
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"{where} has shape {tuple(variable.shape)}, but set_weights() "
                                 f"received shape {tuple(value.shape)}.")
            if value.dtype.kind not in "fiub":
                raise TypeError(f"{where} needs numbers, but set_weights() received dtype "
                                f"{value.dtype}.")
        for variable, value in zip(own, values, strict=True):
            variable.assign(value)

    def count_params(self):
        """The number of scalars in all weights."""
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" has no weights yet: call it on data or build it first.')
        return int(sum(w.size for w in self.weights))

    # -- losses added by the layer -------------------------------------------

    def add_loss(self, loss):
        """Adds a scalar Tensor to the losses minimised in training (cleared at each call)."""
        self._losses.append(loss)

    @property
    def losses(self):
        """Losses added in this forward pass plus weight penalties, sublayers included."""
        losses = list(self._losses)
        for w in self._trainable_variables + self._non_trainable_variables:
            if w.regularizer is not None:
                losses.append(w.regularizer(w))
        for layer in self._layers:
            losses.extend(layer.losses)
        return losses

    def _clear_losses(self):
        self._losses = []
        for layer in self._layers:
            layer._clear_losses()

    # -- calling -------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if not args or args[0] is None:
            raise TypeError(f'Layer "{self.name}" ({type(self).__name__}) was called without '
                            "inputs: pass an array, a Tensor, or a list of them.")
        if any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))):
            return self._symbolic_call(*args, **kwargs)
        inputs = tree.map_structure(lambda x: _to_tensor(x, self), args[0])
        self._check_input_spec(inputs)  # before build, as Keras: build may rely on the rank
        with _errors_naming(self), self._name_scope():
            self._maybe_build(tree.map_structure(
                lambda t: None if t is None else tuple(t.shape), inputs))
            if not _call_context.active:
                self._clear_losses()
            previous_mask, kwargs = self._mask_argument(inputs, kwargs)
            outputs = self._call_in_context(inputs, *args[1:], **kwargs)
        if self.activity_regularizer is not None:
            for output in tree.flatten(outputs):
                self.add_loss(self._activity_loss(output))
        self._attach_masks(inputs, outputs, previous_mask)
        return outputs

    def _activity_loss(self, output):
        """The activity regularizer's penalty on ``output``, per sample (as Keras divides it
        by the batch size: 0 for an empty batch; a scalar output is not divided)."""
        loss = self.activity_regularizer(output)
        if not output.shape:
            return loss
        return ops.divide_no_nan(loss, float(output.shape[0]))

    def _mask_argument(self, inputs, kwargs):
        """(the inputs' mask, kwargs with ``mask`` filled in from it when ``call`` takes a mask
        and none was given)."""
        if kwargs.get("mask") is not None:
            return kwargs["mask"], kwargs
        mask = tree.map_structure(get_keras_mask, inputs)
        if self._call_accepts("mask") and any(m is not None for m in tree.flatten(mask)):
            kwargs = {**kwargs, "mask": mask}
        return mask, kwargs

    def _attach_masks(self, inputs, outputs, previous_mask):
        """Gives the outputs the masks ``compute_mask`` returns (outputs that have one keep
        it); a layer that does not support masking drops its input's mask, with a warning."""
        flat_outputs = tree.flatten(outputs)
        if not self.supports_masking:
            if any(m is not None for m in tree.flatten(previous_mask)):
                warnings.warn(f'Layer "{self.name}" ({type(self).__name__}) was passed an input '
                              "with a mask attached to it, but it does not support masking: "
                              "layers after it will not see the mask.", stacklevel=3)
            return
        if all(get_keras_mask(x) is not None for x in flat_outputs):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for output, mask in zip(flat_outputs, tree.flatten(masks), strict=False):
            if get_keras_mask(output) is None and mask is not None:
                output._keras_mask = mask

    @property
    def supports_masking(self):
        """Whether the layer passes a mask on to its outputs (through ``compute_mask``): by
        default, whether it overrides compute_mask; layers set it to say otherwise."""
        explicit = self.__dict__.get("_supports_masking")
        return type(self).compute_mask is not Layer.compute_mask if explicit is None else explicit

    @supports_masking.setter
    def supports_masking(self, value):
        self._supports_masking = bool(value)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs (None: no mask); by default the inputs' own, which layers
        that keep the sequence axis pass on when they set ``supports_masking``."""
        return previous_mask

    def _call_in_context(self, inputs, *args, training=None, **kwargs):
        context = _call_context
        outer_active, outer_training = context.active, context.training
        if training is None:
            training = outer_training
        if self._call_accepts("training"):
            if training is None:
                training = self._call_default("training")
            kwargs["training"] = training
        context.active, context.training = True, training
        try:
            return self.call(inputs, *args, **kwargs)
        finally:
            context.active, context.training = outer_active, outer_training

    def _call_accepts(self, argument):
        return argument in _call_parameters(type(self))

    def _call_default(self, argument):
        default = _call_parameters(type(self))[argument].default
        return None if default is inspect.Parameter.empty else default

    def call(self, inputs, *args, **kwargs):
        """The computation: inputs (Tensor or a nest of them) -> outputs. Override it."""
        return inputs

    def build(self, input_shape):
        """Creates the weights for inputs of ``input_shape`` (batch axis first). Override it."""
        self.built = True

    def _build_at_init(self):
        """Marks a layer without weights as built at construction, as Keras does, unless
        its class has a ``build`` of its own: that one runs on the first call."""
        if type(self).build is Layer.build:
            self.built = True

    def _maybe_build(self, input_shape):
        if not self.built:
            self._build_input_shape = input_shape  # for summary() and saving
            with self._name_scope():
                self.build(input_shape)
            self.built = True

    def _name_scope(self):
        """This layer's name scope, as Keras opens it around build and call: the weights a
        layer creates are at "<path>/<layer>/<weight>", <path> being the scopes open when
        it was first built or called ("sequential/dense/kernel" for a Dense that a
        Sequential builds; "dense/kernel" for one called on a keras.Input)."""
        if self._parent_path is None:
            self._parent_path = current_path()
        return name_scope(self.name, caller=self, parent_path=self._parent_path)

    def _check_input_spec(self, inputs):
        if self.input_spec is None:
            return
        single = not isinstance(self.input_spec, (list, tuple))
        if single and not isinstance(inputs, (Tensor, KerasTensor)):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects a single '
                             f"tensor as input, but it received {_describe(inputs)}.")
        specs = [self.input_spec] if single else self.input_spec
        flat = tree.flatten(inputs)
        if len(flat) < len([s for s in specs if not s.optional]):
            raise ValueError(f'Layer "{self.name}" expects {len(specs)} inputs, '
                             f"but it received {len(flat)}.")
        for index, (spec, x) in enumerate(zip(specs, flat, strict=False)):
            if x is None and not spec.optional:
                raise ValueError(f'Input {index} of layer "{self.name}" is None, but the '
                                 "layer needs a tensor there.")
            if x is not None:
                spec.check(x.shape, self.name, index)

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``, found by calling the layer on zeros.

        Layers override it when the shape is easy to state; the dry run covers
        any other layer, including users' own. The batch size stays None.
        """
        def zeros(shape):
            shape = [1 if d is None else d for d in shape]
            backend.check_allocation(shape, self.dtype, f'The dry run of layer "{self.name}"',
                                     persistent=False)
            return Tensor(backend.to_device(np.zeros(shape, dtype=self.dtype)))

        with no_grad():
            outputs = self(tree.map_shapes(zeros, input_shape), training=False)
        batch_unknown = any(s[0] is None for s in _flat_shapes(input_shape) if s)
        return tree.map_structure(
            lambda t: (None, *t.shape[1:]) if batch_unknown and t.ndim else tuple(t.shape),
            outputs)

    def _symbolic_call(self, *args, **kwargs):
        inputs = args[0]
        self._check_input_spec(inputs)
        with self._name_scope():
            if not self.built:
                self._maybe_build(_shape_structure(tree.map_structure(lambda x: x.shape, inputs)))
            outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, tree.flatten(outputs))
        return outputs

    def compute_output_spec(self, inputs, *args, **kwargs):
        """KerasTensors like the outputs for these (symbolic) inputs, from
        ``compute_output_shape``. A layer may override either; neither calls ``call()``
        when overridden."""
        output_shape = self.compute_output_shape(
            _shape_structure(tree.map_structure(lambda x: x.shape, inputs)))
        return tree.map_shapes(lambda s: KerasTensor(s, dtype=self.dtype), output_shape)

    # -- configuration --------------------------------------------------------

    def get_config(self):
        """The arguments that recreate this layer: name, trainable, dtype and the layer's own.

        A subclass that writes no get_config of its own gets the arguments it
        was constructed with (see ``Operation``), as in Keras.
        """
        config = {"name": self.name}
        if type(self).get_config is Layer.get_config:
            config.update(self._automatic_config())
        config.update(trainable=self.trainable, dtype=self.dtype)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """A new layer from ``get_config()``'s output."""
        return cls(**config)

    def get_build_config(self):
        """``{"input_shape": ...}``, the shape the layer was built for, saved with its config
        (None while it is unknown)."""
        if not self.built or self._build_input_shape is None:
            return None
        return {"input_shape": self._build_input_shape}

    def build_from_config(self, config):
        """Builds the weights for ``get_build_config()``'s output, as loading a file does."""
        shape = (config or {}).get("input_shape")
        if shape is not None:
            self._maybe_build(tree.map_shapes(tuple, shape))  # JSON's lists back to tuples

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_PARAMETERS = {}


def _call_parameters(cls):
    """The parameters of ``cls.call``, looked up once per class."""
    if cls not in _PARAMETERS:
        _PARAMETERS[cls] = inspect.signature(cls.call).parameters
    return _PARAMETERS[cls]


def get_keras_mask(x):
    """The mask attached to a tensor by the layer that made it (a bool Tensor), or None."""
    return getattr(x, "_keras_mask", None)


def _to_tensor(x, layer):
    """A layer input as a Tensor on the device, in floatx (integers and booleans too, so
    uint8 pixels or 0/1 features never turn a float32 layer into float64)."""
    if isinstance(x, Tensor) or x is None:
        return x
    if isinstance(x, KerasTensor):
        return x
    array = np.asarray(x) if not backend.is_array(x) else x
    if array.dtype.kind not in "fiub":
        raise TypeError(f'Layer "{layer.name}" ({type(layer).__name__}) needs numeric inputs '
                        f"(floats, integers or booleans), but it received dtype {array.dtype}.")
    if array.dtype != backend.floatx():
        array = array.astype(backend.floatx())
    return Tensor(backend.to_device(array))


def _dtype_name(dtype):
    if dtype is None:
        return None
    if isinstance(dtype, dict):  # Keras's serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name", "float32")
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"Invalid `dtype`: {dtype!r} is not a dtype, such as 'float32'.") from None


def _describe(value):
    """How an unexpected input looks, for error messages: "a list of 2 items", "None"..."""
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    if isinstance(value, (Tensor, KerasTensor)):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"{value!r} of type {type(value).__name__}"


@contextlib.contextmanager
def _errors_naming(layer):
    """ValueErrors and TypeErrors raised while building or calling ``layer`` name it.

    Errors that already name a layer (the innermost one, for nested layers)
    pass unchanged; others, NumPy's "operands could not be broadcast..." for
    one, get "Exception encountered when calling layer ..." in front, as in Keras.
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        if getattr(error, "_names_a_layer", False) or f'"{layer.name}"' in str(error):
            error._names_a_layer = True
            raise
        kind = TypeError if isinstance(error, TypeError) else ValueError
        named = kind(f'Exception encountered when calling layer "{layer.name}" '
                     f"({type(layer).__name__}): {error}")
        named._names_a_layer = True
        raise named from error


def _input_shape_argument(input_shape, input_dim, batch_input_shape, batch_size):
    """The batch shape older Keras code gives the first layer, or None."""
    if input_dim is not None:
        input_shape = (input_dim,)
    if batch_input_shape is None and input_shape is None:
        return None
    shape = batch_input_shape if batch_input_shape is not None else input_shape
    try:
        shape = standardize_shape(shape)
    except ValueError:
        raise ValueError("The `input_shape` / `batch_input_shape` / `input_dim` arguments must "
                         f"be a shape: non-negative ints or None. Received: {shape!r}") from None
    return shape if batch_input_shape is not None else (batch_size, *shape)


def _shape_structure(shapes):
    """Shapes of KerasTensors as tuples (lists of shapes stay lists)."""
    return tree.map_shapes(tuple, shapes) if not tree.is_shape(shapes) else tuple(shapes)


def _flat_shapes(shapes):
    if tree.is_shape(shapes):
        return [tuple(shapes)]
    values = shapes.values() if isinstance(shapes, dict) else shapes
    return [s for item in values for s in _flat_shapes(item)]


__all__ = ["InputSpec", "Layer"]
