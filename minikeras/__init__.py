"""minikeras: a deep-learning framework on NumPy (or CuPy) that speaks Keras.

``import minikeras as keras`` and write tf.keras code. To learn how it works,
read ``autograd/tensor.py`` (backpropagation in one page), then ``ops/``.
"""

from . import (
    activations,
    backend,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    regularizers,
    utils,
)
from .autograd import Tensor, no_grad
from .layers import Input
from .ops.symbolic import KerasTensor, Operation
from .runtime import host_memory
from .variables import Variable

from . import config, random  # isort: skip  (on backend, initializers and ops)
from . import callbacks, models, saving  # isort: skip  (they build on the modules above)
from . import keras_bridge  # isort: skip  (on models and saving; imports TensorFlow lazily)
from . import keras_api  # isort: skip
from .models import Model, Sequential  # isort: skip

host_memory.keep_freed_memory()  # for all the arrays to come
keras_api.answer_missing_names_everywhere()  # after every module above is loaded

__version__ = "0.1.0"


def version():
    """minikeras's version, as a string (``keras.version()`` gives Keras's)."""
    return __version__


__all__ = [
    "Input",
    "KerasTensor",
    "Model",
    "Operation",
    "Sequential",
    "Tensor",
    "Variable",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "initializers",
    "keras_bridge",
    "layers",
    "losses",
    "metrics",
    "models",
    "no_grad",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "utils",
    "version",
]
