"""Pictures: plot_history, plot_predictions, plot_model and autograd.plot_graph write PNG files."""

import os
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest

import minikeras as keras
from minikeras import ops
from minikeras.autograd import Tensor, plot_graph, trace_graph
from minikeras.utils import graph_drawing, model_to_dot, plot_history, plot_model, plot_predictions
from minikeras.utils.graph_drawing import Node, layout, to_dot
from minikeras.utils.model_visualization import model_to_graph
from minikeras.utils.plotting import metric_panels

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) of a PNG file, after checking it is one."""
    with open(path, "rb") as file:
        raw = file.read()
    assert raw[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    assert raw[12:16] == b"IHDR"
    width, height = struct.unpack(">II", raw[16:24])
    assert width > 0 and height > 0
    return width, height


# -- plot_history -------------------------------------------------------------------------

HISTORY = {
    "loss": [0.9, 0.5, 0.3],
    "accuracy": [0.7, 0.85, 0.9],
    "val_loss": [0.8, 0.6, 0.5],
    "val_accuracy": [0.75, 0.8, 0.82],
    "learning_rate": [0.001, 0.001, 0.0005],
}


class History:
    """What fit() returns, as far as plot_history cares."""

    def __init__(self, history):
        self.history = history


def test_metric_panels_pair_training_and_validation_loss_first():
    assert metric_panels(HISTORY) == [
        ("loss", ["loss", "val_loss"]),
        ("accuracy", ["accuracy", "val_accuracy"]),
        ("learning_rate", ["learning_rate"]),
    ]
    assert metric_panels(["val_auc", "auc"]) == [("auc", ["auc", "val_auc"])]


@pytest.mark.parametrize("wrap", [History, dict])
def test_plot_history_draws_each_pair_on_one_axes(tmp_path, wrap):
    file = tmp_path / "curves" / "history.png"
    figure = plot_history(wrap(HISTORY), to_file=file)
    png_size(file)
    loss_axes, accuracy_axes, rate_axes = figure.axes
    assert loss_axes.get_title() == "loss"
    assert [line.get_label() for line in loss_axes.get_lines()] == ["training", "validation"]
    validation = accuracy_axes.get_lines()[1]
    assert validation.get_xdata().tolist() == [1, 2, 3]  # epochs count from 1
    assert validation.get_ydata().tolist() == HISTORY["val_accuracy"]
    assert len(rate_axes.get_lines()) == 1


@pytest.mark.parametrize("epochs", [1, 2, 3, 7, 40])
def test_plot_history_ticks_whole_epochs_and_names_the_learning_rate(tmp_path, epochs):
    curves = {name: [0.5 / (i + 1) for i in range(epochs)]
              for name in ("loss", "val_loss", "learning_rate")}
    figure = plot_history(curves, to_file=tmp_path / "h.png")
    for axes in figure.axes:
        low, high = axes.get_xlim()
        ticks = [tick for tick in axes.get_xticks() if low <= tick <= high]
        assert ticks and all(tick == int(tick) and 1 <= tick <= epochs for tick in ticks)
        assert axes.get_xlabel() == "epoch"
    rate_axes = figure.axes[1]
    assert rate_axes.get_title() == "learning rate"
    assert [line.get_label() for line in rate_axes.get_lines()] == ["learning rate"]
    assert [line.get_label() for line in figure.axes[0].get_lines()] == [
        "training", "validation"]


@pytest.mark.parametrize(
    ("history", "error", "message"),
    [({}, TypeError, "non-empty .history dict"), ([1, 2], TypeError, "got list"),
     ({"loss": 0.5}, ValueError, r"history\['loss'\] should list one value per epoch")],
)
def test_plot_history_bad_input(tmp_path, history, error, message):
    with pytest.raises(error, match=message):
        plot_history(history, tmp_path / "h.png")
    assert not (tmp_path / "h.png").exists()


# -- plot_predictions --------------------------------------------------------------------


class StandIn:
    """A 'model' whose predict returns one-hot probabilities of fixed classes."""

    def __init__(self, classes):
        self.classes = np.asarray(classes)

    def predict(self, x, verbose="auto"):
        assert verbose == 0  # plots never print a progress bar
        return np.eye(10, dtype=np.float32)[self.classes[: len(x)]]


def title_colours(figure):
    return [(ax.get_title(), ax.title.get_color()) for ax in figure.axes]


def test_plot_predictions_marks_wrong_ones_in_red(tmp_path):
    y = np.array([3, 1, 4, 1, 5, 9])
    predicted = [3, 1, 4, 7, 5, 0]
    x = np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8)
    file = tmp_path / "predictions.png"
    figure = plot_predictions(StandIn(predicted), x, y, to_file=file)
    png_size(file)
    assert title_colours(figure) == [
        ("pred 3 / true 3", "black"), ("pred 1 / true 1", "black"), ("pred 4 / true 4", "black"),
        ("pred 7 / true 1", "red"), ("pred 5 / true 5", "black"), ("pred 0 / true 9", "red"),
    ]


@pytest.mark.parametrize("shape", [(12, 784), (12, 28, 28, 1), (12, 28, 28, 3)])
def test_plot_predictions_takes_model_input_shapes_and_one_hot_labels(tmp_path, shape):
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    y = keras.utils.to_categorical(np.arange(12) % 10, 10)
    figure = plot_predictions(StandIn(np.arange(12) % 10), x, y, tmp_path / "p.png",
                              num_images=9)
    assert len(figure.axes) == 9
    assert figure.axes[0].images[0].get_array().shape[:2] == (28, 28)
    assert all(colour == "black" for _, colour in title_colours(figure))
    png_size(tmp_path / "p.png")


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [(np.zeros((4, 30)), np.zeros(4), "30 pixels as squares"),
     (np.zeros((4, 5, 5, 2)), np.zeros(4), r"got \(4, 5, 5, 2\)"),
     (np.zeros((4, 28, 28)), np.zeros(2), "x has 4 images but y only 2 labels")],
)
def test_plot_predictions_bad_input(tmp_path, x, y, message):
    with pytest.raises(ValueError, match=message):
        plot_predictions(StandIn([0] * 4), x, y, tmp_path / "p.png")


# -- the computation graph ----------------------------------------------------------------


def small_graph():
    """loss = mean(relu(x @ w + b) * 2): an input, two weights, a constant, four ops."""
    x = Tensor(np.ones((4, 3), np.float32), name="x")
    w = keras.Variable(np.ones((3, 2), np.float32), name="w")
    b = keras.Variable(np.zeros(2, np.float32), name="b")
    return ops.mean(ops.relu(x @ w + b) * 2), (x, w, b)


def named_edges(nodes, edges):
    label = {node.id: node.label for node in nodes}
    return sorted((label[a], label[b]) for a, b in edges)


def test_trace_graph_lists_tensors_functions_and_data_flow():
    loss, _ = small_graph()
    nodes, edges = trace_graph(loss)
    kinds = sorted((node.kind, node.label) for node in nodes)
    assert kinds == sorted([
        ("output", "scalar"), ("function", "Mean"), ("tensor", "(4, 2)"),
        ("function", "Multiply"), ("constant", "2"), ("tensor", "(4, 2)"),
        ("function", "ReLU"), ("tensor", "(4, 2)"), ("function", "Add"),
        ("parameter", "b\n(2,)"), ("tensor", "(4, 2)"), ("function", "MatMul"),
        ("input", "x\n(4, 3)"), ("parameter", "w\n(3, 2)"),
    ])
    assert named_edges(nodes, edges) == sorted([
        ("x\n(4, 3)", "MatMul"), ("w\n(3, 2)", "MatMul"), ("MatMul", "(4, 2)"),
        ("(4, 2)", "Add"), ("b\n(2,)", "Add"), ("Add", "(4, 2)"), ("(4, 2)", "ReLU"),
        ("ReLU", "(4, 2)"), ("(4, 2)", "Multiply"), ("2", "Multiply"),
        ("Multiply", "(4, 2)"), ("(4, 2)", "Mean"), ("Mean", "scalar"),
    ])


def convnet_loss(loss):
    """The training loss of a small convnet (conv + ReLU, pooling, batch norm, dense) on a
    batch of four, as fit computes it."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, activation="relu"),
        layers.MaxPooling2D(2), layers.BatchNormalization(), layers.Flatten(),
        layers.Dense(5, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss)
    x = np.random.default_rng(0).random((4, 6, 6, 1)).astype("float32")
    y = np.array([0, 1, 2, 0]) if loss.startswith("sparse") else np.eye(3)[[0, 1, 2, 0]]
    return model.compute_loss(x, y, model(x, training=True))


