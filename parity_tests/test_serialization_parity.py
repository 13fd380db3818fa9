"""keras.saving.serialize_keras_object / deserialize_keras_object against tf.keras, for every
public class of the component modules and every public function: what minikeras writes,
tf.keras reads as the same object, and what tf.keras writes, minikeras reads.

Each object is written in both frameworks; the two dicts must name the same module, class
and registered name and hold the same config (save the differences listed below, each with
its reason); then each framework reads the other's dict and must rebuild an object of that
class with that config.
"""

import inspect
import json

import keras
import numpy as np
import pytest

import minikeras as mk
from parity_tests.test_coverage import public_components

MODULES = ["optimizers.schedules", "optimizers", "losses", "metrics", "initializers",
           "regularizers", "constraints", "layers"]

# Classes that need constructor arguments; each builds the object in ``lib`` (mk or keras).
ARGUMENTS = {
    "ExponentialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9},
    "InverseTimeDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    "PiecewiseConstantDecay": {"boundaries": [10, 20], "values": [0.1, 0.01, 0.001]},
    "PolynomialDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "power": 2.0},
    "CosineDecay": {"initial_learning_rate": 0.1, "decay_steps": 10, "warmup_steps": 2,
                    "warmup_target": 0.2},
    "CosineDecayRestarts": {"initial_learning_rate": 0.1, "first_decay_steps": 10},
    "Dense": {"units": 3, "activation": "relu", "kernel_regularizer": "l2",
              "kernel_constraint": "non_neg"},
    "Conv1D": {"filters": 2, "kernel_size": 3, "padding": "causal"},
    "Conv2D": {"filters": 4, "kernel_size": 3, "groups": 2, "bias_initializer": "ones"},
    "Conv2DTranspose": {"filters": 2, "kernel_size": 3, "strides": 2},
    "SeparableConv2D": {"filters": 2, "kernel_size": 3, "depth_multiplier": 2},
    "DepthwiseConv2D": {"kernel_size": 3}, "Activation": {"activation": "tanh"},
    "Dropout": {"rate": 0.3}, "Reshape": {"target_shape": (2, 3)},
    "Embedding": {"input_dim": 5, "output_dim": 3, "mask_zero": True},
    "GroupNormalization": {"groups": 2}, "RepeatVector": {"n": 2}, "Permute": {"dims": (2, 1)},
    "SpatialDropout1D": {"rate": 0.5}, "SpatialDropout2D": {"rate": 0.5},
    "GaussianNoise": {"stddev": 0.1}, "GaussianDropout": {"rate": 0.1}, "Dot": {"axes": 1},
    "Cropping2D": {"cropping": 1}, "AveragePooling1D": {"pool_size": 2},
    "AveragePooling2D": {"pool_size": 2}, "InputLayer": {"shape": (3,)},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.3},
    "Circle": {"gamma": 32.0, "remove_diagonal": False},
    "IoU": {"num_classes": 3, "target_class_ids": [0, 2]}, "MeanIoU": {"num_classes": 2},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [1]}, "OneHotMeanIoU": {"num_classes": 2},
    "PrecisionAtRecall": {"recall": 0.5}, "RecallAtPrecision": {"precision": 0.5},
    "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.5}, "AUC": {"num_thresholds": 50},
    "SGD": {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
    "Adam": {"learning_rate": 0.002, "amsgrad": True, "clipnorm": 1.0},
    "Constant": {"value": 0.5}, "VarianceScaling": {"scale": 2.0, "mode": "fan_avg"},
    "L1L2": {"l1": 0.1, "l2": 0.2}, "MaxNorm": {"max_value": 3.0, "axis": [0, 1, 2]},
    "CenterCrop": {"height": 4, "width": 5}, "Resizing": {"height": 8, "width": 6,
                                                         "interpolation": "nearest"},
    "Rescaling": {"scale": 1 / 255, "offset": 0.5}, "RandomContrast": {"factor": 0.3},
    "RandomBrightness": {"factor": 0.2, "value_range": (0, 1)},
    "RandomRotation": {"factor": 0.1, "fill_mode": "nearest"},
    "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.2},
    "RandomZoom": {"height_factor": 0.2},
}


def build(lib, module, name):
    """An instance of ``lib``'s class (mk or keras) with the arguments above."""
    if name == "LossFunctionWrapper":  # not in keras.losses: Keras writes it as keras.src's
        from keras.src.losses.losses import LossFunctionWrapper
        cls = mk.losses.LossFunctionWrapper if lib is mk else LossFunctionWrapper
        return cls(lib.losses.huber, name="wrapped_huber", reduction="sum", delta=2.0)
    cls = getattr(_module(lib, module), name)
    if name == "MeanMetricWrapper":
        return cls(fn=lib.metrics.mean_squared_error, name="wrapped_mse")
    return cls(**ARGUMENTS.get(name, {}))


