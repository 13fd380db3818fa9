"""Layers against their tf.keras twins (built from our get_config, given our weights):
forward values, input gradients and weight gradients."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import (
    assert_close,
    assert_config_round_trip,
    compare_functions,
    compare_layers,
    copy_weights,
    covers,
    keras_twin,
)

layers = mk.layers


@covers("layers.Dense")
@given(data=st.data())
def test_dense(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, max_side=6))
    layer = layers.Dense(data.draw(st.integers(1, 6)), use_bias=data.draw(st.booleans()),
                         activation=data.draw(st.sampled_from([None, "tanh", "sigmoid"])))
    compare_layers(layer, data.draw(mst.float32_arrays(shape)), "linear")


@covers("layers.Conv2D", "layers.Convolution2D")
@given(data=st.data())
def test_conv2d_over_strides_padding_dilation_and_odd_sizes(data):
    kernel_size = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    dilated = data.draw(st.booleans())
    dilation = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3))) if dilated else (1, 1)
    strides = (1, 1) if dilated else data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    shape = data.draw(mst.image_shapes(max_side=9))
    if padding == "valid":
        assume(shape[1] >= (kernel_size[0] - 1) * dilation[0] + 1)
        assume(shape[2] >= (kernel_size[1] - 1) * dilation[1] + 1)
    layer = layers.Conv2D(data.draw(st.integers(1, 5)), kernel_size, strides=strides,
                          padding=padding, dilation_rate=dilation,
                          use_bias=data.draw(st.booleans()),
                          activation=data.draw(st.sampled_from([None, "tanh"])))
    compare_layers(layer, data.draw(mst.float32_arrays(shape)), "convolution")


@covers("layers.Conv2D")
@pytest.mark.parametrize("filters, kernel_size, strides", [(8, 3, 1), (16, 6, 2)])
def test_conv2d_with_the_benchmark_kernels(filters, kernel_size, strides):
    x = np.random.default_rng(0).standard_normal((2, 16, 16, 3)).astype("float32")
    for padding in ("valid", "same"):
        layer = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)
        compare_layers(layer, x, "convolution")


@covers("layers.MaxPooling2D", "layers.MaxPool2D", "layers.AveragePooling2D",
        "layers.AvgPool2D")
@pytest.mark.parametrize("cls", [layers.MaxPooling2D, layers.AveragePooling2D])
@given(data=st.data())
def test_pooling(cls, data):
    pool = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    strides = data.draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    shape = data.draw(mst.image_shapes(max_side=9))
    if padding == "valid":
        assume(shape[1] >= pool[0] and shape[2] >= pool[1])
    # Distinct values: with a tie, which input gets a max's gradient is arbitrary.
    x = data.draw(mst.distinct_values(shape, dtype="float32") if cls is layers.MaxPooling2D
                  else mst.float32_arrays(shape))
    compare_layers(cls(pool, strides, padding), x, "reduction")


@covers("layers.GlobalAveragePooling1D", "layers.GlobalAvgPool1D",
        "layers.GlobalMaxPooling1D", "layers.GlobalMaxPool1D",
        "layers.GlobalAveragePooling2D", "layers.GlobalAvgPool2D",
        "layers.GlobalMaxPooling2D", "layers.GlobalMaxPool2D")
@pytest.mark.parametrize("cls, shapes", [
    (layers.GlobalAveragePooling1D, mst.sequence_shapes()),
    (layers.GlobalMaxPooling1D, mst.sequence_shapes()),
    (layers.GlobalAveragePooling2D, mst.image_shapes(max_side=9)),
    (layers.GlobalMaxPooling2D, mst.image_shapes(max_side=9)),
])
@given(data=st.data())
def test_global_pooling(cls, shapes, data):
    shape = data.draw(shapes)
    layer = cls(data_format=data.draw(st.sampled_from(["channels_last", "channels_first"])),
                keepdims=data.draw(st.booleans()))
    # Distinct values for a max: with a tie, which input gets its gradient is arbitrary.
    x = data.draw(mst.distinct_values(shape, dtype="float32") if "Max" in cls.__name__
                  else mst.float32_arrays(shape))
    assert_config_round_trip(layer)
    compare_layers(layer, x, "reduction")


def test_global_pooling_short_names_are_the_same_classes():
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D


def _batch_normalization_case(data):
    """A BatchNormalization with random gamma, beta and moving statistics, and its input."""
    shape = data.draw(st.sampled_from([(8, 5), (4, 3, 6), (3, 5, 4, 2)]))
    axis = data.draw(st.sampled_from([-1, 1]))
    layer = layers.BatchNormalization(axis=axis, momentum=data.draw(st.sampled_from([0.99, 0.5])),
                                      epsilon=data.draw(st.sampled_from([1e-3, 1e-5])),
                                      center=data.draw(st.booleans()),
                                      scale=data.draw(st.booleans()))
    x = data.draw(mst.float32_arrays(shape, mst.moderate(-4, 4)))
    # TensorFlow computes x * inv - mean * inv with inv = 1 / sqrt(variance + epsilon);
    # for a channel of near-constant values inv reaches 1 / sqrt(epsilon) and its
    # cancellation leaves ~1e-4 of noise, so such channels are not compared.
    reduced = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    assume(x.var(axis=reduced).min() > 0.1)
    layer(x)
    channels = shape[axis]
    statistics = {"gamma": mst.moderate(0.5, 2), "beta": mst.moderate(),
                  "moving_mean": mst.moderate(), "moving_variance": mst.moderate(0.2, 3)}
    layer.set_weights([data.draw(mst.float32_arrays(channels, statistics[w.name]))
                       for w in layer.weights])
    return layer, x


@covers("layers.BatchNormalization")
@pytest.mark.parametrize("training", [False, True])
@given(data=st.data())
def test_batch_normalization(training, data):
    layer, x = _batch_normalization_case(data)
    twin = compare_layers(layer, x, "normalization", training=training)
    for ours, theirs in zip(layer.non_trainable_weights, twin.non_trainable_weights, strict=True):
        assert_close(ours.numpy(), np.asarray(theirs), "normalization",
                     what=f"BatchNormalization {ours.name} after one step")


@covers("layers.BatchNormalization")
def test_batch_normalization_moving_statistics_after_several_steps():
    rng = np.random.default_rng(0)
    layer = layers.BatchNormalization(momentum=0.8)
    layer(np.zeros((2, 4, 4, 3), dtype="float32"))
    twin = keras_twin(layer)
    twin(tf.zeros((2, 4, 4, 3)))
    copy_weights(layer, twin)
    for step in range(6):
        x = (rng.standard_normal((8, 4, 4, 3)) * (step + 1) + step).astype("float32")
        ours, theirs = layer(x, training=True), twin(x, training=True)
        assert_close(ours.numpy(), np.asarray(theirs), "normalization", what="BatchNormalization")
    for ours, theirs in zip(layer.weights, twin.weights, strict=True):
        assert_close(ours.numpy(), np.asarray(theirs), "normalization",
                     what=f"BatchNormalization {ours.name} after 6 steps")


@covers("layers.BatchNormalization")
def test_a_frozen_batch_normalization_uses_moving_statistics_in_training_as_keras_3():
    rng = np.random.default_rng(1)
    layer = layers.BatchNormalization()
    x = rng.standard_normal((6, 3)).astype("float32")
    layer(x)
    layer.set_weights([rng.random(3).astype("float32") + 0.5 for _ in range(4)])
    layer.trainable = False
    twin = keras_twin(layer)
    twin(tf.constant(x))
    compare_layers(layer, x, "normalization", training=True, twin=twin)
    for ours, theirs in zip(layer.weights, twin.weights, strict=True):
        assert_close(ours.numpy(), np.asarray(theirs), "normalization",
                     what=f"layers.BatchNormalization (frozen) {ours.name}")


@covers("layers.Dropout")
@pytest.mark.parametrize("rate, training", [(0.0, True), (0.5, False), (0.9, False)])
def test_dropout_where_it_is_deterministic(rate, training):
    x = np.random.default_rng(0).standard_normal((4, 5, 3)).astype("float32")
    compare_layers(layers.Dropout(rate, noise_shape=(None, 1, 3), seed=3), x, "elementwise",
                   training=training)


@covers("layers.Dropout")
def test_dropout_keeps_keras_scaling_in_training():
    x = np.ones((200, 50), dtype="float32")
    ours = layers.Dropout(0.4)(x, training=True).numpy()
    theirs = np.asarray(tf.keras.layers.Dropout(0.4)(x, training=True))
    assert set(np.unique(ours)) == set(np.unique(theirs))
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.03


@covers("layers.Flatten", "layers.Reshape")
@given(data=st.data())
def test_flatten_and_reshape(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, max_side=4))
    x = data.draw(mst.float32_arrays(shape))
    data_format = data.draw(st.sampled_from(["channels_last", "channels_first"]))
    compare_layers(layers.Flatten(data_format=data_format), x, "elementwise")
    target = data.draw(st.sampled_from([(-1,), (shape[-1], -1), (-1, 1, shape[-1])]))
    compare_layers(layers.Reshape(target), x, "elementwise")


@covers("layers.ReLU")
@given(data=st.data())
def test_relu_layer(data):
    max_value = data.draw(st.sampled_from([None, 1.0, 6.0]))
    threshold = data.draw(st.sampled_from([0.0, 0.5]))
    layer = layers.ReLU(max_value=max_value, threshold=threshold,
                        negative_slope=data.draw(st.sampled_from([0.0, 0.2])))
    kinks = [0.0, threshold] + ([max_value] if max_value is not None else [])
    values = mst.away_from(kinks, 1e-3, mst.moderate(-8, 8))
    compare_layers(layer, data.draw(mst.float32_arrays(mst.shapes(min_dims=2), values)),
                   "elementwise")


@covers("layers.LeakyReLU", "layers.Activation")
@given(data=st.data())
def test_leaky_relu_and_activation_layers(data):
    x = data.draw(mst.float32_arrays(mst.shapes(min_dims=2, min_side=2),
                                 mst.away_from([0.0], 1e-3, mst.moderate(-8, 8))))
    compare_layers(layers.LeakyReLU(), x, "elementwise")
    compare_layers(layers.LeakyReLU(negative_slope=0.05), x, "elementwise")
    name = data.draw(st.sampled_from(["relu", "gelu", "softmax", "selu", "hard_silu", "mish"]))
    compare_layers(layers.Activation(name), x, "elementwise")


@covers("layers.Softmax")
@given(data=st.data())
def test_softmax_layer_with_axes_and_masks(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, min_side=2))
    x = data.draw(mst.float32_arrays(shape, mst.moderate(-8, 8)))
    axis = data.draw(st.sampled_from([-1, 1, (1, -1)]) if len(shape) == 3 else st.just(-1))
    layer = layers.Softmax(axis=axis)
    compare_layers(layer, x, "elementwise")
    mask = data.draw(mst.arrays(shape, st.booleans(), "bool"))
    twin = keras_twin(layer)
    compare_functions(lambda t: layer(t, mask=mask), lambda t: twin(t, mask=tf.constant(mask)),
                      [x], "elementwise", "layers.Softmax (masked)")


MERGES = {"Add": layers.add, "Subtract": layers.subtract, "Multiply": layers.multiply,
          "Average": layers.average, "Maximum": layers.maximum, "Minimum": layers.minimum,
          "Concatenate": layers.concatenate}


@covers(*(f"layers.{name}" for name in MERGES), *(f"layers.{f.__name__}" for f in
                                                  MERGES.values()))
@pytest.mark.parametrize("name", sorted(MERGES))
@given(data=st.data())
def test_merging_layers_and_their_functional_forms(name, data):
    count = 2 if name == "Subtract" else data.draw(st.integers(1, 4))
    # A batch of 5, unlike any other size: keras.ops.add on TensorFlow turns an add
    # whose second operand squeezes to a vector matching an axis of the first into
    # bias_add along that axis, which broadcasts a (batch, 1) operand wrongly when
    # the batch size equals that axis's size (a Keras bug minikeras does not copy).
    shape = (5, *data.draw(mst.shapes(min_dims=1, max_dims=3, max_side=4)))
    kwargs = {}
    if name == "Concatenate":
        kwargs["axis"] = data.draw(st.sampled_from(  # any axis but the batch axis
            [a for a in range(-len(shape) + 1, len(shape)) if a % len(shape)]))
        shapes = [tuple(data.draw(st.integers(1, 3)) if i == kwargs["axis"] % len(shape) else n
                        for i, n in enumerate(shape)) for _ in range(count)]
    else:  # later inputs may drop axes after the batch axis, or hold size-1 axes
        shapes = [shape] + [data.draw(st.sampled_from([shape, (shape[0], *shape[2:]),
                                                       (shape[0], *[1] * (len(shape) - 1))]))
                            for _ in range(count - 1)]
    if name in ("Maximum", "Minimum"):  # no ties between inputs
        stacked = data.draw(mst.distinct_values((count, *shape), dtype="float32"))
        inputs = list(stacked)
    else:
        inputs = [data.draw(mst.float32_arrays(s)) for s in shapes]
    layer = getattr(layers, name)(**kwargs)
    twin = keras_twin(layer)
    compare_functions(lambda *ts: layer(list(ts)), lambda *ts: twin(list(ts)), inputs,
                      "elementwise", f"layers.{name}")
    functional = MERGES[name]([mk.Input(shape=s[1:]) for s in shapes], **kwargs)
    expected = getattr(tf.keras.layers, MERGES[name].__name__)(
        [tf.keras.Input(shape=s[1:]) for s in shapes], **kwargs)
    assert functional.shape == tuple(expected.shape)


@covers("layers.Input", "layers.InputLayer")
@pytest.mark.parametrize("kwargs", [{"shape": (28, 28, 1)}, {"shape": (5,), "batch_size": 8},
                                    {"batch_shape": (None, 3, 4)}, {"shape": (7,)}])
def test_input_shapes_and_input_layer_config(kwargs):
    assert mk.Input(**kwargs).shape == tuple(tf.keras.Input(**kwargs).shape)
    ours = layers.InputLayer(name="x", **kwargs).get_config()
    theirs = tf.keras.layers.InputLayer(name="x", **kwargs).get_config()
    assert ours == theirs
    assert tf.keras.layers.InputLayer.from_config(ours).get_config() == theirs


class _Scale(mk.layers.Layer):
    """A custom layer written against minikeras's Layer API."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = mk.layers.InputSpec(ndim=2)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="random_normal",
                                     name="scale")
        self.offset = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                      name="offset")

    def call(self, inputs, training=None):
        outputs = mk.ops.tanh(inputs * self.scale) + self.offset
        return outputs * 2.0 if training else outputs


class _KerasScale(tf.keras.layers.Layer):
    """The same layer, word for word, against tf.keras."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = tf.keras.layers.InputSpec(ndim=2)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="random_normal",
                                     name="scale")
        self.offset = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                      name="offset")

    def call(self, inputs, training=None):
        outputs = tf.keras.ops.tanh(inputs * self.scale) + self.offset
        return outputs * 2.0 if training else outputs


@covers("layers.Layer", "layers.InputSpec")
@pytest.mark.parametrize("training", [False, True])
def test_a_custom_layer_behaves_the_same_on_both_frameworks(training):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    ours, theirs = _Scale(), _KerasScale()
    compare_layers(ours, x, "elementwise", training=training, twin=theirs)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 1
    for layer, tensor in ((ours, x[None]), (theirs, tf.constant(x[None]))):
        with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
            layer(tensor)
