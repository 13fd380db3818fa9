"""Functional: the model ``keras.Model(inputs, outputs)`` returns, and its config.

The config lists every layer with the calls that connect it (its "inbound
nodes"), each call naming the tensors it received as ``[layer name, node
index, tensor index]``: the layout Keras writes, so the same JSON rebuilds
the model in minikeras and in Keras.
"""

import collections

from ..ops.symbolic import KerasTensor
from ..serialization import deserialize_keras_object, serialize_keras_object
from ..utils import tree
from .model import Model


class Functional(Model):
    """A model defined by a graph of layer calls from ``keras.Input`` tensors to outputs.

    inputs, outputs: KerasTensors (one, a list or a dict of each).
    name: the model's name ("functional", "functional_1", ... by default).
    """

    keras_location = ("keras.src.models.functional", "Functional")  # (module, name) in files

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(inputs=inputs, outputs=outputs, name=name, trainable=trainable,
                         **kwargs)

    def get_config(self):
        """Keras's functional config: layers with their inbound nodes, input and output layers."""
        graph = self._graph
        layers = []
        for layer in graph.operations:
            config = serialize_keras_object(layer)
            config["name"] = layer.name
            config["inbound_nodes"] = [
                _serialize_node(node, graph) for node in layer._inbound_nodes
                if node in graph.node_set and node.input_tensors]
            layers.append(config)
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layers,
            "input_layers": tree.map_structure(lambda x: _history(x, graph, 1),
                                               graph.inputs_struct),
            "output_layers": tree.map_structure(lambda x: _history(x, graph, 1),
                                                graph.outputs_struct),
        }


def _history(tensor, graph, model_offset=0):
    """``[layer name, node index, tensor index]``: where ``tensor`` was made.

    model_offset: Keras numbers a nested functional model's calls from 1 in
    ``input_layers``/``output_layers`` (but from 0 in the layers' inbound nodes).
    """
    node = tensor.node
    offset = model_offset if isinstance(node.operation, Functional) else 0
    return [node.operation.name, graph.node_index(node) + offset, tensor.index]


def _serialize_node(node, graph):
    def serialize(value):
        if isinstance(value, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(value.shape), "dtype": value.dtype,
                               "keras_history": _history(value, graph)}}
        return value

    args, kwargs = tree.map_structure(serialize, (list(node.call_args), dict(node.call_kwargs)))
    return {"args": serialize_keras_object(args), "kwargs": serialize_keras_object(kwargs)}


def functional_from_config(cls, config, custom_objects=None):
    """A functional model of class ``cls`` from Keras's functional config.

    Layers are created first; their calls are then replayed on the tensors
    they received (see ``_replay_calls``).
    """
    created = {}
    calls = {}
    mask_only = _mask_only_operations(config)
    for layer_data in config["layers"]:
        if layer_data.get("name") in mask_only:
            continue
        layer = deserialize_keras_object(layer_data, custom_objects=custom_objects)
        created[layer_data["name"]] = layer
        calls[layer_data["name"]] = collections.deque(layer_data.get("inbound_nodes", []))
    _replay_calls(calls, created)

    def tensor(history):
        name, node_index, tensor_index = history
        if name not in created:
            raise ValueError(f"Invalid functional model config: unknown layer {name!r}.")
        layer = created[name]
        if isinstance(layer, Functional):
            node_index -= 1
        return layer._inbound_nodes[node_index].outputs[tensor_index]

    inputs = _map_histories(tensor, config["input_layers"])
    outputs = _map_histories(tensor, config["output_layers"])
    extra = {k: v for k, v in config.items()
             if k not in ("name", "trainable", "layers", "input_layers", "output_layers")}
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True), **extra)


