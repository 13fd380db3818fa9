"""Losses, as ``keras.losses``: what training minimises, built from ``minikeras.ops``.

Every loss comes in two forms, as in Keras:

- a function ``fn(y_true, y_pred, **options)`` returning one loss per
  sample (the last axis averaged or summed away): ``mean_squared_error``,
  ``categorical_crossentropy``, ... with Keras's aliases (``mse``, ``kld``...);
- a class (``MeanSquaredError()``, ``CategoricalCrossentropy(from_logits=True)``)
  whose instances are called as ``loss(y_true, y_pred, sample_weight=None)``
  and reduce the per-sample losses to one number (see ``Loss``).

Losses only compose ops, so their gradients come from autograd; the cross
entropies go through the fused ops of ``ops/cross_entropy.py``, and use the
logits when ``y_pred`` came straight from ``ops.softmax`` or ``ops.sigmoid``.
``get``, ``serialize`` and ``deserialize`` speak Keras's names and config format.
"""

import inspect
import math
import warnings

from . import backend, ops
from .layers.layer import _dtype_name
from .ops.cross_entropy import check_one_hot_shape
from .registry import Registry
from .utils.naming import to_snake_case, unique_name

__all__ = [
    "BCE", "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLD", "KLDivergence", "LogCosh",
    "Loss", "LossFunctionWrapper", "MAE", "MAPE", "MSE", "MSLE", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky", "bce",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
    "categorical_hinge", "circle", "cosine_similarity", "deserialize", "dice", "get", "hinge",
    "huber", "kl_divergence", "kld", "kullback_leibler_divergence", "log_cosh", "logcosh", "mae",
    "mape", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "mse", "msle", "poisson", "serialize",
    "sparse_categorical_crossentropy", "squared_hinge", "tversky",
]

_REGISTRY = Registry("loss")

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- the Loss base class and its reductions -------------------------------------


