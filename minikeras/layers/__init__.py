"""Layers with Keras's names, arguments and defaults: one layer per file."""

from .. import serialization as _serialization
from ..utils import keras2 as _keras2
from .activation import Activation
from .activity_regularization import ActivityRegularization
from .add import Add, add
from .average import Average, average
from .average_pooling1d import AveragePooling1D, AvgPool1D
from .average_pooling2d import AveragePooling2D, AvgPool2D
from .batch_normalization import BatchNormalization
from .center_crop import CenterCrop
from .concatenate import Concatenate, concatenate
from .conv1d import Conv1D, Convolution1D
from .conv2d import Conv2D, Convolution2D
from .conv2d_transpose import Conv2DTranspose, Convolution2DTranspose
from .cropping2d import Cropping2D
from .dense import Dense
from .depthwise_conv2d import DepthwiseConv2D
from .dot import Dot, dot
from .dropout import Dropout
from .elu import ELU
from .embedding import Embedding
from .flatten import Flatten
from .gaussian_dropout import GaussianDropout
from .gaussian_noise import GaussianNoise
from .global_average_pooling1d import GlobalAveragePooling1D, GlobalAvgPool1D
from .global_average_pooling2d import GlobalAveragePooling2D, GlobalAvgPool2D
from .global_max_pooling1d import GlobalMaxPool1D, GlobalMaxPooling1D
from .global_max_pooling2d import GlobalMaxPool2D, GlobalMaxPooling2D
from .group_normalization import GroupNormalization
from .identity import Identity
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .lambda_layer import Lambda
from .layer import Layer
from .layer_normalization import LayerNormalization
from .leaky_relu import LeakyReLU
from .max_pooling1d import MaxPool1D, MaxPooling1D
from .max_pooling2d import MaxPool2D, MaxPooling2D
from .maximum import Maximum, maximum
from .minimum import Minimum, minimum
from .multiply import Multiply, multiply
from .normalization import Normalization
from .permute import Permute
from .prelu import PReLU
from .random_brightness import RandomBrightness
from .random_contrast import RandomContrast
from .random_flip import RandomFlip
from .random_rotation import RandomRotation
from .random_translation import RandomTranslation
from .random_zoom import RandomZoom
from .relu import ReLU
from .repeat_vector import RepeatVector
from .rescaling import Rescaling
from .reshape import Reshape
from .resizing import Resizing
from .separable_conv2d import SeparableConv2D, SeparableConvolution2D
from .softmax import Softmax
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D
from .subtract import Subtract, subtract
from .unit_normalization import UnitNormalization
from .up_sampling2d import UpSampling2D
from .zero_padding2d import ZeroPadding2D


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
    "Activation", "ActivityRegularization", "Add", "Average", "AveragePooling1D",
    "AveragePooling2D", "AvgPool1D", "AvgPool2D", "BatchNormalization", "Concatenate", "Conv1D",
    "Conv2D", "Conv2DTranspose", "Convolution1D", "Convolution2D", "Convolution2DTranspose",
    "Cropping2D", "Dense", "DepthwiseConv2D", "Dot", "Dropout", "ELU", "Embedding", "Flatten",
    "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GroupNormalization", "Identity", "Input",
    "InputLayer", "InputSpec", "Lambda", "Layer", "LayerNormalization", "LeakyReLU", "MaxPool1D",
    "MaxPool2D", "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum", "Multiply", "PReLU",
    "Permute", "ReLU", "RepeatVector", "Reshape", "SeparableConv2D", "SeparableConvolution2D",
    "Softmax", "SpatialDropout1D", "SpatialDropout2D", "Subtract", "UnitNormalization",
    "UpSampling2D", "ZeroPadding2D", "add", "average", "concatenate", "deserialize", "dot",
    "maximum", "minimum", "multiply", "serialize", "subtract",
    # preprocessing and augmentation
    "CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
]

# Keras 2's module paths of the layers (keras.layers.core.Dense...), for the tutorials that
# use them: each name comes with a DeprecationWarning naming keras.layers.<name>.
_KERAS2_MODULES = {
    "core": ["Activation", "ActivityRegularization", "Dense", "Dropout", "Flatten", "Lambda",
             "Masking", "Permute", "RepeatVector", "Reshape", "SpatialDropout1D",
             "SpatialDropout2D"],
    "convolutional": ["Conv1D", "Conv2D", "Conv2DTranspose", "Convolution1D", "Convolution2D",
                      "Convolution2DTranspose", "Cropping1D", "Cropping2D", "DepthwiseConv2D",
                      "SeparableConv1D", "SeparableConv2D", "SeparableConvolution2D",
                      "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"],
    "pooling": ["AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D",
                "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D",
                "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPooling1D",
                "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D"],
    "normalization": ["BatchNormalization", "LayerNormalization"],
    "merge": ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply",
              "Subtract", "add", "average", "concatenate", "dot", "maximum", "minimum",
              "multiply", "subtract"],
    "embeddings": ["Embedding"],
    "advanced_activations": ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"],
    "noise": ["AlphaDropout", "GaussianDropout", "GaussianNoise"],
}
for _name, _names in _KERAS2_MODULES.items():
    _keras2.alias_module(__name__, _name, _names, "keras.layers")
