"""Constraints against tf.keras: projections and their gradients, configs read both ways, and
layers trained with constrained weights ending with the same weights."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import compare_functions, compare_weights, copy_weights, covers

# (name in both modules, constructor arguments, rank of the weights it is drawn for)
CONSTRAINTS = [
    ("NonNeg", {}, None), ("non_neg", {}, None),
    ("MaxNorm", {"max_value": 1.5}, 2), ("max_norm", {"max_value": 0.5, "axis": 1}, 2),
    ("MaxNorm", {"max_value": 2.0, "axis": [0, 1, 2]}, 4),
    ("UnitNorm", {}, 2), ("unit_norm", {"axis": [0, 1, 2]}, 4),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.0}, 2),
    ("min_max_norm", {"min_value": 1.0, "max_value": 3.0, "rate": 0.3, "axis": [0, 1, 2]}, 4),
]


@covers("constraints.Constraint", "constraints.NonNeg", "constraints.non_neg",
        "constraints.MaxNorm", "constraints.max_norm", "constraints.UnitNorm",
        "constraints.unit_norm", "constraints.MinMaxNorm", "constraints.min_max_norm")
@pytest.mark.parametrize("name, kwargs, rank", CONSTRAINTS)
@given(data=st.data())
def test_projection_and_gradient_match_keras(name, kwargs, rank, data):
    shape = data.draw(mst.shapes(min_dims=rank or 1, max_dims=rank or 4, max_side=5))
    values = mst.away_from([0.0], 1e-3, mst.extreme(1e3))  # max(w, 0) has a kink at 0
    w = data.draw(mst.arrays(shape, values, "float32"))
    ours = getattr(mk.constraints, name)(**kwargs)
    theirs = getattr(tf.keras.constraints, name)(**kwargs)
    compare_functions(ours, theirs, [w], "reduction", f"constraints.{name}{kwargs}")


@pytest.mark.parametrize("name, kwargs, rank", CONSTRAINTS)
def test_configs_are_read_both_ways(name, kwargs, rank):
    ours = getattr(mk.constraints, name)(**kwargs)
    theirs = getattr(tf.keras.constraints, name)(**kwargs)
    written_by_us = mk.constraints.serialize(ours)
    written_by_keras = tf.keras.constraints.serialize(theirs)
    assert written_by_us == written_by_keras
    read_by_keras = tf.keras.constraints.deserialize(written_by_us)
    read_by_us = mk.constraints.deserialize(written_by_keras)
    assert type(read_by_keras).__name__ == type(read_by_us).__name__ == type(ours).__name__
    assert read_by_keras.get_config() == read_by_us.get_config() == ours.get_config()


def build_constrained(lib):
    """A Conv2D and a Dense whose kernels and biases are held to constraints while training."""
    return lib.Sequential([
        lib.Input(shape=(6, 6, 2)),
        lib.layers.Conv2D(3, 3, kernel_constraint=lib.constraints.MaxNorm(0.6, axis=[0, 1, 2]),
                          bias_constraint="non_neg", bias_initializer="random_normal",
                          name="conv"),
        lib.layers.Flatten(name="flat"),
        lib.layers.Dense(2, kernel_constraint=lib.constraints.UnitNorm(),
                         bias_constraint=lib.constraints.MinMaxNorm(0.1, 0.2), name="head"),
    ])


@covers("layers.Dense", "layers.Conv2D")
def test_fit_with_constrained_weights_ends_with_keras_s_weights():
    ours, theirs = build_constrained(mk), build_constrained(tf.keras)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 6, 6, 2)).astype("float32")
    y = rng.standard_normal((32, 2)).astype("float32")
    for model, lib in ((ours, mk), (theirs, tf.keras)):
        model.compile(optimizer=lib.optimizers.SGD(0.5), loss="mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    compare_weights(ours, theirs, "training", "layers.Dense and Conv2D with constraints")
    # The constraints bind: the kernel's norms are at their bounds, not where SGD left them.
    kernel_norms = np.sqrt((ours.get_layer("conv").kernel.numpy() ** 2).sum(axis=(0, 1, 2)))
    np.testing.assert_allclose(kernel_norms, 0.6, rtol=1e-5)


def test_a_constrained_layer_s_config_loads_in_keras_and_back():
    ours = build_constrained(mk).get_layer("head")
    theirs = tf.keras.layers.Dense.from_config(ours.get_config())
    assert isinstance(theirs.kernel_constraint, tf.keras.constraints.UnitNorm)
    back = mk.layers.Dense.from_config(theirs.get_config())
    assert back.get_config() == ours.get_config()
