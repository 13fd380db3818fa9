"""Every metric against tf.keras: the result after several update_state calls, and configs.

Hypothesis draws the options, two to four batches, and whether they carry
sample weights; the values include exact 0s and 1s and scores sitting exactly
on thresholds (0.5, and AUC's i / 199), where off-by-one bucketing would show.
The result must agree after every update and again after reset_state.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import assert_close, compare_functions, covers

pytestmark = [
    # Extreme values make inf and NaN (0/0) on both sides; NumPy warns, TF does not.
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
    # The IoU metrics are given float weights on purpose, to check that minikeras truncates
    # them to integers as tf.keras does; tf.keras warns about that truncation each time.
    pytest.mark.filterwarnings("ignore:You are passing weight as `float`, but dtype is "
                               "`int`:UserWarning"),
]

SCORES = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 0.3, 0.7, 100 / 199, 1 / 199]),
                   mst.floats32(0.0, 1.0))
REGRESSION_VALUES = st.one_of(mst.moderate(-3.0, 3.0), mst.extreme(100.0))
# Logits whose sigmoid is not within float32's rounding of 0.5: TF's sigmoid is a fast
# approximation, and one ulp either side of a threshold moves a prediction across it.
LOGITS = mst.away_from([0.0], 1e-3, mst.moderate(-5.0, 5.0))
RATES = mst.floats32(0.0, 1.0)  # the bounds of the *At* metrics; no subnormal ones either
THRESHOLDS = st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.7, 1.0]) | RATES,
                      min_size=1, max_size=4)

# class name: (kind of inputs, {option: strategy}).
METRICS = {
    "Accuracy": ("segmentation", {}),
    "BinaryAccuracy": ("binary", {"threshold": st.sampled_from([0.5, 0.3, 0.7])}),
    "CategoricalAccuracy": ("one_hot", {}),
    "SparseCategoricalAccuracy": ("sparse", {}),
    "TopKCategoricalAccuracy": ("one_hot", {"k": st.integers(1, 3)}),
    "SparseTopKCategoricalAccuracy": ("sparse", {"k": st.integers(1, 3)}),
    "Precision": ("multi_label", {"thresholds": st.none() | THRESHOLDS,
                                  "class_id": st.none() | st.integers(0, 2)}),
    "Recall": ("multi_label", {"thresholds": st.none() | THRESHOLDS,
                               "top_k": st.none() | st.integers(1, 3)}),
    "TruePositives": ("binary", {"thresholds": st.none() | THRESHOLDS}),
    "FalsePositives": ("binary", {"thresholds": st.none() | THRESHOLDS}),
    "TrueNegatives": ("multi_label", {"thresholds": st.none() | THRESHOLDS}),
    "FalseNegatives": ("multi_label", {"thresholds": st.none() | THRESHOLDS}),
    "AUC": ("multi_label", {
        "num_thresholds": st.sampled_from([200, 3, 17]),
        "curve": st.sampled_from(["ROC", "PR", "PRGAIN"]),
        "summation_method": st.sampled_from(["interpolation", "minoring", "majoring"]),
        "multi_label": st.booleans(), "from_logits": st.booleans()}),
    "SensitivityAtSpecificity": ("binary", {"specificity": RATES,
                                            "num_thresholds": st.sampled_from([200, 1, 9])}),
    "SpecificityAtSensitivity": ("binary", {"sensitivity": RATES}),
    "PrecisionAtRecall": ("multi_label", {"recall": RATES,
                                          "class_id": st.none() | st.integers(0, 2)}),
    "RecallAtPrecision": ("binary", {"precision": RATES}),
    "MeanSquaredError": ("regression", {}),
    "MeanAbsoluteError": ("regression", {}),
    "MeanAbsolutePercentageError": ("regression", {}),
    "MeanSquaredLogarithmicError": ("probabilities", {}),
    "RootMeanSquaredError": ("regression", {}),
    "CosineSimilarity": ("regression", {}),
    "LogCoshError": ("regression", {}),
    "R2Score": ("regression", {
        "class_aggregation": st.sampled_from([None, "uniform_average",
                                              "variance_weighted_average"]),
        "num_regressors": st.sampled_from([0, 1, 3])}),
    "PearsonCorrelation": ("correlation", {}),
    "ConcordanceCorrelation": ("correlation", {}),
    "KLDivergence": ("one_hot", {}),
    "Poisson": ("probabilities", {}),
    "BinaryCrossentropy": ("binary", {"from_logits": st.booleans(),
                                      "label_smoothing": st.sampled_from([0.0, 0.2])}),
    "CategoricalCrossentropy": ("one_hot", {"from_logits": st.booleans(),
                                            "label_smoothing": st.sampled_from([0.0, 0.2])}),
    "SparseCategoricalCrossentropy": ("sparse", {"from_logits": st.booleans()}),
    "Hinge": ("hinge", {}),
    "SquaredHinge": ("hinge", {}),
    "CategoricalHinge": ("one_hot", {}),
    "F1Score": ("multi_label", {"average": st.sampled_from([None, "micro", "macro",
                                                            "weighted"]),
                                "threshold": st.none() | st.sampled_from([0.5, 0.3, 1.0])}),
    "FBetaScore": ("multi_label", {"average": st.sampled_from([None, "macro"]),
                                   "beta": st.sampled_from([0.5, 2.0]),
                                   "threshold": st.none() | st.just(0.4)}),
    "IoU": ("segmentation", {"target_class_ids": st.sampled_from([[0], [0, 2], [1, 2]]),
                             "ignore_class": st.none() | st.just(1)}),
    "MeanIoU": ("segmentation", {"ignore_class": st.none() | st.just(0)}),
    "BinaryIoU": ("binary_vector", {"target_class_ids": st.sampled_from([(0, 1), (1,)]),
                                    "threshold": st.sampled_from([0.5, 0.3])}),
    "OneHotIoU": ("one_hot", {"target_class_ids": st.sampled_from([[0], [1, 2]])}),
    "OneHotMeanIoU": ("one_hot", {}),
}
NUM_CLASSES = 3  # for the segmentation and one-hot metrics that need it
NEEDS_NUM_CLASSES = {"IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"}
# Metrics given weights whose sums are exact: the IoU metrics truncate weights to integers,
# and the four below compare a rate with a bound, where tf.keras's FN = total - TP (ours:
# counted) leaves a rounding residue that can flip "recall >= 1.0".
EXACT_WEIGHTS = NEEDS_NUM_CLASSES | {"BinaryIoU", "SensitivityAtSpecificity",
                                     "SpecificityAtSensitivity", "PrecisionAtRecall",
                                     "RecallAtPrecision"}


def _draw_batch(data, kind, batch, from_logits):
    """(y_true, y_pred) of one batch for one kind of metric."""
    if kind == "segmentation":
        labels = mst.arrays((batch,), st.integers(0, NUM_CLASSES - 1), "int64")
        return data.draw(labels), data.draw(labels)
    if kind in ("one_hot", "sparse"):
        classes = NUM_CLASSES
        values = LOGITS if from_logits else SCORES
        y_pred = data.draw(mst.arrays((batch, classes), values, "float32"))
        if kind == "sparse":
            return data.draw(mst.labels((batch,), classes)), y_pred
        return data.draw(mst.one_hot((batch,), classes)), y_pred
    shape = {"binary": (batch, 1), "binary_vector": (batch,)}.get(kind, (batch, 3))
    if kind == "regression":
        return (data.draw(mst.arrays(shape, REGRESSION_VALUES, "float32")),
                data.draw(mst.arrays(shape, REGRESSION_VALUES, "float32")))
    if kind == "correlation":
        # Rows spread around two different patterns: a correlation divides by standard
        # deviations, and those of near-constant rows are rounding noise (as is the
        # gradient at a correlation of +-1).
        def rows(pattern):
            scale = np.float32(data.draw(st.floats(0.5, 2.0), label="scale"))
            noise = data.draw(mst.arrays(shape, mst.moderate(-0.3, 0.3), "float32"))
            return scale * np.array(pattern, dtype="float32") + noise

        return rows([-1.0, 0.0, 1.0]), rows([1.0, -1.0, 0.0])
    if kind == "hinge":
        y_true = data.draw(mst.arrays(shape, st.sampled_from([-1.0, 1.0]), "float32"))
        return y_true, data.draw(mst.arrays(shape, REGRESSION_VALUES, "float32"))
    if kind == "probabilities":
        y_true = data.draw(mst.arrays(shape, SCORES, "float32"))
    else:  # binary, binary_vector, multi_label: 0/1 labels
        y_true = data.draw(mst.arrays(shape, st.sampled_from([0.0, 1.0]), "float32"))
    values = LOGITS if from_logits else SCORES
    return y_true, data.draw(mst.arrays(shape, values, "float32"))


def _draw_weights(data, batch, exact):
    """Sample weights; ``exact``: multiples of 1/4, whose sums are exact in any order."""
    # Not tiny: a weight of 1e-38 makes subnormal products, which TF flushes to zero.
    values = st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.5, 2.0]) if exact else st.one_of(
        st.just(0.0), mst.floats32(0.01, 2.0))
    return data.draw(mst.arrays((batch,), values, "float32"), label="sample_weight")


def _make(namespace, name, options):
    cls = getattr(namespace, name)
    if name in NEEDS_NUM_CLASSES:
        options = {"num_classes": NUM_CLASSES, **options}
    return cls(**options)


def _assert_same_result(ours, theirs, what):
    assert_close(ours.result().numpy(), np.asarray(theirs.result()), "reduction", what=what)


@covers(*(f"metrics.{name}" for name in METRICS))
@pytest.mark.parametrize("name", sorted(METRICS))
@given(data=st.data())
def test_metric_matches_keras_over_several_updates(name, data):
    kind, strategies = METRICS[name]
    options = {key: data.draw(strategy, label=key) for key, strategy in strategies.items()}
    if options.get("thresholds") is not None and name not in ("Precision", "Recall"):
        options["thresholds"] = sorted(set(options["thresholds"]))
    weighted = data.draw(st.booleans(), label="weighted")
    ours, theirs = _make(mk.metrics, name, options), _make(tf.keras.metrics, name, options)
    what = f"metrics.{name}({options}, weighted={weighted})"
    for step in range(data.draw(st.integers(2, 4), label="updates")):
        batch = data.draw(st.integers(1, 6), label="batch")
        y_true, y_pred = _draw_batch(data, kind, batch, options.get("from_logits", False))
        weights = _draw_weights(data, batch, exact=name in EXACT_WEIGHTS)
        arguments = (y_true, y_pred, weights) if weighted else (y_true, y_pred)
        ours.update_state(*arguments)
        theirs.update_state(*arguments)
        _assert_same_result(ours, theirs, f"{what} after update {step + 1}")
    ours.reset_state()
    theirs.reset_state()
    y_true, y_pred = _draw_batch(data, kind, 2, options.get("from_logits", False))
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    _assert_same_result(ours, theirs, f"{what} after reset_state")


@covers("metrics.Mean", "metrics.Sum")
@pytest.mark.parametrize("name", ["Mean", "Sum"])
@given(data=st.data())
def test_mean_and_sum_match_keras_with_weights_of_any_rank(name, data):
    ours, theirs = getattr(mk.metrics, name)(), getattr(tf.keras.metrics, name)()
    for _ in range(data.draw(st.integers(2, 4), label="updates")):
        shape = data.draw(st.sampled_from([(3,), (2, 3), (2, 3, 2)]), label="shape")
        values = data.draw(mst.arrays(shape, REGRESSION_VALUES, "float32"), label="values")
        weight_rank = data.draw(st.integers(0, len(shape)), label="weight rank")
        weights = data.draw(st.none() | mst.arrays(shape[:weight_rank], mst.floats32(0, 2),
                                                   "float32"), label="sample_weight")
        ours.update_state(values, sample_weight=weights)
        theirs.update_state(values, sample_weight=weights)
        _assert_same_result(ours, theirs, f"metrics.{name}")


@covers("metrics.Metric")
def test_a_subclassed_metric_accumulates_as_in_keras():
    """The Keras guide's BinaryTruePositives, written once for each framework."""
    def make(namespace):
        class BinaryTruePositives(namespace.metrics.Metric):
            def __init__(self, name="binary_true_positives", **kwargs):
                super().__init__(name=name, **kwargs)
                self.true_positives = self.add_weight(name="tp", initializer="zeros")

            def update_state(self, y_true, y_pred, sample_weight=None):
                values = namespace.ops.logical_and(namespace.ops.cast(y_true, "bool"),
                                                   namespace.ops.greater(y_pred, 0.5))
                values = namespace.ops.cast(values, self.dtype)
                if sample_weight is not None:
                    values = values * namespace.ops.cast(sample_weight, self.dtype)
                self.true_positives.assign_add(namespace.ops.sum(values))

            def result(self):
                return self.true_positives
        return BinaryTruePositives()

    ours, theirs = make(mk), make(keras)
    rng = np.random.default_rng(0)
    for _ in range(3):
        y_true, y_pred = rng.integers(0, 2, 8), rng.uniform(0, 1, 8).astype("float32")
        weights = rng.uniform(0, 2, 8).astype("float32")
        ours.update_state(y_true, y_pred, sample_weight=weights)
        theirs.update_state(y_true, y_pred, sample_weight=weights)
    assert_close(ours.result().numpy(), np.asarray(theirs.result()), "reduction",
                 what="metrics.Metric subclass")
    ours.reset_state()
    theirs.reset_state()
    assert ours.result().item() == float(theirs.result()) == 0.0


