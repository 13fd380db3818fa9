"""A minikeras model as a tf.keras model and back, through the shared ``.keras`` file.

Nothing here maps layer names to layer names: ``minikeras.saving`` writes
Keras 3's own ``.keras`` file (Keras's class names, configs and weight layout)
and reads the files Keras writes, so converting is saving on one side and
loading on the other, through a temporary folder. That keeps one place
(``minikeras/saving``) in charge of how a minikeras object corresponds to a
Keras one, for layers, losses, metrics and optimizers alike.
"""

import os
import tempfile

from .. import layers, saving
from ..models import Model


def import_tensorflow():
    """The ``tensorflow`` module, with tf.keras on TensorFlow; a clear error without it."""
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError(
            "minikeras.keras_bridge runs models on tf.keras and needs TensorFlow: "
            "`pip install 'minikeras[keras]'` (or `pip install tensorflow`)."
        ) from error
    if tf.keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"minikeras.keras_bridge needs tf.keras on TensorFlow, but Keras runs on "
            f"'{tf.keras.backend.backend()}' here: unset KERAS_BACKEND (or set it to 'tensorflow')."
        )
    return tf


def to_keras(model, custom_objects=None):
    """The tf.keras model equivalent to the minikeras ``model``: same layers, configs and weights.

    A compiled model comes out compiled with the equivalent optimizer (its
    state included), loss and metrics. Create it inside ``strategy.scope()``
    to place its variables with a ``tf.distribute`` strategy.

    custom_objects: {name: tf.keras class or function} for your own layers,
        losses or metrics (their tf.keras twins), or a subclassed model's class.
    Raises ValueError when tf.keras cannot rebuild the model.
    """
    tf = import_tensorflow()
    _check_model(model)
    if model.compiled and model.optimizer is not None and not model.optimizer.built:
        # Its (zero) state then travels too, and tf.keras finds the variables it expects.
        model.optimizer.build(model.trainable_variables)
    with tempfile.TemporaryDirectory(prefix="minikeras-bridge-") as folder:
        path = os.path.join(folder, "model.keras")
        saving.save_model(model, path)
        try:  # the file is this process's own, just written: its Lambda code is the user's
            return tf.keras.models.load_model(path, custom_objects=custom_objects,
                                              safe_mode=False)
        except Exception as error:  # Keras raises ValueError, TypeError, KeyError...
            raise ValueError(
                f"to_keras: tf.keras could not rebuild the minikeras model '{model.name}' "
                f"({type(model).__name__}) from its .keras config. {error} (A subclassed model "
                "or your own layers, losses or metrics need their tf.keras twins in "
                "`custom_objects`.)"
            ) from error


def from_keras(keras_model, custom_objects=None):
    """The minikeras model equivalent to the tf.keras ``keras_model`` (Sequential or functional).

    Same layers, configs and weights; compiled with the equivalent optimizer
    (its state included), loss and metrics when ``keras_model`` is compiled.

    custom_objects: {name: minikeras class or function} for your own layers,
        losses or metrics (their minikeras twins).
    Raises ValueError naming each layer minikeras does not have (and its class),
    or saying why minikeras could not rebuild the model.
    """
    tf = import_tensorflow()
    if not isinstance(keras_model, tf.keras.Model):
        raise TypeError(f"from_keras expects a tf.keras Model, got {keras_model!r} of type "
                        f"{type(keras_model).__name__}.")
    _check_layers_exist(keras_model, tf, custom_objects or {})
    with tempfile.TemporaryDirectory(prefix="minikeras-bridge-") as folder:
        path = os.path.join(folder, "model.keras")
        keras_model.save(path)
        try:  # the file is this process's own, just written: its Lambda code is the user's
            return saving.load_model(path, custom_objects=custom_objects, safe_mode=False)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"from_keras: minikeras could not rebuild the tf.keras model "
                f"'{keras_model.name}': {error}"
            ) from error


def copy_state(keras_model, model):
    """Copies the weights and the optimizer state of ``keras_model`` into its minikeras twin.

    ``model`` must have the architecture ``keras_model`` was converted from
    (``to_keras``). The optimizer state is copied where the two optimizers
    match (the same class and configuration); otherwise it is skipped with a
    warning, and the weights are still copied.
    """
    if model.compiled and model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    with tempfile.TemporaryDirectory(prefix="minikeras-bridge-") as folder:
        path = os.path.join(folder, "model.weights.h5")
        keras_model.save_weights(path)
        saving.load_weights(model, path)


def _check_model(model):
    if not isinstance(model, Model):
        raise TypeError(f"Expected a minikeras Model, got {model!r} of type "
                        f"{type(model).__name__}.")
    if not model.built:
        raise ValueError(f"The model '{model.name}' has not been built yet, so it has no weights "
                         "to convert: give it an Input, or call it on data first.")


def _check_layers_exist(keras_model, tf, custom_objects):
    """Raises ValueError naming every built-in Keras layer of ``keras_model`` minikeras lacks."""
    missing = [f"'{layer.name}' (keras.layers.{type(layer).__name__})"
               for layer in _all_layers(keras_model, tf)
               if _is_builtin(type(layer)) and not _minikeras_has(type(layer).__name__,
                                                                  custom_objects)]
    if missing:
        known = sorted(name for name in layers.__all__
                       if isinstance(getattr(layers, name), type) and name[0].isupper())
        raise ValueError(
            f"from_keras: minikeras has no equivalent of the layer(s) {', '.join(missing)} in "
            f"the tf.keras model '{keras_model.name}'. The layers minikeras has: "
            f"{', '.join(known)}. For another layer, write it as a minikeras Layer and pass it "
            "in `custom_objects={'ClassName': YourLayer}`."
        )


def _all_layers(keras_model, tf):
    """Every layer of a Sequential or functional tf.keras model, nested models' layers included."""
    for layer in keras_model.layers:
        if isinstance(layer, tf.keras.Model) and _is_builtin(type(layer)):
            yield from _all_layers(layer, tf)
        else:
            yield layer


def _is_builtin(cls):
    return cls.__module__.split(".")[0] == "keras"


def _minikeras_has(class_name, custom_objects):
    return class_name in custom_objects or isinstance(getattr(layers, class_name, None), type)
