"""Metrics, as ``keras.metrics``: numbers accumulated over batches to watch training.

Read ``metric.py`` (the base class), then ``reduction_metrics.py`` (Mean and
MeanMetricWrapper, behind most metrics). ``get``, ``serialize`` and
``deserialize`` speak Keras's names and config format: ``get("mse")``,
``get("auc")`` and ``get("AUC")`` each give a new metric object.
"""

import inspect

from ..losses import (
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from ..registry import Registry
from ..utils.naming import to_snake_case
from .accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from .correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from .f_score_metrics import F1Score, FBetaScore
from .iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from .metric import Metric, deserialize_function, serialize_function
from .reduction_metrics import Mean, MeanMetricWrapper, Sum
from .regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU",
    "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "FalseNegatives",
    "FalsePositives", "Hinge", "IoU", "KLD", "KLDivergence", "LogCoshError", "MAE", "MAPE", "MSE",
    "MSLE", "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU",
    "MeanMetricWrapper", "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric",
    "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Poisson", "Precision",
    "PrecisionAtRecall", "R2Score", "Recall", "RecallAtPrecision", "RootMeanSquaredError",
    "SensitivityAtSpecificity", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity", "SquaredHinge", "Sum",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives", "binary_accuracy",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_accuracy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge",
    "concordance_correlation", "deserialize", "get", "hinge", "huber", "kl_divergence", "kld",
    "kullback_leibler_divergence", "log_cosh", "logcosh", "mae", "mape",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "mse", "msle", "pearson_correlation", "poisson",
    "serialize", "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "squared_hinge", "top_k_categorical_accuracy",
]

_CLASSES = (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives,
    TruePositives, ConcordanceCorrelation, PearsonCorrelation,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    F1Score, FBetaScore, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
)
_ABBREVIATIONS = {
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
}

_REGISTRY = Registry("metric")
for _cls in _CLASSES:
    _REGISTRY.add(_cls, _cls.__name__, to_snake_case(_cls.__name__))
for _name, _cls in _ABBREVIATIONS.items():
    _REGISTRY.add(_cls, _name)
del _cls, _name


def get(identifier):
    """A Metric from a name ("mse", "auc", "AUC"...), a Metric, a class, a function, a config.

    A function (or a Loss) comes back wrapped in a MeanMetricWrapper that
    averages it; None gives None.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier)()
    if isinstance(identifier, dict):
        return _as_metric(deserialize(identifier))
    if callable(identifier):
        return _as_metric(identifier)
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}. Expected a name "
                     "such as 'mae', a Metric, a function fn(y_true, y_pred), a config dict "
                     "or None.")


def _as_metric(obj):
    if inspect.isclass(obj):
        return obj()
    if isinstance(obj, Metric):
        return obj
    name = getattr(obj, "name", None) or to_snake_case(obj.__name__)
    return MeanMetricWrapper(obj, name=name)


def serialize(metric):
    """Keras's dict for a Metric ({"module", "class_name", "config", "registered_name"})."""
    if not isinstance(metric, Metric):
        return serialize_function(metric)
    return _REGISTRY.serialize_instance(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """The Metric (or function) described by a name or a ``serialize`` dict.

    custom_objects: {name: class or function} for user-defined metrics.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        obj = custom_objects.get(config) or _REGISTRY.get(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize metric {config!r}: expected a name or a dict "
                         "with 'class_name' and 'config'.")
    if config["class_name"] == "function" or config.get("module") == "keras.losses":
        return deserialize_function(config, custom_objects)
    inner = dict(config.get("config") or {})
    if "fn" in inner:  # a wrapped function, perhaps one of custom_objects
        inner["fn"] = deserialize_function(inner["fn"], custom_objects)
    for name in (config.get("registered_name"), config["class_name"]):
        if name in custom_objects:
            return custom_objects[name].from_config(inner)
    return _REGISTRY.get(config["class_name"]).from_config(inner)