@covers("metrics.MeanMetricWrapper")
@given(data=st.data())
def test_mean_metric_wrapper_averages_a_function_as_keras(data):
    ours = mk.metrics.MeanMetricWrapper(mk.metrics.binary_accuracy, threshold=0.3)
    theirs = tf.keras.metrics.MeanMetricWrapper(tf.keras.metrics.binary_accuracy, threshold=0.3)
    for _ in range(3):
        y_true, y_pred = _draw_batch(data, "multi_label", 4, from_logits=False)
        weights = _draw_weights(data, 4, exact=False)
        ours.update_state(y_true, y_pred, sample_weight=weights)
        theirs.update_state(y_true, y_pred, sample_weight=weights)
    _assert_same_result(ours, theirs, "metrics.MeanMetricWrapper(binary_accuracy)")


# metric functions: the kind of inputs each takes.
FUNCTIONS = {
    "binary_accuracy": "multi_label", "categorical_accuracy": "one_hot",
    "sparse_categorical_accuracy": "sparse", "top_k_categorical_accuracy": "one_hot",
    "sparse_top_k_categorical_accuracy": "sparse", "pearson_correlation": "correlation",
    "concordance_correlation": "correlation",
}
# Loss functions keras.metrics re-exports: the same objects as in losses.
LOSS_FUNCTIONS = [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_hinge", "hinge", "huber", "kl_divergence",
    "kld", "KLD", "kullback_leibler_divergence", "log_cosh", "logcosh", "mae", "MAE", "mape",
    "MAPE", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "mse", "MSE", "msle", "MSLE", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge",
]


