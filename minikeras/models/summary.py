"""model.summary(): Keras's table of layers, output shapes and parameter counts.

Keras draws the table with the ``rich`` library; this module draws the same
table (same box characters, column widths and wrapping) with plain strings,
so the text matches Keras's captured output line for line.
"""

import math
import re
import shutil

import numpy as np

from ..layers.input_layer import InputLayer
from ..utils import tree
from .sequential import Sequential

# rich's HEAVY_HEAD box: top, header row, header rule, body rows, row rule, bottom.
_TOP, _HEAD, _HEAD_RULE, _ROW, _ROW_RULE, _BOTTOM = "┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "└─┴┘"


def count_params(weights):
    """The number of scalars in ``weights``."""
    return int(sum(math.prod(w.shape) for w in weights))


def weight_memory_size(weights):
    """Bytes taken by ``weights`` (each counted once)."""
    unique = {id(w): w for w in weights}.values()
    return sum(math.prod(w.shape) * np.dtype(w.dtype).itemsize for w in unique)


def readable_memory_size(size):
    """1.03 MB, 92.00 B, ...: the size in the largest unit under 1024."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Prints (or hands ``print_fn``, as one string) the summary table of ``model``."""
    text = summary_text(model, line_length, positions, expand_nested, show_trainable,
                        layer_range)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)


def summary_text(model, line_length=None, positions=None, expand_nested=False,
                 show_trainable=False, layer_range=None):
    """The text of ``model.summary()`` with the same arguments, as one string."""
    graph = getattr(model, "_graph", None)
    if graph is None or isinstance(model, Sequential):
        sequential_like, layers = True, model.layers
    else:
        layers = graph.operations  # layers and keras.ops calls, as Keras lists them
        sequential_like = _is_sequential_like(graph)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header, justify = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width

    rows = []
    start, stop = _layer_range(layers, layer_range)
    for layer in layers[start:stop]:
        rows.extend(_rows(layer, graph, sequential_like, show_trainable, expand_nested, 0))
    lines = [f'Model: "{model.name}"', *_table(header, rows, widths, justify, line_length)]
    lines.extend(_totals(model))
    return "\n".join(lines) + "\n"


def _is_sequential_like(graph):
    """Keras's test: one call per depth, each with one input, and no layer called twice."""
    by_depth = {}
    for node, depth in graph.node_depths.items():
        by_depth.setdefault(depth, []).append(node)
    nodes = []
    for group in by_depth.values():
        if len(group) > 1 or (len(group) == 1 and len(group[0].input_tensors) > 1):
            return False
        nodes += group
    return all(sum(node in nodes for node in layer._inbound_nodes) <= 1 for layer in graph.layers)


def _rows(layer, graph, sequential_like, show_trainable, expand_nested, level):
    prefix = "   " * level + "└ " if level else ""
    if not hasattr(layer, "built"):  # a keras.ops call
        params = "0"
    elif not layer.built:
        params = "0 (unbuilt)"
    else:
        params = f"{layer.count_params():,}"
    row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
    if not sequential_like:
        row.append(_connections(layer, graph))
    if show_trainable:
        row.append(("Y" if layer.trainable else "N") if getattr(layer, "weights", None) else "-")
    rows = [row]
    if expand_nested and getattr(layer, "layers", None) and hasattr(layer, "summary"):
        for inner in layer.layers:
            # Connections are those of the outer graph, so inner layers show none (Keras).
            rows.extend(_rows(inner, graph, sequential_like, show_trainable, expand_nested,
                              level + 1))
    return rows


def _format_shape(shape):
    return f"({', '.join(str(d) for d in shape)})"


def _output_shape(layer):
    if layer._inbound_nodes:
        outputs = [_format_shape(x.shape) for x in layer._inbound_nodes[-1].outputs]
        return outputs[0] if len(outputs) == 1 else "[" + ", ".join(outputs) + "]"
    if isinstance(layer, InputLayer):
        return _format_shape(layer.batch_shape)
    if layer._build_input_shape is None:
        return "?"
    shapes = layer.compute_output_shape(layer._build_input_shape)
    flat = [shapes] if tree.is_shape(shapes) else tree.flatten(
        tree.map_shapes(lambda s: [s], shapes))
    return _format_shape(flat[0]) if len(flat) == 1 else "[" + ", ".join(
        _format_shape(s) for s in flat) + "]"


