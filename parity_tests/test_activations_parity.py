"""Activations and ops against tf.keras: forward values and gradients."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import compare_functions, covers

ACTIVATIONS = ["relu", "leaky_relu", "relu6", "sigmoid", "hard_sigmoid", "tanh", "softmax",
               "log_softmax", "softplus", "softsign", "elu", "selu", "gelu", "silu", "swish",
               "exponential", "linear"]

# The drawn shapes include a last axis of size 1, on purpose (softmax is then 1 everywhere,
# its gradient 0, on both sides); tf.keras warns that this is likely a mistake.
pytestmark = pytest.mark.filterwarnings("ignore:You are using a softmax over axis -1 of a "
                                        "tensor of shape:UserWarning")

# Kinks where the two frameworks may legitimately pick different subgradients.
KINKS = {"relu": [0.0], "leaky_relu": [0.0], "relu6": [0.0, 6.0], "hard_sigmoid": [-3.0, 3.0],
         "elu": [0.0], "selu": [0.0], "softsign": [0.0]}


@covers(*(f"activations.{name}" for name in ACTIVATIONS))
@pytest.mark.parametrize("name", ACTIVATIONS)
@given(data=st.data())
def test_activation_matches_keras(name, data):
    values = mst.moderate(-8, 8) if name != "exponential" else mst.moderate(-8, 8)
    values = mst.away_from(KINKS.get(name, []), 1e-3, values)
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3), values, "float32"))
    compare_functions(mk.activations.get(name), tf.keras.activations.get(name), [x],
                      "elementwise", f"activations.{name}")


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "sigmoid", "softplus", "tanh"])
@given(data=st.data())
def test_saturating_activations_stay_finite_at_extremes(name, data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=2), mst.extreme(1e4), "float32"))
    compare_functions(mk.activations.get(name), tf.keras.activations.get(name), [x],
                      "elementwise", f"activations.{name} (extreme)")


def test_the_two_gelus_match_keras_defaults():
    x = np.linspace(-4, 4, 33, dtype="float32")
    compare_functions(mk.activations.gelu, tf.keras.activations.gelu, [x], "elementwise",
                      "activations.gelu (exact)")
    compare_functions(mk.ops.gelu, tf.keras.ops.gelu, [x], "elementwise",
                      "ops.gelu (approximate)")


@covers("activations.relu")
@pytest.mark.parametrize("kwargs", [
    {"negative_slope": 0.2}, {"max_value": 6.0}, {"max_value": 2.5}, {"threshold": 1.5},
    {"negative_slope": 0.1, "max_value": 4.0}, {"negative_slope": 0.3, "threshold": 0.5},
    {"max_value": 6.0, "threshold": 1.0}, {"negative_slope": 0.5, "max_value": 3.0,
                                            "threshold": 2.0},
])
@given(data=st.data())
def test_relu_with_slope_cap_and_threshold_matches_keras(kwargs, data):
    kinks = [0.0, kwargs.get("threshold", 0.0), kwargs.get("max_value", 0.0)]
    values = mst.away_from(kinks, 1e-3, mst.moderate(-8, 8))
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3), values, "float32"))
    compare_functions(lambda t: mk.activations.relu(t, **kwargs),
                      lambda t: tf.keras.activations.relu(t, **kwargs), [x], "elementwise",
                      f"activations.relu{kwargs}")


# Activations Keras 3 added, with their arguments and kinks.
MORE_ACTIVATIONS = {
    "celu": ({"alpha": 0.5}, [0.0]), "mish": ({}, []), "hard_silu": ({}, [-3.0, 3.0]),
    "hard_swish": ({}, [-3.0, 3.0]), "log_sigmoid": ({}, []), "hard_tanh": ({}, [-1.0, 1.0]),
    "tanh_shrink": ({}, []), "squareplus": ({"b": 2}, []), "sparse_plus": ({}, [-1.0, 1.0]),
    "sparse_sigmoid": ({}, [-1.0, 1.0]), "soft_shrink": ({"threshold": 0.7}, [-0.7, 0.7]),
    "hard_shrink": ({"threshold": 0.4}, [-0.4, 0.4]),
    "threshold": ({"threshold": 0.3, "default_value": -2.0}, [0.3]), "glu": ({}, []),
}


@covers(*(f"activations.{name}" for name in MORE_ACTIVATIONS))
@pytest.mark.parametrize("name", sorted(MORE_ACTIVATIONS))
@given(data=st.data())
def test_more_activations_match_keras(name, data):
    kwargs, kinks = MORE_ACTIVATIONS[name]
    values = mst.away_from(kinks, 1e-3, mst.moderate(-8, 8))
    shape = data.draw(mst.shapes(min_dims=1, max_dims=3).map(lambda s: (*s[:-1], 2 * s[-1])))
    x = data.draw(mst.arrays(shape, values, "float32"))
    compare_functions(lambda t: getattr(mk.activations, name)(t, **kwargs),
                      lambda t: getattr(tf.keras.activations, name)(t, **kwargs), [x],
                      "elementwise", f"activations.{name}")


def keras_sparsemax_as_fixed_upstream(x, axis=-1):
    """tf.keras's sparsemax (keras/src/backend/tensorflow/nn.py) with the fix of
    keras-team/keras#23469: tau sums the sorted logits over the support, where Keras 3.15
    sums their cumulative sums (its output does not sum to 1 once two entries are in the
    support). Differentiated by TensorFlow, as Keras's is."""
    logits_sorted = tf.sort(x, direction="DESCENDING", axis=axis)
    logits_cumsum = tf.cumsum(logits_sorted, axis=axis)
    r_shape = [1] * len(x.shape)
    r_shape[axis] = -1
    r = tf.reshape(tf.range(1, tf.shape(x)[axis] + 1, dtype=x.dtype), r_shape)
    support = logits_sorted - (logits_cumsum - 1) / r > 0
    k = tf.reduce_sum(tf.cast(support, x.dtype), axis=axis, keepdims=True)
    support_sum = tf.reduce_sum(tf.where(support, logits_sorted, 0.0), axis=axis, keepdims=True)
    return tf.maximum(x - (support_sum - 1) / k, 0.0)


