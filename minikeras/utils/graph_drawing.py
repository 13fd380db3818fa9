"""Drawing a directed graph of labelled boxes to a picture: graphviz if installed, else matplotlib.

A graph is a list of ``Node(id, label, kind)`` and a list of ``(from_id,
to_id)`` edges, in the direction data flows. The ``kind`` picks the look
(``STYLES``). ``autograd.plot_graph`` draws computation graphs with it, and
``utils.plot_model`` the layers of a model.
"""

import collections
import math
import os
import shutil
import subprocess

from .plotting import new_figure, save_figure

Node = collections.namedtuple("Node", ["id", "label", "kind"])

# kind -> (shape, fill colour); the same look in both renderers.
STYLES = {
    "function": ("box", "#cfe2f3"),  # an operation
    "parameter": ("ellipse", "#d9ead3"),  # a leaf that gets a gradient (a weight)
    "input": ("ellipse", "#ffffff"),  # a leaf without gradient (data)
    "tensor": ("ellipse", "#ffffff"),  # an intermediate result
    "output": ("ellipse", "#fce5cd"),  # the tensor the graph was drawn for
    "constant": ("ellipse", "#eeeeee"),  # a plain number or array passed to an op
    "layer": ("box", "#e8eaf6"),  # a layer of a model
}
RANKDIRS = ("TB", "LR")  # data flowing top to bottom, or left to right
DEFAULT_STYLE = ("box", "#ffffff")


