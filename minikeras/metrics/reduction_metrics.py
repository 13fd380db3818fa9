"""Sum, Mean and MeanMetricWrapper: the metrics that accumulate a (weighted) total.

Most metrics are a MeanMetricWrapper around a function that scores each
sample (accuracy, a loss...): the metric keeps the weighted sum of the
scores and the sum of the weights, and its result is their ratio.
"""

import numbers

import numpy as np

from .. import backend, ops
from ..autograd import Tensor
from ..losses import apply_mask, squeeze_or_expand_to_same_rank
from ..runtime import kernels
from .metric import Metric, deserialize_function, serialize_function


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """(one value per sample, the weight of each sample or None), as Keras reduces them.

    values: any shape (batch, ...); sample_weight: None or broadcastable to it.
    Values are first reduced with ``reduce_fn`` to the weights' rank, then
    weighted, then reduced to (batch,); weights of rank > 1 are reduced the same way.
    """
    mask = getattr(values, "_keras_mask", None)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = ops.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values passed to ``update_state(values, sample_weight=None)``."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, ops.sum, self.dtype)
        self.total.assign_add(ops.sum(values))

    def result(self):
        return ops.cast(self.total, self.dtype)


class Mean(Metric):
    """The (weighted) mean of all values passed to ``update_state(values, sample_weight=None)``.

    Keeps ``total`` (the weighted sum) and ``count`` (the number of samples,
    or the sum of their weights); the result is total / count (0 before any update).
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="count")

    def update_state(self, values, sample_weight=None):
        if _add_one_value_on_device(self, values, sample_weight):
            return
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, ops.mean,
                                                            self.dtype)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            num_samples = ops.sum(sample_weight)
        else:
            num_samples = values.shape[0] if values.ndim >= 1 else 1
        self.count.assign_add(num_samples)

    def result(self):
        return ops.divide_no_nan(self.total, self.count)


# total += value * weight and count += weight, as the NumPy code below computes them, for one
# value (a batch's loss, say) and a weight on the host: one launch instead of a dozen.
_ADD_ONE_VALUE = kernels.Elementwise(
    "minikeras_mean_add_one_value", "raw T value, T weight", "raw T total, raw T count",
    "total[0] += value[0] * weight; count[0] += weight;")


def _add_one_value_on_device(metric, values, sample_weight):
    """Updates ``metric`` (a Mean) with one kernel if ``values`` is one device value of its
    dtype and ``sample_weight`` a number or None; returns whether it did."""
    if getattr(values, "_keras_mask", None) is not None or not (
            sample_weight is None or isinstance(sample_weight, numbers.Real)):
        return False
    value = values.data if isinstance(values, Tensor) else values
    if not (backend.is_array(value) and kernels.on_device(backend.get_array_module(value))
            and value.shape == () and value.dtype == metric.dtype):
        return False
    weight = np.dtype(metric.dtype).type(1 if sample_weight is None else sample_weight)
    _ADD_ONE_VALUE(value.reshape(1), weight, metric.total.data.reshape(1),
                   metric.count.data.reshape(1), size=1)
    return True


class MeanMetricWrapper(Mean):
    """The running (weighted) mean of ``fn(y_true, y_pred, **kwargs)`` over the samples seen.

    fn: a function scoring each sample, e.g. a loss function or
        ``binary_accuracy``; ``update_state(y_true, y_pred, sample_weight=None)``
        calls it on each batch.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is not None:
            sample_weight = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
        sample_weight = apply_mask(sample_weight, mask, self.dtype, reduction="sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "fn": serialize_function(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):  # not yet deserialized
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)
