"""The functional graph: which calls lead from a model's inputs to its outputs.

Calling layers, or functions of ``keras.ops``, on ``keras.Input`` tensors
records Nodes (see ``ops/symbolic.py``). A functional model walks those
Nodes backwards from its outputs to its inputs, once, when it is created:

- ``nodes`` lists the calls in an order where every call comes after the
  calls that produce its inputs (a topological order): running them in that
  order computes the outputs;
- ``operations`` lists what was called in Keras's order (by depth from the
  outputs, deepest first, ties broken by the order the walk first met them),
  and ``layers`` the layers among them: they fix the order of
  ``model.layers``, of ``model.weights``, of the summary's rows and of the
  groups in a saved file, so files move between minikeras and Keras.
"""

import collections

from ..layers.input_layer import Input, InputLayer
from ..layers.layer import Layer
from ..ops.symbolic import KerasTensor, Node
from ..utils import tree


class Graph:
    """The calls between ``inputs`` and ``outputs`` (nests of KerasTensors).

    inputs: KerasTensors (one, a nest of lists, tuples and dicts), made by
        ``keras.Input`` or by calls on them: a model from intermediate tensors,
        ``keras.Model(layer_a.output, layer_b.output)``, gets an Input in place
        of each of those and its own record of the calls after them (see
        ``clone_graph``), sharing the layers.
    outputs: KerasTensors computed from them (the same kinds of nests).
    """

    def __init__(self, inputs, outputs):
        _check_tensors("inputs", inputs, tree.flatten(inputs))
        _check_tensors("outputs", outputs, tree.flatten(outputs))
        if not all(isinstance(x.node.operation, InputLayer) for x in tree.flatten(inputs)):
            inputs, outputs = clone_graph(inputs, outputs)
        self.inputs_struct = inputs
        self.outputs_struct = outputs
        self.inputs = tree.flatten(inputs)
        self.outputs = tree.flatten(outputs)
        ordered_nodes, first_seen = _walk_back(self.outputs)
        self.nodes = [node for node in ordered_nodes if node.input_tensors]
        self.operations, self.node_depths = _operations_by_depth(ordered_nodes, first_seen,
                                                                 self.inputs)
        self.layers = [op for op in self.operations if isinstance(op, Layer)]
        self.node_set = set(self.node_depths)
        _check_connected(self.inputs, self.nodes)
        _check_unique_names(self.operations)

    def run(self, flat_inputs, training=None, call=None):
        """Makes every call of the graph on ``flat_inputs`` (Tensors, in ``inputs`` order).

        training: the model's flag; when not None it replaces a ``training``
            argument a call recorded, as in Keras (Keras's files record the
            default its layers resolved: training=True for the augmentation
            layers, which predict must still turn off).
        call: ``call(operation, *args, **kwargs)`` makes each call in place of
            ``operation(*args, **kwargs)`` (``clone_model`` calls copies with it).
        Returns the outputs in the structure the model was built with.
        """
        values = {id(x): value for x, value in zip(self.inputs, flat_inputs, strict=True)}
        for node in self.nodes:
            args, kwargs = tree.map_structure(
                lambda v: values[id(v)] if isinstance(v, KerasTensor) else v,
                (node.call_args, node.call_kwargs))
            if training is not None and "training" in kwargs:
                kwargs = {**kwargs, "training": training}
            outputs = (node.operation(*args, **kwargs) if call is None
                       else call(node.operation, *args, **kwargs))
            for x, value in zip(node.outputs, tree.flatten(outputs), strict=True):
                values[id(x)] = value
        return tree.map_structure(lambda x: values[id(x)], self.outputs_struct)

    def node_index(self, node):
        """The position of ``node`` among its operation's calls that belong to this graph."""
        own = [n for n in node.operation._inbound_nodes if n in self.node_set]
        return own.index(node)


