"""The computation graph behind a tensor, as data and as a picture.

Every op's output remembers its Function (``tensor.creator``) and every
Function its inputs (``function.inputs``): following those links back from a
loss visits the whole graph that ``loss.backward()`` will walk. Draw it before
calling ``backward()``, which frees the graph (or pass ``retain_graph=True``).

    x = Tensor(np.ones((4, 3)))
    w = Tensor(np.ones((3, 2)), requires_grad=True, name="w")
    loss = ops.mean(ops.square(x @ w))
    plot_graph(loss, "graph.png")  # x, w -> MatMul -> Square -> Mean -> loss
"""

import numbers

import numpy as np

from .. import backend
from ..utils.graph_drawing import Node, render_graph
from .tensor import Tensor


def trace_graph(tensor):
    """The graph that produced ``tensor``, as ``(nodes, edges)``.

    nodes: ``Node(id, label, kind)`` for every Tensor (label: its name, or
        for an unnamed input what its op calls it, such as "inputs" or
        "labels", and its shape; a scalar input: its value), every Function
        (label: what it computes, ``Function.label``, e.g. "MatMul" or
        "Conv2D + bias + ReLU") and every number or array passed to an op
        (label: its value, or its name and shape). kind is "output" for
        ``tensor``, "parameter" for a leaf that gets a gradient, "input" for a
        leaf that does not, "tensor" for an intermediate result, "function"
        or "constant".
    edges: ``(from_id, to_id)`` pairs in the direction data flows:
        input -> function -> output.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"trace_graph expects a Tensor, got {type(tensor).__name__}.")
    nodes, edges, ids = [], [], {}

    def add(key, label, kind):
        ids[key] = f"n{len(nodes)}"
        nodes.append(Node(ids[key], label, kind))
        return ids[key]

    add(id(tensor), _tensor_label(tensor), "output" if tensor.creator else _leaf_kind(tensor))
    pending = [tensor]  # tensors whose creator is still to be visited
    while pending:
        output = pending.pop()
        function = output.creator
        if function is None:
            continue
        if not hasattr(function, "inputs"):
            raise RuntimeError(
                f"The graph through {function!r} was freed by backward(). Draw the graph "
                "before calling backward(), or call backward(retain_graph=True)."
            )
        edges.append((add(id(function), function.label, "function"), ids[id(output)]))
        for position, value in enumerate(function.inputs):
            if isinstance(value, Tensor):
                if id(value) not in ids:
                    kind = "tensor" if value.creator else _leaf_kind(value)
                    add(id(value), _tensor_label(value, _input_name(function, position)), kind)
                    pending.append(value)
                edges.append((ids[id(value)], ids[id(function)]))
            elif _is_value(value):  # a number or array argument, drawn once per use
                label = _constant_label(value, _input_name(function, position))
                constant = add((id(function), position), label, "constant")
                edges.append((constant, ids[id(function)]))
    return nodes, edges


def plot_graph(tensor, to_file="graph.png"):
    """Draws the computation graph behind ``tensor`` (e.g. a loss) to ``to_file``.

    Tensors are ovals labelled with their name ("dense/kernel"; the data: "inputs",
    "labels") and shape, constants with their value (weights green, the output
    orange); Functions are blue boxes saying what they compute (a fused op its
    steps: "Conv2D + bias + ReLU"); arrows follow the data from the inputs to
    ``tensor``. Uses graphviz's ``dot`` if it is installed, else matplotlib.
    """
    nodes, edges = trace_graph(tensor)
    render_graph(nodes, edges, to_file)


def _leaf_kind(tensor):
    return "parameter" if tensor.requires_grad else "input"


def _input_name(function, position):
    """What ``function`` calls its input at ``position`` ("labels"), or None."""
    names = function.input_names
    return names[position] if position < len(names) else None


def _tensor_label(tensor, input_name=None):
    """Its name, or for an unnamed leaf what its op calls it, and its shape; a scalar leaf
    that gets no gradient is a constant to the graph, labelled with its value."""
    name = getattr(tensor, "path", None) or tensor.name
    if tensor.creator is None and not name:
        if tensor.ndim == 0 and not tensor.requires_grad:
            return _constant_label(tensor.data)
        name = input_name
    shape = str(tuple(tensor.shape)) if tensor.ndim else "scalar"
    return f"{name}\n{shape}" if name else shape


def _is_value(value):
    """Whether an op argument is data (number, array) rather than a setting (axis, dtype)."""
    is_number = isinstance(value, numbers.Number) and not isinstance(value, bool)
    return is_number or backend.is_array(value)


def _constant_label(value, input_name=None):
    if backend.is_array(value) and value.ndim > 0:
        return f"{input_name or 'array'}\n{tuple(value.shape)}"
    return f"{np.asarray(backend.to_numpy(value)).item():.4g}"
