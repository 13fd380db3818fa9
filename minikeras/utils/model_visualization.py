"""plot_model: a picture of a model's layers and how they connect, as Keras draws it.

Each layer is a box labelled with its name and class, and, on request, the
shapes it takes and gives, its dtype, its activation and whether it trains.
Arrows follow the data from the inputs to the outputs. The picture is drawn
by ``graph_drawing.render_graph``: graphviz's ``dot`` if it is installed,
matplotlib otherwise.

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    keras.utils.plot_model(model, "model.png", show_shapes=True)
"""

from . import tree
from .graph_drawing import Node, render_graph, to_dot


def model_to_graph(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                   show_layer_activations=False, show_trainable=False):
    """The layer graph of ``model`` as ``(nodes, edges)`` for ``render_graph``.

    nodes: one ``Node(id, label, kind)`` per layer, kind "input" for an
        InputLayer and "layer" otherwise; the label's lines are
        "name (Class)" (or "Class" without ``show_layer_names``), then
        "Activation: relu", "Input shape: (None, 784)", "Output shape: (None, 10)",
        "Output dtype: float32" and "Trainable" / "Non-trainable", each when asked for.
    edges: ``(from_id, to_id)`` from each layer to the layers it feeds.
    A Sequential model shows its layers without the InputLayer, in a chain;
    a functional model its whole graph, InputLayers included; a subclassed
    model is one box (its ``call`` is Python, not a graph), as in Keras.
    """
    from ..layers.input_layer import InputLayer  # (layers and models build on utils)
    from ..models.sequential import Sequential

    if not model.built:
        raise ValueError("plot_model: the model has not yet been built. Build it first by "
                         "calling `build()` or by calling it on a batch of data.")
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype,
               "show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations,
               "show_trainable": show_trainable}
    graph = getattr(model, "_graph", None)
    if isinstance(model, Sequential):
        layers = model.layers
        links = list(zip(layers, layers[1:]))  # noqa: B905 (one shorter on purpose)
    elif graph is not None:  # functional, or a subclass built on a functional graph
        layers = graph.operations  # layers and keras.ops calls, as Keras draws them
        links = [(x.node.operation, node.operation)
                 for node in graph.nodes for x in node.input_tensors]
    else:
        layers, links = [model], []
    ids = {id(layer): f"n{index}" for index, layer in enumerate(layers)}
    nodes = [Node(ids[id(layer)], layer_label(layer, **options),
                  "input" if isinstance(layer, InputLayer) else "layer")
             for layer in layers]
    edges = list(dict.fromkeys((ids[id(a)], ids[id(b)]) for a, b in links))
    return nodes, edges


def layer_label(layer, show_shapes=False, show_dtype=False, show_layer_names=True,
                show_layer_activations=False, show_trainable=False):
    """The text of a layer's box, one fact per line (see ``model_to_graph``)."""
    class_name = type(layer).__name__
    lines = [f"{layer.name} ({class_name})" if show_layer_names else class_name]
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        lines.append(f"Activation: {getattr(activation, '__name__', activation)}")
    if show_shapes:
        if class_name != "InputLayer":
            lines.append(f"Input shape: {_shapes(layer, 'input')}")
        lines.append(f"Output shape: {_shapes(layer, 'output')}")
    if show_dtype:
        lines.append(f"Output dtype: {_output_dtype(layer)}")
    if show_trainable and getattr(layer, "weights", None):
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return "\n".join(lines)


def _shapes(layer, which):
    """The shape(s) of ``layer.input`` or ``layer.output`` as Keras prints them, "?" if none."""
    try:
        shapes = tree.map_structure(lambda x: x.shape, getattr(layer, which))
    except AttributeError:  # never called on a keras.Input (a subclassed model)
        return "?"
    if isinstance(shapes, dict):
        return ", ".join(f"{key}: {value}" for key, value in shapes.items())
    return str(shapes)


def _output_dtype(layer):
    try:
        dtypes = tree.map_structure(lambda x: x.dtype, layer.output)
    except AttributeError:
        return "?"
    return str(dtypes)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 dpi=200, show_layer_activations=False, show_trainable=False):
    """The layer graph of ``model`` in graphviz's DOT language, as text.

    Keras returns a ``pydot.Dot`` here; minikeras needs no pydot and returns
    the DOT source that ``dot`` draws (``dot -Tpng -o model.png``).
    """
    nodes, edges = model_to_graph(model, show_shapes, show_dtype, show_layer_names,
                                  show_layer_activations, show_trainable)
    return to_dot(nodes, edges, rankdir, dpi)


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False):
    """Draws the layers of ``model`` and the arrows between them to ``to_file``.

    to_file: the picture (PNG unless the extension says otherwise).
    show_shapes: add each layer's input and output shapes (batch axis None).
    show_dtype: add each layer's output dtype.
    show_layer_names: title each box "name (Class)" instead of "Class"
        (False by default, as in Keras 3).
    rankdir: "TB" (top to bottom) or "LR" (left to right).
    expand_nested: drawing the layers inside nested models is not supported;
        a nested model is one box.
    dpi: the picture's resolution.
    show_layer_activations: add the activation of layers that have one.
    show_trainable: mark layers with weights "Trainable" or "Non-trainable".
    Uses graphviz's ``dot`` if it is installed, else matplotlib.
    """
    if expand_nested:
        raise NotImplementedError("plot_model(expand_nested=True): minikeras draws a nested "
                                  "model as one box; pass expand_nested=False.")
    nodes, edges = model_to_graph(model, show_shapes, show_dtype, show_layer_names,
                                  show_layer_activations, show_trainable)
    render_graph(nodes, edges, to_file, rankdir, dpi)