class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight=None)`` -> reduced loss.

    Subclasses implement ``call(y_true, y_pred)``, returning the loss of each
    sample (any shape, usually (batch,)); ``__call__`` converts the inputs to
    the loss's dtype, calls it, weights and reduces the result.

    reduction: how the weighted per-sample losses become the returned value:
        "sum_over_batch_size" (default) and "mean": their sum divided by their
        number; "sum": their sum; "mean_with_sample_weight": their sum divided
        by the sum of the sample weights; "none" or None: no reduction.
    name: defaults to the class name in snake case.
    dtype: the dtype computed in (``floatx()`` by default).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = _dtype_name(dtype) or backend.floatx()

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss of ``y_pred`` against ``y_true``, weighted and reduced; a Tensor.

        sample_weight: None, a number, or weights broadcastable to the
        per-sample losses (e.g. shape (batch,)); a mask on ``y_pred``
        (``_keras_mask``) or on the losses also weights them, as in Keras.
        """
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        losses = self.call(y_true, y_pred)
        mask = _combine_masks(in_mask, getattr(losses, "_keras_mask", None))
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def standardize_reduction(reduction):
    """``reduction`` if Keras knows it; a ValueError listing the known ones otherwise."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`: expected one of "
                         f"{REDUCTIONS}; got reduction={reduction!r}.")
    return reduction


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """The losses ``values`` times the sample weights (and mask), reduced by ``reduction``."""
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if not _broadcastable(values.shape, sample_weight.shape):
            raise ValueError(
                f"sample_weight of shape {sample_weight.shape} does not match the losses of "
                f"shape {values.shape}: give one weight per sample, e.g. shape "
                f"{values.shape[:1]}."
            )
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sums ``values`` ("sum"), or averages them by their number or by the total sample weight."""
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide_no_nan(loss, ops.sum(sample_weight))
    count = math.prod(values.shape)
    # A count is a host number: dividing by it takes no copy to the device.
    return ops.divide(loss, float(count)) if count else ops.divide_no_nan(loss, 0.0)


def apply_mask(sample_weight, mask, dtype, reduction):
    """The sample weights with a mask folded in (masked entries weigh 0).

    With the averaging reductions the kept entries are scaled by
    total / kept, so that dividing by the number of entries afterwards
    averages over the kept ones only.
    """
    if mask is None:
        return sample_weight
    mask = ops.convert_to_tensor(mask, dtype=dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = ops.convert_to_tensor(math.prod(mask.shape), dtype=dtype)
        mask_weight = ops.divide_no_nan(total, ops.sum(mask))
        float_mask = ops.where(ops.not_equal(mask, 0), mask_weight, 0.0)
    else:
        float_mask = mask
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """x1, x2 with a trailing axis of size 1 dropped (or added to a rank-1 tensor): equal ranks.

    Only a difference of exactly one axis is fixed: (batch, 1) against
    (batch,) becomes (batch,) against (batch,) -- or (batch, 1) against
    (batch, 1) when the other is rank 1 and ``expand_rank_1``.
    """
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def _combine_masks(first, second):
    if first is None or second is None:
        return second if first is None else first
    return ops.logical_and(first, second)


def _broadcastable(shape1, shape2):
    trailing = zip(shape1[::-1], shape2[::-1], strict=False)  # the shorter shape's axes
    return all(a == b or a == 1 or b == 1 for a, b in trailing)


class LossFunctionWrapper(Loss):
    """A Loss made from a function ``fn(y_true, y_pred, **kwargs)`` that returns per-sample losses.

    Before calling ``fn``, a trailing axis of size 1 is squeezed or added so
    that y_true and y_pred have the same rank (labels (batch,) against
    predictions (batch, 1)).
    """

    keras_location = ("keras.src.losses.losses", "LossFunctionWrapper")  # not public in Keras

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):  # not yet deserialized
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A built-in loss class: its config is Loss's plus the arguments its function takes.

    Keras 3 leaves a few of those arguments out (Huber's ``delta``,
    CosineSimilarity's ``axis``) and loses them on reload; tf.keras accepts
    them back, so minikeras keeps them.
    """

    def get_config(self):
        return {**Loss.get_config(self), **self._fn_kwargs}


# -- the loss functions: one loss per sample --------------------------------------


def _regression_inputs(name, y_true, y_pred):
    """y_true and y_pred as tensors of y_pred's dtype, ranks equalised, shapes checked."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_broadcastable(name, y_true, y_pred)
    return y_true, y_pred


def _probability_inputs(name, y_true, y_pred):
    """y_true cast to y_pred's dtype (as Keras, without touching ranks), shapes checked."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    _check_broadcastable(name, y_true, y_pred)
    return y_true, y_pred


def class_scores(name, y_pred):
    """``y_pred`` as a Tensor with a class axis (its last): a scalar is a ValueError."""
    y_pred = ops.convert_to_tensor(y_pred)
    if y_pred.ndim == 0:
        raise ValueError(f"{name} expects y_pred to hold one score per class on its last axis "
                         "(shape (batch, ..., num_classes)), but it received a scalar.")
    return y_pred


def _check_broadcastable(name, y_true, y_pred):
    if not _broadcastable(y_true.shape, y_pred.shape):
        raise ValueError(
            f"{name}: y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape} "
            "cannot be compared; they must have the same shape (or broadcast together)."
        )