def test_a_graph_says_what_fused_nodes_do_and_names_inputs_labels_and_scalars():
    nodes, _ = trace_graph(convnet_loss("categorical_crossentropy"))
    labels = {(node.kind, node.label) for node in nodes}
    functions = [node.label for node in nodes if node.kind == "function"]
    assert {"Conv2D + bias + ReLU", "MaxPool2D", "BatchNormalization", "Dense + ReLU",
            "Dense", "SoftmaxCrossEntropy"} <= set(functions)
    assert not any("Fast" in f or "Fused" in f for f in functions)
    assert {("input", "inputs\n(4, 6, 6, 1)"), ("input", "labels\n(4, 3)")} <= labels
    assert "4" in {label for _, label in labels}  # the batch size the mean divides by
    nodes, _ = trace_graph(convnet_loss("sparse_categorical_crossentropy"))
    assert ("constant", "labels\n(4,)") in {(node.kind, node.label) for node in nodes}


def test_a_scalar_tensor_that_gets_no_gradient_is_labelled_with_its_value():
    x = Tensor(np.ones(3), requires_grad=True)
    nodes, _ = trace_graph(ops.sum(x) / Tensor(np.array(4.0)))
    assert ("input", "4") in {(node.kind, node.label) for node in nodes}


def test_a_tensor_used_twice_is_one_node_with_two_edges():
    x = Tensor(np.ones(3), requires_grad=True)
    nodes, edges = trace_graph(ops.sum(x * x))
    [leaf] = [node for node in nodes if node.kind == "parameter"]
    assert [target for source, target in edges if source == leaf.id] == ["n3", "n3"]
    assert len(nodes) == 5  # sum, (3,), multiply, x, the output


