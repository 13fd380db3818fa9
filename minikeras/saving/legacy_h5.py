"""Keras's legacy HDF5 model file (``model.h5``), written and read as Keras 3 does.

Keras 3 still writes and reads the format of Keras 2 (with a warning that it
is legacy), and tutorials everywhere save their models as ``model.h5``. The
layout is ``keras/src/legacy/saving/legacy_h5_format.py``'s:

- the file's attributes: ``keras_version``, ``backend``, ``model_config``
  (JSON: ``{"class_name", "config"}``) and, for a compiled model,
  ``training_config`` (JSON: compile's arguments, losses and metrics by
  name or as ``{"class_name", "config"}``, and ``optimizer_config``);
- ``model_weights``: attribute ``layer_names`` (``model.layers`` in order),
  then one group per layer, named after it, whose attribute ``weight_names``
  lists its weights (trainable ones first) by path (``dense/kernel``), each
  stored at that path in the group; ``top_level_model_weights`` for the
  model's own weights;
- ``optimizer_weights``: attribute ``weight_names`` (the optimizer's
  variables, in order) and their arrays.

Weights load by position, as in Keras: the layers that have weights, in the
order of ``model.layers``, take the arrays of the saved layers that have
weights, in the order of ``layer_names``.

A file is untrusted input, read under the rules of ``.keras`` files
(``untrusted.py``, ``saving_lib``): every link and dataset is checked before
any array is read, the configs are JSON of bounded size (never code), the
model may not hold more weights than the file could store, and every shape is
checked before any weight changes.
"""

import inspect
import json
import os
import warnings

import numpy as np

from .. import backend, optimizers
from .. import losses as losses_module
from .. import metrics as metrics_module
from ..layers.layer import Layer
from ..serialization import (
    CustomObjectScope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    serialize_keras_object,
)
from ..utils.file_utils import atomic_write
from ..utils.lazy import LazyModule
from ..variables import deferred_initial_values
from . import saving_lib
from .untrusted import MAX_CONFIG_BYTES, declared_bytes, file_errors_as_value_errors, open_hdf5

h5py = LazyModule("h5py")

EXTENSIONS = (".h5", ".hdf5")
LEGACY_WARNING = (
    "You are saving your model as an HDF5 file via `model.save()` or "
    "`keras.saving.save_model(model)`. This file format is considered legacy. We recommend "
    "using instead the native Keras format, e.g. `model.save('my_model.keras')` or "
    "`keras.saving.save_model(model, 'my_model.keras')`.")
HDF5_OBJECT_HEADER_LIMIT = 64512  # bytes an attribute may hold: longer lists are cut in chunks
SPECIAL_METRICS = ("accuracy", "acc", "crossentropy", "ce")  # resolved by compile from shapes


# -- writing --------------------------------------------------------------------------


