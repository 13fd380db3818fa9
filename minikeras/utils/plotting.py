"""Pictures of training, saved as PNG files: learning curves and predicted digits.

matplotlib is imported only when a picture is drawn, so minikeras works
without it. Figures are made with ``matplotlib.figure.Figure`` directly, not
pyplot: no window opens, no display is needed and the user's pyplot state
is left alone.
"""

import math
import os

import numpy as np

from .. import backend
from .file_utils import atomic_write


def new_figure(width, height):
    """An empty matplotlib Figure of ``width`` x ``height`` inches (ImportError says what to do)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "Drawing pictures needs matplotlib: `pip install 'minikeras[plot]'` "
            "(or `pip install matplotlib`)."
        ) from error
    return Figure(figsize=(width, height))


def save_figure(figure, to_file, dpi=100):
    """Writes ``figure`` to ``to_file`` atomically (PNG unless the extension says otherwise)."""
    to_file = os.fspath(to_file)
    folder = os.path.dirname(to_file)
    if folder:
        os.makedirs(folder, exist_ok=True)
    image_format = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    atomic_write(to_file, lambda stream: figure.savefig(stream, format=image_format, dpi=dpi,
                                                        bbox_inches="tight"))


def plot_history(history, to_file="history.png"):
    """Learning curves: one panel per metric, the training and validation values per epoch.

    history: what ``model.fit`` returns (an object with a ``.history`` dict),
        or that dict itself: metric name -> one value per epoch, e.g.
        ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``.
        "val_x" is drawn on the same axes as "x".
    to_file: where the PNG goes.
    Returns the matplotlib Figure (a notebook shows it).
    """
    curves = _history_dict(history)
    panels = metric_panels(curves)
    figure = new_figure(4.5 * len(panels), 3.5)
    for index, (title, names) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        for name in names:
            values = curves[name]
            axes.plot(range(1, len(values) + 1), values, marker="o", markersize=3,
                      label=_curve_label(name))
        axes.set_title("learning rate" if title in LEARNING_RATES else title)
        _whole_epochs(axes, max(len(curves[name]) for name in names))
        axes.grid(alpha=0.3)
        axes.legend()
    save_figure(figure, to_file)
    return figure


# The names fit logs a learning rate under (LearningRateScheduler, ReduceLROnPlateau, Keras 2).
LEARNING_RATES = ("learning_rate", "lr")


def _curve_label(name):
    """What a curve is: the learning rate, or a metric on the training or validation data."""
    if name in LEARNING_RATES:
        return "learning rate"
    return "validation" if name.startswith("val_") else "training"


def _whole_epochs(axes, epochs):
    """An x axis of whole epochs 1..epochs: integer ticks only, even for one epoch."""
    from matplotlib.ticker import MaxNLocator

    axes.set_xlim(0.5, epochs + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axes.set_xlabel("epoch")


def _history_dict(history):
    curves = history.history if hasattr(history, "history") else history
    if not isinstance(curves, dict) or not curves:
        raise TypeError(
            "plot_history expects the History returned by fit() or its non-empty .history "
            f"dict (metric name -> values per epoch), got {type(history).__name__}."
        )
    for name, values in curves.items():
        if np.ndim(values) != 1 or len(values) == 0:
            raise ValueError(f"plot_history: history[{name!r}] should list one value per "
                             f"epoch, got {values!r}.")
    return curves


def metric_panels(names):
    """Groups metric names into panels: [(title, [name, "val_" + name]), ...], loss first.

    >>> metric_panels(["accuracy", "loss", "val_loss"])
    [('loss', ['loss', 'val_loss']), ('accuracy', ['accuracy'])]
    """
    titles = []
    for name in names:
        title = name[len("val_"):] if name.startswith("val_") else name
        if title not in titles:
            titles.append(title)
    titles.sort(key=lambda title: title != "loss")  # loss first, the rest as they came
    return [(title, [n for n in (title, "val_" + title) if n in names]) for title in titles]


def plot_predictions(model, x, y, to_file="predictions.png", num_images=25):
    """A grid of images, each titled with the predicted and the true label; wrong ones in red.

    model: anything with Keras's ``predict(x, verbose=0)`` returning class
        probabilities (or scores) of shape (n, num_classes).
    x: images, (n, h, w), (n, h, w, 1), (n, h, w, 3) or flattened (n, h * w) with h == w.
    y: true labels, integers (n,) or one-hot (n, num_classes).
    num_images: how many of the first images to show.
    Returns the matplotlib Figure.
    """
    if len(y) < min(num_images, len(x)):
        raise ValueError(f"plot_predictions: x has {len(x)} images but y only {len(y)} labels.")
    count = min(num_images, len(x))
    images = _as_images(backend.to_numpy(x)[:count])
    true = _class_labels(backend.to_numpy(y)[:count])
    predicted = _predicted_classes(model, x[:count])
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    figure = new_figure(1.6 * columns, 1.8 * rows)
    for index in range(count):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow(images[index], cmap="gray_r" if images[index].ndim == 2 else None)
        wrong = predicted[index] != true[index]
        axes.set_title(f"pred {predicted[index]} / true {true[index]}", fontsize=8,
                       color="red" if wrong else "black")
        axes.set_xticks([])
        axes.set_yticks([])
        for spine in axes.spines.values():
            spine.set_color("red" if wrong else "lightgray")
    save_figure(figure, to_file)
    return figure


def _as_images(x):
    """(n, h, w) grayscale or (n, h, w, 3) colour images from the shapes models take."""
    if x.ndim == 2:  # (n, h * w), as an MLP takes them
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(f"plot_predictions: cannot show flat images of {x.shape[1]} "
                             "pixels as squares; reshape x to (n, height, width).")
        return x.reshape(len(x), side, side)
    if x.ndim == 4 and x.shape[-1] == 1:
        return x[..., 0]
    if x.ndim == 3 or (x.ndim == 4 and x.shape[-1] == 3):
        return x
    raise ValueError("plot_predictions expects images of shape (n, h, w), (n, h, w, 1), "
                     f"(n, h, w, 3) or (n, h * w), got {x.shape}.")


def _predicted_classes(model, x):
    probabilities = backend.to_numpy(model.predict(x, verbose=0))
    if probabilities.ndim != 2:
        raise ValueError("plot_predictions: model.predict should return (n, num_classes) "
                         f"probabilities, got shape {probabilities.shape}.")
    return probabilities.argmax(axis=-1)


def _class_labels(y):
    if y.ndim == 2 and y.shape[-1] > 1:  # one-hot
        return y.argmax(axis=-1)
    return y.reshape(len(y)).astype(np.int64)