@covers(*(f"metrics.{name}" for name in FUNCTIONS))
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@given(data=st.data())
def test_metric_function_matches_keras(name, data):
    y_true, y_pred = _draw_batch(data, FUNCTIONS[name], data.draw(st.integers(1, 5)), False)
    compare_functions(lambda p: getattr(mk.metrics, name)(y_true, p),
                      lambda p: getattr(keras.metrics, name)(y_true, p), [y_pred], "reduction",
                      f"metrics.{name}")


@covers(*(f"metrics.{name}" for name in LOSS_FUNCTIONS))
@pytest.mark.parametrize("name", LOSS_FUNCTIONS)
def test_loss_functions_in_metrics_are_the_losses(name):
    """The same function objects as minikeras.losses (compared there), under tf.keras's names."""
    assert getattr(mk.metrics, name) is getattr(mk.losses, name)
    keras_fn = getattr(tf.keras.metrics, name, None) or getattr(keras.metrics, name)
    y = np.array([[0.2, 0.8], [0.6, 0.4]], dtype="float32")
    labels = np.array([1, 0]) if name.startswith("sparse") else np.eye(2, dtype="float32")
    assert_close(getattr(mk.metrics, name)(labels, y).numpy(), np.asarray(keras_fn(labels, y)),
                 "reduction", what=f"metrics.{name}")


