"""Intersection-over-union metrics for segmentation, from an accumulated confusion matrix.

For class c, IoU = TP / (TP + FP + FN): the overlap of the pixels labelled
c and those predicted c, over their union. The metrics keep the
(num_classes, num_classes) confusion matrix (rows: labels, columns:
predictions) and average the IoU of the chosen classes.
"""

from .. import backend, ops
from .metric import Metric


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="int64"):
    """The (num_classes, num_classes) matrix whose [i, j] adds the weights of label i predicted j.

    Computed as one_hot(labels)^T @ (weights * one_hot(predictions)).
    """
    floatx = backend.floatx()
    rows = ops.one_hot(ops.cast(labels, "int64"), num_classes, dtype=floatx)  # (n, C)
    columns = ops.one_hot(ops.cast(predictions, "int64"), num_classes, dtype=floatx)  # (n, C)
    if weights is not None:
        columns = columns * ops.expand_dims(ops.cast(weights, floatx), -1)
    return ops.cast(ops.matmul(ops.transpose(rows), columns), dtype)  # (C, C)


class _IoUBase(Metric):
    """Accumulates the confusion matrix of integer (or one-hot, or score) labels and predictions."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(name="total_confusion_matrix",
                                          shape=(num_classes, num_classes), dtype=self.dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's (label, prediction) pairs; out-of-range classes are left out."""
        y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.reshape(ops.convert_to_tensor(y_true, dtype=self.dtype), (-1,))
        y_pred = ops.reshape(ops.convert_to_tensor(y_pred, dtype=self.dtype), (-1,))
        sample_weight = ops.convert_to_tensor(1 if sample_weight is None else sample_weight,
                                              dtype=self.dtype)
        if sample_weight.ndim > 1:
            sample_weight = ops.reshape(sample_weight, (-1,))
        sample_weight = ops.broadcast_to(sample_weight, y_true.shape)
        valid = ops.logical_and(self._in_range(y_true), self._in_range(y_pred))
        if self.ignore_class is not None:
            valid = ops.logical_and(valid, ops.not_equal(y_true, self.ignore_class))
        current = confusion_matrix(ops.where(valid, y_true, 0), ops.where(valid, y_pred, 0),
                                   self.num_classes, weights=ops.where(valid, sample_weight, 0),
                                   dtype=self.dtype)
        self.total_cm.assign_add(current)

    def _in_range(self, classes):
        return ops.logical_and(classes >= 0, classes < self.num_classes)


class IoU(_IoUBase):
    """The mean IoU of the classes ``target_class_ids`` (classes absent everywhere are skipped)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = ops.cast(self.total_cm, "float32")
        classes = list(range(self.num_classes))
        true_positives = cm[classes, classes]  # the diagonal
        # predicted c + labelled c - both = TP + FP + FN, the union.
        union = ops.sum(cm, axis=0) + ops.sum(cm, axis=1) - true_positives
        true_positives = true_positives[self.target_class_ids]
        union = union[self.target_class_ids]
        present = ops.greater(union, 1e-9)
        iou = ops.where(present, true_positives / (union + backend.epsilon()), 0.0)
        num_present = ops.sum(ops.cast(present, "float32"))
        return ops.sum(iou, axis=self.axis) / (num_present + backend.epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary predictions: a score >= ``threshold`` is class 1, else class 0."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        y_pred = ops.cast(y_pred >= self.threshold, self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The IoU averaged over all ``num_classes`` classes (those present)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, target_class_ids=list(range(num_classes)), name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU with one-hot labels (and scores or one-hot predictions, argmax-ed along ``axis``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids=target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot labels (and scores or one-hot predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
