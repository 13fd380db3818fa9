"""Utilities a Keras user expects under ``keras.utils``, and a few for learners.

Keras also offers its custom-object functions here (``keras.utils.get_custom_objects()``,
where Keras 2 tutorials register their losses and metrics): they are
``minikeras.serialization``'s.
"""

from ..serialization import *  # noqa: F403  (get_custom_objects, custom_object_scope, ...)
from ..serialization import __all__ as _SERIALIZATION_NAMES
from .batching import batches
from .file_utils import get_file
from .io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from .model_visualization import model_to_dot, plot_model
from .numerical import normalize, to_categorical
from .plotting import plot_history, plot_predictions
from .progbar import Progbar
from .random import set_random_seed

__all__ = [
    *_SERIALIZATION_NAMES,
    "Progbar",
    "batches",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_file",
    "is_interactive_logging_enabled",
    "model_to_dot",
    "normalize",
    "plot_history",
    "plot_model",
    "plot_predictions",
    "set_random_seed",
    "to_categorical",
]