CONFIGS = {
    "Precision": {"thresholds": [0.2, 0.7], "class_id": 1}, "Recall": {"top_k": 2},
    "AUC": {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50,
            "from_logits": True},
    "BinaryAccuracy": {"threshold": 0.3}, "TopKCategoricalAccuracy": {"k": 2},
    "R2Score": {"class_aggregation": None, "num_regressors": 2},
    "F1Score": {"average": "macro", "threshold": 0.4}, "FBetaScore": {"beta": 2.0},
    "IoU": {"target_class_ids": [0, 2], "ignore_class": 1}, "BinaryIoU": {"threshold": 0.3},
    "SensitivityAtSpecificity": {"specificity": 0.4, "num_thresholds": 20},
    "SpecificityAtSensitivity": {"sensitivity": 0.6}, "PrecisionAtRecall": {"recall": 0.3},
    "RecallAtPrecision": {"precision": 0.8, "class_id": 0},
    "OneHotIoU": {"target_class_ids": [1]},
    "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": 0},
}


@pytest.mark.parametrize("name", sorted(METRICS))
def test_configs_match_keras_and_load_both_ways(name):
    options = {"name": "custom_name", **CONFIGS.get(name, {})}  # no auto-numbered names
    ours, theirs = _make(mk.metrics, name, options), _make(tf.keras.metrics, name, options)
    assert mk.metrics.serialize(ours) == tf.keras.metrics.serialize(theirs)
    assert tf.keras.metrics.deserialize(mk.metrics.serialize(ours)).get_config() == (
        theirs.get_config())
    assert mk.metrics.deserialize(tf.keras.metrics.serialize(theirs)).get_config() == (
        ours.get_config())
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]


def test_a_result_formats_as_tf_keras_s_in_a_training_loop_s_print():
    """TensorFlow's tutorials print ``f"Loss: {train_loss.result():0.2f}"``."""
    results = []
    for framework in (keras, mk):
        loss, accuracy = framework.metrics.Mean(), framework.metrics.SparseCategoricalAccuracy()
        loss.update_state([0.25, 1.5, 2.0])
        accuracy.update_state([1, 0, 1], [[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]])
        results.append([f"{loss.result():0.2f}", f"{accuracy.result() * 100:0.2f}",
                        f"{loss.result()}"])
    assert results[0] == results[1] == ["1.25", "66.67", "1.25"]
