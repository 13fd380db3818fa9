"""clone_model: the same architecture with new layers (new weights), as ``keras.models``."""

from ..layers.input_layer import Input, InputLayer
from ..layers.layer import Layer
from ..ops.symbolic import KerasTensor
from ..serialization import deserialize_keras_object, serialize_keras_object
from ..utils import tree
from .functional import Functional
from .sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the architecture of ``model``: its layers made again from their
    configs, so with newly drawn weights (copy them with ``set_weights`` if wanted).

    input_tensors: KerasTensors (from ``keras.Input``) to build the copy on, in the
        structure of ``model.input``; by default new Inputs like the model's.
    clone_function: ``fn(layer) -> layer`` makes each layer's copy (default:
        ``layer.__class__.from_config(layer.get_config())``); it may return the
        layer itself to share it, or another layer to replace it.
    call_function: ``fn(layer, *args, **kwargs) -> outputs`` makes each call of a
        functional model on the copies (to add layers around a call).
    recursive: clone the Sequential and functional models used as layers with
        clone_model itself (the same clone_function), instead of clone_function.
    A model compiled before is compiled again with the same settings (with a
    new optimizer). Functions of ``keras.ops`` in a functional model hold no
    weights and are called as they are. A subclassed model is remade from its
    config (its ``get_config``), and takes none of the arguments above.
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    clone = _cached_clone(clone_function, call_function, recursive,
                          {} if cache is None else cache)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models.  In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only. Received "
                f"model of type '{type(model).__name__}', with call_function={call_function}")
        copy = _clone_sequential(model, clone, input_tensors)
    elif isinstance(model, Functional):
        copy = _clone_functional(model, clone, call_function, input_tensors)
    else:
        if clone_function or input_tensors:
            raise ValueError(
                "Arguments `clone_function` and `input_tensors` are only supported for "
                "Sequential models or Functional models. Received model of type "
                f"'{type(model).__name__}', with clone_function={clone_function} and "
                f"input_tensors={input_tensors}")
        if call_function is not None:
            raise ValueError("Argument `call_function` is only supported for Functional "
                             f"models. Received model of type '{type(model).__name__}', with "
                             f"call_function={call_function}")
        return deserialize_keras_object(serialize_keras_object(model))
    if model.compiled:
        copy.compile_from_config(model.get_compile_config())
    return copy


def _cached_clone(clone_function, call_function, recursive, cache):
    """``clone(layer)``: each layer's copy, made once (a layer used twice stays shared)."""
    if clone_function is None:
        def clone_function(layer):
            return layer.__class__.from_config(layer.get_config())
    if not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. Received: "
                         f"clone_function={clone_function}")

    def clone(layer):
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(
                    layer, clone_function=clone_function, recursive=True, cache=cache,
                    call_function=call_function if isinstance(layer, Functional) else None)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return clone


def _clone_sequential(model, clone, input_tensors):
    layers = [clone(layer) for layer in model.layers]
    first = model._layers[0] if model._layers else None
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError("Argument `input_tensors` must be a KerasTensor. Received invalid "
                             f"value: input_tensors={input_tensors}")
        layers = [Input(tensor=input_tensors, name=getattr(first, "name", None)), *layers]
    elif isinstance(first, InputLayer):
        layers = [Input(batch_shape=first.batch_shape, dtype=first.dtype, name=first.name),
                  *layers]
    return Sequential(layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone, call_function, input_tensors):
    graph = model._graph
    if input_tensors is None:
        input_tensors = tree.map_structure(
            lambda x: Input(batch_shape=x.shape, dtype=x.dtype, name=x.name),
            graph.inputs_struct)
    elif not all(isinstance(x, KerasTensor) for x in tree.flatten(input_tensors)) or len(
            tree.flatten(input_tensors)) != len(graph.inputs):
        raise ValueError("All entries in `input_tensors` must be KerasTensors, one per model "
                         f"input.\nReference structure: {graph.inputs_struct}\nReceived "
                         f"structure: {input_tensors}")

    def call(operation, *args, **kwargs):
        if not isinstance(operation, Layer):  # a keras.ops function: no weights to copy
            return operation(*args, **kwargs)
        if call_function is not None:
            return call_function(clone(operation), *args, **kwargs)
        return clone(operation)(*args, **kwargs)

    outputs = graph.run(tree.flatten(input_tensors), call=call)
    return Functional(input_tensors, outputs, name=model.name)
