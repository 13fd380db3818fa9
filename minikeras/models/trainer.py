"""Trainer: compile, fit, evaluate and predict, the methods every Model has.

One training step, as ``train_step`` writes it out:

1. forward: ``y_pred = model(x, training=True)`` records the graph;
2. loss: each output's loss times its weight, plus the layers' regularization
   losses (``model.losses``);
3. backward: ``loss.backward()`` fills ``w.grad`` of every trainable weight and
   releases the graph;
4. update: ``optimizer.apply(grads, weights)``, then the gradients are cleared;
5. metrics: their running state is updated on the device.

Values reach the host only when something reads them (the progress bar, a
callback, the end of an epoch): a step itself never waits for the device.
"""

import collections.abc
import contextlib
import math
import warnings

import numpy as np

from .. import backend, optimizers
from .. import metrics as metrics_module
from ..autograd import Tensor, no_grad
from ..callbacks import CallbackList, TerminateOnNaN
from ..ops.cross_entropy import labels_checked
from ..runtime import parallel
from ..serialization import deserialize_keras_object, serialize_keras_object
from ..utils import keras2, tree
from ..variables import UndoLog
from . import data_adapters, data_checks
from .compile_utils import (
    UNTRAINABLE_LOSS_HINT,
    CompileLoss,
    CompileMetrics,
    align,
    check_identifiers,
    target_rules,
)


