"""Regularizers against tf.keras: penalty values and their gradients, and the losses a
layer collects from them."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import assert_close, compare_functions, copy_weights, covers

# (name in both modules, constructor arguments)
REGULARIZERS = [
    ("L1", {"l1": 0.3}), ("l1", {}), ("L2", {"l2": 0.02}), ("l2", {}),
    ("L1L2", {"l1": 0.1, "l2": 0.5}), ("l1_l2", {"l1": 0.01}), ("L1L2", {}),
]


@covers("regularizers.L1", "regularizers.l1", "regularizers.L2", "regularizers.l2",
        "regularizers.L1L2", "regularizers.l1_l2")
@pytest.mark.parametrize("name, kwargs", REGULARIZERS)
@given(data=st.data())
def test_penalty_and_gradient_match_keras(name, kwargs, data):
    values = mst.away_from([0.0], 1e-3, mst.extreme(1e3))  # |x| has a kink at 0
    w = data.draw(mst.arrays(mst.shapes(max_dims=4, max_side=6), values, "float32"))
    ours = getattr(mk.regularizers, name)(**kwargs)
    theirs = getattr(tf.keras.regularizers, name)(**kwargs)
    # Keras's L1 keeps its factor as a float32 tensor: 0.3 comes back as 0.30000001.
    assert ours.get_config() == pytest.approx(theirs.get_config(), rel=1e-7)
    compare_functions(ours, theirs, [w], "reduction", f"regularizers.{name}{kwargs}")


def assert_layer_losses_match(build, what):
    """``build(module)`` makes a built layer in minikeras or tf.keras; given the same weights,
    the two must hold the same losses."""
    ours, theirs = build(mk), build(tf.keras)
    copy_weights(ours, theirs)
    assert_close([loss.numpy() for loss in ours.losses],
                 [np.asarray(loss) for loss in theirs.losses], "reduction", what=what)


@covers("regularizers.L2", "regularizers.L1")
def test_layer_losses_equal_keras_for_the_same_weights():
    def build(module):
        layer = module.layers.Conv2D(4, 3, kernel_regularizer=module.regularizers.L2(0.05),
                                     bias_regularizer="l1", bias_initializer="random_normal")
        layer(np.zeros((1, 5, 5, 2), dtype="float32"))
        return layer

    assert_layer_losses_match(build, "regularizers.L2 and L1 in Conv2D.losses")


@covers("regularizers.Regularizer")
def test_a_custom_regularizer_subclass_adds_the_same_loss_as_in_keras():
    def build(module):
        class Quartic(module.regularizers.Regularizer):
            def __call__(self, x):
                return 0.1 * module.ops.sum(module.ops.square(module.ops.square(x)))

            def get_config(self):
                return {}

        layer = module.layers.Dense(3, kernel_regularizer=Quartic())
        layer(np.zeros((2, 4), dtype="float32"))
        return layer

    assert_layer_losses_match(build, "regularizers.Regularizer subclass")


@covers("regularizers.OrthogonalRegularizer", "regularizers.orthogonal_regularizer")
@pytest.mark.parametrize("name, kwargs", [("OrthogonalRegularizer", {}),
                                          ("OrthogonalRegularizer", {"factor": 0.3}),
                                          ("orthogonal_regularizer", {"mode": "columns"})])
@given(data=st.data())
def test_orthogonal_regularizer_matches_keras(name, kwargs, data):
    rows, columns = data.draw(st.integers(2, 6)), data.draw(st.integers(2, 6))
    w = data.draw(mst.arrays((rows, columns), mst.away_from([0.0], 1e-2, mst.moderate()),
                             "float32"))
    ours = getattr(mk.regularizers, name)(**kwargs)
    theirs = getattr(tf.keras.regularizers, name)(**kwargs)
    # Keras keeps the factor as a float32 tensor: 0.3 comes back as 0.30000001.
    assert ours.mode == theirs.get_config()["mode"]
    assert ours.factor == pytest.approx(theirs.get_config()["factor"], rel=1e-7)
    compare_functions(ours, theirs, [w], "reduction", f"regularizers.{name}{kwargs}")


def test_orthogonal_regularizer_in_a_dense_layer_adds_keras_s_loss():
    def build(module):
        layer = module.layers.Dense(
            3, kernel_regularizer=module.regularizers.OrthogonalRegularizer(0.2, "columns"))
        layer(np.zeros((2, 5), dtype="float32"))
        return layer

    assert_layer_losses_match(build, "regularizers.OrthogonalRegularizer in Dense.losses")
