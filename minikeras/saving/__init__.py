"""Saving and loading models in Keras's own ``.keras`` format, as ``keras.saving``.

``save_model``/``load_model`` write and read whole models (architecture,
weights, optimizer state), also as Keras's legacy ``.h5`` files
(``legacy_h5.py``); ``save_weights``/``load_weights`` the weights alone
(``.weights.h5``). Files move both ways between minikeras and Keras. Your own
classes and functions are found through ``custom_objects`` or
``@register_keras_serializable()``; loading never runs code from a file
unless you pass ``safe_mode=False`` (see ``serialization/safe_mode.py``).
"""

from ..serialization import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from ..serialization.safe_mode import enable_unsafe_deserialization
from .saving_lib import load_model, load_weights, save_model, save_weights

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "enable_unsafe_deserialization",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