def test_trace_graph_of_a_leaf_is_one_node():
    assert trace_graph(Tensor(np.ones(2))) == ([Node("n0", "(2,)", "input")], [])


def test_a_graph_freed_by_backward_cannot_be_drawn(tmp_path):
    _, (x, w, b) = small_graph()
    hidden = x @ w + b
    loss = ops.sum(hidden * hidden)
    loss.backward(retain_graph=True)
    # retain_graph keeps it: loss, Sum, product, Multiply, hidden, Add, x @ w, b, MatMul, x, w
    assert len(trace_graph(loss)[0]) == 11
    total = ops.sum(hidden)
    total.backward()
    with pytest.raises(RuntimeError, match="freed by backward.*retain_graph=True"):
        plot_graph(loss, tmp_path / "g.png")


def test_trace_graph_wants_a_tensor():
    with pytest.raises(TypeError, match="expects a Tensor, got ndarray"):
        trace_graph(np.ones(2))


def test_layout_points_every_edge_down_one_row_at_a_time():
    _, (x, w, b) = small_graph()
    hidden = ops.relu(x @ w + b)
    nodes, edges = trace_graph(ops.mean(ops.square(hidden) + hidden))  # a skip connection
    where, paths = layout(nodes, edges)
    for path in paths:
        steps = [y1 - y2 for (_, y1), (_, y2) in zip(path, path[1:], strict=False)]
        assert steps == [1] * len(steps) and steps
    for node in nodes:  # no two boxes (or waypoints) share a place
        others = [p for p in list(where.values()) + [q for path in paths for q in path[1:-1]]
                  if p[1] == where[node.id][1] and p != where[node.id]]
        assert all(abs(p[0] - where[node.id][0]) >= 1 - 1e-9 for p in others)
    sources = {node.id for node in nodes} - {target for _, target in edges}
    for source in sources:  # each source sits right above its consumer
        consumer = next(target for s, target in edges if s == source)
        assert where[source][1] - where[consumer][1] == 1


def test_to_dot_writes_nodes_styles_and_edges():
    nodes = [Node("n0", 'say "hi"\n(2,)', "parameter"), Node("n1", "Exp", "function")]
    dot = to_dot(nodes, [("n0", "n1")])
    assert dot.startswith("digraph G {") and dot.rstrip().endswith("}")
    assert '"n0" [label="say \\"hi\\"\\n(2,)", shape=ellipse, style=filled' in dot
    assert '"n1" [label="Exp", shape=box' in dot
    assert '"n0" -> "n1";' in dot


