"""The convolution and pooling layers against tf.keras.

Layer by layer: forward values, input and weight gradients over drawn
kernel sizes, strides, dilations, paddings, groups and data formats; the
config and weight layout of each. Then whole models built from them: the
summary, predictions, training step for step, and .keras files both ways.

A channels_first layer is compared with its tf.keras twin run in
channels_last between two transposes (``ChannelsLastTwin``): tf.keras's own
channels_first layers run on a CPU, but give wrong numbers for some shapes
(a Conv2D with a bias on a (1, 1, 1, 2) input, for one; see
``test_tf_keras_channels_first_is_not_a_reference_on_a_cpu``).
"""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import assert_close, compare_layers, covers, keras_twin
from parity_tests.test_models_parity import summary_text, twins

layers = mk.layers

ALIASES = {"Conv1D": "Convolution1D", "Conv2D": "Convolution2D",
           "Conv2DTranspose": "Convolution2DTranspose", "SeparableConv2D": "SeparableConvolution2D",
           "MaxPooling1D": "MaxPool1D", "AveragePooling1D": "AvgPool1D",
           "MaxPooling2D": "MaxPool2D", "AveragePooling2D": "AvgPool2D"}
POOLINGS = ("MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D")


class ChannelsLastTwin(tf.keras.layers.Layer):
    """A tf.keras layer with data_format="channels_last" as the twin of a channels_first one:
    (batch, channels, *spatial) moved to channels_last, through the layer, and back."""

    def __init__(self, layer, rank):
        super().__init__()
        self.layer, self.rank = layer, rank

    def call(self, inputs, training=None):
        last = tf.transpose(inputs, (0, *range(2, self.rank + 2), 1))
        return tf.transpose(self.layer(last), (0, self.rank + 1, *range(1, self.rank + 1)))


def twin_of(layer):
    """The tf.keras twin ``compare_layers`` compares ``layer`` with."""
    if layer.data_format == "channels_last":
        return keras_twin(layer)
    config = {**layer.get_config(), "data_format": "channels_last"}
    return ChannelsLastTwin(getattr(tf.keras.layers, type(layer).__name__).from_config(config),
                            layer.rank)


def test_tf_keras_channels_first_is_not_a_reference_on_a_cpu():
    x = np.array([[[[0.5, -1.0]]]], dtype="float32")  # (batch, channels, height, width)
    weights = [np.array([[[[2.0, 3.0]]]], dtype="float32"), np.array([1.0, 2.0], "float32")]
    first = tf.keras.layers.Conv2D(2, 1, data_format="channels_first")
    last = tf.keras.layers.Conv2D(2, 1)
    first(x)
    last(x.transpose(0, 2, 3, 1))
    first.set_weights(weights)
    last.set_weights(weights)
    expected = np.asarray(last(x.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(expected, [[[[2.0, -1.0]], [[3.5, -1.0]]]])  # k * x + b
    # tf.keras adds the bias along the width here, not along the channels.
    assert not np.allclose(np.asarray(first(x)), expected)  # when it passes, use tf.keras's
    ours = layers.Conv2D(2, 1, data_format="channels_first")
    ours(x)
    ours.set_weights(weights)
    np.testing.assert_array_equal(ours(x).numpy(), expected)


def test_a_channels_first_activation_acts_on_the_output_as_it_is_laid_out():
    # Keras applies the activation to the channels_first output itself: softmax normalizes
    # its last axis, the width, not the channels.
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 6)).astype("float32")
    ours = layers.Conv2D(4, 3, activation="softmax", data_format="channels_first")
    ours(x)
    reference = tf.keras.layers.Conv2D(4, 3)
    reference(x.transpose(0, 2, 3, 1))
    reference.set_weights(ours.get_weights())
    logits = tf.transpose(reference(x.transpose(0, 2, 3, 1)), (0, 3, 1, 2))
    assert_close(ours(x).numpy(), tf.nn.softmax(logits, axis=-1), "elementwise",
                 what="layers.Conv2D channels_first softmax")


@covers(*(f"layers.{name}" for name in mst.CONVOLUTIONS))
@pytest.mark.parametrize("name", mst.CONVOLUTIONS)
@given(data=st.data())
def test_convolution_layers(name, data):
    arguments, shape = data.draw(mst.convolution_cases(name, activations=(None, "tanh", "relu")))
    layer = getattr(layers, name)(**arguments)
    compare_layers(layer, data.draw(mst.arrays(shape, dtype="float32")), "convolution",
                   twin=twin_of(layer))


@covers(*(f"layers.{name}" for name in POOLINGS))
@pytest.mark.parametrize("name", POOLINGS)
@given(data=st.data())
def test_pooling_layers(name, data):
    arguments, shape = data.draw(mst.pooling_cases(1 if name.endswith("1D") else 2))
    # Distinct values: with a tie, which input gets a max's gradient is arbitrary.
    values = mst.distinct_values if name.startswith("Max") else mst.arrays
    layer = getattr(layers, name)(**arguments)
    compare_layers(layer, data.draw(values(shape, dtype="float32")), "reduction",
                   twin=twin_of(layer))


@covers(*(f"layers.{alias}" for alias in ALIASES.values()))
@pytest.mark.parametrize("name, alias", sorted(ALIASES.items()))
def test_keras_aliases_name_the_same_classes(name, alias):
    assert getattr(layers, alias) is getattr(layers, name)
    assert getattr(tf.keras.layers, alias) is getattr(tf.keras.layers, name)


