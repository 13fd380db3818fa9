"""Utilities a Keras user expects under ``keras.utils``, and a few for learners.

Keras also offers its custom-object functions here (``keras.utils.get_custom_objects()``,
where Keras 2 tutorials register their losses and metrics): they are
``minikeras.serialization``'s.
"""

from ..backend import is_keras_tensor
from ..serialization import *  # noqa: F403  (get_custom_objects, custom_object_scope, ...)
from ..serialization import __all__ as _SERIALIZATION_NAMES
from .batching import batches
from .dataset_utils import split_dataset
from .file_utils import get_file
from .image_dataset import image_dataset_from_directory
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from .model_visualization import model_to_dot, plot_model
from .numerical import normalize, to_categorical
from .plotting import plot_history, plot_predictions
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .random import set_random_seed

from . import keras2  # isort: skip  (Keras 2's keras.utils.np_utils holds the names above)

keras2.alias_module(__name__, "np_utils", ["normalize", "to_categorical"], "keras.utils")

__all__ = [
    *_SERIALIZATION_NAMES,
    "Progbar",
    "PyDataset",
    "Sequence",
    "array_to_img",
    "batches",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_file",
    "image_dataset_from_directory",
    "img_to_array",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "load_img",
    "model_to_dot",
    "normalize",
    "plot_history",
    "plot_model",
    "plot_predictions",
    "save_img",
    "set_random_seed",
    "split_dataset",
    "to_categorical",
]
