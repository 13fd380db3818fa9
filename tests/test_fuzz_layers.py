"""Every layer, given wrong arguments or wrong inputs, fails with a clear ValueError/TypeError.

Hypothesis draws the mistakes (``minikeras.testing.strategies.wrong_inputs`` and
``wrong_arguments``): arrays of any rank, size and dtype (strings, objects,
NaN), lists and dicts where one tensor belongs, None, scalars, and odd
constructor values. Whatever comes, the only exceptions allowed are
ValueError and TypeError, and their message names the layer (its class or
its instance name) or the argument -- never an IndexError, AttributeError or a
bare NumPy broadcast message.
"""

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minikeras import layers
from minikeras.layers.base_image_preprocessing import BaseImagePreprocessingLayer
from minikeras.layers.base_merge import Merge
from minikeras.testing import strategies as mst

LAYER_CLASSES = sorted(
    {getattr(layers, name) for name in layers.__all__
     if inspect.isclass(getattr(layers, name)) and issubclass(getattr(layers, name), layers.Layer)},
    key=lambda cls: cls.__name__)

# Arguments without a default, with a value that makes a working layer.
REQUIRED = {
    "Activation": {"activation": "relu"},
    "CenterCrop": {"height": 2, "width": 3},
    "AveragePooling1D": {"pool_size": 2},
    "AveragePooling2D": {"pool_size": 2},
    "Conv1D": {"filters": 2, "kernel_size": 2},
    "Conv2D": {"filters": 2, "kernel_size": 2},
    "Conv2DTranspose": {"filters": 2, "kernel_size": 2},
    "DepthwiseConv2D": {"kernel_size": 2},
    "SeparableConv2D": {"filters": 2, "kernel_size": 2},
    "Dense": {"units": 3},
    "Dot": {"axes": 1},
    "Dropout": {"rate": 0.5},
    "Embedding": {"input_dim": 4, "output_dim": 2},
    "GaussianDropout": {"rate": 0.5},
    "GaussianNoise": {"stddev": 0.5},
    "InputLayer": {"shape": (3,)},
    "Lambda": {"function": lambda x: x * 2.0},
    "Permute": {"dims": (1,)},
    "RandomBrightness": {"factor": 0.2},
    "RandomContrast": {"factor": 0.2},
    "RandomRotation": {"factor": 0.2},
    "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.2},
    "RandomZoom": {"height_factor": 0.2},
    "RepeatVector": {"n": 2},
    "Rescaling": {"scale": 0.5},
    "Reshape": {"target_shape": (-1,)},
    "Resizing": {"height": 2, "width": 3},
    "SpatialDropout1D": {"rate": 0.5},
    "SpatialDropout2D": {"rate": 0.5},
}

# A working input for each kind of layer, to build it before feeding it wrong ones.
IMAGES = np.ones((2, 4, 4, 3), "float32")
SEQUENCES = np.ones((2, 4, 3), "float32")
VECTORS = np.ones((2, 3), "float32")


def good_input(layer):
    name = type(layer).__name__
    if isinstance(layer, Merge):
        return [VECTORS, VECTORS]
    if isinstance(layer, BaseImagePreprocessingLayer):
        return IMAGES
    if "Pool" in name or "Conv" in name or name.endswith(("1D", "2D")):
        return SEQUENCES if "1D" in name else IMAGES
    return VECTORS


def constructor_parameters(cls):
    return [name for name in inspect.signature(cls.__init__).parameters
            if name not in ("self", "kwargs", "name")]


def names_the_culprit(error, *names):
    """Whether the message names the layer or an argument (or the kind of object an argument
    holds: "regularizer" for ``kernel_regularizer``)."""
    message = str(error)
    words = {word for name in names for word in name.split("_") if len(word) > 3}
    return any(name in message for name in (*names, *words))


@pytest.mark.parametrize("cls", LAYER_CLASSES, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_wrong_constructor_arguments_are_clear_errors(cls, data):
    parameters = constructor_parameters(cls)
    chosen = data.draw(st.lists(st.sampled_from(parameters), max_size=2, unique=True)
                       if parameters else st.just([]))
    arguments = dict(REQUIRED.get(cls.__name__, {}))
    arguments.update({name: data.draw(mst.wrong_arguments(), label=name) for name in chosen})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = cls(**arguments)
    except (ValueError, TypeError) as error:
        assert names_the_culprit(error, cls.__name__, *chosen), (
            f"{cls.__name__}({arguments}) raised an error that names neither the layer nor "
            f"the argument: {error!r}")
        return
    call_with(layer, data.draw(st.one_of(st.just(good_input(layer)), mst.wrong_inputs()),
                               label="inputs"))


@pytest.mark.parametrize("cls", LAYER_CLASSES, ids=lambda cls: cls.__name__)
@given(data=st.data())
def test_wrong_inputs_are_clear_errors(cls, data):
    layer = cls(**REQUIRED.get(cls.__name__, {}))
    if data.draw(st.booleans(), label="built first"):
        call_with(layer, good_input(layer))
    call_with(layer, data.draw(mst.wrong_inputs(), label="inputs"),
              training=data.draw(st.sampled_from([None, True, False]), label="training"))


def call_with(layer, inputs, training=None):
    """Calls ``layer``; only a ValueError/TypeError naming the layer may come out."""
    kwargs = {} if training is None else {"training": training}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            layer(inputs, **kwargs)
    except (ValueError, TypeError) as error:
        assert names_the_culprit(error, layer.name, type(layer).__name__), (
            f"{type(layer).__name__} called on {describe(inputs)} raised an error that does "
            f"not name the layer: {error!r}")


def describe(inputs):
    if isinstance(inputs, np.ndarray):
        return f"an array of shape {inputs.shape} and dtype {inputs.dtype}"
    return repr(inputs)[:200]
