"""Label and feature preprocessing: ``to_categorical`` and ``normalize``, as in Keras."""

import numpy as np

from .. import backend


def to_categorical(x, num_classes=None):
    """Integer class labels as one-hot rows: label k becomes a row with a 1 at column k.

    x: integer labels of any shape (...,), or (..., 1) as Keras allows (the
        trailing 1 is dropped), e.g. y_train of shape (60000,).
    num_classes: the number of columns; defaults to ``max(x) + 1``.
    Returns a NumPy array of shape (..., num_classes) and dtype ``floatx()``
    (Keras 3 returns float64 here; minikeras stays in float32 end to end).

    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    labels = np.asarray(backend.to_numpy(x))
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"to_categorical expects integer class labels, got dtype {labels.dtype}.")
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError("to_categorical expects integer class labels, got non-integer values "
                         f"such as {labels[labels != np.round(labels)].flat[0]}.")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)  # (n,)
    num_classes = _num_classes(labels, num_classes)
    one_hot = np.zeros((labels.size, num_classes), dtype=backend.floatx())  # (n, num_classes)
    one_hot[np.arange(labels.size), labels] = 1
    return one_hot.reshape(shape + (num_classes,))


def _num_classes(labels, num_classes):
    """``num_classes``, or ``max + 1``, after checking every label fits in 0..num_classes-1."""
    if not num_classes:
        if labels.size == 0:
            raise ValueError("to_categorical got no labels and no num_classes: pass num_classes.")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(f"to_categorical got the label {bad}, but labels must be in "
                         f"0..{num_classes - 1} for num_classes={num_classes}.")
    return int(num_classes)


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis``; rows of norm 0 are left as they are.

    x: an array (NumPy, or the device's) of any shape; integers become ``floatx()``.
    axis: the axis the norm is taken along (each slice along it gets norm 1).
    order: the norm's order, as in ``numpy.linalg.norm`` (2: Euclidean, 1: sum of |x|).
    Returns an array of x's shape (Keras's NumPy path gives a 1-D x back as
    (1, n), and takes axis=0 for -1; minikeras does neither).
    """
    xp = backend.get_array_module(x)
    x = xp.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(backend.floatx())
    norm = xp.linalg.norm(x, ord=order, axis=axis, keepdims=True)  # x's shape, 1 along axis
    return x / xp.where(norm == 0, 1, norm).astype(x.dtype)
