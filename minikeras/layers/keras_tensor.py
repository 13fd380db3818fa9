"""Symbolic tensors for the functional API: shapes without data, and the graph they form.

``keras.Input(shape=(784,))`` returns a KerasTensor. Calling a layer on it
computes no numbers: the layer builds its weights from the shape, works out
its output shape and returns new KerasTensors, recording a Node (this layer,
called on these tensors, gave those). ``keras.Model(inputs, outputs)`` later
walks the Nodes from outputs back to inputs and replays the calls on data.
"""

from ..utils.tree import flatten


class KerasTensor:
    """A placeholder for a tensor: its shape (None for the batch size), dtype and origin.

    node: the Node whose call produced it; index: its position in that node's outputs.
    """

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.node = node
        self.index = index

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        origin = f", created by layer '{self.node.layer.name}'" if self.node else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{origin}>"


class Node:
    """One call of a layer in a functional graph.

    layer: the layer called.
    call_args, call_kwargs: the call's arguments as given, KerasTensors included.
    outputs: the KerasTensors it returned, flattened.
    """

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [
            x for x in flatten((call_args, call_kwargs)) if isinstance(x, KerasTensor)
        ]
        for index, tensor in enumerate(outputs):
            tensor.node, tensor.index = self, index
        layer._inbound_nodes.append(self)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        return [x.node for x in self.input_tensors if x.node is not None]