@covers("activations.sparsemax")
@given(data=st.data())
def test_sparsemax_matches_keras_where_one_entry_wins(data):
    # Keras 3.15's formula is right when the support is one entry: the largest leads the
    # others by more than 1 (then sparsemax is one-hot and its gradient 0 off the winner).
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3), mst.moderate(-3, 3), "float32"))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    winner = np.argmax(x, axis=axis)
    x = x + 7.0 * (np.arange(x.shape[axis]).reshape(
        [-1 if i == axis % x.ndim else 1 for i in range(x.ndim)]) == np.expand_dims(
        winner, axis))
    compare_functions(lambda t: mk.activations.sparsemax(t, axis=axis),
                      lambda t: tf.keras.activations.sparsemax(t, axis=axis), [x],
                      "reduction", f"activations.sparsemax(axis={axis}), one winner")


@given(data=st.data())
def test_sparsemax_matches_keras_s_formula_as_fixed_upstream(data):
    values = st.one_of(mst.moderate(-2, 2), st.sampled_from([0.0, 0.5, 1.0]))  # ties too
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=6), values, "float32"))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    compare_functions(lambda t: mk.activations.sparsemax(t, axis=axis),
                      lambda t: keras_sparsemax_as_fixed_upstream(t, axis=axis), [x],
                      "reduction", f"activations.sparsemax(axis={axis})")
    np.testing.assert_allclose(mk.activations.sparsemax(x, axis=axis).numpy().sum(axis=axis),
                               1.0, rtol=1e-5)


def test_installed_keras_still_has_the_sparsemax_threshold_bug():
    # When this fails, tf.keras computes sparsemax right: compare with it directly instead
    # of keras_sparsemax_as_fixed_upstream.
    keras_output = tf.keras.activations.sparsemax(np.array([[0.0, 0.5, 1.0]], "float32"))
    np.testing.assert_allclose(np.asarray(keras_output), [[0.0, 0.0, 0.25]])
    np.testing.assert_allclose(mk.activations.sparsemax(
        np.array([[0.0, 0.5, 1.0]], "float32")).numpy(), [[0.0, 0.25, 0.75]])
