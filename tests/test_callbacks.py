"""Callbacks: hooks in order, History, EarlyStopping, ModelCheckpoint, schedules, CSV, NaN."""

import csv
import math
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, callbacks


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def regression_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")


def compiled_linear(learning_rate=0.05, optimizer="sgd", metrics=None):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.get({"class_name": optimizer, "config": {
        "learning_rate": learning_rate}}), "mse", metrics=metrics)
    return model


class Recorder(callbacks.Callback):
    """Records every hook called, with its argument."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            return lambda *args, logs=None: self.calls.append(
                (name, *(a for a in args if isinstance(a, int))))
        return super().__getattribute__(name)


def test_hooks_are_called_in_keras_order():
    x, y = regression_data(8)
    model = compiled_linear()
    recorder = Recorder()
    model.fit(x, y, batch_size=4, epochs=2, validation_data=(x, y), verbose=0,
              callbacks=[recorder])
    epoch = [("on_epoch_begin", 0), ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
             ("on_train_batch_begin", 1), ("on_train_batch_end", 1), ("on_test_begin",),
             ("on_test_batch_begin", 0), ("on_test_batch_end", 0), ("on_test_batch_begin", 1),
             ("on_test_batch_end", 1), ("on_test_end",), ("on_epoch_end", 0)]
    second = [(call[0], 1) if len(call) > 1 and call[0].startswith("on_epoch") else call
              for call in epoch]
    assert recorder.calls == [("on_train_begin",), *epoch, *second, ("on_train_end",)]
    assert recorder.model is model and recorder.params["epochs"] == 2
    assert recorder.params["steps"] == 2


def test_history_holds_every_epoch_and_is_returned_by_fit():
    x, y = regression_data()
    model = compiled_linear(metrics=["mae"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    assert history is model.history and isinstance(history, callbacks.History)
    assert history.epoch == [0, 1, 2]
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert all(len(values) == 3 and all(isinstance(v, float) for v in values)
               for values in history.history.values())


def test_stop_training_set_mid_epoch_ends_fit_after_that_step():
    x, y = regression_data()
    model = compiled_linear()
    seen = []

    def stop_at_third(batch, logs):
        seen.append(batch)
        if batch == 2:
            model.stop_training = True

    history = model.fit(x, y, batch_size=4, epochs=5, verbose=0,
                        callbacks=[callbacks.LambdaCallback(on_train_batch_end=stop_at_third)])
    assert seen == [0, 1, 2] and history.epoch == [0]


def drive(callback, model, values, monitor="val_loss"):
    """Runs ``callback`` through epochs whose monitored value is ``values``; returns epochs run."""
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {monitor: value, "loss": value})
        if model.stop_training:
            return epoch + 1
    callback.on_train_end()
    return len(values)


@pytest.mark.parametrize(("values", "kwargs", "epochs_run"), [
    ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5], {"patience": 2}, 4),
    ([1.0, 0.9, 0.95, 0.96, 0.97, 0.5], {"patience": 5}, 6),
    ([1.0, 0.99, 0.985, 0.984], {"patience": 1, "min_delta": 0.02}, 2),
    ([0.5, 0.6, 0.7, 0.4], {"patience": 1, "monitor": "val_accuracy"}, 4),
    ([0.5, 0.6, 0.55, 0.4], {"patience": 1, "monitor": "val_accuracy"}, 3),
    ([0.5, 0.6, 0.7, 0.8], {"patience": 1, "mode": "min", "monitor": "val_accuracy"}, 2),
    ([1.0, 1.0, 1.0, 1.0], {"patience": 2}, 3),
    ([1.0, 1.0, 1.0, 1.0], {"patience": 2, "baseline": 0.5}, 2),
    ([1.0, 2.0, 3.0, 4.0, 5.0], {"patience": 1, "start_from_epoch": 3}, 5),
])
def test_early_stopping_counts_epochs_without_improvement(values, kwargs, epochs_run):
    monitor = kwargs.get("monitor", "val_loss")
    stopper = callbacks.EarlyStopping(**kwargs)
    assert drive(stopper, compiled_linear(), values, monitor) == epochs_run


def test_early_stopping_stops_fit_and_restores_the_best_weights():
    x, y = regression_data()
    model = compiled_linear(learning_rate=0.05)
    best = {}

    def remember(epoch, logs):
        best[epoch] = (logs["val_loss"], model.get_weights())

    # A learning rate that grows until training diverges: val_loss falls, then rises.
    schedule = callbacks.LearningRateScheduler(lambda epoch, lr: 0.05 * 4.0 ** epoch)
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, validation_data=(x, y), verbose=0,
                        callbacks=[schedule, callbacks.LambdaCallback(on_epoch_end=remember),
                                   stopper])
    assert len(history.epoch) < 20 and model.stop_training
    best_epoch = min(best, key=lambda e: best[e][0])
    assert stopper.best_epoch == best_epoch
    for a, b in zip(model.get_weights(), best[best_epoch][1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_formats_names_and_saves_each_epoch(tmp_path):
    x, y = regression_data()
    model = compiled_linear()
    pattern = str(tmp_path / "model-{epoch:02d}-{val_loss:.2f}.keras")
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[callbacks.ModelCheckpoint(pattern)])
    expected = sorted(f"model-{e + 1:02d}-{v:.2f}.keras"
                      for e, v in enumerate(history.history["val_loss"]))
    assert sorted(os.listdir(tmp_path)) == expected
    restored = keras.models.load_model(tmp_path / expected[-1])
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_model_checkpoint_save_best_only_keeps_the_best(tmp_path):
    model = compiled_linear()
    path = tmp_path / "best.weights.h5"
    checkpoint = callbacks.ModelCheckpoint(str(path), save_best_only=True,
                                           save_weights_only=True)
    checkpoint.set_model(model)
    checkpoint.on_train_begin()
    for epoch, value in enumerate([1.0, 0.5, 0.8]):
        model.layers[0].bias.assign([float(epoch)])
        checkpoint.on_epoch_begin(epoch)
        checkpoint.on_epoch_end(epoch, {"val_loss": value})
    fresh = compiled_linear()
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.layers[0].bias.numpy(), [1.0])  # epoch 1's weights


def test_model_checkpoint_checks_the_extension():
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        callbacks.ModelCheckpoint("w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras.*\.h5"):
        callbacks.ModelCheckpoint("model.tf")
    callbacks.ModelCheckpoint("model.h5")  # Keras's legacy format, as Keras 3 allows


def test_learning_rate_scheduler_sets_and_logs_the_rate():
    x, y = regression_data()
    model = compiled_linear(learning_rate=0.1)
    seen = []
    watch = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate)))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2), watch])
    assert seen == pytest.approx([0.05, 0.025, 0.0125])
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])


def test_reduce_lr_on_plateau_reduces_after_patience():
    model = compiled_linear(learning_rate=1.0)
    reducer = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.2)
    drive(reducer, model, [1.0] * 6)  # reduced at the 3rd and 5th epochs
    assert float(model.optimizer.learning_rate) == pytest.approx(0.25)
    drive(reducer, model, [1.0] * 8)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.2)


def test_csv_logger_writes_a_row_per_epoch(tmp_path):
    x, y = regression_data()
    path = tmp_path / "log.csv"
    model = compiled_linear(metrics=["mae"])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                        callbacks=[callbacks.CSVLogger(str(path))])
    with open(path) as file:
        rows = list(csv.DictReader(file))
    assert [row["epoch"] for row in rows] == ["0", "1"]
    assert sorted(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert float(rows[1]["val_mae"]) == pytest.approx(history.history["val_mae"][1])
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(str(path),
                                                                        append=True)])
    with open(path) as file:
        assert len(list(csv.DictReader(file))) == 3


def test_terminate_on_nan_stops_at_the_first_bad_loss():
    x, y = regression_data()
    y[5] = np.nan
    model = compiled_linear()
    seen = []
    with pytest.warns(RuntimeWarning, match=r"fit: `y` holds 1 non-finite value"):
        history = model.fit(x, y, batch_size=4, epochs=3, verbose=0, shuffle=False, callbacks=[
            callbacks.TerminateOnNaN(),
            callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))])
    assert seen == [0, 1] and history.epoch == [0]
    assert math.isnan(history.history["loss"][0])
    with pytest.warns(RuntimeWarning, match=r"fit: `y` holds 1 non-finite value"), \
            pytest.raises(RuntimeError, match="NaN or Inf loss"):
        model.fit(x, y, batch_size=4, verbose=0,
                  callbacks=[callbacks.TerminateOnNaN(raise_error=True)])


def test_lambda_callback_takes_any_hook():
    x, y = regression_data(8)
    model = compiled_linear()
    events = []
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("end"))])
    assert events == ["begin", "epoch 0 ['loss']", "epoch 1 ['loss']", "end"]


def test_callbacks_must_be_callback_instances():
    x, y = regression_data(8)
    with pytest.raises(TypeError, match="Callback instances"):
        compiled_linear().fit(x, y, verbose=0, callbacks=[print])


def test_the_progress_bar_redraws_in_place_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr("minikeras.utils.progbar._is_terminal", lambda: True)
    monkeypatch.setattr("minikeras.utils.progbar.Progbar.due", lambda self: True)
    x, y = regression_data()
    compiled_linear().fit(x, y, batch_size=8, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert out.count("\r") >= 2 and out.endswith("\n")  # redrawn, at least at the end
    assert "\x1b[1m4/4\x1b[0m" in out and "loss: " in out


def test_progbar_verbose_2_prints_one_summary_line(capsys):
    bar = keras.utils.Progbar(target=3, verbose=2)
    for step in range(1, 3):
        bar.update(step, [("loss", float(step))])
    assert capsys.readouterr().out == ""
    bar.update(3, [("loss", 2.5)])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("3/3 - ")
    assert "s/step - loss: 2.5000" in lines[0]
