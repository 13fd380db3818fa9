"""Utilities a Keras user expects under ``keras.utils``, and a few for learners.

Keras also keeps its custom-object functions here (``keras.utils.get_custom_objects()``,
where Keras 2 tutorials register their losses and metrics); they live in
``minikeras.saving`` and are found here on first use, since ``saving`` is built
on the layers that import this package.
"""

from .batching import batches
from .file_utils import get_file
from .model_visualization import model_to_dot, plot_model
from .numerical import normalize, to_categorical
from .plotting import plot_history, plot_predictions
from .progbar import Progbar
from .random import set_random_seed

_FROM_SAVING = (
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
)


def __getattr__(name):
    if name in _FROM_SAVING:
        from .. import saving

        return getattr(saving, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    *_FROM_SAVING,
    "Progbar",
    "batches",
    "get_file",
    "model_to_dot",
    "normalize",
    "plot_history",
    "plot_model",
    "plot_predictions",
    "set_random_seed",
    "to_categorical",
]
