"""TerminateOnNaN's skipped step writes nothing: every variable keeps its last finite value.

A training step writes more than the weights: BatchNormalization's moving
statistics (during the forward pass, before the loss is known), the
optimizer's slots and its ``iterations``. With TerminateOnNaN, a step whose
loss, gradients or update are not finite leaves every one of them as the
previous step left it, so the model still predicts as it did. The expected
values come from the same training stopped one step earlier.
"""

import numpy as np
import pytest

import minikeras as keras
from minikeras import callbacks


def state(model):
    """Every variable a step may write: weights, moving statistics, optimizer variables."""
    return [v.numpy().copy() for v in model.weights + model.optimizer.variables]


def assert_same_state(model, expected):
    got = state(model)
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert np.all(np.isfinite(a))
        np.testing.assert_array_equal(a, b)


def batch_norm_model(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer, "mse")
    return model


def test_a_nan_sample_leaves_the_moving_statistics_as_the_last_finite_step_left_them():
    check_a_nan_sample()


def test_a_nan_sample_on_the_device_is_taken_back_too(device):
    check_a_nan_sample()


def check_a_nan_sample():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    x[17, 1] = np.nan  # in the third batch of 8

    reference = batch_norm_model(keras.optimizers.Adam())
    reference.fit(x[:16], y[:16], batch_size=8, shuffle=False, verbose=0)
    model = batch_norm_model(keras.optimizers.Adam())
    with pytest.warns(RuntimeWarning, match="non-finite"):
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                            callbacks=[callbacks.TerminateOnNaN()])
    assert "non-finite loss nan at epoch 1, batch 2" in history.stop_reason
    assert_same_state(model, state(reference))
    assert np.all(np.isfinite(model.predict(x[:16], verbose=0)))


def one_weight_model(optimizer):
    """y = w * x with w = 1, trained on the mean absolute error (finite for any finite w)."""
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(
        1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer, "mae")
    return model


OVERFLOW = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


@OVERFLOW
@pytest.mark.parametrize("optimizer, x", [
    # Adam's second moment: g = 1e20 is finite, g * g overflows float32.
    pytest.param(lambda: keras.optimizers.Adam(), 1e20, id="adam"),
    # SGD's step: lr * g = 1e37 * 1e3 overflows float32; the loss and gradient are finite.
    pytest.param(lambda: keras.optimizers.SGD(learning_rate=1e37), 1e3, id="sgd"),
])
def test_an_update_that_overflows_with_a_finite_loss_and_gradients_is_not_kept(optimizer, x):
    model = one_weight_model(optimizer())
    model.optimizer.build(model.trainable_variables)
    before = state(model)
    inputs = np.full((4, 1), x, dtype="float32")
    history = model.fit(inputs, np.zeros((4, 1)), batch_size=4, epochs=3, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert np.isfinite(history.history["loss"][0])
    assert "non-finite update (with a finite loss and gradients) at epoch 1, batch 0" in (
        history.stop_reason) and history.epoch == [0]
    assert_same_state(model, before)
    assert int(model.optimizer.iterations.numpy()) == 0


@OVERFLOW
def test_a_skipped_step_after_finite_ones_keeps_the_optimizer_slots_of_the_last_of_them():
    model = one_weight_model(keras.optimizers.Adam())
    small, huge = np.full((4, 1), 2.0, "float32"), np.full((4, 1), 1e20, "float32")
    model.fit(small, np.zeros((4, 1)), batch_size=4, epochs=2, verbose=0)
    expected = state(model)
    x = np.concatenate([huge, small])
    history = model.fit(x, np.zeros((8, 1)), batch_size=4, shuffle=False, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert "non-finite update" in history.stop_reason
    assert_same_state(model, expected)
    assert int(model.optimizer.iterations.numpy()) == 2
