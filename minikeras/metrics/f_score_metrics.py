"""F-scores: the (weighted) harmonic mean of precision and recall, per class or averaged."""

from .. import backend, ops
from .metric import Metric


class FBetaScore(Metric):
    """(1 + beta**2) P R / (beta**2 P + R) from counts accumulated per class.

    Inputs: (batch, num_classes), y_true 0/1 and y_pred scores.
    threshold: a score counts as positive when > threshold; None: the
        highest score of each row counts (ties all count) unless it is 0.
    average: None (one score per class), "micro" (pooled counts), "macro"
        (mean of the class scores) or "weighted" (weighted by class support).
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float "
                             f"with 0 < threshold <= 1. Received: threshold={threshold!r}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, shape):
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(name=name, shape=shape, dtype=self.dtype))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch of (batch, num_classes) labels and scores; every count is computed
        before any is added, so a batch that does not fit changes nothing."""
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred.shape} "
                             f"and y_true.shape={y_true.shape}.")
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            predicted = ops.logical_and(y_pred >= row_max, ops.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        y_pred = ops.cast(predicted, self.dtype)
        if sample_weight is not None:
            sample_weight = ops.expand_dims(
                ops.convert_to_tensor(sample_weight, dtype=self.dtype), 1)

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return ops.sum(values, axis=self.axis)

        counts = [weighted_sum(y_pred * y_true), weighted_sum(y_pred * (1.0 - y_true)),
                  weighted_sum((1.0 - y_pred) * y_true), weighted_sum(y_true)]
        shape = tuple(self.true_positives.shape) if self._built else (
            () if self.average == "micro" else (y_pred.shape[-1],))  # one count per class
        counts = [ops.broadcast_to(c, shape) for c in counts]  # a ValueError if they do not fit
        if not self._built:
            self._build(shape)
        for variable, count in zip((self.true_positives, self.false_positives,
                                    self.false_negatives, self.intermediate_weights), counts,
                                   strict=True):
            variable.assign_add(count)

    def result(self):
        epsilon = backend.epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + epsilon)
        recall = tp / (tp + self.false_negatives + epsilon)
        beta_squared = self.beta**2
        f_score = (precision * recall / (beta_squared * precision + recall + epsilon)
                   * (1.0 + beta_squared))
        if self.average == "weighted":
            weights = self.intermediate_weights / (ops.sum(self.intermediate_weights) + epsilon)
            return ops.sum(f_score * weights)
        if self.average is not None:  # micro, macro
            return ops.mean(f_score)
        return f_score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F-score with beta = 1: the harmonic mean 2 P R / (P + R)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
