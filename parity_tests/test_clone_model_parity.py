"""keras.models.clone_model against tf.keras's: the same model, cloned with the same
clone_function and call_function, has the same layers, shapes and parameter counts."""

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close, covers


def build(lib, sequential):
    if sequential:
        return lib.Sequential([lib.Input((6,), name="x"), lib.layers.Dense(4, name="a"),
                               lib.layers.Dense(3, activation="softmax", name="b")])
    inputs = lib.Input((6,), name="x")
    shared = lib.layers.Dense(6, activation="tanh", name="shared")
    hidden = lib.layers.Dense(4, name="a")(shared(shared(inputs)))
    return lib.Model(inputs, lib.layers.Dense(3, name="b")(hidden))


def widen(layer):
    """The Dense layer "a" gets twice the units."""
    config = layer.get_config()
    if layer.name == "a":
        config["units"] *= 2
    return layer.__class__.from_config(config)


def description(model):
    return [(type(layer).__name__, layer.name, layer.count_params()) for layer in model.layers]


@covers("models.clone_model")
@pytest.mark.parametrize("sequential", [True, False])
@pytest.mark.parametrize("clone_function", [None, widen])
def test_clone_model_clones_as_keras(sequential, clone_function):
    ours = mk.models.clone_model(build(mk, sequential), clone_function=clone_function)
    theirs = tf.keras.models.clone_model(build(tf.keras, sequential),
                                         clone_function=clone_function)
    assert description(ours) == description(theirs)
    theirs.set_weights(ours.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "linear",
                 what="models.clone_model: predictions of the clones")


def dropout_after_shared(lib):
    """A call_function adding Dropout after each call of the layer "shared"."""
    def call_function(layer, *args, **kwargs):
        outputs = layer(*args, **kwargs)
        return lib.layers.Dropout(0.3)(outputs) if layer.name == "shared" else outputs

    return call_function


@covers("models.clone_model")
def test_call_function_inserts_layers_as_keras():
    ours = mk.models.clone_model(build(mk, False), call_function=dropout_after_shared(mk))
    theirs = tf.keras.models.clone_model(build(tf.keras, False),
                                         call_function=dropout_after_shared(tf.keras))
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers]
    assert ours.count_params() == theirs.count_params()