class Trainer:
    """The training API of Model: compile, fit, evaluate, predict and their one-batch forms."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._compile_config = None
        self._step_weights = None
        self._checked_data = None  # (what was checked, its target rules): see _target_rules
        self._undo_log = None  # an UndoLog while fit runs with TerminateOnNaN
        self._initial_epoch = None  # the epoch fit resumes at, set by BackupAndRestore
        self.skipped_non_finite_update = False  # or what was not finite in the last step

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        optimizer: a name ("adam"), an Optimizer, or a config dict.
        loss: a name, a Loss, a function ``fn(y_true, y_pred)``; for several
            outputs one of these for all, a list in output order, or a dict by
            output name.
        loss_weights: multiplies each output's loss (a list or a dict).
        metrics, weighted_metrics: names ("accuracy", "mae"...), Metrics or
            functions; a list, or per output a list or dict. The weighted ones
            use the sample weights (and class weights).
        run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted
            for Keras compatibility; minikeras always runs eagerly, one step at a time.

        As in Keras, compiling again without a loss keeps the loss compiled before,
        and without metrics (None, not []) the metrics compiled before.
        """
        check_identifiers(loss, metrics, weighted_metrics)
        self.optimizer = optimizers.get(optimizer)
        output_names = getattr(self, "output_names", None)
        if loss is not None:
            self._compile_loss = CompileLoss(loss, loss_weights, output_names)
            self.loss = loss
        if metrics is not None or weighted_metrics is not None:
            self._compile_metrics = (CompileMetrics(metrics, weighted_metrics, output_names)
                                     if metrics or weighted_metrics else None)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.compiled = True
        self.stop_training = False
        self._step_weights = None
        self._compile_config = {
            "optimizer": self.optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
            "jit_compile": False,
        }

    # -- metrics -------------------------------------------------------------

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics, then one loss tracker per output."""
        found = []
        if self.compiled:
            found.append(self._loss_tracker)
            if self._compile_metrics is not None:
                found.extend(self._compile_metrics.metrics)
            if self._compile_loss is not None:
                found.extend(self._compile_loss.metrics)
        return found

    @property
    def metrics_variables(self):
        """The state variables of every metric in ``metrics``, in that order."""
        return [variable for metric in self.metrics for variable in metric.variables]

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Resets the state of every metric (done at the start of each epoch)."""
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self):
        """{name: scalar Tensor} of every metric, on the device."""
        results = {}
        if not self.compiled:
            return results
        results[self._loss_tracker.name] = self._loss_tracker.result()
        if self._compile_metrics is not None and self._compile_metrics.built:
            results.update(self._compile_metrics.result())
        if self._compile_loss is not None:
            for metric in self._compile_loss.metrics:
                results[metric.name] = metric.result()
        return results

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus the layers' losses (regularization, add_loss): a scalar Tensor."""
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for extra in self.losses:
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics' state; returns the logs (read on demand)."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return LazyLogs(self)

    # -- one step ----------------------------------------------------------

    def train_step(self, data):
        """One gradient step on one batch ``(x, y[, sample_weight])``; returns the logs."""
        x, y, sample_weight = data_adapters.unpack_x_y_sample_weight(data)
        log = self._undo_log
        if log is not None:
            log.clear()
        with log.recording() if log is not None else contextlib.nullcontext():
            y_pred = self(x, training=True)  # may assign moving statistics
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        weights = self._trainable_for_step()
        if weights:
            grads = self._gradients(loss, weights)
            if log is None:
                self.optimizer.apply(grads, weights)
            else:
                self.skipped_non_finite_update = self._apply_if_finite(log, loss, grads, weights)
            for w in weights:
                w.grad = None
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        with no_grad():
            return self.compute_metrics(x, y, y_pred, sample_weight)

    def _apply_if_finite(self, log, loss, grads, weights):
        """Applies the update, then takes the whole step back if the loss, a gradient or a
        value the step wrote (weight, optimizer slot, moving statistic) is not finite, so
        training stops with the values of the last finite step (TerminateOnNaN). Returns
        False, or what was not finite."""
        if not self.optimizer.built:
            self.optimizer.build(weights)
        log.save([*weights, *self.optimizer.variables])
        self.optimizer.apply(grads, weights)
        written = [v.data for v in log.saved]
        if _all_finite([loss.data, *grads, *written]):  # one trip to the host
            return False
        log.undo()
        if not _all_finite([loss.data]):
            return "loss"
        if not _all_finite(grads):
            return "gradients (with a finite loss)"
        return "update (with a finite loss and gradients)"

    def test_step(self, data):
        """Loss and metrics on one batch, with ``training=False`` and no graph."""
        x, y, sample_weight = data_adapters.unpack_x_y_sample_weight(data)
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
            self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
            return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs on one batch, with ``training=False``."""
        x, _, _ = data_adapters.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    @staticmethod
    def _gradients(loss, weights):
        """d(loss)/d(weight) for each weight (None for those the loss does not reach); a
        ValueError, before any update, when it reaches none of them."""
        if loss.requires_grad:
            loss.backward()
        grads = [w.grad for w in weights]
        if all(g is None for g in grads):
            raise ValueError(
                "No gradients provided for any variable: the loss does not depend on any "
                "trainable weight of the model, so no step can change them, and none was "
                "taken. " + UNTRAINABLE_LOSS_HINT)
        return grads

    def _trainable_for_step(self):
        if self._step_weights is None:
            self._step_weights = self.trainable_weights
        return self._step_weights

    # -- loops ---------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, **kwargs):
        """Trains the model for ``epochs`` passes over the data; returns the History.

        x, y: arrays (lists or dicts of them for several inputs/outputs), or
            ``x`` a generator/iterable of ``(x, y[, sample_weight])`` batches.
        batch_size: samples per step (default 32; not for generators).
        validation_split: the last fraction of the arrays, held out to validate on.
        validation_data: ``(x_val, y_val[, sample_weight])`` or a generator.
        shuffle: reshuffle the arrays each epoch (from the seeded generator).
        class_weight: {class: weight} to weight the loss by each sample's label.
        sample_weight: one weight per sample (or per output, as a list/dict).
        initial_epoch, steps_per_epoch, validation_steps, validation_batch_size,
            validation_freq, verbose, callbacks: as in Keras.
        nb_epoch: Keras 2's name of ``epochs`` (with a DeprecationWarning).
        """
        epochs = _keras2_epochs(epochs, kwargs)
        self._assert_compiled("fit")
        _check_epochs(epochs, initial_epoch)
        _check_verbose(verbose)
        _check_validation_freq(validation_freq)
        _check_validation_split(validation_split)
        if validation_data is not None and not isinstance(validation_data, (tuple, list)) and (
                data_adapters.is_array_data(validation_data)):
            raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                             "(x_val, y_val, val_sample_weight), or a generator of such batches; "
                             f"got {type(validation_data).__name__}.")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapters.split_off_validation(
                x, y, sample_weight, validation_split)
        epochs_data = self._epoch_iterator("fit", x, y, sample_weight, batch_size,
                                           steps_per_epoch, shuffle, class_weight)
        validation = self._validation_iterator(
            validation_data, batch_size if validation_batch_size is None else validation_batch_size,
            validation_steps)
        callbacks = self._callback_list(callbacks, verbose, epochs, epochs_data.num_batches,
                                        add_history=True)
        self.stop_training = False
        self._step_weights = None
        self._undo_log = UndoLog() if any(isinstance(c, TerminateOnNaN)
                                          for c in callbacks.callbacks) else None
        try:
            training_logs = self._train_epochs(epochs_data, validation, validation_freq,
                                               callbacks, initial_epoch, epochs)
        finally:
            self._undo_log, self.skipped_non_finite_update = None, False
        if epochs > 0 and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_weights)  # EMA weights
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def _train_epochs(self, epochs_data, validation, validation_freq, callbacks, initial_epoch,
                      epochs):
        """The epochs of fit, with validation; returns the last epoch's logs."""
        callbacks.on_train_begin()
        initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
        training_logs = None
        for epoch in range(initial_epoch, epochs):
            epoch_logs = self._train_epoch(epoch, epochs_data, callbacks,
                                           first=epoch == initial_epoch)
            if validation is not None and _should_validate(epoch, validation_freq):
                val_logs = self._run_evaluation(validation, callbacks)
                epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        return training_logs

    def _train_epoch(self, epoch, epochs_data, callbacks, first=False):
        """One epoch of training steps; returns its logs (one trip to the host).

        The random streams (shuffling, dropout) restart from the seed, the epoch and
        the number of updates so far, so a run resumed from a checkpoint draws what an
        uninterrupted run draws (see ``backend.seed_stream``).
        """
        self.reset_metrics()
        backend.seed_stream(epoch, self.optimizer.updates_done())
        callbacks.on_epoch_begin(epoch)
        logs, steps = self._run_steps(epochs_data, self.train_step,
                                      callbacks.on_train_batch_begin,
                                      callbacks.on_train_batch_end, can_stop=True)
        if first and steps == 0 and not self.stop_training:
            raise ValueError("fit: the data produced no batches (an empty generator or "
                             "iterable?); nothing was trained.")
        return self._epoch_logs(logs)

    def _run_steps(self, iterator, step_function, on_batch_begin, on_batch_end,
                   can_stop=False):
        """``step_function`` on each batch, between the batch callbacks; returns the last
        step's logs and the number of steps. can_stop: end once ``stop_training`` is set."""
        logs, steps = {}, 0
        # Labels: checked by _check_data, as the batches come. BLAS: set once, not per op.
        with labels_checked(), parallel.SingleThreadedBlas(), quiet_float_errors():
            for step, batch in iterator.enumerate_epoch():
                on_batch_begin(step)
                logs = step_function(batch)
                steps += 1
                on_batch_end(step, logs)
                if can_stop and self.stop_training:
                    break
        return logs, steps

    def _epoch_iterator(self, method, x, y=None, sample_weight=None, batch_size=None,
                        steps=None, shuffle=False, class_weight=None):
        """The data as batches, checked against the model before any step runs."""
        data = data_adapters.get_data(x, y, sample_weight, batch_size, shuffle, class_weight,
                                      steps=steps, method=method)
        if data.num_batches == math.inf and steps is None:
            argument = {"fit": "steps_per_epoch", "fit (validation_data)": "validation_steps"}
            raise ValueError(
                f"{method}: when providing an infinite dataset, you must specify the number of "
                f"steps to run: pass `{argument.get(method, 'steps')}=N`, the number of batches "
                "to take (if you did not mean the dataset to be infinite, build it without "
                "`.repeat()`).")
        self._check_data(data, method)
        return data_adapters.EpochIterator(data, steps)

    def _callback_list(self, callbacks, verbose, epochs, steps, add_history=False):
        if isinstance(callbacks, CallbackList):
            return callbacks
        return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0,
                            model=self, verbose=verbose, epochs=epochs, steps=steps)

    def _validation_iterator(self, validation_data, batch_size, steps):
        if validation_data is None:
            return None
        method = "fit (validation_data)"
        if isinstance(validation_data, list):  # as Keras: a list is read as a tuple
            validation_data = tuple(validation_data)
        if isinstance(validation_data, tuple):
            if len(validation_data) not in (2, 3) or validation_data[1] is None:
                raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                                 "(x_val, y_val, val_sample_weight), or a generator of such "
                                 f"batches; got a tuple of {len(validation_data)} item(s).")
            x, y, sample_weight = data_adapters.unpack_x_y_sample_weight(validation_data)
            return self._epoch_iterator(method, x, y, sample_weight, batch_size, steps)
        return self._epoch_iterator(method, validation_data, steps=steps)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss and metrics on the data: a scalar, a list ``[loss, *metrics]``, or a dict.

        x, y, sample_weight: as for ``fit``; batch_size defaults to 32.
        steps: batches to evaluate (default: all the data).
        return_dict: return ``{name: value}`` instead of a list.
        """
        self._assert_compiled("evaluate")
        _check_verbose(verbose)
        _check_flag("return_dict", return_dict)
        iterator = self._epoch_iterator("evaluate", x, y, sample_weight, batch_size, steps)
        callbacks = self._callback_list(callbacks, verbose, 1, iterator.num_batches)
        logs = self._run_evaluation(iterator, callbacks)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def _run_evaluation(self, iterator, callbacks):
        iterator.reset()  # as Keras: each validation starts the data again
        callbacks.on_test_begin()
        self.reset_metrics()
        logs, steps = self._run_steps(iterator, self.test_step, callbacks.on_test_batch_begin,
                                      callbacks.on_test_batch_end)
        if steps == 0:
            raise ValueError("evaluate: the data produced no batches (an empty generator or "
                             "iterable?).")
        logs = self._epoch_logs(logs)
        callbacks.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on ``x``, batch by batch, as NumPy arrays (``training=False``)."""
        _check_verbose(verbose)
        iterator = self._epoch_iterator("predict", x, batch_size=batch_size, steps=steps)
        callbacks = self._callback_list(callbacks, verbose, 1, iterator.num_batches)
        callbacks.on_predict_begin()
        outputs = []
        with no_grad(), parallel.SingleThreadedBlas(), quiet_float_errors():
            for step, batch in iterator.enumerate_epoch():
                callbacks.on_predict_batch_begin(step)
                batch_outputs = tree.map_structure(_to_host, self.predict_step(batch))
                outputs.append(batch_outputs)
                callbacks.on_predict_batch_end(step, {"outputs": batch_outputs})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("predict: the data produced no batches.")
        return _concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One gradient step on one batch; the loss and metrics on it (list, scalar or dict)."""
        self._assert_compiled("train_on_batch")
        _check_flag("return_dict", return_dict)
        batch = self._single_batch(x, y, sample_weight, class_weight, "train_on_batch")
        self.reset_metrics()
        self._step_weights = None
        with labels_checked(), quiet_float_errors():  # labels: by _single_batch, on the host
            logs = _pythonify(self.train_step(batch))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics on one batch (list, scalar or dict)."""
        self._assert_compiled("test_on_batch")
        _check_flag("return_dict", return_dict)
        batch = self._single_batch(x, y, sample_weight, None, "test_on_batch")
        self.reset_metrics()
        with labels_checked(), quiet_float_errors():
            logs = _pythonify(self.test_step(batch))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs on one batch, as NumPy arrays."""
        batch = self._single_batch(x, None, None, None, "predict_on_batch")
        with no_grad(), quiet_float_errors():
            return tree.map_structure(_to_host, self.predict_step(batch))

    def _single_batch(self, x, y, sample_weight, class_weight, method):
        data = data_adapters.ArrayData(x, y, sample_weight, batch_size=1, class_weight=class_weight,
                                       method=method)
        data.batch_size = data.num_samples
        self._check_data(data, method)
        return next(data.batches())

    # -- helpers -------------------------------------------------------------

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model: `{method}()` "
                             "needs its optimizer, loss and metrics.")

    def _check_data(self, data, method):
        """Checks the data against the model before a step can change anything (see
        ``data_checks``): whole arrays now, a generator's batches as they come."""
        if isinstance(data, data_adapters.ArrayData):
            self._check_arrays(data.x, data.y, data.sample_weight, method, data.batch_size)
        else:
            data.check_batch = lambda x, y, sample_weight, where: self._check_arrays(
                x, y, sample_weight, method, where=where)

    def _check_arrays(self, x, y, sample_weight, method, rows=None, where=""):
        """Inputs against the model's inputs, NaN/Inf warnings, then (unless predicting)
        the targets against each output's loss; ``rows``: how many samples the loss and
        metrics are tried on (see ``_target_rules``), all by default."""
        if getattr(self, "_graph", None) is not None:
            self._check_input_data(x)
            if y is not None and self._compile_loss is not None:
                self._check_target_structure(y, method)
        for value, argument in ((x, "x"), (y, "y"), (sample_weight, "sample_weight")):
            data_checks.warn_non_finite(value, argument, method, where)
        if method.startswith("predict") or (
                self._compile_loss is None and self._compile_metrics is None):
            return
        rules = self._target_rules(x, y, sample_weight, rows)
        if rules and y is not None:
            data_checks.check_targets(rules, self._compile_loss.flat_targets(y), method, where)

    def _check_target_structure(self, y, method):
        try:
            align(y, self._graph.outputs_struct, getattr(self, "output_names", None))
        except ValueError as error:
            raise ValueError(f"{method}: {error}") from None

    def _target_rules(self, x, y, sample_weight, rows):
        """The target rules of the compiled loss, after one dry run per kind of data.

        The dry run passes predictions for the first ``rows`` samples (see
        ``_predictions_like``) through the compiled loss and metrics, so an error a
        training step would meet there (a loss or metric that cannot be resolved,
        targets of the wrong shape, a sample_weight that does not fit) comes before
        any step; the metrics are left as they were.
        """
        key = (self._compile_loss, self._compile_metrics,
               data_checks.signature(x, y, sample_weight))
        if self._checked_data is None or self._checked_data[0] != key:
            self._checked_data = None
            first = tree.map_structure(
                lambda a: None if a is None else data_adapters.to_device(a[:rows]),
                (x, y, sample_weight))
            states = _metric_states(self.metrics)
            with no_grad():
                y_pred = self._predictions_like(first[0])
                if self._compile_loss is not None:
                    self._compile_loss(first[1], y_pred, first[2])
                if self._compile_metrics is not None and first[1] is not None:
                    self._compile_metrics.update_state(first[1], y_pred, first[2])
            _restore_metric_states(self.metrics, states)
            rules = target_rules(self._compile_loss, y_pred) if self._compile_loss else []
            self._checked_data = (key, rules)
        return self._checked_data[1]

    def _predictions_like(self, x):
        """Predictions of the model's shapes and dtypes for the samples ``x``, for checks.

        A model that runs its functional graph gives halves shaped by the graph's
        outputs, so its layers see no call but those of the steps, as in Keras (a
        layer may count its calls); a deferred Sequential model is built first.
        Other models (a subclass's own ``call()``, outputs of unknown sizes) run
        forward in inference mode (no moving statistics updated).
        """
        flat = tree.flatten(x)
        if getattr(self, "_graph", None) is None and len(flat) == 1:
            self._maybe_build(tuple(flat[0].shape))
        graph = getattr(self, "_graph", None)
        if graph is None or not type(self).call.__module__.startswith("minikeras.") or any(
                d is None for t in graph.outputs for d in t.shape[1:]):
            return self(x, training=False)
        xp = backend.get_array_module(flat[0])
        outputs = tree.map_structure(
            lambda t: Tensor(xp.full((len(flat[0]), *t.shape[1:]), 0.5, dtype=t.dtype)),
            graph.outputs_struct)
        return outputs[0] if isinstance(outputs, list) and len(outputs) == 1 else outputs

    def _epoch_logs(self, logs):
        """Python floats of the metrics at the end of an epoch (one trip to the host)."""
        if isinstance(logs, LazyLogs) or not logs:
            return _pythonify(self.get_metrics_result())
        return _pythonify(logs)

    def _flatten_metrics_in_order(self, logs):
        names = ["loss"] + [m.name for m in (
            self._compile_metrics.metrics if self._compile_metrics else [])] + [
            m.name for m in (self._compile_loss.metrics if self._compile_loss else [])]
        results = [logs[name] for name in names if name in logs]
        results += [logs[key] for key in sorted(logs) if key not in names]
        return results[0] if len(results) == 1 else results

    def get_compile_config(self):
        """What ``compile`` was given, serialized as Keras writes it in a ``.keras`` file."""
        if not self.compiled or self._compile_config is None:
            return None
        return serialize_keras_object(self._compile_config)

    def compile_from_config(self, config):
        """Compiles the model from ``get_compile_config()``'s output (when loading)."""
        config = deserialize_keras_object(config)
        self.compile(**{k: v for k, v in config.items() if k in (
            "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")})
        if self.built and self.optimizer is not None:
            self.optimizer.build(self.trainable_variables)


