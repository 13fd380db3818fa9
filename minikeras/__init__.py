"""minikeras: a deep-learning framework on NumPy (or CuPy) that speaks Keras.

``import minikeras as keras`` and write tf.keras code. To learn how it works,
read ``autograd/tensor.py`` (backpropagation in one page), then ``ops/``.
"""

from . import (
    activations,
    backend,
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
from .variables import Variable

__version__ = "0.1.0"
__all__ = [
    "Input",
    "Tensor",
    "Variable",
    "activations",
    "backend",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "no_grad",
    "ops",
    "optimizers",
    "regularizers",
    "utils",
]