@_REGISTRY.register("mean_squared_error", "mse", "MSE")
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)**2) over the last axis: shape (batch, ..., d) -> (batch, ...)."""
    y_true, y_pred = _regression_inputs("mean_squared_error", y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@_REGISTRY.register("mean_absolute_error", "mae", "MAE")
def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis."""
    y_true, y_pred = _regression_inputs("mean_absolute_error", y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


@_REGISTRY.register("mean_absolute_percentage_error", "mape", "MAPE")
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, epsilon)) over the last axis."""
    y_true, y_pred = _regression_inputs("mean_absolute_percentage_error", y_true, y_pred)
    relative = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), backend.epsilon()))
    return 100.0 * ops.mean(relative, axis=-1)


@_REGISTRY.register("mean_squared_logarithmic_error", "msle", "MSLE")
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + y_pred) - log(1 + y_true))**2) over the last axis (floored at epsilon)."""
    y_true, y_pred = _regression_inputs("mean_squared_logarithmic_error", y_true, y_pred)
    epsilon = backend.epsilon()
    first_log = ops.log(ops.maximum(y_pred, epsilon) + 1.0)
    second_log = ops.log(ops.maximum(y_true, epsilon) + 1.0)
    return ops.mean(ops.square(first_log - second_log), axis=-1)


@_REGISTRY.register("cosine_similarity")
def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(normalize(y_true) * normalize(y_pred)) along ``axis``: -1 for parallel vectors."""
    y_true, y_pred = _regression_inputs("cosine_similarity", y_true, y_pred)
    return -ops.sum(ops.normalize(y_true, axis=axis) * ops.normalize(y_pred, axis=axis), axis=axis)


@_REGISTRY.register("huber")
def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of e**2 / 2 where |e| <= delta, else delta |e| - delta**2 / 2.

    e = y_pred - y_true: quadratic near zero, linear (robust to outliers) beyond ``delta``.
    """
    y_true, y_pred = _regression_inputs("huber", y_true, y_pred)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1)


@_REGISTRY.register("log_cosh", "logcosh")
def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, as x + softplus(-2x) - log(2)."""
    y_true, y_pred = _regression_inputs("log_cosh", y_true, y_pred)
    error = y_pred - y_true
    return ops.mean(error + ops.softplus(-2.0 * error) - math.log(2.0), axis=-1)


@_REGISTRY.register("kl_divergence", "kld", "KLD", "kullback_leibler_divergence")
def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [epsilon, 1]."""
    y_true, y_pred = _probability_inputs("kl_divergence", y_true, y_pred)
    y_true = ops.clip(y_true, backend.epsilon(), 1.0)
    y_pred = ops.clip(y_pred, backend.epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@_REGISTRY.register("poisson")
def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon)) over the last axis."""
    y_true, y_pred = _probability_inputs("poisson", y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + backend.epsilon()), axis=-1)


def convert_binary_labels_to_hinge(y_true):
    """Labels in {0, 1} become {-1, 1}; other labels are returned unchanged."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return 2.0 * y_true - 1.0 if bool(is_binary) else y_true


