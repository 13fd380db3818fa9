"""Layers with Keras's names, arguments and defaults: one layer per file."""

from .. import serialization as _serialization
from .activation import Activation
from .add import Add, add
from .average import Average, average
from .average_pooling1d import AveragePooling1D, AvgPool1D
from .average_pooling2d import AveragePooling2D, AvgPool2D
from .batch_normalization import BatchNormalization
from .concatenate import Concatenate, concatenate
from .conv1d import Conv1D, Convolution1D
from .conv2d import Conv2D, Convolution2D
from .conv2d_transpose import Conv2DTranspose, Convolution2DTranspose
from .dense import Dense
from .depthwise_conv2d import DepthwiseConv2D
from .dropout import Dropout
from .flatten import Flatten
from .global_average_pooling2d import GlobalAveragePooling2D, GlobalAvgPool2D
from .global_max_pooling2d import GlobalMaxPool2D, GlobalMaxPooling2D
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .layer import Layer
from .leaky_relu import LeakyReLU
from .max_pooling1d import MaxPool1D, MaxPooling1D
from .max_pooling2d import MaxPool2D, MaxPooling2D
from .maximum import Maximum, maximum
from .minimum import Minimum, minimum
from .multiply import Multiply, multiply
from .relu import ReLU
from .reshape import Reshape
from .separable_conv2d import SeparableConv2D, SeparableConvolution2D
from .softmax import Softmax
from .subtract import Subtract, subtract


def serialize(layer):
    """Keras's config dict of ``layer`` ({"module", "class_name", "config", ...})."""
    return _serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer a config dict describes (the module defaults to "keras.layers")."""
    if isinstance(config, dict) and "module" not in config:
        config = {**config, "module": "keras.layers"}
    layer = _serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"The config does not describe a layer: it makes {layer!r}.")
    return layer

__all__ = [
    "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D",
    "AvgPool2D", "BatchNormalization", "Concatenate", "Conv1D", "Conv2D", "Conv2DTranspose",
    "Convolution1D", "Convolution2D", "Convolution2DTranspose", "Dense", "DepthwiseConv2D",
    "Dropout", "Flatten",
    "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D", "GlobalMaxPooling2D",
    "Input", "InputLayer", "InputSpec", "Layer", "LeakyReLU", "MaxPool1D", "MaxPool2D",
    "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum", "Multiply", "ReLU", "Reshape",
    "SeparableConv2D", "SeparableConvolution2D", "Softmax", "Subtract", "add",
    "average", "concatenate", "deserialize", "maximum", "minimum", "multiply", "serialize",
    "subtract",
]
