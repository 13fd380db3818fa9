"""``fit_keras``: train a minikeras model on tf.keras, under a ``tf.distribute`` strategy.

The steps, as the TPU codelabs take them:

1. pick the strategy (``strategies.py``) before TensorFlow runs anything;
2. cut the arrays into a ``tf.data`` pipeline: shuffled (with one seed every
   worker agrees on), batched with the GLOBAL batch size, per-replica batch
   times ``num_replicas_in_sync`` (each replica gets ``batch_size`` samples a
   step), ``drop_remainder=True`` on TPU (whose programs are compiled for one
   batch shape), prefetched;
3. convert the model inside ``strategy.scope()``, so its variables and its
   optimizer's are created as the strategy places them;
4. ``keras_model.fit``;
5. copy the trained weights and optimizer state back into the minikeras model
   and return a minikeras History with the keys minikeras's fit would log.
"""

import contextlib
import inspect

import numpy as np

from .. import backend
from .. import callbacks as callbacks_module
from ..models import data_adapters
from ..models.trainer import Trainer
from ..utils import tree
from .convert import copy_state, import_tensorflow, to_keras
from .strategies import WORKER_TIMEOUT_S, get_strategy, is_first_worker, is_multi_worker

# fit's keyword arguments and defaults, read from minikeras's own fit.
FIT_DEFAULTS = {name: parameter.default
                for name, parameter in inspect.signature(Trainer.fit).parameters.items()
                if name not in ("self", "x", "y")}


def fit_keras(model, x, y, strategy="auto", worker_timeout=WORKER_TIMEOUT_S, **fit_kwargs):
    """Trains the compiled minikeras ``model`` on tf.keras; returns the History.

    x, y: arrays (lists or dicts of arrays for several inputs or outputs).
    strategy: "auto", "tpu", "mirrored", "multi_worker" or a
        ``tf.distribute.Strategy`` (see ``keras_bridge.strategies``).
    worker_timeout: with "multi_worker", the seconds to wait for the other
        machines of TF_CONFIG to come up before giving up with a TimeoutError.
    fit_kwargs: minikeras's (and Keras's) fit arguments. ``batch_size`` (32 by
        default) is PER REPLICA: a step trains on ``batch_size *
        num_replicas_in_sync`` samples. ``callbacks`` are tf.keras callbacks,
        since they run inside tf.keras's loop (minikeras callbacks are refused).

    The minikeras model ends with the trained weights (and optimizer state);
    ``model.history`` is the returned History, whose ``history`` dict has the
    keys minikeras's fit would log ("loss", "accuracy", "val_loss", ...).
    With "multi_worker", run the same program on every machine: all of them
    start from the first worker's weights and end with the same ones.
    """
    options = _fit_options(fit_kwargs)
    _check_compiled(model)
    train, validation = _split(x, y, options)
    # Before TensorFlow is imported (refusals that need none come at once), and before any TF
    # op: a multi-worker strategy must come first.
    strategy = get_strategy(strategy, worker_timeout)
    tf = import_tensorflow()
    replicas = strategy.num_replicas_in_sync
    drop_remainder = isinstance(strategy, tf.distribute.TPUStrategy)
    seed = _shuffle_seed(tf, strategy) if options["shuffle"] else None
    train_data = make_dataset(train, options["batch_size"], replicas, drop_remainder, seed=seed,
                              repeat=options["steps_per_epoch"] is not None)
    validation_data = None if validation is None else make_dataset(
        validation, options["validation_batch_size"] or options["batch_size"], replicas,
        drop_remainder)
    with strategy.scope():
        keras_model = to_keras(model)
        if is_multi_worker(strategy):
            _start_from_first_worker(tf, strategy, keras_model)
    with _keras_fit_context(tf, strategy, keras_model):
        keras_history = keras_model.fit(
            train_data, validation_data=validation_data, epochs=options["epochs"],
            verbose=options["verbose"], callbacks=options["callbacks"], shuffle=False,
            class_weight=options["class_weight"], initial_epoch=options["initial_epoch"],
            steps_per_epoch=options["steps_per_epoch"],
            validation_steps=options["validation_steps"],
            validation_freq=options["validation_freq"])
    copy_state(keras_model, model)
    return _minikeras_history(model, keras_history)