def _connections(layer, graph):
    links = []
    for node in layer._inbound_nodes:
        if graph is not None and node not in graph.node_set:
            continue
        for x in node.input_tensors:
            source = x.node.operation
            links.append(f"{source.name}[{source._inbound_nodes.index(x.node)}][{x.index}]")
    return ", ".join(links) or "-"


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(r, str) for r in layer_range):
        raise ValueError("layer_range must be a list or tuple of 2 strings (layer names or "
                         f"regexes). Received: layer_range={layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _totals(model):
    """The lines under the table: total, trainable, non-trainable (and optimizer) counts."""
    groups = [("Trainable params", model.trainable_weights),
              ("Non-trainable params", model.non_trainable_weights)]
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and getattr(optimizer, "built", False):
        groups.append(("Optimizer params", list(optimizer.variables)))
    total = sum(count_params(weights) for _, weights in groups)
    size = sum(weight_memory_size(weights) for _, weights in groups)
    return [f" Total params: {total:,} ({readable_memory_size(size)})"] + [
        f" {label}: {count_params(weights):,} ({readable_memory_size(weight_memory_size(weights))})"
        for label, weights in groups]


# -- the table, as rich draws it -------------------------------------------------


def _column_widths(widths, line_length):
    """Each column's width with its padding, fitted to ``line_length`` as rich fits them."""
    widths = [w + 2 for w in widths]  # one space of padding on each side
    available = line_length - (len(widths) + 1)  # minus the vertical borders
    total = sum(widths)
    if total > available:
        excess, ratio_left = total - available, len(widths)
        reduced = []
        for width in widths:
            cut = min(width, round(excess / ratio_left))
            reduced.append(width - cut)
            excess -= cut
            ratio_left -= 1
        widths = reduced
    elif total < available:
        extra, ratio_left = available - total, sum(widths)
        grown = []
        for width in widths:
            add = math.ceil(width * extra / ratio_left)
            grown.append(width + add)
            extra -= add
            ratio_left -= width
        widths = grown
    return widths


def _table(header, rows, widths, justify, line_length):
    widths = _column_widths(widths, line_length)

    def rule(box):
        return box[0] + box[2].join(box[1] * w for w in widths) + box[3]

    def render(cells, box, justify_row):
        wrapped = [_wrap(str(cell), w - 2) for cell, w in zip(cells, widths, strict=True)]
        height = max(len(lines) for lines in wrapped)
        out = []
        for i in range(height):
            parts = []
            for lines, w, how in zip(wrapped, widths, justify_row, strict=True):
                text = lines[i] if i < len(lines) else ""
                parts.append(" " + _justify(text, w - 2, how) + " ")
            out.append(box[0] + box[2].join(parts) + box[3])
        return out

    lines = [rule(_TOP), *render(header, _HEAD, justify), rule(_HEAD_RULE)]
    for index, row in enumerate(rows):
        if index:
            lines.append(rule(_ROW_RULE))
        lines.extend(render(row, _ROW, justify))
    lines.append(rule(_BOTTOM))
    return lines


def _wrap(text, width):
    """Lines of at most ``width`` characters, broken between words as rich breaks them.

    A word longer than a line gets a line of its own, cut with an ellipsis.
    """
    if width <= 0:
        return [""]
    lines, line = [], ""
    for word in re.findall(r"\s*\S+\s*", text) or [""]:
        if len(line) + len(word.rstrip()) <= width:
            line += word
        else:
            if line:
                lines.append(line)
            line = word
    lines.append(line)
    lines = [line.rstrip() for line in lines]
    return [line if len(line) <= width else line[:width - 1] + "…" for line in lines]


def _justify(text, width, how):
    if how == "right":
        return text.rjust(width)
    if how == "center":
        return text.center(width)
    return text.ljust(width)