def render_graph(nodes, edges, to_file, rankdir="TB", dpi=None):
    """Draws the graph to ``to_file`` (format from the extension, PNG by default).

    Uses graphviz's ``dot`` when it is on the PATH (the best layouts), and a
    layered matplotlib drawing otherwise, so it always works.
    rankdir: "TB" draws the data flowing down the page, "LR" left to right.
    dpi: the picture's resolution (None: the renderer's default).
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"render_graph: rankdir must be one of {RANKDIRS}, got {rankdir!r}.")
    if shutil.which("dot"):
        render_with_graphviz(nodes, edges, to_file, rankdir, dpi)
    else:
        draw_with_matplotlib(nodes, edges, to_file, rankdir, dpi)


def to_dot(nodes, edges, rankdir="TB", dpi=None):
    """The graph in graphviz's DOT language (``rankdir`` and ``dpi`` as for render_graph)."""
    lines = ["digraph G {", f"  rankdir={rankdir};"]
    if dpi is not None:
        lines.append(f"  dpi={dpi};")
    lines.append('  node [fontname="Helvetica", fontsize=11];')
    for node in nodes:
        shape, fill = STYLES.get(node.kind, DEFAULT_STYLE)
        lines.append(f'  "{node.id}" [label="{_dot_escape(node.label)}", shape={shape}, '
                     f'style=filled, fillcolor="{fill}"];')
    lines.extend(f'  "{source}" -> "{target}";' for source, target in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_with_graphviz(nodes, edges, to_file, rankdir="TB", dpi=None):
    """Runs ``dot`` on ``to_dot(...)``; RuntimeError with dot's message if it fails."""
    file_format = os.path.splitext(os.fspath(to_file))[1][1:] or "png"
    folder = os.path.dirname(os.fspath(to_file))
    if folder:
        os.makedirs(folder, exist_ok=True)
    result = subprocess.run(
        ["dot", f"-T{file_format}", "-o", os.fspath(to_file)],
        input=to_dot(nodes, edges, rankdir, dpi).encode(), capture_output=True, timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"graphviz's dot failed to draw {to_file}: "
                           f"{result.stderr.decode(errors='replace').strip()}")


def layout(nodes, edges):
    """Where a layered drawing puts each node, and the path of each edge.

    A node's row (y = -row) is the length of the longest path reaching it, so
    every edge points down the page; a source (an input, a weight, a
    constant) sits in the row just above its first consumer. An edge that
    skips rows passes through a waypoint in each row it crosses, which takes
    a slot there like a node, so the line never runs behind a box. Each node
    sits near the mean x of its predecessors (a source: of its consumers),
    which keeps chains straight and avoids most crossings.
    Returns ``(where, paths)``: node id -> (x, y), and for each edge the list
    of (x, y) points from its source to its target.
    """
    depth = _depths(nodes, edges)
    rows = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in nodes:
        rows[depth[node.id]].append(node.id)
    routes = []
    for index, (source, target) in enumerate(edges):
        waypoints = [("waypoint", index, row) for row in range(depth[source] + 1, depth[target])]
        for waypoint in waypoints:
            rows[waypoint[2]].append(waypoint)
        routes.append([source, *waypoints, target])
    x = _place_in_rows(rows, routes)
    where = {item: (x[item], -number) for number, row in enumerate(rows) for item in row}
    return {node.id: where[node.id] for node in nodes}, [
        [where[item] for item in route] for route in routes
    ]


def _place_in_rows(rows, routes):
    """item -> x: each item as near as its row allows to the mean x of its predecessors.

    Two sweeps down the rows: the first places sources (no predecessor) at
    the end of their row; the second moves them above their consumers.
    """
    predecessors, successors = collections.defaultdict(list), collections.defaultdict(list)
    for route in routes:
        for before, after in zip(route, route[1:]):  # noqa: B905 (one shorter on purpose)
            predecessors[after].append(before)
            successors[before].append(after)
    x = {}
    for _ in range(2):
        for row in rows:
            desired = {}
            for item in row:
                neighbours = predecessors[item] or successors[item]
                desired[item] = _mean([x[n] for n in neighbours if n in x])
            x.update(_spread(row, desired))
    return x


def _spread(row, desired):
    """x for each item of ``row``: in order of ``desired``, at least 1 apart, then shifted
    so that on average they sit where desired (items with no wish, inf, go last)."""
    row.sort(key=lambda item: desired[item])
    xs = []
    for item in row:
        wish = desired[item]
        if xs:
            xs.append(max(wish, xs[-1] + 1) if math.isfinite(wish) else xs[-1] + 1)
        else:
            xs.append(wish if math.isfinite(wish) else 0.0)
    misses = [desired[item] - at for item, at in zip(row, xs, strict=True)
              if math.isfinite(desired[item])]
    shift = _mean(misses) if misses else -_mean(xs)  # no wishes at all: centre on 0
    return {item: at + shift for item, at in zip(row, xs, strict=True)}


def _depths(nodes, edges):
    """node id -> its row: longest path from a source, sources moved next to their use."""
    predecessors = {node.id: [] for node in nodes}
    successors = {node.id: [] for node in nodes}
    for source, target in edges:
        predecessors[target].append(source)
        successors[source].append(target)
    depth = {}
    waiting = {node.id: len(predecessors[node.id]) for node in nodes}
    ready = collections.deque(node.id for node in nodes if waiting[node.id] == 0)
    while ready:  # Kahn's topological order: a node comes after all its predecessors
        current = ready.popleft()
        depth[current] = max((depth[p] + 1 for p in predecessors[current]), default=0)
        for nxt in successors[current]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                ready.append(nxt)
    if len(depth) != len(nodes):
        raise ValueError("layout: the graph has a cycle, so it cannot be drawn in rows.")
    for node in nodes:
        if not predecessors[node.id] and successors[node.id]:
            depth[node.id] = min(depth[s] for s in successors[node.id]) - 1
    return depth


def _mean(values):
    return sum(values) / len(values) if values else math.inf


FONT_SIZE = 9  # points, for the labels of the matplotlib drawing
PAD = 0.4 * FONT_SIZE  # points between a label and its box


def draw_with_matplotlib(nodes, edges, to_file, rankdir="TB", dpi=None):
    """A layered drawing (see ``layout``): boxes for nodes, arrows for edges.

    A step of the layout is wide enough for the widest box and tall enough
    for the tallest, with room for the arrows between rows ("TB") or
    columns ("LR").
    """
    where, paths = layout(nodes, edges)
    if rankdir == "LR":  # rows become columns: (x, -row) -> (row, -x)
        where = {key: (-y, -x) for key, (x, y) in where.items()}
        paths = [[(-y, -x) for x, y in path] for path in paths]
    sizes = [_box_size(node.label) for node in nodes] or [(0, 0)]
    box_width, box_height = (max(size[i] for size in sizes) / 72 for i in (0, 1))  # inches
    step_x = max(1.6, box_width + (0.6 if rankdir == "LR" else 0.2))  # inches
    step_y = max(0.9, box_height + (0.5 if rankdir == "TB" else 0.15))
    points = [p for path in paths for p in path] + list(where.values()) or [(0, 0)]
    left, right = min(x for x, _ in points) - 0.6, max(x for x, _ in points) + 0.6
    bottom, top = min(y for _, y in points) - 0.6, max(y for _, y in points) + 0.6
    figure = new_figure(max(3.0, step_x * (right - left)), max(2.0, step_y * (top - bottom)))
    axes = figure.add_axes((0, 0, 1, 1))  # the whole figure, so a data unit is one step
    axes.set_xlim(left, right)
    axes.set_ylim(bottom, top)
    axes.axis("off")
    texts = {}
    for node in nodes:
        shape, fill = STYLES.get(node.kind, DEFAULT_STYLE)
        boxstyle = "square,pad=0.4" if shape == "box" else "round,pad=0.4,rounding_size=0.6"
        texts[node.id] = axes.text(*where[node.id], node.label, ha="center", va="center",
                                   fontsize=FONT_SIZE, zorder=2, bbox={
                                       "boxstyle": boxstyle, "facecolor": fill,
                                       "edgecolor": "#333333"})
    boxes = _box_sizes(figure, texts)
    width, height = figure.get_size_inches()
    points_per_unit = (72 * width / (right - left), 72 * height / (top - bottom))
    for (source, target), path in zip(edges, paths, strict=True):
        _draw_path(axes, [(x * points_per_unit[0], y * points_per_unit[1]) for x, y in path],
                   boxes[source], boxes[target], points_per_unit)
    save_figure(figure, to_file, **({"dpi": dpi} if dpi else {}))
    return figure


def _box_sizes(figure, texts):
    """node id -> (width, height) in points of the box drawn around its label, as rendered
    (the arrows stop at the boxes' edges, so they need their true size)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)  # sizes and places the boxes
    to_points = 72 / figure.dpi
    sizes = {}
    for key, text in texts.items():
        extent = text.get_bbox_patch().get_window_extent(renderer)
        sizes[key] = (extent.width * to_points, extent.height * to_points)
    return sizes


def _box_size(label):
    """(width, height) in points of the box around ``label``, from its characters and lines."""
    lines = label.split("\n")
    width = 0.6 * FONT_SIZE * max(len(line) for line in lines)  # a character is ~0.6 em wide
    height = 1.25 * FONT_SIZE * len(lines)
    return width + 2 * PAD, height + 2 * PAD


def _clearance(box_size, direction):
    """Points from a box's centre to its edge along ``direction`` (a vector in points), and
    2 more: where an arrow leaving or reaching the box along it must stop to stay in view
    (a slanted arrow crosses more of the box than a vertical one)."""
    half_width, half_height = box_size[0] / 2, box_size[1] / 2
    dx, dy = (abs(d) / (math.hypot(*direction) or 1.0) for d in direction)
    to_side = half_width / dx if dx else math.inf
    to_top = half_height / dy if dy else math.inf
    return min(to_side, to_top) + 2


def _draw_path(axes, points, start_box, end_box, points_per_unit):
    """Line segments through ``points`` (in points), with an arrowhead on the last, each end
    stopped at the edge of its box (``start_box``, ``end_box``: (width, height) in points)."""
    last = len(points) - 2
    first_direction = (points[1][0] - points[0][0], points[1][1] - points[0][1])
    last_direction = (points[-1][0] - points[-2][0], points[-1][1] - points[-2][1])
    for i in range(last + 1):
        axes.annotate("", xy=_to_data(points[i + 1], points_per_unit),
                      xytext=_to_data(points[i], points_per_unit), zorder=1, arrowprops={
                          "arrowstyle": "-|>" if i == last else "-", "color": "#555555",
                          "shrinkA": _clearance(start_box, first_direction) if i == 0 else 0,
                          "shrinkB": _clearance(end_box, last_direction) if i == last else 0,
                      })


def _to_data(point, points_per_unit):
    return point[0] / points_per_unit[0], point[1] / points_per_unit[1]
