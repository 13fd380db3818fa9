"""Callbacks: code that runs at fixed points of fit, evaluate and predict, as ``keras.callbacks``.

A Callback overrides the hooks it needs (``on_epoch_end``, ``on_train_batch_end``,
...); each receives ``logs``, a mapping from metric names ("loss",
"val_accuracy", ...) to Python floats. ``self.model`` is the model being
trained; setting ``self.model.stop_training = True`` ends training after the
current step.
"""

import collections
import csv
import json
import math
import os
import shutil
import time
import warnings

from . import backend
from .utils import keras2, tree
from .utils.file_utils import atomic_write
from .utils.io_utils import print_msg
from .utils.progbar import Progbar
from .utils.summary_writer import SummaryWriter, tensorboard_modules


class Callback:
    """Base class: every hook does nothing. ``params`` holds verbose, epochs and steps."""

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Called before each training batch (as ``on_train_batch_begin``)."""

    def on_batch_end(self, batch, logs=None):
        """Called after each training batch (as ``on_train_batch_end``)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (0-based ``epoch``)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with its training and validation logs."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of evaluate (and of validation in fit)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of evaluate (and of validation in fit)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of predict."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of predict; ``logs["outputs"]`` holds the batch's outputs."""

    def on_train_begin(self, logs=None):
        """Called once at the start of fit."""

    def on_train_end(self, logs=None):
        """Called once at the end of fit, with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the start of evaluate (and of each validation)."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluate (and of each validation)."""

    def on_predict_begin(self, logs=None):
        """Called at the start of predict."""

    def on_predict_end(self, logs=None):
        """Called at the end of predict."""


def _python_logs(logs):
    """Logs as a dict of Python floats sorted by name (batch logs stay lazy mappings)."""
    if logs is None:
        return {}
    if isinstance(logs, dict):
        return {key: _to_float(value) for key, value in sorted(logs.items())}
    return logs


def _to_float(value):
    try:
        return float(backend.to_numpy(value))
    except (TypeError, ValueError):
        return value


class CallbackList(Callback):
    """Calls every callback of a list; adds History and ProgbarLogger for fit as Keras does.

    callbacks: Callback instances (a list, possibly nested).
    add_history, add_progbar: add these if the list has none.
    model: the model they watch. params: verbose, epochs, steps.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = tree.flatten(callbacks) if callbacks else []
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"`callbacks` must hold keras.callbacks.Callback instances, got "
                                f"{callback!r} of type {type(callback).__name__}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if progbar is None and add_progbar:
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args):
        """Calls ``hook`` of every callback; logs are the last argument, one dict for all."""
        logs = _python_logs(args[-1])
        for callback in self.callbacks:
            getattr(callback, hook)(*args[:-1], logs)

    def _call_batch(self, hook, batch, logs):
        """Batch hooks get ``logs=`` by keyword, as Keras calls them."""
        logs = _python_logs(logs)
        for callback in self.callbacks:
            getattr(callback, hook)(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        for callback in self.callbacks:  # outputs are arrays, not floats: passed as they are
            callback.on_predict_batch_end(batch, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is the list of epoch losses.

    ``model.fit`` adds one and returns it. ``stop_reason`` is None when fit ran
    every epoch, or a sentence from the callback that stopped it early
    (TerminateOnNaN, EarlyStopping) saying why.
    """

    def __init__(self):
        super().__init__()
        self.history = _HistoryDict()
        self.epoch = []
        self.stop_reason = None

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.stop_reason = None

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class _HistoryDict(dict):
    """``History.history``: a dict of lists by log name, which also answers Keras 2's names
    with a DeprecationWarning ("acc" for "accuracy": Keras 2.2 and before logged accuracy
    as "acc" whichever name it was asked for by)."""

    _KERAS2_NAMES = {"acc": "accuracy", "val_acc": "val_accuracy"}

    def __missing__(self, key):
        modern = self._KERAS2_NAMES.get(key)
        if modern is None or modern not in self:
            raise KeyError(key)
        keras2.warn(f"history.history[{key!r}]", f"history.history[{modern!r}] (the name "
                    "the metric was asked for by)")
        return self[modern]

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


