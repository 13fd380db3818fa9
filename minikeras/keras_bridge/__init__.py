"""The same model on real tf.keras: TPUs, several GPUs, several machines.

minikeras trains on NumPy or one GPU. When a model outgrows that, this bridge
hands it to TensorFlow's own distribution engine instead of building another:

- ``to_keras(model)``: the equivalent tf.keras model (compiled if ``model`` is);
- ``from_keras(keras_model)``: the equivalent minikeras model;
- ``fit_keras(model, x, y, strategy="auto", **fit_kwargs)``: trains ``model``
  on tf.keras under a ``tf.distribute`` strategy and copies the trained
  weights back, so you evaluate, save and predict with minikeras afterwards;
- ``get_strategy(name)``: the strategy ``fit_keras`` would use.

Conversion goes through Keras's ``.keras`` file (``minikeras.saving``), the
one place that knows how minikeras objects correspond to Keras ones.
TensorFlow is imported only when one of these functions runs.
"""

from .convert import copy_state, from_keras, to_keras
from .fit import fit_keras
from .strategies import STRATEGIES, get_strategy

__all__ = ["STRATEGIES", "copy_state", "fit_keras", "from_keras", "get_strategy", "to_keras"]