# -- arguments -----------------------------------------------------------------


def _fit_options(fit_kwargs):
    """minikeras fit's arguments with their defaults, checked before anything runs."""
    unknown = sorted(set(fit_kwargs) - set(FIT_DEFAULTS))
    if unknown:
        raise TypeError(f"fit_keras() got unexpected keyword argument(s) {unknown}; it takes "
                        f"fit's arguments: {sorted(FIT_DEFAULTS)}.")
    options = {**FIT_DEFAULTS, **fit_kwargs}
    options["batch_size"] = 32 if options["batch_size"] is None else options["batch_size"]
    for name in ("batch_size", "validation_batch_size"):
        if options[name] is not None:
            data_adapters.check_batch_size(options[name])
    if not isinstance(options["shuffle"], bool):
        raise ValueError(f"fit_keras: `shuffle` must be True or False, got {options['shuffle']!r}.")
    options["callbacks"] = _keras_callbacks(options["callbacks"])
    return options


def _keras_callbacks(callbacks):
    callbacks = tree.flatten(callbacks) if callbacks else []
    ours = [type(c).__name__ for c in callbacks if isinstance(c, callbacks_module.Callback)]
    if ours:
        raise ValueError(
            f"fit_keras runs tf.keras's training loop, where minikeras callbacks {ours} cannot "
            "run. Pass their tf.keras equivalents (e.g. tf.keras.callbacks.EarlyStopping), or "
            "train with model.fit to use minikeras callbacks."
        )
    return callbacks


def _check_compiled(model):
    if not getattr(model, "compiled", False):
        raise ValueError("You must call `compile()` before calling `fit_keras()`.")


def _split(x, y, options):
    """((x, y, sample_weight) to train on, the same to validate on or None), as host arrays."""
    if not data_adapters.is_array_data(x):
        raise TypeError(
            f"fit_keras takes arrays (or lists or dicts of arrays), got x of type "
            f"{type(x).__name__}. To train on a pipeline of your own, convert the model under "
            "`strategy.scope()` with to_keras, call the tf.keras model's fit, then "
            "copy_state(keras_model, model).")
    train = tuple(data_adapters.to_host_arrays(value, name) for value, name in (
        (x, "x"), (y, "y"), (options["sample_weight"], "sample_weight")))
    data_adapters.check_sample_counts(*train, "fit_keras")
    validation = options["validation_data"]
    if options["validation_split"] and validation is None:
        return data_adapters.train_validation_split(*train, options["validation_split"])
    if validation is None:
        return train, None
    if not isinstance(validation, tuple) or len(validation) not in (2, 3):
        raise ValueError("fit_keras: `validation_data` must be a tuple (x_val, y_val) or "
                         f"(x_val, y_val, sample_weight_val) of arrays, got {type(validation)}.")
    x_val, y_val, weights_val = data_adapters.unpack_x_y_sample_weight(validation)
    validation = tuple(data_adapters.to_host_arrays(value, f"validation_data[{i}]")
                       for i, value in enumerate((x_val, y_val, weights_val)))
    data_adapters.check_sample_counts(*validation, "fit_keras (validation_data)")
    return train, validation


# -- the input pipeline ------------------------------------------------------------


def make_dataset(arrays, batch_size, replicas=1, drop_remainder=False, seed=None,
                 repeat=False):
    """A tf.data dataset of (x, y[, sample_weight]) GLOBAL batches: ``batch_size * replicas``.

    arrays: (x, y, sample_weight) host arrays (y and sample_weight may be None).
    batch_size: samples per replica and step.
    drop_remainder: leave out the last, partial batch (TPUs need one batch shape).
    seed: shuffle each epoch with this seed (None: keep the order).
    repeat: cycle forever (with ``steps_per_epoch``, epochs go on where the last stopped).
    """
    tf = import_tensorflow()
    elements = tuple(_for_tf_data(a) for a in arrays if a is not None)
    count = len(tree.flatten(arrays[0])[0])
    global_batch = batch_size * replicas
    if drop_remainder and count < global_batch:
        raise ValueError(
            f"fit_keras: on a TPU every batch must be full, but there are {count} samples for "
            f"a global batch of {global_batch} ({batch_size} per replica x {replicas} "
            "replicas). Lower batch_size or give more data.")
    data = tf.data.Dataset.from_tensor_slices(elements)
    if seed is not None:
        data = data.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    data = data.batch(global_batch, drop_remainder=drop_remainder)
    if repeat:
        data = data.repeat()
    options = tf.data.Options()
    # In-memory arrays have no files to split among workers: each takes its share of a batch.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return data.with_options(options).prefetch(tf.data.AUTOTUNE)


