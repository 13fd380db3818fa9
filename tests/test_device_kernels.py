"""The fused device kernels compute what the NumPy code computes.

Each kernel (CUDA C, run on NumPy by the strict stand-in, and on the GPU
when there is one) is compared with the NumPy path it replaces on the
device, on the same inputs, and its launches are counted: one kernel must
do the work of the array operations it stands for.
"""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend
from minikeras.testing import strict_cupy


def on_device_then_numpy(run):
    """(``run()`` on the device, ``run()`` on NumPy), each result a list of NumPy arrays."""
    on_device = [backend.to_numpy(r) for r in run()]
    backend.set_backend("numpy")
    return on_device, [np.asarray(r) for r in run()]


def counted(run):
    """(``run()``'s result, the Counts of the stand-in's work in it)."""
    with strict_cupy.counting() as counts:
        result = run()
    return result, counts


# -- metrics ------------------------------------------------------------------------


def _scores_with_ties_and_nans(rows=12, classes=5, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((rows, classes)).astype("float32")
    scores[1] = 0.5  # a tie everywhere: the first class wins
    scores[2, [1, 3]] = 9.0  # a tie for the largest
    scores[3, 2] = np.nan  # argmax is the first NaN
    scores[4, [0, 4]] = np.nan
    return scores, rng.integers(0, classes, rows)


@pytest.mark.parametrize("labels_shape", ["flat", "column", "float"])
def test_sparse_categorical_accuracy_counts_hits_in_one_launch(device, labels_shape):
    scores, labels = _scores_with_ties_and_nans()
    labels[[1, 2, 3, 4]] = [0, 1, 2, 0]  # hits only if ties and NaNs are resolved as argmax does
    labels = {"flat": labels, "column": labels[:, None], "float": labels.astype("float32")}[
        labels_shape]

    def run():
        metric = keras.metrics.SparseCategoricalAccuracy()
        y_true, y_pred = backend.to_device(labels), backend.to_device(scores)
        metric.update_state(y_true, y_pred)
        _, counts = counted(lambda: metric.update_state(y_true[:7], y_pred[:7]))
        if backend.backend() == "cupy" and device is strict_cupy:
            assert (counts.launches, counts.allocations) == (1, 0)
        return [metric.total.data, metric.count.data, metric.result().data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_array_equal(on_device, on_numpy)
    assert on_numpy[1] == 19


def test_categorical_accuracy_counts_hits_in_one_launch(device):
    scores, labels = _scores_with_ties_and_nans(seed=1)
    one_hot = np.eye(5, dtype="float32")[labels]
    one_hot[5] = [0.2, 0.3, 0.3, 0.1, 0.1]  # soft labels: their first largest is the class

    def run():
        metric = keras.metrics.CategoricalAccuracy()
        y_true, y_pred = backend.to_device(one_hot), backend.to_device(scores)
        _, counts = counted(lambda: metric.update_state(y_true, y_pred))
        if backend.backend() == "cupy" and device is strict_cupy:
            assert (counts.launches, counts.allocations) == (1, 0)
        return [metric.total.data, metric.count.data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_array_equal(on_device, on_numpy)


def test_weighted_accuracy_takes_the_general_path_on_the_device(device):
    scores, labels = _scores_with_ties_and_nans()
    weights = np.linspace(0.5, 2.0, len(labels)).astype("float32")

    def run():
        metric = keras.metrics.SparseCategoricalAccuracy()
        metric.update_state(backend.to_device(labels), backend.to_device(scores),
                            sample_weight=backend.to_device(weights))
        return [metric.total.data, metric.count.data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_allclose(on_device, on_numpy, rtol=1e-6)


def test_the_loss_tracker_adds_a_batch_in_one_launch(device):
    losses = np.array([2.5, 0.125, 7.75], dtype="float32")

    def run():
        tracker = keras.metrics.Mean(name="loss")
        for loss, batch_size in zip(losses, (128, 128, 32), strict=True):
            value = backend.to_device(loss)
            _, counts = counted(lambda v=value, n=batch_size: tracker.update_state(
                v, sample_weight=n))
            if backend.backend() == "cupy" and device is strict_cupy:
                assert (counts.launches, counts.allocations, counts.host_to_device) == (1, 0, 0)
        tracker.update_state(backend.to_device(np.float32(1.5)))  # weight 1
        return [tracker.total.data, tracker.count.data, tracker.result().data]

    on_device, on_numpy = on_device_then_numpy(run)
    np.testing.assert_array_equal(on_device, on_numpy)
    assert on_numpy[1] == 289
