"""Scalars and other odd inputs into every loss and metric: a value, or a ValueError or
TypeError that leaves the metric exactly as it was.

Every loss class, loss function, metric class and metric function minikeras
exports gets the same table of odd (y_true, y_pred) pairs -- Python and 0-d
scalars, empty arrays, mismatched or ragged shapes, objects, strings, None --
and odd sample weights. Nothing else may come out (no IndexError or
ZeroDivisionError from deep inside), and a metric that refuses a batch keeps
its variables, their number, shapes and values.
"""

import inspect
import warnings

import numpy as np
import pytest

from minikeras import losses, metrics

ODD_PAIRS = {
    "float scalars": (0.0, 0.5),
    "int scalars": (1, 0),
    "bool scalars": (True, False),
    "0-d arrays": (np.array(1.0), np.array(0.3)),
    "scalar and vector": (1.0, [0.2, 0.8]),
    "vector and scalar": ([0.0, 1.0], 0.5),
    "True and [0.]": (True, [0.0]),
    "empty": ([], []),
    "empty rows": (np.zeros((0, 3)), np.zeros((0, 3))),
    "empty and objects": ([], np.array([object()], dtype=object)),
    "objects": (np.array([1, None], dtype=object), np.array([0.5, 0.5])),
    "strings": (["a", "b"], [0.1, 0.2]),
    "None": (None, [0.5]),
    "ragged": ([[1, 2], [3]], [[0.1, 0.2], [0.3]]),
    "mismatched rows": (np.ones((2, 3)), np.ones((4, 5))),
    "row and column": (np.ones((1, 3)), np.ones((3, 1))),
    "complex": (np.ones(2, dtype=complex), np.ones(2)),
    "datetimes": (np.zeros(2, dtype="datetime64[s]"), [0.5, 0.5]),
    "dict": ({"a": 1}, [0.5]),
    "rank 8": (np.ones((1,) * 8), np.ones((1,) * 8)),
    "NaN": ([np.nan], [0.5]),
}
ODD_WEIGHTS = {"a string": "a", "objects": np.array([None, 1], dtype=object),
               "too many": np.ones(7), "a matrix": np.ones((3, 3)), "a scalar": 2.0}
VALID = (np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), np.array([[0.2, 0.7, 0.1],
                                                               [0.6, 0.3, 0.1]]))

METRIC_ARGUMENTS = {
    "IoU": {"num_classes": 3, "target_class_ids": [0]}, "MeanIoU": {"num_classes": 3},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [0]},
    "OneHotMeanIoU": {"num_classes": 3}, "PrecisionAtRecall": {"recall": 0.5},
    "RecallAtPrecision": {"precision": 0.5}, "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.5},
    "MeanMetricWrapper": {"fn": losses.mean_squared_error},
}
METRIC_CLASSES = [cls for cls in metrics._CLASSES if cls is not metrics.Metric]
LOSS_CLASSES = [obj for name, obj in vars(losses).items() if name in losses.__all__ and
                inspect.isclass(obj) and issubclass(obj, losses.Loss) and
                obj not in (losses.Loss, losses.LossFunctionWrapper)]
FUNCTIONS = [pytest.param(obj, id=f"{module.__name__}.{name}")
             for module in (losses, metrics) for name, obj in sorted(vars(module).items())
             if name in module.__all__ and inspect.isfunction(obj) and
             list(inspect.signature(obj).parameters)[:2] == ["y_true", "y_pred"]]


def required_arguments(function_or_class):
    """0.5 for each argument other than y_true and y_pred that has no default (``q`` of the
    generalized cross-entropy)."""
    return {name: 0.5 for name, parameter in inspect.signature(function_or_class).parameters.items()
            if name not in ("y_true", "y_pred") and parameter.default is inspect.Parameter.empty
            and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)}


def accepted_or_refused(call):
    """Runs ``call``; True if it returned, False if it refused with ValueError/TypeError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN inputs, single-class outputs...
        try:
            call()
        except (ValueError, TypeError):
            return False
    return True


def metric_state(metric):
    return [(v.path, v.numpy().copy()) for v in metric.variables]


def assert_same_state(metric, before, what):
    after = metric_state(metric)
    assert [path for path, _ in after] == [path for path, _ in before], what
    for (_, a), (_, b) in zip(after, before, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=what)


@pytest.mark.parametrize("cls", METRIC_CLASSES, ids=lambda cls: cls.__name__)
def test_a_metric_refuses_odd_inputs_with_value_or_type_errors_and_keeps_its_state(cls):
    for name, (y_true, y_pred) in ODD_PAIRS.items():
        for started in (False, True):
            metric = cls(**METRIC_ARGUMENTS.get(cls.__name__, {}))
            if started:  # a metric that has seen a good batch (and built its variables)
                accepted_or_refused(lambda m=metric: m.update_state(*VALID))
            before = metric_state(metric)
            if not accepted_or_refused(lambda m=metric, t=y_true, p=y_pred: m.update_state(t, p)):
                assert_same_state(metric, before, name)


@pytest.mark.parametrize("cls", METRIC_CLASSES, ids=lambda cls: cls.__name__)
def test_a_metric_refuses_odd_sample_weights_and_keeps_its_state(cls):
    for name, sample_weight in ODD_WEIGHTS.items():
        metric = cls(**METRIC_ARGUMENTS.get(cls.__name__, {}))
        before = metric_state(metric)
        if not accepted_or_refused(lambda m=metric, w=sample_weight: m.update_state(
                *VALID, sample_weight=w)):
            assert_same_state(metric, before, name)


@pytest.mark.parametrize("cls", LOSS_CLASSES, ids=lambda cls: cls.__name__)
def test_a_loss_refuses_odd_inputs_with_value_or_type_errors(cls):
    loss = cls(**required_arguments(cls))
    for y_true, y_pred in ODD_PAIRS.values():
        accepted_or_refused(lambda t=y_true, p=y_pred: loss(t, p))
    for sample_weight in ODD_WEIGHTS.values():
        accepted_or_refused(lambda w=sample_weight: loss(*VALID, sample_weight=w))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_loss_or_metric_function_refuses_odd_inputs_with_value_or_type_errors(function):
    arguments = required_arguments(function)
    for y_true, y_pred in ODD_PAIRS.values():
        accepted_or_refused(lambda t=y_true, p=y_pred: function(t, p, **arguments))
