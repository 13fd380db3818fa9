"""Objects to Keras's JSON config dicts and back, and the names users' own objects go by.

Every level uses it (layers serialize their activations and initializers,
models their layers, ``saving`` whole files), so it sits below all of them
and knows none: a layer says how it was built (``get_build_config``), a
model how it was compiled (``get_compile_config``). ``keras.saving``
re-exports these names, where Keras users look for them.
"""

from .object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
]