class LazyLogs(collections.abc.Mapping):
    """The metrics' values after a step, copied to the host only if something reads them.

    A step never waits for the device unless a callback (the progress bar
    when it redraws, TerminateOnNaN, ...) asks for a value.
    """

    def __init__(self, model):
        self._model = model
        self._values = None

    def _resolve(self):
        if self._values is None:
            self._values = _pythonify(self._model.get_metrics_result())
        return self._values

    def __getitem__(self, key):
        return self._resolve()[key]

    def __iter__(self):
        return iter(self._resolve())

    def __len__(self):
        return len(self._resolve())

    def __repr__(self):
        return repr(self._resolve())


def quiet_float_errors():
    """NumPy's overflow and invalid-value warnings off, in every thread of the steps' ops.

    A diverging fit shows ``inf`` and ``nan`` in its logs, as Keras's does,
    without NumPy's warnings from deep inside the ops (TerminateOnNaN stops it).
    """
    return np.errstate(all="ignore")


def _pythonify(logs):
    """Logs as ``{name: float}``, sorted by name (Keras's order), the values on the device
    copied to the host together: on a GPU each copy waits for the device."""
    result = _flat_logs(logs)
    on_device = {key: value.data if isinstance(value, Tensor) else value
                 for key, value in result.items()
                 if _device_scalar(value.data if isinstance(value, Tensor) else value)}
    if on_device:
        xp = backend.get_array_module(*on_device.values())
        values = backend.to_numpy(xp.stack([a.reshape(()) for a in on_device.values()]))
        result.update(zip(on_device, (float(v) for v in values), strict=True))
    for key, value in result.items():
        if key not in on_device:
            with contextlib.suppress(TypeError, ValueError):  # non-numbers stay as they are
                result[key] = float(backend.to_numpy(
                    value.data if isinstance(value, Tensor) else value))
    return result