def test_plot_graph_without_graphviz_uses_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` to be found
    loss, _ = small_graph()
    plot_graph(loss, tmp_path / "graph.png")
    width, height = png_size(tmp_path / "graph.png")
    assert height > width  # rows of the graph go down the page


def one_pixel_png():
    """The smallest valid PNG: a 1x1 grayscale image."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit grey
    return (PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


def fake_dot(folder, exit_code=0):
    """A `dot` stand-in: saves the DOT text it is given and writes a 1x1 PNG to -o."""
    (folder / "pixel.png").write_bytes(one_pixel_png())
    script = folder / "dot"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(f"""\
        import shutil, sys
        with open({str(folder / "received.dot")!r}, "w") as file:
            file.write(sys.stdin.read())
        if {exit_code}:
            sys.exit("Error: syntax error in line 1")
        assert sys.argv[1:3] == ["-Tpng", "-o"], sys.argv
        shutil.copy({str(folder / "pixel.png")!r}, sys.argv[3])
        """))
    script.chmod(0o755)


def test_plot_graph_with_graphviz_hands_it_the_dot_source(tmp_path, monkeypatch):
    fake_dot(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    loss, _ = small_graph()
    plot_graph(loss, tmp_path / "out" / "graph.png")
    assert png_size(tmp_path / "out" / "graph.png") == (1, 1)
    assert (tmp_path / "received.dot").read_text() == to_dot(*trace_graph(loss))


def test_graphviz_failure_is_reported(tmp_path, monkeypatch):
    fake_dot(tmp_path, exit_code=1)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="dot failed .*syntax error"):
        graph_drawing.render_graph([Node("a", "A", "tensor")], [], tmp_path / "g.png")


# -- matplotlib is optional ----------------------------------------------------------------


def test_minikeras_imports_without_loading_matplotlib():
    code = "import sys, minikeras; print('matplotlib' in sys.modules)"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


def test_missing_matplotlib_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    with pytest.raises(ImportError, match=r"pip install 'minikeras\[plot\]'"):
        plot_history(HISTORY, tmp_path / "h.png")


# -- plot_model ----------------------------------------------------------------------------


def labels_and_links(model, **options):
    """The boxes' labels and the arrows between them, as label pairs."""
    nodes, edges = model_to_graph(model, **options)
    label = {node.id: node.label for node in nodes}
    return [node.label for node in nodes], [(label[a], label[b]) for a, b in edges]


def small_convnet():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(10, activation="softmax", name="out"),
    ])


def test_sequential_model_is_a_chain_of_its_layers_with_shapes():
    labels, links = labels_and_links(small_convnet(), show_shapes=True)
    assert labels == [  # no InputLayer box for a Sequential model, as in Keras
        "conv (Conv2D)\nInput shape: (None, 8, 8, 1)\nOutput shape: (None, 6, 6, 4)",
        "flat (Flatten)\nInput shape: (None, 6, 6, 4)\nOutput shape: (None, 144)",
        "out (Dense)\nInput shape: (None, 144)\nOutput shape: (None, 10)",
    ]
    assert links == [(labels[0], labels[1]), (labels[1], labels[2])]


def test_layer_labels_show_what_is_asked_for():
    model = small_convnet()
    model.get_layer("conv").trainable = False
    labels, _ = labels_and_links(model, show_layer_names=False, show_dtype=True,
                                 show_layer_activations=True, show_trainable=True)
    assert labels == [
        "Conv2D\nActivation: relu\nOutput dtype: float32\nNon-trainable",
        "Flatten\nOutput dtype: float32",  # no weights: neither trainable nor not
        "Dense\nActivation: softmax\nOutput dtype: float32\nTrainable",
    ]


def two_inputs_model():
    """image and extra -> shared Dense on each -> Concatenate -> Dense: a merge and a reuse."""
    image = keras.Input(shape=(6,), name="image")
    extra = keras.Input(shape=(6,), name="extra")
    shared = keras.layers.Dense(3, name="shared")
    merged = keras.layers.Concatenate(name="merge")([shared(image), shared(extra)])
    return keras.Model([image, extra], keras.layers.Dense(1, name="score")(merged))


def test_functional_model_draws_inputs_merges_and_shared_layers_once():
    nodes, edges = model_to_graph(two_inputs_model(), show_shapes=True)
    by_name = {node.label.split(" ")[0]: node for node in nodes}
    assert sorted(by_name) == ["extra", "image", "merge", "score", "shared"]
    assert by_name["image"].kind == "input" and by_name["shared"].kind == "layer"
    assert by_name["image"].label == "image (InputLayer)\nOutput shape: (None, 6)"
    assert by_name["merge"].label == ("merge (Concatenate)\nInput shape: [(None, 3), (None, 3)]"
                                      "\nOutput shape: (None, 6)")
    named = sorted((a.split(" ")[0], b.split(" ")[0]) for a, b in named_edges(nodes, edges))
    # the shared layer is one box fed by both inputs; it feeds the merge once (twice over)
    assert named == [("extra", "shared"), ("image", "shared"), ("merge", "score"),
                     ("shared", "merge")]


def test_nested_model_is_one_box():
    inner = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)], name="inner")
    x = keras.Input(shape=(4,), name="x")
    outer = keras.Model(x, keras.layers.Dense(1, name="head")(inner(x)))
    labels, links = labels_and_links(outer, show_shapes=True)
    assert labels[1] == "inner (Sequential)\nInput shape: (None, 4)\nOutput shape: (None, 2)"
    assert [(a.split(" ")[0], b.split(" ")[0]) for a, b in links] == [("x", "inner"),
                                                                     ("inner", "head")]


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__(name="subclassed")
        self.dense = keras.layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


def test_subclassed_model_is_one_box_without_shapes():
    model = Subclassed()
    model(np.ones((1, 3), np.float32))
    assert model_to_graph(model, show_shapes=True) == (
        [Node("n0", "subclassed (Subclassed)\nInput shape: ?\nOutput shape: ?", "layer")], [])


def test_unbuilt_model_cannot_be_drawn(tmp_path):
    with pytest.raises(ValueError, match="has not yet been built"):
        plot_model(keras.Sequential([keras.layers.Dense(2)]), tmp_path / "m.png")
    assert not (tmp_path / "m.png").exists()


def test_plot_model_without_graphviz_draws_with_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    plot_model(small_convnet(), tmp_path / "down.png", show_shapes=True, dpi=50)
    plot_model(small_convnet(), tmp_path / "across.png", show_shapes=True, rankdir="LR", dpi=50)
    down, across = png_size(tmp_path / "down.png"), png_size(tmp_path / "across.png")
    assert down[1] > down[0] and across[0] > across[1]  # the layers follow rankdir


def branching_model():
    inputs = keras.Input((8,), name="image")
    branches = [keras.layers.Dense(4, name=name)(inputs)
                for name in ("a_rather_long_layer_name", "b", "c")]
    merged = keras.layers.Concatenate(name="merge")(branches)
    outputs = keras.layers.Add()([merged, keras.layers.Dense(12)(inputs)])
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(outputs))


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
@pytest.mark.parametrize("show_shapes", [False, True])
def test_matplotlib_drawing_shows_every_arrowhead(tmp_path, rankdir, show_shapes):
    """Slanted arrows too stop at the edge of the box they reach, not under it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    nodes, edges = model_to_graph(branching_model(), show_shapes=show_shapes)
    figure = graph_drawing.draw_with_matplotlib(nodes, edges, tmp_path / "m.png", rankdir)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    axes = figure.axes[0]
    boxes = [text.get_bbox_patch().get_window_extent(renderer) for text in axes.texts
             if text.get_text()]
    heads = [text.arrow_patch.get_path().vertices for text in axes.texts
             if not text.get_text() and text.arrowprops["arrowstyle"] == "-|>"]
    assert len(heads) == len(edges) == 10
    for vertices in heads:
        for x, y in vertices[1:]:  # the head's points (the first is where the line starts)
            assert not any(box.x0 + 1 < x < box.x1 - 1 and box.y0 + 1 < y < box.y1 - 1
                           for box in boxes), (x, y)
            assert 0 <= x <= figure.bbox.width and 0 <= y <= figure.bbox.height


def test_plot_model_hands_graphviz_the_dot_source(tmp_path, monkeypatch):
    fake_dot(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    model = two_inputs_model()
    plot_model(model, tmp_path / "out" / "model.png", show_shapes=True, show_layer_names=True,
               rankdir="LR", dpi=96)
    assert png_size(tmp_path / "out" / "model.png") == (1, 1)
    dot = (tmp_path / "received.dot").read_text()
    assert dot == model_to_dot(model, show_shapes=True, rankdir="LR", dpi=96)
    assert "  rankdir=LR;\n  dpi=96;\n" in dot
    assert '[label="merge (Concatenate)\\nInput shape: [(None, 3), (None, 3)]\\n' in dot


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"rankdir": "BT"}, ValueError, r"rankdir must be one of \('TB', 'LR'\), got 'BT'"),
    ({"expand_nested": True}, NotImplementedError, "nested model as one box"),
])
def test_plot_model_bad_options(tmp_path, options, error, message):
    with pytest.raises(error, match=message):
        plot_model(small_convnet(), tmp_path / "m.png", **options)
