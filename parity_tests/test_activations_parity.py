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