def _flat_logs(logs):
    """``logs`` sorted by name, with nested dicts merged in."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_flat_logs(value))
        else:
            result[key] = value
    return result


def _device_scalar(value):
    """Whether ``value`` is a one-element numeric array of the device."""
    xp = backend.array_module()
    return (xp is not np and isinstance(value, xp.ndarray) and value.size == 1
            and value.dtype.kind in "biuf")


def _batch_size(x):
    first = tree.flatten(x)[0]
    return first.shape[0]


def _to_host(value):
    return backend.to_numpy(value.data if isinstance(value, Tensor) else value)


def _concatenate(outputs):
    first = outputs[0]
    if isinstance(first, dict):
        return {key: _concatenate([o[key] for o in outputs]) for key in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate([o[i] for o in outputs]) for i in range(len(first)))
    return np.concatenate(outputs, axis=0)


def _all_finite(arrays):
    """Whether every element of ``arrays`` (None ones skipped) is finite (one trip to the
    host)."""
    arrays = [a for a in arrays if a is not None]
    total = sum(a.sum() for a in arrays)
    xp = backend.get_array_module(total)
    if bool(backend.to_numpy(xp.isfinite(total))):
        return True
    # The sum of finite values can overflow: look at each one.
    return all(bool(backend.to_numpy(xp.isfinite(a).all())) for a in arrays)


def _metric_states(metrics):
    """{id(variable): a copy of its value} of every state variable of ``metrics``."""
    return {id(v): v.data.copy() for metric in metrics for v in metric.variables}


def _restore_metric_states(metrics, states):
    """Puts back the values ``_metric_states`` saved; metrics made since are reset."""
    for metric in metrics:
        if all(id(v) in states for v in metric.variables):
            for v in metric.variables:
                v.assign(states[id(v)])
        else:
            metric.reset_state()


def _keras2_epochs(epochs, kwargs):
    """``epochs``, or Keras 2's ``nb_epoch`` given instead; any other argument is a TypeError."""
    nb_epoch = kwargs.pop("nb_epoch", None)
    if kwargs:
        raise TypeError(f"fit() got unexpected keyword arguments {sorted(kwargs)}.")
    if nb_epoch is None:
        return epochs
    keras2.warn("fit(nb_epoch=...)", "fit(epochs=...)")
    return nb_epoch


def _check_epochs(epochs, initial_epoch):
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer, got {value!r}.")


def _check_verbose(verbose):
    if not (verbose == "auto" if isinstance(verbose, str) else isinstance(
            verbose, (int, np.integer)) and verbose in (0, 1, 2)):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2, got {verbose!r}.")


def _check_flag(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False, got {value!r}.")


def _check_validation_split(validation_split):
    if isinstance(validation_split, bool) or not isinstance(
            validation_split, (int, float, np.floating)) or not 0 <= validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1 (a fraction of the "
                         f"samples), got {validation_split!r}.")


def _check_validation_freq(validation_freq):
    if isinstance(validation_freq, bool) or not (
            (isinstance(validation_freq, int) and validation_freq > 0) or (
                isinstance(validation_freq, (list, tuple, set)) and all(
                    isinstance(e, int) and e > 0 for e in validation_freq))):
        raise ValueError("`validation_freq` must be a positive integer or a list of epochs "
                         f"(counted from 1), got {validation_freq!r}.")


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch + 1 in validation_freq
    raise ValueError(f"`validation_freq` must be an int or a list of epochs, got "
                     f"{validation_freq!r}.")
