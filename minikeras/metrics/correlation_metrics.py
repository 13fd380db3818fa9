"""Correlation metrics: Pearson's and Lin's concordance correlation along an axis, averaged."""

from .. import backend, ops
from ..losses import squeeze_or_expand_to_same_rank
from .metric import FUNCTIONS
from .reduction_metrics import MeanMetricWrapper


def _paired(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


@FUNCTIONS.register("pearson_correlation")
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r between y_true and y_pred along ``axis``: mean of the standardised products."""
    y_true, y_pred = _paired(y_true, y_pred)
    y_true = y_true - ops.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - ops.mean(y_pred, axis=axis, keepdims=True)
    y_true = y_true / ops.std(y_true, axis=axis, keepdims=True)
    y_pred = y_pred / ops.std(y_pred, axis=axis, keepdims=True)
    return ops.mean(y_true * y_pred, axis=axis)


@FUNCTIONS.register("concordance_correlation")
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance 2 cov / (var_true + var_pred + (mean_true - mean_pred)**2), on ``axis``."""
    y_true, y_pred = _paired(y_true, y_pred)
    true_mean = ops.mean(y_true, axis=axis, keepdims=True)
    pred_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    true_var = ops.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = ops.var(y_pred - pred_mean, axis=axis, keepdims=True)
    # As Keras computes it: both factors are centred on the predictions' mean.
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + ops.square(true_mean - pred_mean)
    return ops.mean(2.0 * covariance / (norm + backend.epsilon()), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Pearson's correlation along ``axis``, averaged over the samples seen."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """Lin's concordance correlation along ``axis``, averaged over the samples seen."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
