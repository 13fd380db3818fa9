"""Utilities a Keras user expects under ``keras.utils``."""

from .progbar import Progbar
from .random import set_random_seed

__all__ = ["Progbar", "set_random_seed"]