class ProgbarLogger(Callback):
    """Prints the progress bar and the metrics (``fit``/``evaluate``/``predict`` add one).

    With verbose=1 the bar is redrawn in place on a terminal, and printed as one
    line per epoch when output goes to a file or pipe; verbose=2 prints one line
    per epoch; "auto" means 1.
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation runs silently inside fit

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                               stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        if self.progbar is None:
            self._reset_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            # Read the logs (a trip to the device) only when the bar will be redrawn.
            values = list((logs or {}).items()) if self.progbar.due() else None
            self.progbar.update(self.seen, values, finalize=False)

    def _finalize_progbar(self, logs):
        if self.progbar is None:
            self._reset_progbar()
        if self.target is None:
            self.target = self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)


_UP_METRICS = ("acc", "auc", "precision", "recall", "iou", "f1", "fbeta", "r2",
               "cosine_similarity", "true_positives", "true_negatives")


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged value for improvement.

    monitor: the log name ("val_loss", "accuracy", ...).
    mode: "min", "max", or "auto" (from the metric: losses and errors go down,
        accuracies go up).
    baseline: the value to beat first, or None.
    min_delta: the smallest change that counts as an improvement.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        direction = {"min": "down", "max": "up"}.get(self.mode) or self._metric_direction()
        if direction == "up":
            self.monitor_op = lambda a, b: a > b
        else:
            self.monitor_op = lambda a, b: a < b
            self.min_delta = -abs(self.min_delta)

    def _metric_direction(self):
        name = self.monitor.removeprefix("val_")
        if name == "loss" or name.endswith("_loss"):
            return "down"
        for metric in getattr(self.model, "metrics", []):
            if metric.name == name and getattr(metric, "_direction", None) in ("up", "down"):
                return metric._direction
        lowered = name.lower()
        if any(part in lowered for part in _UP_METRICS):
            return "up"
        if any(part in lowered for part in ("error", "mse", "mae", "mape", "msle", "crossentropy",
                                            "hinge", "divergence", "poisson", "log_cosh")):
            return "down"
        raise ValueError(
            f"{type(self).__name__} callback received monitor={self.monitor}, but cannot tell "
            "whether that metric should be maximized or minimized. Pass `mode='max'` or "
            "`mode='min'`."
        )

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)


class EarlyStopping(MonitorCallback):
    """Stops training when the monitored value has stopped improving.

    monitor, mode, min_delta, baseline: see MonitorCallback.
    patience: epochs without improvement before stopping.
    restore_best_weights: set the weights of the best epoch back at the end.
    start_from_epoch: epochs to wait before watching (a warm-up).
    verbose: 1 prints a message when stopping.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            _record_stop_reason(self.model, f"EarlyStopping: `{self.monitor}` did not improve "
                                f"for {self.wait} epoch(s) (best {self.best} at epoch "
                                f"{self.best_epoch + 1}); stopped after epoch {epoch + 1}.")

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs or {})}",
                          stacklevel=2)
        return value


def _keras2_period(kwargs):
    """The number of epochs between two saves Keras 2's ``period=N`` asks for (1 without it);
    any other argument is a TypeError."""
    period = kwargs.pop("period", None)
    if kwargs:
        raise TypeError(f"ModelCheckpoint got unexpected keyword arguments {sorted(kwargs)}.")
    if period is None:
        return 1
    keras2.warn("ModelCheckpoint(period=N)", "ModelCheckpoint(save_freq=N * steps_per_epoch)"
                " (a number of batches)")
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise ValueError(f"ModelCheckpoint: `period` must be a positive integer (epochs). "
                         f"Received: period={period!r}")
    return period