def _for_tf_data(arrays):
    """Floats in floatx (TPUs have no float64), lists as tuples (tf.data stacks lists)."""
    if isinstance(arrays, dict):
        return {key: _for_tf_data(value) for key, value in arrays.items()}
    if isinstance(arrays, (list, tuple)):
        return tuple(_for_tf_data(value) for value in arrays)
    if arrays.dtype.kind == "f":
        return arrays.astype(backend.floatx(), copy=False)
    return arrays


def _shuffle_seed(tf, strategy):
    """A shuffle seed from minikeras's seeded generator; the first worker's on every worker."""
    seed = int(backend.host_rng().integers(2**31 - 1))
    if is_multi_worker(strategy):
        seed = int(_first_worker_values(tf, strategy, [tf.constant(seed, tf.int64)])[0])
    return seed


# -- several workers ------------------------------------------------------------------


def _first_worker_values(tf, strategy, tensors):
    """The first worker's values of ``tensors``, on every worker: one all-reduce of each.

    Each worker contributes its own value on the first worker and zeros
    elsewhere, so the sum is the first worker's value exactly.
    """
    first = is_first_worker(strategy)
    return [strategy.reduce(tf.distribute.ReduceOp.SUM,
                            tensor if first else tf.zeros_like(tensor), axis=None)
            for tensor in tensors]


def _start_from_first_worker(tf, strategy, keras_model):
    """Gives every worker the first worker's weights and optimizer state.

    MultiWorkerMirroredStrategy synchronizes the updates, not the values
    loaded from a file: workers that built their minikeras models with
    different seeds would otherwise train different weights forever.
    """
    variables = list(keras_model.weights) + list(keras_model.optimizer.variables)
    values = _first_worker_values(tf, strategy, [tf.convert_to_tensor(v) for v in variables])
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


@contextlib.contextmanager
def _keras_fit_context(tf, strategy, keras_model):
    """Lets tf.keras's fit run on several workers, which Keras 3 cannot do unaided.

    Keras 3's fit fails under MultiWorkerMirroredStrategy
    (https://github.com/keras-team/keras/issues/20585): before the first step
    it all-reduces a nested batch (to build the model symbolically), and after
    each step it all-reduces each scalar log along an axis 0 it does not have.
    So, on this model only: it forgets the strategy it was created under
    (Keras then skips that build, which the loaded model does not need, and
    finds the strategy through the ``strategy.scope()`` fit runs in), and
    every log gets a leading axis of 1, so the reduction along axis 0 averages
    the workers' values, as meant.
    """
    if not is_multi_worker(strategy):
        yield
        return
    keras_model._distribute_strategy = None
    keras_model.train_step = _with_leading_axis(tf, keras_model.train_step)
    keras_model.test_step = _with_leading_axis(tf, keras_model.test_step)
    with strategy.scope():
        yield


def _with_leading_axis(tf, step):
    def step_with_leading_axis(data):
        return tf.nest.map_structure(lambda value: tf.expand_dims(value, 0), step(data))

    return step_with_leading_axis


# -- the result -----------------------------------------------------------------------


def _minikeras_history(model, keras_history):
    """A minikeras History holding what tf.keras's fit logged, as Python floats."""
    history = callbacks_module.History()
    history.set_model(model)
    history.set_params(dict(keras_history.params or {}))
    history.epoch = list(keras_history.epoch)
    history.history = {key: [_to_python(value) for value in values]
                       for key, values in sorted(keras_history.history.items())}
    model.history = history
    return history


def _to_python(value):
    """A logged value as a Python float (a metric with several values stays an array)."""
    array = np.asarray(value)
    return array.item() if array.size == 1 else array
