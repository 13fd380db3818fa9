"""Layers with Keras's names, arguments and defaults: one layer per file."""

from .activation import Activation
from .dense import Dense
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .layer import Layer

__all__ = ["Activation", "Dense", "Input", "InputLayer", "InputSpec", "Layer"]
