"""Metrics from confusion counts at thresholds: TP/FP/TN/FN, Precision, Recall, AUC, ...

A prediction counts as positive at threshold t when it is > t. Each metric
keeps, for each of its thresholds, the (weighted) number of true positives,
false positives, true negatives and false negatives it needs, and computes
its result from those counts: precision = TP / (TP + FP), recall (also
called sensitivity) = TP / (TP + FN), specificity = TN / (TN + FP).

AUC sweeps 200 thresholds evenly spaced over [0, 1] (plus one just below 0
and one just above 1) and sums the area under the curve of (false positive
rate, recall) -- or of (recall, precision) -- with Keras's interpolation.
"""

import enum

from .. import activations, backend, ops
from ..losses import squeeze_or_expand_to_same_rank
from .metric import Metric, snapshot

NEG_INF = -1e10  # the threshold and the score given to predictions outside the top k


class ConfusionMatrix(enum.Enum):
    """The four counts a confusion-matrix metric can keep, by their short names."""

    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """``thresholds`` (a number or a list, each in [0, 1]) as a list; the default if None."""
    if thresholds is None:
        return [default_threshold]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    invalid = [t for t in thresholds if t is None or not 0 <= t <= 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return thresholds


def is_evenly_distributed_thresholds(thresholds):
    """Whether the (3 or more) thresholds are i / (n - 1) for i = 0 .. n - 1, to within epsilon."""
    n = len(thresholds)
    return n >= 3 and all(abs(t - i / (n - 1)) <= backend.epsilon() + 1e-5 * (i / (n - 1))
                          for i, t in enumerate(thresholds))


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds,
                                      top_k=None, class_id=None, sample_weight=None,
                                      multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Adds this batch's weighted confusion counts at each threshold to the given variables.

    variables_to_update: {ConfusionMatrix.X: Variable of shape (num_thresholds,)}
        -- or (num_thresholds, num_labels) with ``multi_label``, where each
        label (column of y_pred) is counted separately.
    y_true: labels, nonzero meaning positive; y_pred: scores, same shape.
    top_k: only the k highest scores of each row count as predicted (others
        get score NEG_INF). class_id: only that column is considered.
    sample_weight: weights broadcastable to y_true; label_weights: one per
        label (column), multiplied in when not ``multi_label``.
    thresholds_distributed_evenly: thresholds are i / (n - 1), allowing
        Keras's bucketing: a score p is above threshold i when
        ceil(p (n - 1)) - 1 >= i, with every score above the first threshold
        when it lies below 0 and scores clipped to [0, 1].
    """
    invalid = [key for key in variables_to_update if not isinstance(key, ConfusionMatrix)]
    if not variables_to_update or invalid:
        raise ValueError(f"Expected confusion-matrix keys from {list(ConfusionMatrix)}; "
                         f"got {list(variables_to_update)}.")
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = ops.expand_dims(ops.cast(ops.convert_to_tensor(sample_weight), dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]

    weights = _confusion_weights(y_pred, sample_weight, label_weights, multi_label)
    if thresholds_distributed_evenly:
        y_pred = ops.clip(y_pred, 0.0, 1.0)
    if not multi_label:
        y_true, y_pred = ops.reshape(y_true, (-1,)), ops.reshape(y_pred, (-1,))
    # (num_thresholds, samples[, labels]): whether each prediction is positive at each threshold.
    if thresholds_distributed_evenly:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        predicted_positive = _above_even_thresholds(y_pred, len(thresholds), with_epsilon)
    else:
        thresholds = ops.convert_to_tensor(thresholds, dtype=dtype)
        thresholds = ops.reshape(thresholds, (-1,) + (1,) * y_pred.ndim)
        predicted_positive = ops.greater(ops.expand_dims(y_pred, 0), thresholds)
    label_positive = ops.expand_dims(ops.not_equal(y_true, 0), 0)
    conditions = {
        ConfusionMatrix.TRUE_POSITIVES: (label_positive, predicted_positive),
        ConfusionMatrix.FALSE_POSITIVES: (~label_positive, predicted_positive),
        ConfusionMatrix.TRUE_NEGATIVES: (~label_positive, ~predicted_positive),
        ConfusionMatrix.FALSE_NEGATIVES: (label_positive, ~predicted_positive),
    }
    for key, variable in variables_to_update.items():
        label, prediction = conditions[key]
        counted = ops.where(ops.logical_and(label, prediction), weights, 0.0)
        variable.assign_add(ops.sum(counted, axis=1))


def _confusion_weights(y_pred, sample_weight, label_weights, multi_label):
    """The weight of each prediction (y_pred's shape, flattened unless ``multi_label``)."""
    weights = ops.ones_like(y_pred)
    if sample_weight is not None:
        weights = weights * sample_weight
    if label_weights is not None and not multi_label:
        weights = weights * ops.convert_to_tensor(label_weights, dtype=y_pred.dtype)
    return weights if multi_label else ops.reshape(weights, (-1,))


def _above_even_thresholds(y_pred, num_thresholds, with_epsilon):
    """Whether each score is above each of n evenly spaced thresholds, by Keras's buckets."""
    bucket = ops.ceil(y_pred * (num_thresholds - 1.0)) - 1.0  # -1 .. n - 2
    if with_epsilon:
        bucket = ops.maximum(bucket, 0.0)  # the first threshold is below every score
    index = ops.convert_to_tensor(list(range(num_thresholds)), dtype=y_pred.dtype)
    index = ops.reshape(index, (-1,) + (1,) * y_pred.ndim)
    return ops.greater_equal(ops.expand_dims(bucket, 0), index)


def _filter_top_k(x, k):
    """x with all but its k largest entries per row replaced by NEG_INF."""
    _, top_indices = ops.top_k(x, k)
    in_top_k = ops.sum(ops.one_hot(top_indices, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * in_top_k + NEG_INF * (1.0 - in_top_k)


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix cell at each threshold (default 0.5)."""

    def __init__(self, confusion_matrix_cond, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),),
                                             initializer="zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator}, y_true, y_pred,
            thresholds=self.thresholds, sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        return self.accumulator[0] if len(self.thresholds) == 1 else snapshot(self.accumulator)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class FalsePositives(_ConfusionMatrixConditionCount):
    """The weighted number of negatives predicted positive (score > threshold)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.FALSE_POSITIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of positives predicted negative (score <= threshold)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.FALSE_NEGATIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of negatives predicted negative (score <= threshold)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.TRUE_NEGATIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class TruePositives(_ConfusionMatrixConditionCount):
    """The weighted number of positives predicted positive (score > threshold)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.TRUE_POSITIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class _PrecisionOrRecall(Metric):
    """TP / (TP + other) at each threshold: Precision (other = FP) or Recall (other = FN)."""

    _other = None  # the ConfusionMatrix cell besides the true positives

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default_threshold)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.true_positives = self.add_variable(shape=(len(self.thresholds),),
                                                initializer="zeros", name="true_positives")
        other = self._other.name.lower()
        setattr(self, other, self.add_variable(shape=(len(self.thresholds),),
                                               initializer="zeros", name=other))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's counts; y_pred holds scores (compared with the thresholds)."""
        update_confusion_matrix_variables(
            {ConfusionMatrix.TRUE_POSITIVES: self.true_positives,
             self._other: getattr(self, self._other.name.lower())},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)

    def result(self):
        other = getattr(self, self._other.name.lower())
        result = ops.divide_no_nan(self.true_positives, self.true_positives + other)
        return result[0] if len(self.thresholds) == 1 else result

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionOrRecall):
    """TP / (TP + FP): the fraction of positive predictions that are right.

    thresholds: a score is predicted positive when > threshold (default 0.5;
        a list gives one precision per threshold).
    top_k: only the k highest scores of each row count as predictions.
    class_id: only that class (column) is considered.
    """

    _other = ConfusionMatrix.FALSE_POSITIVES


class Recall(_PrecisionOrRecall):
    """TP / (TP + FN): the fraction of positives that are found (arguments as Precision)."""

    _other = ConfusionMatrix.FALSE_NEGATIVES


class SensitivitySpecificityBase(Metric):
    """The best of one rate subject to a floor on another, over ``num_thresholds`` thresholds."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        for cell in ConfusionMatrix:
            setattr(self, cell.name.lower(), self.add_variable(
                shape=(len(self.thresholds),), initializer="zeros", name=cell.name.lower()))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {cell: getattr(self, cell.name.lower()) for cell in ConfusionMatrix},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}

    def _find_max_under_constraint(self, constrained, dependent):
        """The largest ``dependent`` over the thresholds where ``constrained`` >= value (else 0)."""
        feasible = ops.greater_equal(constrained, self.value)
        return ops.max(ops.where(feasible, dependent, 0.0))

    def _recalls(self):
        return ops.divide_no_nan(self.true_positives, self.true_positives + self.false_negatives)

    def _specificities(self):
        return ops.divide_no_nan(self.true_negatives, self.true_negatives + self.false_positives)

    def _precisions(self):
        return ops.divide_no_nan(self.true_positives, self.true_positives + self.false_positives)


def _check_rate(name, value):
    if not 0 <= value <= 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1]. "
                         f"Received: {name}={value}")


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) at a threshold whose specificity is >= ``specificity``."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._specificities(), self._recalls())

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity at a threshold whose sensitivity (recall) is >= ``sensitivity``."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._recalls(), self._specificities())

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision at a threshold whose recall is >= ``recall``."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._recalls(), self._precisions())

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "recall": self.recall}


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall at a threshold whose precision is >= ``precision``."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        return self._find_max_under_constraint(self._precisions(), self._recalls())

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "precision": self.precision}


class AUC(Metric):
    """The area under the ROC curve (or the precision-recall curve), as Keras approximates it.

    num_thresholds: 200 thresholds evenly spaced in [0, 1] by default (the
        first and last moved by epsilon outside [0, 1]); or ``thresholds``.
    curve: "ROC" (false positive rate, recall), "PR" (recall, precision) or "PRGAIN".
    summation_method: "interpolation" (trapezoids; for PR, Davis and
        Goadrich's interpolation), "minoring" or "majoring" (lower or upper
        rectangles).
    multi_label: one curve per label (column), averaged (weighted by
        ``label_weights`` if given); otherwise all labels are pooled.
    from_logits: y_pred holds logits (a sigmoid is applied first).
    """

    _CURVES = ("ROC", "PR", "PRGAIN")
    _SUMMATION_METHODS = ("interpolation", "majoring", "minoring")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self.curve = _choice("curve", curve, self._CURVES, str.upper)
        self.summation_method = _choice("summation_method", summation_method,
                                        self._SUMMATION_METHODS, str.lower)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
                [0.0] + thresholds + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        epsilon = backend.epsilon()
        self._thresholds = [0.0 - epsilon] + list(thresholds) + [1.0 + epsilon]
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else list(label_weights)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        elif num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        else:
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, the two outside [0, 1] included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. "
                                 f"Found rank {len(shape)}. Full shape received for "
                                 f"`y_pred`: {shape}")
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        for cell in ConfusionMatrix:
            setattr(self, cell.name.lower(), self.add_variable(
                shape=variable_shape, initializer="zeros", name=cell.name.lower()))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's counts at every threshold; y_pred: scores in [0, 1] (or logits)."""
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = activations.sigmoid(y_pred)
        update_confusion_matrix_variables(
            {cell: getattr(self, cell.name.lower()) for cell in ConfusionMatrix},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._average_over_labels(self._interpolated_pr_auc_terms())
        x, y = self._curve_points()
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[:-1], y[1:])
        else:
            heights = ops.maximum(y[:-1], y[1:])
        return self._average_over_labels((x[:-1] - x[1:]) * heights)

    def _curve_points(self):
        """(x, y) at each threshold for the curve: thresholds ascend, so x descends."""
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = ops.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return ops.divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, ops.divide_no_nan(tp, tp + fp)
        # PRGAIN: precision and recall gains (Flach and Kull), scaled by positives / negatives.
        scale = ops.divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * ops.divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * ops.divide_no_nan(fp, tp)
        no_true_positives = ops.equal(tp, 0.0)
        recall_gain = ops.maximum(ops.where(no_true_positives, 0.0, recall_gain), 0.0)
        precision_gain = ops.where(no_true_positives, 1.0, precision_gain)
        return recall_gain, precision_gain

    def _interpolated_pr_auc_terms(self):
        """Davis and Goadrich's PR-AUC: precision interpolated between thresholds, integrated."""
        tp = self.true_positives
        dtp = tp[:-1] - tp[1:]
        p = tp + self.false_positives
        dp = p[:-1] - p[1:]
        precision_slope = ops.divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = tp[1:] - precision_slope * p[1:]
        both_positive = ops.logical_and(ops.greater(p[:-1], 0.0), ops.greater(p[1:], 0.0))
        safe_p_ratio = ops.where(both_positive,
                                 ops.divide_no_nan(p[:-1], ops.maximum(p[1:], 0.0)),
                                 ops.ones_like(p[1:]))
        return ops.divide_no_nan(
            precision_slope * (dtp + intercept * ops.log(safe_p_ratio)),
            ops.maximum(tp[1:] + self.false_negatives[1:], 0.0))

    def _average_over_labels(self, terms):
        """The area: the sum of ``terms``; with multi_label, the (weighted) mean over labels."""
        if not self.multi_label:
            return ops.sum(terms)
        by_label = ops.sum(terms, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        label_weights = ops.convert_to_tensor(self.label_weights, dtype=by_label.dtype)
        return ops.divide_no_nan(ops.sum(by_label * label_weights), ops.sum(label_weights))

    def reset_state(self):
        if self._built:
            for variable in self.variables:
                variable.assign(ops.zeros_like(variable))

    def get_config(self):
        config = {"num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "label_weights": self.label_weights,
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}


def _choice(argument, value, choices, normalise):
    """``value`` as spelled in ``choices`` (case-insensitively), or a ValueError listing them."""
    for choice in choices:
        if isinstance(value, str) and normalise(value) == normalise(choice):
            return choice
    raise ValueError(f'Invalid AUC {argument} value: "{value}". Expected values are '
                     f"{list(choices)}")