@_REGISTRY.register("hinge")
def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; labels in {-1, 1} (or {0, 1})."""
    y_true, y_pred = _probability_inputs("hinge", y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


@_REGISTRY.register("squared_hinge")
def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)**2) over the last axis; labels in {-1, 1} (or {0, 1})."""
    y_true, y_pred = _probability_inputs("squared_hinge", y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


@_REGISTRY.register("categorical_hinge")
def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0): pos = the score of the true class, neg = the best other score."""
    y_true, y_pred = _probability_inputs("categorical_hinge", y_true, y_pred)
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


@_REGISTRY.register("binary_crossentropy", "bce", "BCE")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy of each element, averaged over ``axis``.

    y_pred: probabilities, or logits with ``from_logits=True``.
    label_smoothing: labels move towards 0.5: y * (1 - s) + s / 2.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@_REGISTRY.register("binary_focal_crossentropy")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by (1 - p_t)**gamma, p_t the probability of the true label.

    Easy examples (p_t near 1) weigh little. With ``apply_class_balancing``,
    class 1 is also weighted by ``alpha`` and class 0 by 1 - alpha.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)  # keeps the logits, which the cross-entropy then uses
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return ops.mean(focal_bce, axis=axis)


@_REGISTRY.register("categorical_crossentropy")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(y_pred)) along ``axis``: one-hot (or soft) labels of y_pred's shape.

    y_pred: probabilities (normalised along ``axis`` first, as Keras does), or
        logits with ``from_logits=True``.
    label_smoothing: labels become y * (1 - s) + s / num_classes.
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_crossentropy: `axis` must be an int; got axis={axis}.")
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    _warn_if_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical_labels(y_true, label_smoothing)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@_REGISTRY.register("categorical_focal_crossentropy")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha * (1 - p)**gamma * -y_true * log(p)) along ``axis``, p = y_pred normalised.

    alpha: a number, or one weight per class.
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_focal_crossentropy: `axis` must be an int; got axis={axis}.")
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(ops.convert_to_tensor(y_true), y_pred.dtype)
    check_one_hot_shape("categorical_focal_crossentropy", y_true, y_pred)
    _warn_if_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical_labels(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    epsilon = backend.epsilon()
    output = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), epsilon, 1.0 - epsilon)
    cross_entropy = -y_true * ops.log(output)
    alpha = ops.convert_to_tensor(alpha, dtype=y_pred.dtype)
    focal = ops.power(1.0 - output, gamma) * alpha * cross_entropy
    return ops.sum(focal, axis=axis)


def _smooth_categorical_labels(y_true, label_smoothing):
    num_classes = y_true.shape[-1]
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def _warn_if_single_class(name, y_pred):
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=3)


@_REGISTRY.register("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """-log(y_pred[label]) for integer labels y_true (batch, ...) and y_pred (batch, ..., C).

    Labels must be in [0, C). ``ignore_class``: a label value whose entries
    get loss 0 and are masked out of the averaging (e.g. padding, -1).
    """
    y_pred = class_scores("sparse_categorical_crossentropy", y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                   axis=axis)
    class_axis = axis % y_pred.ndim
    loss_shape = tuple(n for i, n in enumerate(y_pred.shape) if i != class_axis)
    valid = ops.not_equal(y_true, ignore_class)
    y_true = ops.where(valid, y_true, 0)
    y_pred = ops.where(ops.expand_dims(valid, axis), y_pred, 0.0)
    losses = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                 axis=axis)
    valid = ops.reshape(valid, loss_shape)
    losses = ops.where(valid, losses, 0.0)
    losses._keras_mask = valid
    return losses


@_REGISTRY.register("dice")
def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred)) over ``axis`` (None: all)."""
    y_true, y_pred = _probability_inputs("dice", y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + backend.epsilon()
    return 1.0 - 2.0 * intersection / total


@_REGISTRY.register("tversky")
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN), with soft counts summed over ``axis`` (None: all)."""
    y_true, y_pred = _probability_inputs("tversky", y_true, y_pred)
    true_positives = ops.sum(y_true * y_pred, axis=axis)
    false_positives = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    false_negatives = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    denominator = (true_positives + false_positives * alpha + false_negatives * beta
                   + backend.epsilon())
    return 1.0 - true_positives / denominator


@_REGISTRY.register("categorical_generalized_cross_entropy")
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p**q) / q, p = y_pred[label] for integer labels: cross-entropy as q -> 0, MAE at 1."""
    y_pred = class_scores("categorical_generalized_cross_entropy", y_pred)
    labels = ops.cast(ops.convert_to_tensor(y_true), "int64")
    one_hot = ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    _check_broadcastable("categorical_generalized_cross_entropy", one_hot, y_pred)
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - ops.power(p, q)) / q


