"""Regression metrics: errors averaged over the samples seen, RMSE, cosine similarity and R^2."""

import warnings

from .. import ops
from ..losses import (
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    squeeze_or_expand_to_same_rank,
)
from .metric import FUNCTIONS, Metric
from .reduction_metrics import Mean, MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    """The mean of (y_true - y_pred)**2 over the samples seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of |y_true - y_pred| over the samples seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of 100 |y_true - y_pred| / |y_true| over the samples seen."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of (log(1 + y_pred) - log(1 + y_true))**2 over the samples seen."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """sqrt(mean((y_true - y_pred)**2)) over every element seen (not a mean of per-batch roots)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(ops.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(super().result())


@FUNCTIONS.register("cosine_similarity")
def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(normalize(y_true) * normalize(y_pred)) along ``axis``: 1 for parallel vectors.

    (The loss ``losses.cosine_similarity`` is its negative.)
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.sum(ops.normalize(y_true, axis=axis) * ops.normalize(y_pred, axis=axis), axis=axis)


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity between labels and predictions along ``axis``."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class LogCoshError(MeanMetricWrapper):
    """The mean of log(cosh(y_pred - y_true)) over the samples seen."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class R2Score(Metric):
    """The coefficient of determination 1 - SS_residual / SS_total, per output, aggregated.

    Inputs: (batch, outputs). class_aggregation: "uniform_average" (mean
    over outputs), "variance_weighted_average", or None (one score per output).
    num_regressors: > 0 gives the adjusted R^2 for that many regressors.
    """

    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{self._AGGREGATIONS}. Received: "
                             f"class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, outputs):
        shape = (outputs,)  # one of each per output
        self.squared_sum = self.add_variable(name="squared_sum", shape=shape)
        self.sum = self.add_variable(name="sum", shape=shape)
        self.total_mse = self.add_variable(name="residual", shape=shape)
        self.count = self.add_variable(name="count", shape=shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch (batch, outputs); every sum is computed before any is added, so a
        batch that does not fit changes nothing."""
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred.shape} and "
                             f"y_true.shape={y_true.shape}.")
        sample_weight = ops.convert_to_tensor(1.0 if sample_weight is None else sample_weight,
                                              dtype=self.dtype)
        if sample_weight.ndim == 1:
            sample_weight = ops.expand_dims(sample_weight, 1)  # one weight per row
        sample_weight = ops.broadcast_to(sample_weight, y_true.shape)
        weighted_y_true = y_true * sample_weight
        sums = [ops.sum(weighted_y_true, axis=0), ops.sum(y_true * weighted_y_true, axis=0),
                ops.sum(ops.square(y_true - y_pred) * sample_weight, axis=0),
                ops.sum(sample_weight, axis=0)]
        outputs = self.sum.shape[0] if self._built else y_pred.shape[-1]
        sums = [ops.broadcast_to(s, (outputs,)) for s in sums]  # a ValueError if they do not fit
        if not self._built:
            self._build(outputs)
        for variable, increment in zip((self.sum, self.squared_sum, self.total_mse, self.count),
                                       sums, strict=True):
            variable.assign_add(increment)
        self.num_samples.assign_add(y_true.size)

    def result(self):
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1.0 - self.total_mse / total
        raw_scores = ops.where(ops.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            r2_score = ops.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2_score = ops.sum(total * raw_scores) / ops.sum(total)
        else:
            r2_score = raw_scores
        return self._adjusted(r2_score) if self.num_regressors else r2_score

    def _adjusted(self, r2_score):
        n, p = float(self.num_samples), self.num_regressors
        if p >= n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score "
                          "(or as many as datapoints - 1). Falling back to standard R2 score.",
                          stacklevel=3)
            return r2_score
        return 1.0 - (1.0 - r2_score) * (n - 1.0) / (n - p - 1.0)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