def save_model_to_hdf5(model, filepath, overwrite=True, include_optimizer=True):
    """Writes ``model`` (architecture, weights, compile arguments and optimizer state) as a
    legacy ``.h5`` file, atomically; warns, as Keras does, that the format is legacy."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    warnings.warn(LEGACY_WARNING, UserWarning, stacklevel=4)
    folder = os.path.dirname(filepath)
    if folder:
        os.makedirs(folder, exist_ok=True)

    def write(stream):
        with h5py.File(stream, "w") as store:
            for key, value in _metadata(model, include_optimizer).items():
                store.attrs[key] = json.dumps(value).encode("utf8") if isinstance(
                    value, dict) else value
            save_weights_to_hdf5_group(store.create_group("model_weights"), model)
            if include_optimizer and model.optimizer is not None and model.optimizer.variables:
                _save_subset(store.create_group("optimizer_weights"), model.optimizer.variables)

    atomic_write(filepath, write)


def _metadata(model, include_optimizer):
    metadata = {
        "keras_version": saving_lib.KERAS_FORMAT_VERSION,
        "backend": backend.backend(),
        "model_config": {"class_name": get_registered_name(type(model)),
                         "config": serialize_keras_object(model.get_config())},
    }
    if include_optimizer and getattr(model, "compiled", False) and model.optimizer is not None:
        training = {key: _legacy_config(value) for key, value in model._compile_config.items()
                    if key != "optimizer"}
        optimizer = model.optimizer
        training["optimizer_config"] = {"class_name": get_registered_name(type(optimizer)),
                                        "config": serialize_keras_object(optimizer.get_config())}
        metadata["training_config"] = training
    return metadata


def _legacy_config(value):
    """A compile argument as Keras's legacy files write it: functions (and classes) by name,
    objects as ``{"class_name", "config"}``, nests of them alike. A short alias of a loss
    function ("mse", "mae") is written by the function's name, which Keras 3.15 can read
    back (its own files with "mse" it cannot)."""
    if isinstance(value, str):
        return _function_name(value)
    if isinstance(value, dict):
        return {key: _legacy_config(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_legacy_config(item) for item in value]
    if inspect.isclass(value) or inspect.isfunction(value):
        return get_registered_name(value)
    if hasattr(value, "get_config"):
        return {"class_name": get_registered_name(type(value)),
                "config": serialize_keras_object(value.get_config())}
    return value


def _function_name(name):
    try:
        function = losses_module.get(name)
    except ValueError:  # not a loss: "accuracy", a custom name...
        return name
    return function.__name__ if inspect.isfunction(function) else name


def save_weights_to_hdf5_group(group, model):
    """The ``model_weights`` group: every layer's weights under its name, by path."""
    _save_strings(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = backend.backend().encode("utf8")
    group.attrs["keras_version"] = saving_lib.KERAS_FORMAT_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _save_subset(group.create_group(layer.name), legacy_weights(layer))
    _save_subset(group.create_group("top_level_model_weights"), _top_level_weights(model))


def _save_subset(group, variables):
    names = [variable.path for variable in variables]
    _save_strings(group, "weight_names", names)
    for name, variable in zip(names, variables, strict=True):
        group.create_dataset(name, data=backend.to_numpy(variable.data))


def _save_strings(group, name, strings):
    """``strings`` as the attribute ``name``, or in chunks ``name0``, ``name1``... where one
    attribute would exceed what an HDF5 object header holds (as Keras writes them)."""
    encoded = [text.encode("utf8") for text in strings]
    data = np.asarray(encoded)
    chunks = 1
    while data.nbytes / chunks > HDF5_OBJECT_HEADER_LIMIT and chunks < len(data):
        chunks += 1
    if chunks == 1:
        group.attrs[name] = encoded
        return
    for index, chunk in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{index}"] = chunk


def legacy_weights(layer):
    """A layer's weights in the order of legacy files: trainable ones first."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_weights(model):
    """The variables a model holds itself, not through its layers."""
    return list(model._trainable_variables) + list(model._non_trainable_variables)


# -- reading ------------------------------------------------------------------------------


def load_model_from_hdf5(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in a legacy ``.h5`` file (by minikeras, Keras 3 or tf.keras 2).

    custom_objects: {name: class or function} for your own layers, losses, metrics
        (those registered in ``get_custom_objects()`` are found too).
    compile: compile the model as it was saved, optimizer state included.
    safe_mode: refuse the Python lambdas a file may hold (pass False only for a file you
        trust), as for ``.keras`` files.
    """
    custom_objects = {**get_custom_objects(), **(custom_objects or {})}
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file found at {filepath}.")
    with file_errors_as_value_errors(filepath), open_hdf5(filepath, filepath) as store:
        config = _json_attribute(store, "model_config", filepath)
        if config is None:
            raise ValueError(f"No model config found in the file at {filepath}: it holds "
                             "weights only (load them with model.load_weights).")
        budget = (saving_lib.WEIGHTS_BUDGET_FACTOR * declared_bytes(store)
                  + saving_lib.BUDGET_SLACK_BYTES)
        with backend.allocation_budget(budget), deferred_initial_values() as created, \
                CustomObjectScope(custom_objects):
            model = deserialize_keras_object(config, custom_objects=custom_objects,
                                             safe_mode=safe_mode)
        if not isinstance(model, Layer) or not hasattr(model, "compile"):
            raise ValueError(f"{filepath}: the config describes {model!r}, not a model.")
        # A model just built from the file: each array is assigned as it is read.
        load_weights_from_hdf5_group(_group(store, "model_weights"), model, staged=False)
        for variable in created:  # those the file did not fill
            variable.draw_initial_value()
        if compile:
            _compile_as_saved(model, store, filepath, custom_objects)
    return model


def _json_attribute(store, name, filepath):
    """The JSON object in the file's attribute ``name`` (None if there is none)."""
    text = store.attrs.get(name)
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf8")
    if not isinstance(text, str) or len(text) > MAX_CONFIG_BYTES:
        raise ValueError(f"{filepath}: the attribute {name!r} must be a JSON text of at most "
                         f"{MAX_CONFIG_BYTES:,} bytes.")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{filepath}: {name} is nested too deeply.") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{filepath}: {name} is not valid JSON ({error}).") from None
    if not isinstance(value, dict):
        raise ValueError(f"{filepath}: {name} must hold a JSON object, found "
                         f"{type(value).__name__}.")
    return value


