"""Metrics: the stateful base and subclassing, hand-checked results, get/serialize, errors, device.

Agreement with tf.keras is checked in parity_tests/test_metrics_parity.py.
"""

import math

import numpy as np
import pytest

import minikeras as mk
from minikeras import backend, losses, metrics, ops
from minikeras.autograd import Tensor


class BinaryTruePositives(metrics.Metric):
    """The custom metric of the Keras guide: a weighted count of true positives."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = ops.logical_and(ops.cast(y_true, "bool"), ops.cast(y_pred, "bool"))
        values = ops.cast(values, self.dtype)
        if sample_weight is not None:
            values = values * ops.cast(sample_weight, self.dtype)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives


def test_a_subclassed_metric_as_in_the_keras_guide():
    metric = BinaryTruePositives()
    metric.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    metric.update_state([1, 1], [1, 1], sample_weight=[0.5, 2.0])
    assert metric.result().item() == pytest.approx(4.5)
    [variable] = metric.variables
    assert variable.path == "binary_true_positives/tp" and not variable.trainable
    variable.assign_sub(0.5)
    assert metric.result().item() == pytest.approx(4.0)
    metric.reset_state()
    assert metric.result().item() == 0.0
    assert metric.get_config() == {"name": "binary_true_positives", "dtype": "float32"}


def test_a_metric_forgetting_super_init_is_told_so():
    class Forgetful(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    with pytest.raises(RuntimeError, match=r"call super\(\).__init__\(\)"):
        Forgetful()


def test_metrics_record_no_graph_even_on_inputs_that_require_gradients():
    y_pred = Tensor(np.array([0.2, 0.7], dtype="float32"), requires_grad=True)
    for metric in (metrics.MeanSquaredError(), BinaryTruePositives(), metrics.AUC()):
        result = metric(np.array([0.0, 1.0]), y_pred)
        assert not result.requires_grad and result.creator is None
        assert all(not v.requires_grad and v.creator is None for v in metric.variables)


def test_metrics_held_by_a_metric_contribute_their_variables():
    class TwoMeans(metrics.Metric):
        def __init__(self):
            super().__init__(name="two_means")
            self.first, self.second = metrics.Mean(name="a"), metrics.Mean(name="b")

        def update_state(self, values):
            self.first.update_state(values)
            self.second.update_state(ops.square(values))

        def result(self):
            return self.second.result() - ops.square(self.first.result())

    metric = TwoMeans()
    metric.update_state(np.array([1.0, 3.0]))
    assert metric.result().item() == pytest.approx(1.0)  # the variance
    assert [v.path for v in metric.variables] == ["a/total", "a/count", "b/total", "b/count"]
    metric.reset_state()
    assert metric.first.result().item() == 0.0


def test_mean_and_sum_weight_samples_as_keras():
    mean = metrics.Mean()
    mean.update_state([1.0, 2.0, 3.0])
    mean.update_state([[4.0, 6.0]], sample_weight=[2.0])  # one sample: mean 5, weight 2
    assert mean.result().item() == pytest.approx((6.0 + 10.0) / 5.0)
    assert [v.name for v in mean.variables] == ["total", "count"]
    total = metrics.Sum()
    total.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
    assert total.result().item() == pytest.approx(3.0 + 3.5)
    assert metrics.Mean().result().item() == 0.0  # no update yet: 0, not NaN


def test_a_result_is_a_snapshot_not_a_view_of_the_state():
    total = metrics.Sum()
    total.update_state([1.0])
    first = total.result()
    total.update_state([1.0])
    assert first.item() == 1.0
    counts = metrics.TruePositives(thresholds=[0.3, 0.6])
    counts.update_state([1.0, 1.0], [0.5, 0.9])
    first = counts.result()
    counts.update_state([1.0, 1.0], [0.5, 0.9])
    np.testing.assert_array_equal(first.numpy(), [2.0, 1.0])


def test_hand_checked_results():
    y_true = np.array([0, 1, 1, 0, 1], dtype="float32")
    y_pred = np.array([0.1, 0.8, 0.4, 0.6, 0.9], dtype="float32")
    assert metrics.Precision()(y_true, y_pred).item() == pytest.approx(2 / 3)
    assert metrics.Recall()(y_true, y_pred).item() == pytest.approx(2 / 3)
    assert metrics.BinaryAccuracy()(y_true, y_pred).item() == pytest.approx(3 / 5)
    # Every positive scores above every negative but one pair (0.4 < 0.6): AUC = 5/6.
    assert metrics.AUC()(y_true, y_pred).item() == pytest.approx(5 / 6, abs=1e-3)
    scores = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]], dtype="float32")
    assert metrics.SparseCategoricalAccuracy()([1, 2], scores).item() == pytest.approx(0.5)
    assert metrics.SparseTopKCategoricalAccuracy(k=2)([1, 2], scores).item() == 1.0
    rmse = metrics.RootMeanSquaredError()([[0.0, 0.0]], [[3.0, 4.0]])
    assert rmse.item() == pytest.approx(math.sqrt(12.5))
    iou = metrics.MeanIoU(num_classes=2)([0, 0, 1, 1], [0, 1, 0, 1])
    assert iou.item() == pytest.approx(1 / 3)


def test_a_wrapped_function_is_averaged_and_round_trips():
    def absolute_difference(y_true, y_pred):
        return ops.mean(ops.abs(y_true - y_pred), axis=-1)

    metric = metrics.get(absolute_difference)
    assert isinstance(metric, metrics.MeanMetricWrapper) and metric.name == "absolute_difference"
    metric.update_state(np.zeros((2, 2)), np.array([[1.0, 3.0], [2.0, 2.0]]),
                        sample_weight=[1.0, 3.0])
    assert metric.result().item() == pytest.approx((2.0 + 6.0) / 4.0)
    config = metrics.serialize(metric)
    restored = metrics.deserialize(config, custom_objects={
        "absolute_difference": absolute_difference})
    assert restored._fn is absolute_difference and restored.name == "absolute_difference"


def test_a_loss_becomes_a_metric_that_averages_it():
    metric = metrics.get(losses.Huber(delta=0.5, name="h"))
    assert isinstance(metric, metrics.MeanMetricWrapper) and metric.name == "h"
    metric.update_state([[0.0]], [[2.0]])
    assert metric.result().item() == pytest.approx(0.5 * 2.0 - 0.125)
    restored = metrics.deserialize(metrics.serialize(metric))
    assert isinstance(restored._fn, losses.Huber) and restored._fn.delta == 0.5
    wrapped = metrics.MeanMetricWrapper(losses.binary_crossentropy, name="bce",
                                        from_logits=True)
    config = metrics.serialize(wrapped)["config"]
    assert config["fn"]["config"] == "binary_crossentropy" and config["from_logits"] is True
    assert metrics.deserialize(metrics.serialize(wrapped))._fn is losses.binary_crossentropy


CLASSES = {
    "Mean": {}, "Sum": {"name": "s"}, "MeanMetricWrapper": {"fn": metrics.binary_accuracy},
    "Accuracy": {}, "BinaryAccuracy": {"threshold": 0.3}, "CategoricalAccuracy": {},
    "SparseCategoricalAccuracy": {}, "TopKCategoricalAccuracy": {"k": 2},
    "SparseTopKCategoricalAccuracy": {"k": 3, "from_sorted_ids": True},
    "Precision": {"thresholds": [0.2, 0.7], "class_id": 1}, "Recall": {"top_k": 2},
    "TruePositives": {}, "TrueNegatives": {"thresholds": 0.3}, "FalsePositives": {},
    "FalseNegatives": {}, "AUC": {"curve": "PR", "multi_label": True, "num_labels": 3,
                                  "label_weights": [1.0, 2.0, 0.5]},
    "SensitivityAtSpecificity": {"specificity": 0.4}, "SpecificityAtSensitivity": {
        "sensitivity": 0.6, "num_thresholds": 20}, "PrecisionAtRecall": {"recall": 0.3},
    "RecallAtPrecision": {"precision": 0.8, "class_id": 0},
    "MeanSquaredError": {}, "MeanAbsoluteError": {}, "MeanAbsolutePercentageError": {},
    "MeanSquaredLogarithmicError": {}, "RootMeanSquaredError": {}, "CosineSimilarity": {},
    "LogCoshError": {}, "R2Score": {"class_aggregation": None, "num_regressors": 2},
    "KLDivergence": {}, "Poisson": {}, "BinaryCrossentropy": {"from_logits": True},
    "CategoricalCrossentropy": {"label_smoothing": 0.1},
    "SparseCategoricalCrossentropy": {"ignore_class": 0}, "Hinge": {}, "SquaredHinge": {},
    "CategoricalHinge": {}, "F1Score": {"average": "macro", "threshold": 0.4},
    "FBetaScore": {"beta": 2.0}, "IoU": {"num_classes": 3, "target_class_ids": [0, 2]},
    "BinaryIoU": {"threshold": 0.3}, "MeanIoU": {"num_classes": 4, "ignore_class": 0},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [1]},
    "OneHotMeanIoU": {"num_classes": 3}, "PearsonCorrelation": {"axis": 0},
    "ConcordanceCorrelation": {},
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_metric_class_round_trips_through_serialize(name):
    metric = getattr(metrics, name)(**CLASSES[name])
    config = metrics.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == name
    restored = metrics.deserialize(config)
    assert type(restored) is type(metric) and restored.get_config() == metric.get_config()
    assert metrics.get(config).get_config() == metric.get_config()


def test_every_public_metric_class_is_checked_here():
    public = {name for name in dir(metrics) if isinstance(getattr(metrics, name), type)
              and issubclass(getattr(metrics, name), metrics.Metric)}
    assert public - set(CLASSES) == {"Metric"}


@pytest.mark.parametrize("name, cls", [
    ("mse", "MeanSquaredError"), ("MAE", "MeanAbsoluteError"), ("accuracy", "Accuracy"),
    ("binary_accuracy", "BinaryAccuracy"), ("auc", "AUC"), ("AUC", "AUC"),
    ("f1_score", "F1Score"), ("bce", "BinaryCrossentropy"), ("log_cosh_error", "LogCoshError"),
    ("kl_divergence", "KLDivergence"), ("root_mean_squared_error", "RootMeanSquaredError"),
])
def test_get_resolves_keras_names_to_new_metric_objects(name, cls):
    first, second = metrics.get(name), metrics.get(name)
    assert type(first).__name__ == cls and first is not second


def test_get_accepts_none_instances_classes_and_refuses_the_rest():
    assert metrics.get(None) is None
    metric = metrics.AUC()
    assert metrics.get(metric) is metric
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: unknown metric "
                                         r"'acuracy'.*Did you mean 'accuracy'"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        metrics.get(3)


def test_bad_arguments_say_what_is_allowed():
    with pytest.raises(ValueError, match="Invalid AUC curve value.*'ROC', 'PR', 'PRGAIN'"):
        metrics.AUC(curve="area")
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="`beta` argument value. It should be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="Target class id 3 is out of range"):
        metrics.IoU(num_classes=3, target_class_ids=[3])
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match=r"`specificity` must be in the range \[0, 1\]"):
        metrics.SensitivityAtSpecificity(specificity=2.0)
    with pytest.raises(ValueError, match="`num_labels` is needed only when `multi_label`"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="y_pred must be a 2D array"):
        metrics.Precision(class_id=1).update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 2\)"):
        metrics.SparseCategoricalCrossentropy().update_state([0, 2], np.full((2, 2), 0.5))


# -- the device ---------------------------------------------------------------------


def _batches(kind):
    rng = np.random.default_rng(3)
    if kind == "binary":
        return rng.integers(0, 2, (6, 3)).astype("float32"), rng.uniform(0, 1, (6, 3))
    if kind == "sparse":
        return rng.integers(0, 3, (6,)), rng.dirichlet(np.ones(3), 6)
    if kind == "one_hot":
        return np.eye(3, dtype="float32")[rng.integers(0, 3, 6)], rng.dirichlet(np.ones(3), 6)
    return rng.standard_normal((6, 3)), rng.standard_normal((6, 3))  # regression


KINDS = {"SparseCategoricalAccuracy": "sparse", "SparseTopKCategoricalAccuracy": "sparse",
         "SparseCategoricalCrossentropy": "sparse", "IoU": "sparse", "MeanIoU": "sparse",
         "CategoricalAccuracy": "one_hot", "TopKCategoricalAccuracy": "one_hot",
         "CategoricalCrossentropy": "one_hot", "KLDivergence": "one_hot",
         "CategoricalHinge": "one_hot", "OneHotIoU": "one_hot", "OneHotMeanIoU": "one_hot",
         "MeanSquaredError": "regression", "MeanAbsoluteError": "regression",
         "MeanAbsolutePercentageError": "regression", "RootMeanSquaredError": "regression",
         "CosineSimilarity": "regression", "LogCoshError": "regression",
         "R2Score": "regression", "PearsonCorrelation": "regression",
         "ConcordanceCorrelation": "regression", "Mean": "regression", "Sum": "regression"}


def _run(name, options, y_true, y_pred):
    metric = getattr(metrics, name)(**options)
    weights = np.linspace(0.5, 1.5, len(y_true)).astype("float32")
    for _ in range(2):
        if name in ("Mean", "Sum"):
            metric.update_state(y_pred, sample_weight=weights)
        else:
            metric.update_state(y_true, y_pred.astype("float32"), sample_weight=weights)
    return metric.result()


# Options fitting the device test's data where the round-trip ones do not.
DEVICE_OPTIONS = {"SparseTopKCategoricalAccuracy": {"k": 2}, "MeanIoU": {"num_classes": 3},
                  "PearsonCorrelation": {}}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_metric_runs_on_the_device_and_matches_numpy(device, name):
    options = DEVICE_OPTIONS.get(name, CLASSES[name])
    y_true, y_pred = _batches(KINDS.get(name, "binary"))
    if name in ("IoU", "MeanIoU"):
        y_pred = np.argmax(y_pred, axis=-1)
    if name == "BinaryIoU":
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    result = _run(name, options, y_true, y_pred)
    assert isinstance(result.data, device.ndarray)
    on_device = result.numpy()
    backend.set_backend("numpy")
    np.testing.assert_allclose(on_device, _run(name, options, y_true, y_pred).numpy(),
                               rtol=1e-6, atol=1e-7)


def test_metric_variables_work_in_a_custom_layer_too():
    class Counter(mk.layers.Layer):
        def build(self, input_shape):
            self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False)

        def call(self, x):
            self.calls.assign_add(1.0)
            return x

    layer = Counter()
    layer(np.ones((2, 2), dtype="float32"))
    layer(np.ones((2, 2), dtype="float32"))
    assert layer.calls.item() == 2.0


def test_variables_and_metrics_in_lists_and_dicts_are_tracked_as_in_keras():
    class Bundle(metrics.Metric):
        def __init__(self):
            super().__init__(name="bundle")
            self.hits = self.add_variable(name="hits")
            self.extra = [mk.Variable(np.zeros(2, dtype="float32"), name="extra")]
            self.by_name = {"first": metrics.Mean(name="first")}
            self.later = []

        def update_state(self, values):
            self.by_name["first"].update_state(values)

        def result(self):
            return self.by_name["first"].result()

    metric = Bundle()
    metric.later.append(metrics.Sum(name="second"))  # appended after assignment, as Keras tracks
    assert [v.name for v in metric.variables] == ["hits", "extra", "total", "count", "total"]
    metric.update_state(np.array([2.0, 4.0]))
    metric.extra[0].assign([1.0, 1.0])
    metric.reset_state()
    assert metric.result().item() == 0.0 and metric.extra[0].numpy().tolist() == [0.0, 0.0]