class ModelCheckpoint(MonitorCallback):
    """Saves the model (or its weights) after each epoch, or every ``save_freq`` batches.

    filepath: where to save; may hold ``{epoch}`` and log names with formats,
        e.g. "model-{epoch:02d}-{val_loss:.2f}.keras". Must end in ``.keras`` (or
        ``.h5``, Keras's legacy format), or in ``.weights.h5`` with
        ``save_weights_only=True``.
    save_best_only: save only when the monitored value improves.
    monitor, mode, initial_value_threshold: see MonitorCallback.
    save_freq: "epoch" or a number of batches.
    period: Keras 2's argument (with a DeprecationWarning): save every ``period``
        epochs, as ``save_freq=period * steps_per_epoch`` does.
    Files are written atomically: a crash mid-save leaves the previous file intact.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None, **kwargs):
        self._epochs_per_save = _keras2_period(kwargs)
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the "
                             "filepath provided must end in `.weights.h5` (Keras weights "
                             f"format). Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model "
                             f"format) or `.h5` (legacy). Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, dict(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch" and (epoch + 1) % self._epochs_per_save == 0:
            self._save_model(epoch, None, logs or {})

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            self._batches_seen_since_last_saving += batch + 1
        else:
            self._batches_seen_since_last_saving += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self.monitor_op is None:
            self._set_monitor_op()
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise OSError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if not self._should_save(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {error}") from None


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch to ``schedule(epoch, lr)``.

    schedule: a function of (epoch index, current learning rate) -> new
        learning rate (a function of the epoch alone is accepted too).
    verbose: 1 prints each change.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        current = float(optimizer.learning_rate)
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError:  # a schedule of the epoch alone
            learning_rate = self.schedule(epoch)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (float, int)) and not (
                hasattr(learning_rate, "dtype") and getattr(learning_rate, "ndim", 1) == 0):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        optimizer.learning_rate = float(learning_rate)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(learning_rate)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by ``factor`` when the monitored value stops improving.

    factor: < 1. patience: epochs without improvement before reducing.
    cooldown: epochs to wait after a reduction before counting again.
    min_lr: the learning rate never goes below it.
    monitor, mode, min_delta: see MonitorCallback.
    epsilon: Keras 2's name of ``min_delta`` (with a DeprecationWarning; Keras 3
        ignores it, as it ignores any other unknown argument).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:
            keras2.warn("ReduceLROnPlateau(epsilon=...)", "ReduceLROnPlateau(min_delta=...)")
            min_delta = kwargs.pop("epsilon")
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: {','.join(logs)}.",
                          stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch):
        old = float(self.model.optimizer.learning_rate)
        if old <= self.min_lr:
            return False
        new = max(old * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
        return True


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file.

    filename: the file. separator: between fields.
    append: add to an existing file instead of overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        mode = "w"
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as existing:
                    self.append_header = not existing.readline()
            mode = "a"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115 (open across epochs)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys],
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, logs.get(key, "NA")) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TerminateOnNaN(Callback):
    """Stops training at the first NaN or infinite loss (or raises, with raise_error).

    Unlike tf.keras, the step that goes non-finite is taken back: with this
    callback present, fit checks each step's loss, gradients and every value
    the step wrote (the weights, the optimizer's slots and ``iterations``,
    BatchNormalization's moving statistics) and, if one is not finite, puts
    all of them back as the previous step left them, so training ends with the
    model of the last finite step, not NaN ones. (A step whose loss is finite
    but whose gradients or update overflow stops training too.)
    ``model.history.stop_reason`` says where it stopped; the epoch's logs show
    the non-finite loss. This costs a copy of the weights and optimizer state
    per step; without this callback, fit does no such check and costs nothing more.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        bad_loss = loss is not None and (math.isnan(loss) or math.isinf(loss))
        skipped = getattr(self.model, "skipped_non_finite_update", False)
        if not (bad_loss or skipped):
            return
        what = f"loss {loss}" if bad_loss else skipped
        reason = (f"TerminateOnNaN: non-finite {what} at epoch {self._epoch + 1}, batch "
                  f"{batch}; that step's update was not applied, so the weights are those "
                  "of the last finite step.")
        _record_stop_reason(self.model, reason)
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately. ({reason})")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


def _record_stop_reason(model, reason):
    """Writes why training stopped early into the model's History, if it has one."""
    history = getattr(model, "history", None)
    if isinstance(history, History):
        history.stop_reason = reason


class BackupAndRestore(Callback):
    """Backs up the training state so that a fit interrupted (a crash, a kill, a pre-empted
    machine) resumes where it was when the same script runs again.

    backup_dir: the folder of the backup: ``latest.weights.h5`` (the weights and the
        optimizer's state) and ``training_metadata.json`` (the epoch to resume at).
    save_freq: "epoch" (after each epoch) or a number of batches.
    double_checkpoint: keep the previous backup too (``*.bkp``), used if the latest
        cannot be read.
    delete_checkpoint: delete the folder when fit ends normally.

    At the start of fit, a backup found in the folder is loaded and fit starts at
    its epoch. With ``keras.utils.set_random_seed`` called as before and backups
    made at the end of epochs, the resumed run ends with the weights an
    uninterrupted run would have, bit for bit. A backup made mid-epoch
    (``save_freq`` in batches) resumes, as Keras's, at the start of that epoch.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq <= 0):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an integer "
                             "value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._current_epoch = 0
        self._batches_since_saving = 0

    def on_train_begin(self, logs=None):
        try:
            self._load()
        except (OSError, ValueError):
            if not (self.double_checkpoint and os.path.exists(self._weights_path + ".bkp")):
                raise
            shutil.copyfile(self._weights_path + ".bkp", self._weights_path)
            if os.path.exists(self._metadata_path + ".bkp"):
                shutil.copyfile(self._metadata_path + ".bkp", self._metadata_path)
            elif os.path.exists(self._metadata_path):
                os.remove(self._metadata_path)
            self._load()

    def _load(self):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built "
                             f"before you call `fit()`. Model {self.model.name} is unbuilt. "
                             "You can build it beforehand by calling it on a batch of data.")
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._metadata_path):
            self.model._initial_epoch = _backed_up_epoch(self._metadata_path)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._batches_since_saving = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_saving += 1
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            self._save(self._current_epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def _save(self, epoch, batch):
        """The weights and optimizer state, then the epoch to resume at (each file written
        whole: a crash while saving leaves the previous backup)."""
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        text = json.dumps({"epoch": epoch, "batch": batch}).encode()
        atomic_write(self._metadata_path, lambda stream: stream.write(text))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _backed_up_epoch(path):
    """The epoch recorded in a backup's training_metadata.json, checked (the file is read as
    untrusted: a small JSON object with a non-negative integer epoch)."""
    if os.path.getsize(path) > 4096:
        raise ValueError(f"{path} is not a BackupAndRestore metadata file (too large).")
    with open(path, "rb") as file:
        try:
            metadata = json.loads(file.read())
        except ValueError:
            raise ValueError(f"{path} is not a BackupAndRestore metadata file (not "
                             "JSON).") from None
    epoch = metadata.get("epoch") if isinstance(metadata, dict) else None
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"{path} holds no valid epoch to resume at: {metadata!r:.100}")
    return epoch


class TensorBoard(Callback):
    """Writes the logs as TensorBoard event files: ``tensorboard --logdir logs`` shows them.

    log_dir: the folder; training goes to ``log_dir/train``, validation to
        ``log_dir/validation``, as Keras lays them out.
    Each epoch writes ``epoch_<metric>`` scalars (``epoch_loss``, ``epoch_accuracy``,
    ``epoch_learning_rate``...) at step = epoch; validation at the end of each
    evaluation also writes ``evaluation_<metric>_vs_iterations`` at step = the
    optimizer's iterations.
    update_freq: "epoch"; "batch" or N: also ``batch_<metric>`` (the epoch's running
        values) every N training batches, at step = batches done since fit began.
    histogram_freq: every that many epochs, a histogram of each weight.
    write_graph: the model's config, which TensorBoard's Graphs tab draws
        (Sequential and functional models; there is no TensorFlow graph to write).
    write_steps_per_second: ``epoch_steps_per_second`` (and per batch with update_freq).
    write_images, embeddings_freq, embeddings_metadata: not written by minikeras (a
        warning says so); profile_batch: a ValueError, as Keras's on a backend without
        a profiler.
    Needs the ``tensorboard`` package (``pip install 'minikeras[tensorboard]'``).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        tensorboard_modules()  # its ImportError now, not at the end of the first epoch
        if profile_batch:
            raise ValueError(f"Profiling is not available with minikeras (no TensorFlow "
                             f"profiler). Received: profile_batch={profile_batch} (must be 0)")
        if write_images or embeddings_freq:
            warnings.warn("TensorBoard: minikeras writes scalars, histograms and the model's "
                          "config; write_images and embeddings_freq are ignored.", stacklevel=2)
        if not (update_freq in ("epoch", "batch") or (
                isinstance(update_freq, int) and not isinstance(update_freq, bool)
                and update_freq > 0)):
            raise ValueError("`update_freq` must be 'epoch', 'batch' or a positive integer. "
                             f"Received: update_freq={update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._batch_start = self._epoch_start = 0.0
        self._epoch_start_iterations = 0

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        if self.write_graph and type(model).__name__ in ("Functional", "Sequential"):
            self._writer("train").keras_model("keras", model.to_json(), step=0)

    def _writer(self, name):
        """The writer of ``log_dir/<name>``, its event file created at the first write."""
        if name not in self._writers:
            self._writers[name] = SummaryWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        writer, step = self._writer("train"), self._global_train_batch
        if self.write_steps_per_second:
            writer.scalar("batch_steps_per_second",
                          1.0 / max(time.time() - self._batch_start, 1e-9), step)
        for name, value in (logs or {}).items():
            writer.scalar(f"batch_{name}", value, step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_start_iterations = self._iterations()

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {name: value for name, value in logs.items() if not name.startswith("val_")}
        if getattr(self.model.optimizer, "learning_rate", None) is not None:
            train["learning_rate"] = float(self.model.optimizer.learning_rate)
        if self.write_steps_per_second:
            train["steps_per_second"] = (self._iterations() - self._epoch_start_iterations) / (
                max(time.time() - self._epoch_start, 1e-9))
        for name, value in train.items():
            self._writer("train").scalar(f"epoch_{name}", value, epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._writer("validation").scalar(f"epoch_{name[4:]}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for layer in self.model.layers:
                for weight in layer.weights:
                    self._writer("train").histogram(
                        f"{weight.path.replace(':', '_')}/histogram",
                        backend.to_numpy(weight.data), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        if self.model.optimizer is None:
            return
        for name, value in (logs or {}).items():
            self._writer("validation").scalar(f"evaluation_{name}_vs_iterations", value,
                                              self._iterations())

    def on_train_end(self, logs=None):
        self._close_writers()

    def _iterations(self):
        optimizer = self.model.optimizer
        return 0 if optimizer is None else optimizer.updates_done()


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``.

    on_epoch_begin/on_epoch_end(epoch, logs), on_train_begin/on_train_end(logs),
    on_train_batch_begin/on_train_batch_end(batch, logs); other hooks by keyword.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, hook in hooks.items():
            if hook is not None:
                setattr(self, name, hook)


__all__ = ["BackupAndRestore", "Callback", "CallbackList", "CSVLogger", "EarlyStopping",
           "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau",
           "TensorBoard", "TerminateOnNaN"]
