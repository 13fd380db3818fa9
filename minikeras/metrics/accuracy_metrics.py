"""Accuracy metrics: the fraction of predictions that hit their label, in each of Keras's forms.

Each is a function scoring every sample 1.0 (hit) or 0.0 (miss) and a
MeanMetricWrapper class averaging those scores over the batches seen.
"""

from .. import backend, ops
from ..autograd import Tensor
from ..losses import class_scores, squeeze_or_expand_to_same_rank
from ..runtime import kernels
from .metric import FUNCTIONS
from .reduction_metrics import MeanMetricWrapper


@FUNCTIONS.register("accuracy")
def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true exactly, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.cast(ops.equal(y_true, y_pred), backend.floatx())


@FUNCTIONS.register("binary_accuracy")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals the 0/1 label y_true, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = ops.cast(ops.greater(y_pred, threshold), y_true.dtype)
    return ops.cast(ops.equal(y_true, y_pred), backend.floatx())


@FUNCTIONS.register("categorical_accuracy")
def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) is the class of the one-hot y_true, else 0.0 (one per row)."""
    y_pred = class_scores("categorical_accuracy", y_pred)
    y_true = ops.cast(ops.argmax(ops.convert_to_tensor(y_true), axis=-1), y_pred.dtype)
    return _class_matches(y_true, y_pred, squeeze_any=True)


@FUNCTIONS.register("sparse_categorical_accuracy")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label y_true, else 0.0 (one per row)."""
    y_pred = class_scores("sparse_categorical_accuracy", y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    matches = _class_matches(y_true, y_pred, squeeze_any=False)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def _class_matches(labels, y_pred, squeeze_any):
    """Whether argmax(y_pred) equals ``labels``, shaped like ``labels`` as given.

    Labels of y_pred's rank have a trailing axis to drop first (Keras drops it
    unconditionally for one-hot labels, and only if it has size 1 for sparse ones).
    """
    labels_shape = labels.shape
    reshape = labels.ndim == y_pred.ndim and (squeeze_any or labels.shape[-1] == 1)
    if reshape:
        labels = ops.squeeze(labels, -1)
    predicted = ops.cast(ops.argmax(y_pred, axis=-1), labels.dtype)
    matches = ops.cast(ops.equal(labels, predicted), backend.floatx())
    return ops.reshape(matches, labels_shape) if reshape else matches


@FUNCTIONS.register("top_k_categorical_accuracy")
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the class of the one-hot y_true is among the k highest scores of y_pred."""
    y_pred = class_scores("top_k_categorical_accuracy", y_pred)
    y_true = ops.argmax(ops.convert_to_tensor(y_true, dtype=y_pred.dtype), axis=-1)
    return _in_top_k(y_true, y_pred, k)


@FUNCTIONS.register("sparse_top_k_categorical_accuracy")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label y_true is among the k highest scores of y_pred.

    from_sorted_ids: y_pred already holds class ids sorted by score (the
    first k are the top k), as a retrieval model's output does.
    """
    y_pred = class_scores("sparse_top_k_categorical_accuracy", y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype if from_sorted_ids else "int32")
    if not from_sorted_ids:
        return _in_top_k(y_true, y_pred, k)
    labels_shape = y_true.shape
    y_true = ops.reshape(y_true, (-1,))
    y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    hits = ops.any(ops.equal(ops.expand_dims(y_true, 1), y_pred[:, :k]), axis=1)
    return ops.reshape(ops.cast(hits, backend.floatx()), labels_shape)


def _in_top_k(labels, y_pred, k):
    """in_top_k over rows of y_pred flattened to (n, C), shaped back like ``labels``."""
    labels_shape = labels.shape
    labels = ops.reshape(labels, (-1,))
    y_pred = ops.reshape(y_pred, (-1, y_pred.shape[-1]))
    matches = ops.cast(ops.in_top_k(ops.cast(labels, "int32"), y_pred, k), backend.floatx())
    return ops.reshape(matches, labels_shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches the 0/1 labels."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the highest score is the class of the one-hot label."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not _count_hits_on_device(self, _CATEGORICAL_HITS, y_true, y_pred, sample_weight):
            super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the highest score is the integer label's class."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not _count_hits_on_device(self, _SPARSE_HITS, y_true, y_pred, sample_weight):
            super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


# The updates of (sparse) categorical accuracy on a GPU, one thread per row of scores: the
# row's argmax (the first largest score, or the first NaN, as argmax finds it) compared with
# the label, added to the total; the first thread adds the number of rows to the count. One
# launch where the functions above take ten.
_ARGMAX_OF_ROW = """
    const ptrdiff_t row = i * classes;
    ptrdiff_t predicted = 0;
    for (ptrdiff_t c = 1; c < classes; ++c) {
        if (!isnan(scores[row + predicted])
                && (isnan(scores[row + c]) || scores[row + c] > scores[row + predicted]))
            predicted = c;
    }
"""
_COUNT = """
    atomicAdd(&total[0], (T)((T)predicted == (T)label));
    if (i == 0) count[0] += (T)_ind.size();
"""
_SPARSE_HITS = kernels.Elementwise(
    "minikeras_sparse_categorical_accuracy_update", "raw T scores, L label, int64 classes",
    "raw T total, raw T count", _ARGMAX_OF_ROW + _COUNT)
_CATEGORICAL_HITS = kernels.Elementwise(
    "minikeras_categorical_accuracy_update", "raw T scores, raw L truth, int64 classes",
    "raw T total, raw T count", _ARGMAX_OF_ROW + """
    ptrdiff_t label = 0;
    for (ptrdiff_t c = 1; c < classes; ++c) {
        if (!isnan(truth[row + label])
                && (isnan(truth[row + c]) || truth[row + c] > truth[row + label]))
            label = c;
    }
""" + _COUNT)


def _count_hits_on_device(metric, kernel, y_true, y_pred, sample_weight):
    """Updates ``metric`` with ``kernel`` when its arrays are on the device, the scores are
    rows (N, C) of its dtype, unweighted and unmasked, and the labels one per row (sparse:
    (N,) or (N, 1)) or one-hot (N, C); returns whether it did."""
    if sample_weight is not None or getattr(y_pred, "_keras_mask", None) is not None:
        return False
    scores = y_pred.data if isinstance(y_pred, Tensor) else y_pred
    labels = y_true.data if isinstance(y_true, Tensor) else y_true
    if not (backend.is_array(scores) and backend.is_array(labels)
            and kernels.on_device(backend.get_array_module(scores, labels))
            and scores.ndim == 2 and scores.dtype == metric.dtype):
        return False
    rows, classes = scores.shape
    state = metric.total.data.reshape(1), metric.count.data.reshape(1)  # raw arrays, not 0-d
    if kernel is _SPARSE_HITS and labels.shape in ((rows,), (rows, 1)):
        kernel(scores, labels.reshape(rows), classes, *state)
    elif kernel is _CATEGORICAL_HITS and labels.shape == scores.shape:
        kernel(scores, labels, classes, *state, size=rows)
    else:
        return False
    return True


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest scores."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label's class is among the ``k`` highest scores."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