@_REGISTRY.register("circle")
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """The Circle loss (Sun et al., 2020) of L2-normalised embeddings: (batch, d) -> (batch,).

    y_true: integer labels (batch,); y_pred: unit-norm embeddings (batch, d),
    compared with ``ref_embeddings`` (refs, d) of labels ``ref_labels`` (default:
    the batch itself, each sample's pair with itself left out with ``remove_diagonal``).
    For the cosine distances d of a sample to its positives (same label) and
    negatives, each logit is weighted by how far it is from its optimum:
        positives: -gamma * relu(margin + d) * (margin - d)
        negatives:  gamma * relu(1 + margin - d) * (1 - margin - d)
    loss = softplus(logsumexp(positives) + logsumexp(negatives)). A sample
    without a positive or a negative has loss 0 and is left out of the mean
    (the losses carry a mask of where they are > 0, as in Keras).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.cast(ops.convert_to_tensor(y_true), "int32")
    ref_embeddings = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    ref_labels = labels if ref_labels is None else ops.cast(
        ops.convert_to_tensor(ref_labels), "int32")
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref_embeddings)), 0.0)
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)  # (batch, refs)
    positive_weights = ops.maximum((margin + distances) * ops.cast(positive, distances.dtype), 0.0)
    negative_weights = ops.maximum(
        (1 + margin - distances) * ops.cast(negative, distances.dtype), 0.0)
    positive_logits = -1 * gamma * positive_weights * (margin - distances)
    negative_logits = gamma * negative_weights * (1 - margin - distances)
    losses = ops.softplus(ops.logsumexp(ops.where(positive, positive_logits, -math.inf), axis=1)
                          + ops.logsumexp(ops.where(negative, negative_logits, -math.inf), axis=1))
    losses._keras_mask = losses > 0
    return losses


def _pair_masks(labels, ref_labels, remove_diagonal):
    """(positive, negative): boolean (n, refs) masks of the pairs with the same label and
    with different labels; with ``remove_diagonal``, no sample is its own positive."""
    column = ops.reshape(labels, (-1, 1))  # (n, 1)
    row = ops.reshape(ref_labels, (1, -1))  # (1, refs)
    positive = ops.equal(column, row)
    negative = ops.logical_not(positive)
    if remove_diagonal:
        xp = backend.get_array_module(positive.data)
        positive = ops.logical_and(positive, ~xp.eye(*positive.shape, dtype=bool))
    return positive, negative


# Keras's aliases, as module attributes.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy


# -- the loss classes: a function, its options, and a reduction -------------------


@_REGISTRY.register("MeanSquaredError")
class MeanSquaredError(_BuiltinLoss):
    """mean((y_true - y_pred)**2), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("MeanAbsoluteError")
class MeanAbsoluteError(_BuiltinLoss):
    """mean(|y_true - y_pred|), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(_BuiltinLoss):
    """100 * mean(|y_true - y_pred| / |y_true|), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