def _module(lib, module):
    for part in module.split("."):
        lib = getattr(lib, part)
    return lib


# Public classes whose instances are not saved objects, and why.
NOT_SAVED = {
    "layers.Layer": "the base class: its subclasses are compared",
    "layers.InputSpec": "a layer's input contract, written in no config",
    "layers.Lambda": "holds a Python function: its files and safe mode are compared in "
                     "test_text_and_shape_layers_parity.py",
    "losses.Loss": "abstract: call() is the subclass's",
    "metrics.Metric": "abstract: update_state() and result() are the subclass's",
    "optimizers.Optimizer": "abstract: update_step() is the subclass's",
    "optimizers.schedules.LearningRateSchedule": "abstract: get_config() raises in both",
    "regularizers.Regularizer": "abstract: get_config() raises in both",
    "initializers.Initializer": "abstract: __call__ is the subclass's",
}

# Config entries where the two differ on purpose (module.Class: {key: reason}).
DIFFERENT = {
    "dtype": "layers write their dtype as a name ('float32'), Keras as a DTypePolicy dict; "
             "each reads both",
    "losses.Huber": {"delta": "Keras 3 leaves delta out (and loses it on reload)"},
    "losses.CosineSimilarity": {"axis": "Keras 3 leaves axis out (and loses it on reload)"},
    "initializers.Identity": {"gain": "Keras 3 leaves gain out (and loses it on reload)"},
}
# Keras keeps these factors as float32 tensors: 0.01 comes back as 0.009999999776482582.
FLOAT32_FACTORS = {"regularizers.L1": "l1", "regularizers.OrthogonalRegularizer": "factor"}


def saved_classes():
    """(module, class name) of each public class, its aliases ("AvgPool2D") left out."""
    classes = set()
    for module in MODULES:
        for component in public_components(module):
            obj = getattr(_module(mk, module), component[len(module) + 1:])
            if inspect.isclass(obj) and f"{module}.{obj.__name__}" not in NOT_SAVED:
                classes.add((module, obj.__name__))
    return sorted(classes)


def comparable(config, component):
    """``config`` without the entries listed in DIFFERENT, L1's factor as float32."""
    if not isinstance(config, dict):
        return config
    dropped = {"dtype", *DIFFERENT.get(component, {})}
    config = {key: value for key, value in config.items() if key not in dropped}
    if component in FLOAT32_FACTORS:
        key = FLOAT32_FACTORS[component]
        config[key] = float(np.float32(config[key]))
    return config


def written(lib, obj):
    """What ``lib`` writes for ``obj``, through JSON as in a file."""
    return json.loads(json.dumps(lib.saving.serialize_keras_object(obj)))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("module, name", saved_classes())
def test_every_class_moves_both_ways(module, name):
    component = f"{module}.{name}"
    mk.backend.clear_session()  # both number default names ("dense_1") from 0 again
    keras.backend.clear_session()
    ours, theirs = build(mk, module, name), build(keras, module, name)
    by_us, by_keras = written(mk, ours), written(keras, theirs)
    for key in ("module", "class_name", "registered_name"):
        assert by_us[key] == by_keras[key], f"{component}: {key}"
    assert comparable(by_us["config"], component) == comparable(by_keras["config"], component)

    read_by_keras = keras.saving.deserialize_keras_object(by_us)
    read_by_us = mk.saving.deserialize_keras_object(by_keras)
    assert type(read_by_keras) is type(theirs) and type(read_by_us) is type(ours)
    assert comparable(written(keras, read_by_keras)["config"], component) == comparable(
        by_keras["config"], component)
    assert comparable(written(mk, read_by_us)["config"], component) == comparable(
        by_us["config"], component)
    assert written(mk, mk.saving.deserialize_keras_object(by_us)) == by_us  # our own round trip


def public_functions():
    found = []
    for module in ("losses", "metrics", "activations"):
        for component in sorted(public_components(module)):
            name = component[len(module) + 1:]
            if inspect.isfunction(getattr(_module(mk, module), name)) and hasattr(
                    getattr(keras, module), name):
                found.append((module, name))
    return found


@pytest.mark.parametrize("module, name", public_functions())
def test_every_function_moves_both_ways(module, name):
    ours, theirs = getattr(getattr(mk, module), name), getattr(getattr(keras, module), name)
    assert written(mk, ours) == written(keras, theirs)
    assert keras.saving.deserialize_keras_object(written(mk, ours)) is theirs
    assert mk.saving.deserialize_keras_object(written(keras, theirs)) is ours


def test_the_table_of_arguments_names_only_public_classes():
    names = {name for _, name in saved_classes()}
    assert set(ARGUMENTS) <= names, sorted(set(ARGUMENTS) - names)