CONFIGS = [
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2,
                "groups": 2, "activation": "relu", "kernel_regularizer": "l2"}),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 2), "strides": 2, "groups": 2,
                "data_format": "channels_first", "use_bias": False}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                         "output_padding": 1, "bias_initializer": "ones"}),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "strides": 2,
                         "dilation_rate": 2, "depthwise_regularizer": "l2"}),
    ("SeparableConv2D", {"filters": 3, "kernel_size": 2, "depth_multiplier": 3,
                         "pointwise_initializer": "he_normal", "activation": "sigmoid"}),
    ("MaxPooling1D", {}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1, "data_format": "channels_first"}),
    ("MaxPooling2D", {"pool_size": 3, "padding": "same", "data_format": "channels_first"}),
    ("AveragePooling2D", {"pool_size": (2, 1)}),
]


@pytest.mark.parametrize("name, arguments", CONFIGS)
def test_configs_and_weight_layouts_are_keras(name, arguments):
    ours = getattr(layers, name)(name="layer", **arguments)
    theirs = getattr(tf.keras.layers, name)(name="layer", **arguments)
    # (The dtype entry is a DTypePolicy in Keras and a name in minikeras, for every layer.)
    expected = {key: value for key, value in theirs.get_config().items() if key != "dtype"}
    assert {key: value for key, value in ours.get_config().items() if key != "dtype"} == expected
    rank = 1 if name.endswith("1D") else 2
    channels_first = arguments.get("data_format") == "channels_first"
    shape = (2, 4, *(9,) * rank) if channels_first else (2, *(9,) * rank, 4)
    ours(np.zeros(shape, "float32"))
    theirs(np.zeros(shape, "float32"))
    assert [(w.name, tuple(w.shape)) for w in ours.weights] == [
        (w.name, tuple(w.shape)) for w in theirs.weights]


def build_sequence_model(lib):
    """Conv1D and 1-D pooling over sequences of 12 steps of 3 features, 2 classes."""
    return lib.Sequential([
        lib.Input(shape=(12, 3)),
        lib.layers.Conv1D(4, 3, padding="causal", activation="relu", name="causal"),
        lib.layers.MaxPooling1D(2, name="max"),
        lib.layers.Conv1D(6, 2, strides=2, padding="same", groups=2, activation="tanh",
                          name="grouped"),
        lib.layers.AveragePooling1D(2, padding="same", data_format="channels_first",
                                    name="average"),
        lib.layers.Flatten(name="flat"),
        lib.layers.Dense(2, activation="softmax", name="classes"),
    ])


def build_image_model(lib):
    """Every kind of 2-D convolution on 8x8 images of 2 channels, 3 classes."""
    return lib.Sequential([
        lib.Input(shape=(8, 8, 2)),
        lib.layers.Conv2D(4, 3, padding="same", groups=2, activation="relu", name="grouped"),
        lib.layers.DepthwiseConv2D(3, depth_multiplier=2, activation="tanh", name="depthwise"),
        lib.layers.SeparableConv2D(4, 2, activation="relu", name="separable"),
        lib.layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="transposed"),
        lib.layers.AveragePooling2D(2, name="average"),
        lib.layers.Flatten(name="flat"),
        lib.layers.Dense(3, activation="softmax", name="classes"),
    ])


def build_channels_first_model(lib):
    """A convnet on (channels, height, width) images, Theano's ordering."""
    return lib.Sequential([
        lib.Input(shape=(2, 9, 9)),
        lib.layers.Conv2D(4, 3, activation="relu", data_format="channels_first", name="conv"),
        lib.layers.MaxPooling2D(data_format="channels_first", name="max"),
        lib.layers.Conv2D(3, 2, strides=2, padding="same", data_format="channels_first",
                          name="strided"),
        lib.layers.GlobalAveragePooling2D(data_format="channels_first", name="average"),
        lib.layers.Dense(3, activation="softmax", name="classes"),
    ])


MODELS = {"sequence": (build_sequence_model, (12, 3), 2),
          "image": (build_image_model, (8, 8, 2), 3),
          "channels_first": (build_channels_first_model, (2, 9, 9), 3)}


def data_for(name, rows=24):
    _, shape, classes = MODELS[name]
    rng = np.random.default_rng(0)
    return (rng.standard_normal((rows, *shape)).astype("float32"),
            rng.integers(0, classes, rows))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_summarize_and_predict_as_keras(name):
    ours, theirs = twins(MODELS[name][0])
    assert summary_text(ours) == summary_text(theirs)
    assert ours.count_params() == theirs.count_params()
    x, _ = data_for(name)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "convolution",
                 what=f"models.Model.predict ({name} convolutions)")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_train_step_for_step_as_keras(name):
    ours, theirs = twins(MODELS[name][0])
    for model, lib in ((ours, mk), (theirs, tf.keras)):
        model.compile(lib.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    x, y = data_for(name)
    arguments = {"batch_size": 8, "epochs": 2, "shuffle": False, "verbose": 0}
    expected = theirs.fit(x, y, **arguments).history["loss"]
    assert_close(ours.fit(x, y, **arguments).history["loss"], expected, "training",
                 what=f"models.Model.fit ({name} convolutions)")
    for a, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        assert_close(a, e, "training", what=f"models.Model.fit ({name} convolutions): weights")


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("direction", ["minikeras to keras", "keras to minikeras"])
def test_keras_files_move_both_ways(name, direction, tmp_path):
    ours, theirs = twins(MODELS[name][0])
    source, reader = (ours, tf.keras) if direction == "minikeras to keras" else (theirs, mk)
    path = str(tmp_path / "model.keras")
    source.save(path)
    loaded = reader.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in source.layers]
    x, _ = data_for(name, rows=5)
    assert_close(loaded.predict(x, verbose=0), source.predict(x, verbose=0), "convolution",
                 what=f"saving.load_model ({name} convolutions, {direction})")
