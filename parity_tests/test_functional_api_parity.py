"""The functional API against tf.keras: structures, shapes and custom layers, values and files."""

import warnings

import keras as keras3
import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import copy_weights
from parity_tests.test_models_parity import assert_outputs_close, summary_text


def twins(build):
    """The same model in both frameworks, each numbering its automatic names from scratch,
    with tf.keras's weights."""
    mk.backend.clear_session()
    tf.keras.backend.clear_session(free_memory=False)
    ours, theirs = build(mk), build(tf.keras)
    copy_weights(theirs, ours)
    return ours, theirs


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def build_nested_inputs(lib):
    a, b, c = lib.Input((2,), name="a"), lib.Input((3,), name="b"), lib.Input((1,), name="c")
    joined = lib.layers.Concatenate()([a, b, c])
    return lib.Model({"a": a, "more": {"b": b, "c": c}},
                     (lib.layers.Dense(2)(joined), lib.layers.Dense(1)(a)))


def test_nested_dict_inputs_and_tuple_outputs_as_keras():
    ours, theirs = twins(build_nested_inputs)
    data = {"a": random(5, 2), "more": {"b": random(5, 3, seed=1), "c": random(5, 1, seed=2)}}
    expected = theirs.predict(data, verbose=0)
    actual = ours.predict(data, verbose=0)
    assert isinstance(actual, tuple) and isinstance(expected, tuple)
    assert_outputs_close(actual, expected, what="models.Functional (nested dict inputs)")
    assert summary_text(ours) == summary_text(theirs)


def build_tail(lib):
    """A model made from intermediate tensors of another one."""
    inputs = lib.Input((2,))
    first, second = lib.layers.Dense(3, name="first"), lib.layers.Dense(4, name="second")
    lib.Model(inputs, second(lib.layers.ReLU(name="relu")(first(inputs))))
    return lib.Model(first.output, second.output)


def test_a_model_from_intermediate_tensors_as_keras():
    ours, theirs = twins(build_tail)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert summary_text(ours) == summary_text(theirs)
    hidden = random(6, 3)
    assert_outputs_close(ours.predict(hidden, verbose=0), theirs.predict(hidden, verbose=0),
                         what="models.Functional (from intermediate tensors)")


def build_sequential_around_functional(lib):
    inputs = lib.Input((3,), name="inner_input")
    inner = lib.Model(inputs, lib.layers.Dense(4, name="inner_dense")(inputs), name="inner")
    return lib.Sequential([inner, lib.layers.Dense(1, name="head")], name="outer")


def test_a_sequential_model_around_a_functional_one_as_keras():
    ours, theirs = twins(build_sequential_around_functional)
    assert ours.built and theirs.built
    assert summary_text(ours) == summary_text(theirs)
    x = random(4, 3)
    assert_outputs_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                         what="models.Sequential (around a functional model)")


def build_fixed_batch(lib):
    inputs = lib.Input((3,), batch_size=4)
    return lib.Model(inputs, lib.layers.Dense(2)(inputs))


@pytest.mark.parametrize("batch_size", [None, 4, 3])
def test_a_fixed_batch_size_model_predicts_any_rows_as_keras(batch_size):
    ours, theirs = twins(build_fixed_batch)
    x = random(10, 3)
    assert_outputs_close(ours.predict(x, batch_size=batch_size, verbose=0),
                         theirs.predict(x, batch_size=batch_size, verbose=0),
                         what="models.Functional (Input with batch_size=4)")


def build_deferred(lib):
    return lib.Sequential([lib.layers.GlobalAveragePooling2D(), lib.layers.Dense(2)])


def test_a_deferred_sequential_model_takes_new_sizes_as_keras():
    ours, theirs = build_deferred(mk), build_deferred(tf.keras)
    for size in (5, 7):
        x = random(4, size, size, 3, seed=size)
        expected = theirs.predict(x, verbose=0)  # (both build on the first batch)
        if size == 5:
            ours.build(x.shape)
            copy_weights(theirs, ours)
        assert_outputs_close(ours.predict(x, verbose=0), expected,
                             what=f"models.Sequential (deferred, {size}x{size} images)")


def affine_layer(lib):
    """A custom layer without get_config, registered under the same name in both."""

    class Affine(lib.layers.Layer):
        def __init__(self, scale=2.0, shift=0, **kwargs):
            super().__init__(**kwargs)
            self.scale, self.shift = scale, shift

        def call(self, x):
            return x * self.scale + self.shift

    saving = mk.saving if lib is mk else keras3.saving
    return saving.register_keras_serializable(package="FunctionalApiParity")(Affine)


def build_with_affine(lib):
    inputs = lib.Input((3,))
    hidden = affine_layer(lib)(3.0, shift=1, name="affine")(inputs)
    return lib.Model(inputs, lib.layers.Dense(2, name="head")(hidden))


@pytest.mark.parametrize("direction", ["minikeras to keras", "keras to minikeras"])
def test_a_custom_layer_without_get_config_moves_both_ways(direction, tmp_path):
    ours, theirs = twins(build_with_affine)
    source, reader = (ours, tf.keras) if direction == "minikeras to keras" else (theirs, mk)
    path = str(tmp_path / "affine.keras")
    source.save(path)
    loaded = reader.models.load_model(path)
    layer = loaded.get_layer("affine")
    assert (layer.scale, layer.shift) == (3.0, 1)
    x = random(4, 3)
    assert_outputs_close(loaded.predict(x, verbose=0), source.predict(x, verbose=0),
                         what=f"layers.Layer (automatic config, {direction})")


def build_dict_of_two(lib, keys=("a", "b")):
    a, b = lib.Input((2,), name="a"), lib.Input((2,), name="b")
    tensors = {"a": a, "b": b}
    return lib.Model({key: tensors[key] for key in keys}, lib.layers.Subtract()([a, b]))


@pytest.mark.parametrize("keys", [("a", "b"), ("b", "a")])
def test_a_list_for_a_dict_of_inputs_as_keras(keys):
    lists = [np.ones((1, 2), "float32"), np.zeros((1, 2), "float32")]
    results = []
    for lib in (mk, tf.keras):
        model = build_dict_of_two(lib, keys)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome = np.asarray(model(lists))
            except ValueError:
                outcome = "ValueError"
        warned = any("doesn't match the expected structure" in str(w.message) for w in caught)
        results.append((str(outcome), warned))
    assert results[0] == results[1]
