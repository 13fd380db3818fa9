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
