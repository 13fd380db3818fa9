"""The Layer base class: naming, lazy build, input checks, weights, freezing, training flag."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, ops
from minikeras.autograd import gradcheck


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def test_layers_are_named_like_keras():
    names = [keras.layers.Dense(1).name, keras.layers.Dense(1).name,
             keras.layers.Activation("relu").name, keras.layers.Dense(1, name="out").name]
    assert names == ["dense", "dense_1", "activation", "out"]


def test_weights_are_created_on_first_call_from_the_input_shape():
    layer = keras.layers.Dense(4)
    assert not layer.built and layer.weights == []
    layer(np.zeros((2, 3), dtype="float32"))
    assert layer.built
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (4,)]
    assert [w.path for w in layer.weights] == ["dense/kernel", "dense/bias"]
    assert layer.count_params() == 16


def test_wrong_last_dimension_names_layer_and_shapes():
    layer = keras.layers.Dense(4)
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r'layer "dense".*value 3.*\(2, 5\)'):
        layer(np.zeros((2, 5)))


def test_wrong_rank_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r'layer "dense".*min_ndim=2.*\(3,\)'):
        keras.layers.Dense(4)(np.zeros(3))


def test_set_weights_checks_every_shape_before_changing_anything():
    layer = keras.layers.Dense(2)
    layer(np.zeros((1, 3)))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"dense/bias.*\(2,\).*\(5,\)"):
        layer.set_weights([np.ones((3, 2)), np.ones(5)])
    with pytest.raises(ValueError, match="expects 2 weights"):
        layer.set_weights([np.ones((3, 2))])
    for a, b in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    layer.set_weights([np.ones((3, 2)), np.full(2, 0.5)])
    np.testing.assert_array_equal(layer(np.ones((1, 3))).numpy(), [[3.5, 3.5]])


def test_freezing_moves_weights_to_non_trainable_and_stops_gradients():
    layer = keras.layers.Dense(2)
    layer(np.zeros((1, 3)))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    x = keras.Tensor(np.ones((1, 3), dtype="float32"), requires_grad=True)
    ops.sum(layer(x)).backward()
    assert layer.kernel.grad is None and x.grad is not None
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


class RecordsTraining(keras.layers.Layer):
    def call(self, inputs, training=None):
        self.seen = training
        return inputs


class Outer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = RecordsTraining()

    def call(self, inputs):
        return self.inner(inputs)


@pytest.mark.parametrize("training", [True, False])
def test_training_flows_from_the_outer_call_to_inner_layers(training):
    outer = Outer()
    outer(np.zeros((1, 2)), training=training)
    assert outer.inner.seen is training
    assert outer.layers == [outer.inner]


def test_training_defaults_to_the_call_signature_default():
    layer = RecordsTraining()
    layer(np.zeros((1, 2)))
    assert layer.seen is None


def test_calling_on_keras_inputs_records_shapes_without_computing():
    inputs = keras.Input(shape=(8,))
    hidden = keras.layers.Dense(5, activation="relu")(inputs)
    outputs = keras.layers.Dense(2)(hidden)
    assert inputs.shape == (None, 8) and hidden.shape == (None, 5) and outputs.shape == (None, 2)
    assert outputs.node.parent_nodes[0].operation.name == "dense"


class Halves(keras.layers.Layer):
    """A custom layer with no compute_output_shape: the dry run finds it."""

    def call(self, inputs):
        return inputs[:, : inputs.shape[1] // 2] * 2


def test_output_shape_of_a_custom_layer_comes_from_a_dry_run():
    assert Halves()(keras.Input(shape=(6,))).shape == (None, 3)


def test_dense_gradients_for_input_kernel_and_bias():
    layer = keras.layers.Dense(3, activation="tanh")
    x = np.random.default_rng(0).standard_normal((4, 5))
    layer(x)
    gradcheck(lambda inputs, *weights: layer(inputs), x, *layer.weights)


def test_dense_config_round_trip_rebuilds_an_equal_layer():
    layer = keras.layers.Dense(3, activation="relu", use_bias=False, name="d")
    clone = keras.layers.Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_variable_assign_checks_shapes():
    v = keras.Variable(np.zeros((2, 2)), name="v")
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2, 2\)"):
        v.assign(np.zeros(3))
    v.assign_add(np.ones((2, 2)))
    v.assign_sub(0.5)
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 0.5))
    assert v.dtype == np.float32


def test_a_variable_never_shares_memory_with_its_initial_value():
    initial = np.zeros(3, dtype="float32")
    v = keras.Variable(initial)
    v.assign_add(1.0)
    np.testing.assert_array_equal(initial, np.zeros(3))


def test_get_weights_returns_copies_that_training_does_not_change():
    layer = keras.layers.Dense(2)
    layer(np.ones((1, 3)))
    saved = layer.get_weights()
    layer.kernel.assign_add(np.ones((3, 2)))
    layer.set_weights(saved)
    np.testing.assert_array_equal(layer.get_weights()[0], saved[0])
    assert not np.shares_memory(layer.kernel.numpy(), layer.kernel.data)


def test_integer_inputs_become_floatx_not_float64():
    layer = keras.layers.Dense(2)
    assert layer(np.ones((1, 3), dtype="uint8")).dtype == np.float32


def model_keyed_by_another_name(x):
    return keras.Model({"b": x}, keras.layers.Dense(1)(x))


@pytest.mark.parametrize("construct", [
    lambda: keras.layers.Embedding(10, 4, input_length=5),
    lambda: keras.layers.LayerNormalization(rms_scaling=True),
    lambda: keras.layers.InputLayer(input_shape=(2,)),
    lambda: model_keyed_by_another_name(keras.Input((2,), name="a")),
])
def test_a_constructor_s_warning_points_at_the_user_s_line(construct):
    """The layers' metaclass (Keras 2's argument names) adds a frame to every constructor."""
    with pytest.warns(UserWarning) as caught:
        construct()
    assert caught[0].filename == __file__