def clone_graph(inputs, outputs):
    """(inputs, outputs) of a new record of the calls from ``inputs`` to ``outputs``.

    Each input not made by ``keras.Input`` is replaced by a new Input of its
    shape and dtype (named after it, "<name>CLONE", as Keras names it); the
    calls between the inputs and the outputs are recorded again, as new
    Nodes of the same operations on new KerasTensors, as Keras does, so the
    original graph is left as it was.
    """
    replaced = {}  # id(original KerasTensor) -> its counterpart in the new record
    for x in tree.flatten(inputs):
        if isinstance(x.node.operation, InputLayer):
            replaced[id(x)] = x
        else:
            replaced[id(x)] = Input(batch_shape=x.shape, dtype=x.dtype, name=f"{x.name}CLONE")
    ordered, _ = _walk_back(tree.flatten(outputs), stop=replaced)
    for node in ordered:
        if not node.input_tensors:  # an Input the model was not given: left disconnected
            replaced.update((id(x), x) for x in node.outputs)
            continue
        args, kwargs = tree.map_structure(
            lambda v: replaced[id(v)] if isinstance(v, KerasTensor) else v,
            (node.call_args, node.call_kwargs))
        copies = [KerasTensor(x.shape, x.dtype, name=f"{x.name}_clone") for x in node.outputs]
        replaced.update((id(x), copy) for x, copy in zip(node.outputs, copies, strict=True))
        Node(node.operation, args, kwargs, copies)

    def new(x):
        if id(x) not in replaced:
            raise ValueError(f"Graph disconnected: the output {x} cannot be computed from the "
                             "model's inputs.")
        return replaced[id(x)]

    return tree.map_structure(new, inputs), tree.map_structure(new, outputs)


def _check_tensors(argument, structure, flat):
    if not flat:
        raise ValueError(f"Model `{argument}` cannot be empty. Received: {argument}={structure}")
    for x in flat:
        if not isinstance(x, KerasTensor):
            raise ValueError(
                f"All Model `{argument}` must be KerasTensors (from keras.Input and layer "
                f"calls). Received {x!r} of type {type(x).__name__}."
            )


def _walk_back(outputs, stop=()):
    """Depth-first walk from the outputs: nodes in topological order, and first-visit ranks.

    stop: ids of tensors whose making is not part of the walk (new inputs).
    """
    ordered, finished, in_progress = [], set(), set()
    first_seen = {}  # operation -> rank of the first visit

    def visit(tensor):
        node = tensor.node
        if node in finished or id(tensor) in stop or node is None:
            return
        if node in in_progress:
            raise ValueError(
                f"Tensor {tensor} from layer '{node.operation.name}' is part of a cycle.")
        first_seen.setdefault(node.operation, len(first_seen))
        in_progress.add(node)
        for x in node.input_tensors:
            visit(x)
        in_progress.remove(node)
        finished.add(node)
        ordered.append(node)

    for output in outputs:
        visit(output)
    return ordered, first_seen


def _operations_by_depth(ordered_nodes, first_seen, inputs):
    """Operations sorted as Keras sorts them: deepest (farthest from the outputs) first.

    Returns the operations and {node: depth}, a node's depth being the number
    of calls between it and the outputs.
    """
    node_depth, op_depth = {}, {}
    in_graph = set(ordered_nodes)
    for node in reversed(ordered_nodes):  # outputs first
        depth = max(node_depth.setdefault(node, 0), op_depth.get(node.operation, 0))
        op_depth[node.operation] = node_depth[node] = depth
        for parent in node.parent_nodes:
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for x in inputs:  # inputs the outputs do not use still belong to the model
        if x.node.operation not in op_depth:
            op_depth[x.node.operation] = node_depth[x.node] = 0
            first_seen[x.node.operation] = -1
    operations = sorted(op_depth, key=lambda op: (-op_depth[op], first_seen[op]))
    return operations, node_depth


def _check_connected(inputs, nodes):
    computable = {id(x) for x in inputs}
    for node in nodes:
        for x in node.input_tensors:
            if id(x) not in computable:
                raise ValueError(
                    f"Graph disconnected: layer '{node.operation.name}' needs {x}, which cannot be "
                    "computed from the model's inputs. Pass every keras.Input the outputs "
                    "depend on as a model input."
                )
        computable.update(id(x) for x in node.outputs)


def _check_unique_names(operations):
    counts = collections.Counter(op.name for op in operations)
    for name, count in counts.items():
        if count > 1:
            raise ValueError(
                f'The name "{name}" is used {count} times in the model. '
                "All layer names should be unique."
            )