@_REGISTRY.register("MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(_BuiltinLoss):
    """mean((log(1 + y_pred) - log(1 + y_true))**2), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


@_REGISTRY.register("CosineSimilarity")
class CosineSimilarity(_BuiltinLoss):
    """-cosine(y_true, y_pred) along ``axis``, reduced over the batch."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)
        self.axis = axis


@_REGISTRY.register("Huber")
class Huber(_BuiltinLoss):
    """The Huber loss with threshold ``delta``, reduced over the batch."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta


@_REGISTRY.register("LogCosh")
class LogCosh(_BuiltinLoss):
    """mean(log(cosh(y_pred - y_true))), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("Hinge")
class Hinge(_BuiltinLoss):
    """mean(max(1 - y_true * y_pred, 0)), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("SquaredHinge")
class SquaredHinge(_BuiltinLoss):
    """mean(max(1 - y_true * y_pred, 0)**2), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("CategoricalHinge")
class CategoricalHinge(_BuiltinLoss):
    """max(best wrong score - true score + 1, 0), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("KLDivergence")
class KLDivergence(_BuiltinLoss):
    """sum(y_true * log(y_true / y_pred)), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("Poisson")
class Poisson(_BuiltinLoss):
    """mean(y_pred - y_true * log(y_pred)), reduced over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


@_REGISTRY.register("BinaryCrossentropy")
class BinaryCrossentropy(_BuiltinLoss):
    """Binary cross-entropy (probabilities, or logits with ``from_logits``), reduced."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@_REGISTRY.register("BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary cross-entropy down-weighting easy examples by (1 - p_t)**gamma, reduced."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


@_REGISTRY.register("CategoricalCrossentropy")
class CategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy against one-hot labels (probabilities, or logits), reduced."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


@_REGISTRY.register("CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Categorical cross-entropy weighted by alpha * (1 - p)**gamma, reduced."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma


@_REGISTRY.register("SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy against integer labels (probabilities, or logits), reduced.

    ignore_class: a label value (e.g. -1 for padding) left out of the loss.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class}


@_REGISTRY.register("Dice")
class Dice(_BuiltinLoss):
    """The Dice loss 1 - 2|A n B| / (|A| + |B|) over ``axis`` (None: the whole batch)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


@_REGISTRY.register("Tversky")
class Tversky(_BuiltinLoss):
    """The Tversky loss 1 - TP / (TP + alpha FP + beta FN) over ``axis``."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


@_REGISTRY.register("CategoricalGeneralizedCrossEntropy")
class CategoricalGeneralizedCrossEntropy(_BuiltinLoss):
    """The generalised cross-entropy (1 - p**q) / q of Zhang and Sabuncu, robust to label noise."""

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in (0, 1); got q={q}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
        self.q = q


@_REGISTRY.register("Circle")
class Circle(_BuiltinLoss):
    """The Circle loss of unit-norm embeddings against integer labels (see ``circle``):
    pulls same-label embeddings together and pushes the others apart, each pair weighted
    by how far it is from its optimum. Put a UnitNormalization layer before it.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal


_REGISTRY.add(Loss, "Loss")
_REGISTRY.add(LossFunctionWrapper, "LossFunctionWrapper")


# -- get, serialize, deserialize ------------------------------------------------------


def get(identifier):
    """The loss ``identifier`` names, as Keras's ``losses.get`` returns it.

    A name of a function ("mse", "categorical_crossentropy") gives the
    function itself, which returns one loss per sample; a name of a class
    ("MeanSquaredError"), a class or a class config gives an instance, which
    reduces the losses to one number; a Loss or a function comes back as it
    is; None gives None.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        found = deserialize(identifier)
    elif isinstance(identifier, str):
        found = _REGISTRY.get(identifier)
    else:
        found = identifier
    if not callable(found):
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Expected a "
                         "name such as 'mse', a Loss, a loss class, a function "
                         "fn(y_true, y_pred), a config dict or None.")
    return found() if inspect.isclass(found) else found


def serialize(loss):
    """Keras's dict for a Loss or a loss function ({"module", "class_name", "config", ...})."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return _REGISTRY.serialize_instance(loss, "keras.losses")
    name = _REGISTRY.name_of(loss)
    if name is not None:
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    return {"module": loss.__module__, "class_name": "function", "config": loss.__name__,
            "registered_name": loss.__name__}


def deserialize(config, custom_objects=None):
    """The Loss (or loss function) that ``config`` describes: a name, or a ``serialize`` dict.

    custom_objects: {name: class or function} for user-defined losses.
    """
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        obj = custom_objects.get(config) or _REGISTRY.get(config)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize loss {config!r}: expected a name or a dict "
                         "with 'class_name' and 'config'.")
    if config["class_name"] == "function":
        return deserialize(config["config"], custom_objects)
    inner = dict(config.get("config") or {})
    if "fn" in inner:  # a wrapped function, perhaps one of custom_objects
        inner["fn"] = deserialize(inner["fn"], custom_objects)
    return _lookup_class(config, custom_objects).from_config(inner)


def _lookup_class(config, custom_objects):
    for name in (config.get("registered_name"), config["class_name"]):
        if name in custom_objects:
            return custom_objects[name]
    return _REGISTRY.get(config["class_name"])