def _compile_as_saved(model, store, filepath, custom_objects):
    training = _json_attribute(store, "training_config", filepath)
    if training is None:
        warnings.warn("No training configuration found in the save file, so the model was "
                      "*not* compiled. Compile it manually.", stacklevel=4)
        return
    with CustomObjectScope(custom_objects):
        model.compile(**compile_arguments(training, custom_objects))
    if "optimizer_weights" in store:
        _load_optimizer_weights(model, _group(store, "optimizer_weights"))


def compile_arguments(training, custom_objects):
    """compile's arguments from a legacy ``training_config``, as Keras reads them: names of
    losses and metrics become the objects they name, but for the names compile resolves
    from the data's shapes ("accuracy", "crossentropy"...)."""
    optimizer = optimizers.deserialize(training["optimizer_config"], custom_objects)
    return {
        "optimizer": optimizer,
        "loss": _nested(training.get("loss"), lambda c: losses_module.deserialize(
            c, custom_objects)),
        "metrics": _nested(training.get("metrics"), lambda c: _metric(c, custom_objects)),
        "weighted_metrics": _nested(training.get("weighted_metrics"),
                                    lambda c: _metric(c, custom_objects)),
        "loss_weights": training.get("loss_weights"),
    }


def _metric(config, custom_objects):
    if isinstance(config, str) and config.lower() in SPECIAL_METRICS:
        return config
    return metrics_module.deserialize(config, custom_objects)


def _nested(config, deserialize):
    """``deserialize`` applied to each loss or metric of a nest of them."""
    if config is None:
        return None
    if isinstance(config, str) or (isinstance(config, dict) and "class_name" in config):
        return deserialize(config)
    if isinstance(config, dict):
        return {key: _nested(value, deserialize) for key, value in config.items()}
    if isinstance(config, list):
        return [_nested(value, deserialize) for value in config]
    raise ValueError(f"Saved configuration not understood: expected a name, a dict or a list, "
                     f"got {config!r}.")


def load_weights_from_hdf5(model, filepath, skip_mismatch=False, by_name=False):
    """``model.load_weights`` of a legacy ``.h5`` file: a whole model's file, or the weights
    a Keras 2 ``save_weights("weights.h5")`` wrote; by position, or by layer name."""
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file found at {filepath}.")
    with file_errors_as_value_errors(filepath), open_hdf5(filepath, filepath) as store:
        group = store
        if "layer_names" not in store.attrs and "model_weights" in store:
            group = _group(store, "model_weights")
        load_weights_from_hdf5_group(group, model, skip_mismatch, by_name)