def _replay_calls(calls, created):
    """Calls each layer on the tensors its recorded calls received, in an order where every
    tensor exists before it is used, whatever the order of the layers in the config.

    calls: {layer name: deque of its recorded calls, in order}; emptied.
    created: {layer name: layer}.

    A queue holds the layers whose next call may be ready. A layer whose next
    call needs a tensor that a call of layer ``other`` has yet to make waits on
    ``other`` and goes back in the queue when ``other`` is called: each call
    is tried again only after a call it may need has been made, so the work
    grows with the number of calls, not with its square.
    """
    queue = collections.deque(name for name, pending in calls.items() if pending)
    waiting = collections.defaultdict(list)  # layer name -> layers waiting for its next call
    while queue:
        name = queue.popleft()
        try:
            args, kwargs = _call_arguments(calls[name][0], created)
        except _NotMadeYet as missing:
            waiting[missing.layer_name].append(name)
            continue
        created[name](*args, **kwargs)
        calls[name].popleft()
        if calls[name]:
            queue.append(name)
        queue.extend(waiting.pop(name, ()))
    stuck = [name for name, pending in calls.items() if pending]
    if stuck:
        raise ValueError(f"Invalid functional model config: the calls of layers {stuck} "
                         "cannot be connected to the model's inputs.")


class _NotMadeYet(Exception):
    """A recorded call needs a tensor that a call of layer ``layer_name`` has yet to make."""

    def __init__(self, layer_name):
        super().__init__(layer_name)
        self.layer_name = layer_name


def _call_arguments(node_data, created):
    """The (args, kwargs) of a recorded call, with the tensors made by the calls replayed
    so far; raises _NotMadeYet if one of them is not made yet."""
    def revive(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = value["config"]["keras_history"]
            source = created.get(name)
            if source is None:
                raise ValueError(f"Invalid functional model config: unknown layer {name!r}.")
            if node_index >= len(source._inbound_nodes):
                raise _NotMadeYet(name)
            return source._inbound_nodes[node_index].outputs[tensor_index]
        if isinstance(value, dict) and "class_name" in value:  # a slice, an array...
            return deserialize_keras_object(value)
        if isinstance(value, dict):
            return {k: revive(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [revive(v) for v in value]
        return value

    if isinstance(node_data, list):  # Keras 2's layout: [[name, node, tensor, kwargs], ...]
        node_data = _legacy_node(node_data)
    args = revive(node_data.get("args", []))
    kwargs = revive(_without_mask(node_data.get("kwargs", {})))
    return args, kwargs


def _without_mask(kwargs):
    """A call's keyword arguments without ``mask``: masks travel with the tensors at run time
    (see ``layers/layer.py``), so a mask Keras recorded in the graph is not needed."""
    return {k: v for k, v in kwargs.items() if k != "mask"} if isinstance(kwargs, dict) else (
        kwargs)


def _mask_only_operations(config):
    """The names of the Keras ops in a Keras functional config that only compute masks.

    Keras records the mask an Embedding(mask_zero=True) passes to a layer that
    takes one (GlobalAveragePooling1D) as a call of ``ops.not_equal`` in the
    graph, with module "keras.src.ops.numpy"; minikeras computes masks at run
    time, so such calls are left out (other ops in a graph are replayed as any call).
    """
    used = set()

    def collect(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            collect((value.get("config") or {}).get("keras_history"))
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, (list, tuple)):
            if len(value) >= 3 and isinstance(value[0], str) and isinstance(value[1], int):
                used.add(value[0])  # [name, node index, tensor index]
            for item in value:
                collect(item)

    for layer_data in config["layers"]:
        for node in layer_data.get("inbound_nodes", []):
            collect(node if isinstance(node, list) else {
                "args": node.get("args"), "kwargs": _without_mask(node.get("kwargs") or {})})
    collect(config.get("output_layers"))
    return {layer_data.get("name") for layer_data in config["layers"]
            if str(layer_data.get("module", "")).startswith("keras.src.ops.")
            and layer_data.get("name") not in used}


def _legacy_node(node_data):
    """Keras 2's ``[[layer name, node index, tensor index, kwargs], ...]`` as Keras 3 writes
    a call: the tensors (one, or a list of them), with the last one's keyword arguments."""
    tensors = [{"class_name": "__keras_tensor__", "config": {"keras_history": item[:3]}}
               for item in node_data]
    kwargs = node_data[-1][3] if node_data and len(node_data[-1]) > 3 else {}
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": dict(kwargs)}


def _map_histories(fn, value):
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _map_histories(fn, v) for k, v in value.items()}
    return [_map_histories(fn, v) for v in value]
