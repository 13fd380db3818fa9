"""Numerical trouble: exploding training stops with finite weights; huge logits stay finite.

- TerminateOnNaN stops at the first non-finite loss (or gradient); that step's
  update is not applied, so the model keeps the weights of the last finite
  step (tf.keras keeps the NaN ones), and ``history.stop_reason`` says why.
  Without the callback, fit does not check anything (no cost).
- A softmax or sigmoid output with logits of +-1e4 in float32 (probabilities of
  exactly 0 and 1) trains and evaluates with finite losses and gradients:
  the cross-entropies read the logits behind the activation, as Keras does,
  and every loss clips probabilities before a log, so log(0) never reaches the user.
"""

import contextlib
import math
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, callbacks
from minikeras.models import trainer


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def regression_data(n=64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")


@contextlib.contextmanager
def no_numpy_float_warnings():
    """The overflows and 0/0 these tests cause on purpose give no NumPy RuntimeWarning: fit
    runs its steps with them off, as TensorFlow gives none (the logs show inf and nan)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", r"(overflow|invalid value|divide by zero) encountered",
                                RuntimeWarning)
        yield


def weights_after_each_step(model):
    """A callback recording the weights after each training step, and the list it fills."""
    seen = []
    recorder = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(model.get_weights()))
    return recorder, seen


def test_an_exploding_learning_rate_stops_with_the_last_finite_weights():
    x, y = regression_data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=1e8), "mse")
    recorder, seen = weights_after_each_step(model)
    with no_numpy_float_warnings():
        history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, shuffle=False,
                            callbacks=[callbacks.TerminateOnNaN(), recorder])

    steps = len(seen)
    assert 1 < steps < 8, "the loss should overflow within the first epoch"
    assert history.epoch == [0] and not math.isfinite(history.history["loss"][0])
    assert history.stop_reason.startswith(
        f"TerminateOnNaN: non-finite loss inf at epoch 1, batch {steps - 1}; that step's update "
        "was not applied")
    assert int(model.optimizer.iterations.numpy()) == steps - 1  # the bad update was skipped
    for kept, last_finite in zip(model.get_weights(), seen[-2], strict=True):
        assert np.all(np.isfinite(kept))
        np.testing.assert_array_equal(kept, last_finite)


def test_without_the_callback_the_weights_go_non_finite_as_in_keras():
    x, y = regression_data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=1e8), "mse")
    with no_numpy_float_warnings():
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    assert history.stop_reason is None and len(history.epoch) == 2
    assert not all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_non_finite_gradients_of_a_finite_loss_stop_training_too():
    def root_error(y_true, y_pred):  # finite at 0, but its gradient there is 0/0
        return keras.ops.mean(keras.ops.sqrt(keras.ops.abs(y_true - y_pred)), axis=-1)

    x, y = regression_data()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(
        1, kernel_initializer="zeros", bias_initializer="zeros")])
    model.compile("sgd", root_error)
    with no_numpy_float_warnings():
        history = model.fit(x, np.zeros_like(y), batch_size=8, verbose=0,
                            callbacks=[callbacks.TerminateOnNaN()])
    assert history.history["loss"] == [0.0]
    assert "non-finite gradients (with a finite loss) at epoch 1, batch 0" in history.stop_reason
    assert int(model.optimizer.iterations.numpy()) == 0
    assert all(np.all(w == 0) for w in model.get_weights())


def test_raise_error_raises_with_the_finite_weights_kept():
    x, y = regression_data()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=1e8), "mse")
    with no_numpy_float_warnings(), pytest.raises(RuntimeError,
                                                  match="NaN or Inf loss encountered"):
        model.fit(x, y, batch_size=8, verbose=0, callbacks=[
            callbacks.TerminateOnNaN(raise_error=True)])
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_the_finite_check_runs_only_with_terminate_on_nan(monkeypatch):
    def refuse(*args):
        raise AssertionError("checked the step without TerminateOnNaN")

    monkeypatch.setattr(trainer, "_all_finite", refuse)
    x, y = regression_data()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping("loss")])
    model.train_on_batch(x, y)


# -- huge logits --------------------------------------------------------------------


def huge_logit_classifier(units, activation, loss):
    """Dense(units) whose logits for inputs (1, 0) / (0, 1) are +-1e4 (float32 outputs of
    exactly 0 and 1 after the activation)."""
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(units,
                                                                          activation=activation)])
    kernel = np.zeros((2, units), "float32")
    kernel[0, 0], kernel[1, 0] = 1e4, -1e4
    if units > 1:
        kernel[0, 1], kernel[1, 1] = -1e4, 1e4
    model.set_weights([kernel, np.zeros(units, "float32")])
    model.compile(keras.optimizers.SGD(1e-6), loss)
    return model


X_HUGE = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")


def exact_cross_entropy(logits, labels):
    """-log softmax(logits)[label], computed stably in float64."""
    logits = np.asarray(logits, "float64")
    top = logits.max(axis=-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


@pytest.mark.parametrize(("loss", "targets"), [
    ("sparse_categorical_crossentropy", np.array([1, 0])),
    ("categorical_crossentropy", np.eye(3)[[1, 0]]),
])
def test_softmax_outputs_of_huge_logits_give_the_exact_finite_cross_entropy(loss, targets):
    model = huge_logit_classifier(3, "softmax", loss)
    probabilities = model.predict(X_HUGE, verbose=0)
    assert set(np.unique(probabilities)) == {0.0, 1.0}  # float32 underflow: log(0) territory
    expected = exact_cross_entropy(X_HUGE @ model.get_weights()[0], [1, 0]).mean()  # 2e4
    assert model.evaluate(X_HUGE, targets, verbose=0) == pytest.approx(expected, rel=1e-6)
    history = model.fit(X_HUGE, targets, epochs=2, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_sigmoid_outputs_of_huge_logits_give_the_exact_finite_binary_cross_entropy():
    model = huge_logit_classifier(1, "sigmoid", "binary_crossentropy")
    targets = np.array([[0.0], [1.0]])  # both wrong by a logit of 1e4
    assert model.evaluate(X_HUGE, targets, verbose=0) == pytest.approx(1e4, rel=1e-6)
    history = model.fit(X_HUGE, targets, epochs=2, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])


@pytest.mark.parametrize("loss", [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "kl_divergence", "poisson", "mean_squared_logarithmic_error",
    "categorical_hinge", "hinge", "squared_hinge", "log_cosh", "huber", "mse", "mae",
    "mean_absolute_percentage_error", "cosine_similarity",
])
def test_outputs_of_exactly_0_and_1_never_give_nan(loss):
    """Where Keras's formulas clip probabilities before a log (so its result is finite)."""
    layer = keras.layers.Softmax() if "categorical" in loss else keras.layers.Activation(
        "sigmoid")
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2), layer])
    model.set_weights([np.array([[1e4, -1e4], [-1e4, 1e4]], "float32"), np.zeros(2, "float32")])
    model.compile(keras.optimizers.SGD(1e-6), loss, metrics=["accuracy", "crossentropy"])
    targets = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")  # the wrong class is certain
    logs = model.evaluate(X_HUGE, targets, verbose=0, return_dict=True)
    assert all(math.isfinite(v) for v in logs.values()), logs
    model.fit(X_HUGE, targets, epochs=2, verbose=0)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


def test_early_stopping_says_why_in_the_history():
    x, y = regression_data()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")  # the loss never improves
    history = model.fit(x, y, epochs=10, verbose=0, shuffle=False,
                        callbacks=[callbacks.EarlyStopping("loss", patience=2)])
    assert len(history.epoch) == 3
    assert history.stop_reason.startswith("EarlyStopping: `loss` did not improve for 2 epoch(s)")