def load_weights_from_hdf5_group(group, model, skip_mismatch=False, by_name=False,
                                 staged=True):
    """Loads a ``model_weights`` group into ``model``, as Keras does: by position (the
    layers with weights, in order), or, with ``by_name``, into the layers of the saved
    names (others are left alone). Checks every count and shape before any weight changes;
    ``staged``: every value too (``saving_lib._assign``)."""
    names = strings_attribute(group, "layer_names")
    if by_name:
        pairs = [(layer, name, f"layer #{index} (named {name})")
                 for index, name in enumerate(names) for layer in model.layers
                 if layer.name == name]
    else:
        pairs = _pairs_by_position(group, model, names)
    if "top_level_model_weights" in group:
        pairs.append((model, "top_level_model_weights", "the model's top-level weights"))
    assignments, skipped = [], []
    for owner, name, what in pairs:
        variables = legacy_weights(owner) if owner is not model else _top_level_weights(model)
        values = _stored(_group(group, name))
        problem = saving_lib._mismatch(owner, variables, values)
        if problem is not None:
            if not skip_mismatch:
                raise ValueError(f"Weight count or shape mismatch for {what}: {problem}. No "
                                 "weight was changed.")
            skipped.append(f"{what}: {problem}")
            continue
        assignments.extend((owner, variable, value)
                           for variable, value in zip(variables, values, strict=True))
    if skipped:
        warnings.warn("Skipped mismatching weights:\n" + "\n".join(skipped), stacklevel=3)
    saving_lib._assign(assignments, staged)


def _pairs_by_position(group, model, names):
    """(layer, saved name, description) for each layer with weights, in order."""
    saved = [name for name in names if strings_attribute(_group(group, name), "weight_names")]
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    if len(saved) != len(layers):
        raise ValueError(f"Layer count mismatch when loading weights from file. Model expected "
                         f"{len(layers)} layers (with weights), found {len(saved)} saved "
                         f"layers {saved}.")
    return [(layer, name, f"layer #{index} (named {layer.name} in the current model, {name} "
                          "in the save file)")
            for index, (layer, name) in enumerate(zip(layers, saved, strict=True))]


def _load_optimizer_weights(model, group):
    """The saved optimizer state, by position; a mismatch keeps a fresh optimizer, with a
    warning, as in Keras."""
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    values = _stored(group)
    problem = saving_lib._mismatch(optimizer, list(optimizer.variables), values)
    if problem is not None:
        warnings.warn(f"Error in loading the saved optimizer state ({problem}). As a result, "
                      "your model is starting with a freshly initialized optimizer.",
                      stacklevel=4)
        return
    saving_lib._assign([(optimizer, variable, value) for variable, value in
                        zip(optimizer.variables, values, strict=True)], staged=True)


def _stored(group):
    """The datasets a group lists in ``weight_names``, not read yet."""
    return [_dataset(group, name) for name in strings_attribute(group, "weight_names")]


def strings_attribute(group, name):
    """The list of names in the attribute ``name`` (or its chunks ``name0``, ``name1``...)."""
    if name in group.attrs:
        chunks = [group.attrs[name]]
    else:
        chunks = []
        while f"{name}{len(chunks)}" in group.attrs:
            chunks.append(group.attrs[f"{name}{len(chunks)}"])
    names = []
    for chunk in chunks:
        for item in np.atleast_1d(chunk):
            item = item.decode("utf8") if isinstance(item, bytes) else item
            if not isinstance(item, str):
                raise ValueError(f"The attribute {name!r} of {group.name!r} must list names, "
                                 f"found {item!r}.")
            names.append(item)
    return names


def _group(parent, name):
    return _member(parent, name, h5py.Group, "group")


def _dataset(parent, name):
    return _member(parent, name, h5py.Dataset, "array")


def _member(parent, name, kind, what):
    """``parent[name]``, which must be a ``kind``: a ValueError naming it otherwise."""
    item = parent.get(name)
    if not isinstance(item, kind):
        raise ValueError(f"The file lacks the {what} {name!r} in {parent.name!r} (or holds "
                         "something else under that name).")
    return item
