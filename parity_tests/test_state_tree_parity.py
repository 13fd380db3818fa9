"""Model state against tf.keras: variable paths, get_state_tree/set_state_tree both ways,
the variables metrics track, arrays as initializers, and an activation set to None."""

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from minikeras.models.model import _flat_by_path
from parity_tests.harness import assert_close, copy_weights, covers


def sequential(lib):
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="relu", name="hidden"),
                           lib.layers.BatchNormalization(name="norm"),
                           lib.layers.Dense(1, name="out")], name="net")


def functional(lib):
    inputs = lib.Input((3,), name="x")
    inner = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, name="e")], name="inner")
    outputs = lib.layers.Dense(1, name="head")(lib.layers.Concatenate(name="join")(
        [inner(inputs), lib.layers.Dense(2, name="side")(inputs)]))
    return lib.Model(inputs, outputs, name="graph")


def flat(tree):
    """{"group/path": array} of a state tree."""
    return {path: np.asarray(value) for path, value in _flat_by_path(tree).items()}


def trained_twins(build):
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    ours, theirs = build(mk), build(tf.keras)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    for model, lib in ((ours, mk), (theirs, tf.keras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return ours, theirs, x


@covers("models.Model", "models.Sequential")
@pytest.mark.parametrize("build", [sequential, functional])
def test_the_state_tree_is_keras_s(build):
    ours, theirs, _ = trained_twins(build)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    actual = flat(ours.get_state_tree("numpy_array"))
    expected = flat(theirs.get_state_tree("numpy_array"))
    assert sorted(actual) == sorted(expected)
    for path, value in expected.items():
        assert_close(actual[path], value, "training", what=f"models.Model.get_state_tree: {path}")


@pytest.mark.parametrize("build", [sequential, functional])
def test_state_trees_move_both_ways(build):
    ours, theirs, x = trained_twins(build)
    keras_state = flat(theirs.get_state_tree("numpy_array"))
    ours.set_state_tree(theirs.get_state_tree("numpy_array"))  # tf.keras's into minikeras
    our_state = flat(ours.get_state_tree("numpy_array"))
    for path, value in keras_state.items():
        np.testing.assert_array_equal(our_state[path], value, err_msg=path)
    y = np.zeros((16, 1), dtype="float32")
    ours.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    theirs.set_state_tree(ours.get_state_tree("numpy_array"))  # and minikeras's into tf.keras
    for a, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(a, e)
    assert int(theirs.optimizer.iterations) == int(ours.optimizer.iterations)
    # From the same state, one more step agrees again.
    for model in (ours, theirs):
        model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), "training",
                 what="models.Model.set_state_tree: a step after the exchange")


@covers("metrics.Metric")
def test_metric_variables_are_tracked_in_lists_and_dicts_as_in_keras():
    def make(lib):
        class Bundle(lib.metrics.Metric):
            def __init__(self):
                super().__init__(name="bundle")
                self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")
                self.parts = {"a": lib.metrics.Mean(name="a")}
                self.more = []

            def update_state(self, values):
                for metric in [*self.parts.values(), *self.more]:
                    metric.update_state(values)

            def result(self):
                return self.parts["a"].result()

        metric = Bundle()
        metric.more.append(lib.metrics.Sum(name="b"))
        return metric

    ours, theirs = make(mk), make(tf.keras)
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]
    for metric in (ours, theirs):
        metric.update_state(np.array([1.0, 5.0], dtype="float32"))
    assert_close([v.numpy() for v in ours.variables], [v.numpy() for v in theirs.variables],
                 "reduction", what="metrics.Metric: tracked variables")


@covers("initializers.Constant")
def test_arrays_as_initializers_and_constants_as_keras():
    values = np.arange(6, dtype="float32").reshape(3, 2)
    ours, theirs = mk.initializers.Constant(values), tf.keras.initializers.Constant(values)
    written_by_us = mk.initializers.serialize(ours)
    written_by_keras = tf.keras.initializers.serialize(theirs)
    assert written_by_us == written_by_keras
    np.testing.assert_array_equal(
        np.asarray(tf.keras.initializers.deserialize(written_by_us)((3, 2))), values)
    np.testing.assert_array_equal(
        mk.initializers.deserialize(written_by_keras)((3, 2)).numpy(), values)
    for lib in (mk, tf.keras):
        layer = lib.layers.Layer()
        weight = layer.add_weight(shape=(3, 2), initializer=values)
        np.testing.assert_array_equal(np.asarray(weight.numpy()), values)
    dense = mk.layers.Dense(2, kernel_initializer=ours)
    dense.build((None, 3))
    twin = tf.keras.layers.Dense.from_config(dense.get_config())
    twin.build((None, 3))
    np.testing.assert_array_equal(np.asarray(twin.kernel.numpy()), values)


@covers("layers.Dense")
def test_an_activation_set_to_none_is_linear_as_in_keras():
    x = np.random.default_rng(1).standard_normal((4, 3)).astype("float32")
    ours = mk.layers.Dense(2, activation="relu")
    theirs = tf.keras.layers.Dense(2, activation="relu")
    ours(x)
    theirs(x)
    copy_weights(ours, theirs)
    ours.activation = theirs.activation = None
    assert_close(ours(x).numpy(), np.asarray(theirs(x)), "linear",
                 what="layers.Dense with activation set to None")
