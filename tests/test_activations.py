"""Activations: each against its definition (Keras's formulas), names, serialization."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minikeras import activations, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.testing import strategies as mst


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's relu, case by case (keras/src/activations/activations.py)."""
    above = np.where(x > threshold, x, 0.0) if threshold else np.maximum(x, 0.0)
    if max_value is not None:
        above = np.clip(above, 0.0, max_value)
    return above - negative_slope * np.maximum(threshold - x, 0.0)


RELU_ARGUMENTS = st.fixed_dictionaries({
    "negative_slope": st.sampled_from([0.0, 0.1, 0.5]),
    "max_value": st.sampled_from([None, 1.0, 6.0]),
    "threshold": st.sampled_from([0.0, 0.5, 2.0]),
})


@given(arguments=RELU_ARGUMENTS, data=st.data())
def test_relu_with_slope_cap_and_threshold_follows_keras(arguments, data):
    kinks = [0.0, arguments["threshold"]] + ([arguments["max_value"]] if arguments[
        "max_value"] else [])
    x = data.draw(mst.arrays(mst.shapes(), mst.away_from(kinks, 1e-3, mst.moderate(-8, 8))))
    np.testing.assert_allclose(activations.relu(Tensor(x), **arguments).numpy(),
                               keras_relu(x, **arguments), rtol=1e-12)
    gradcheck(lambda t: activations.relu(t, **arguments), x)


def test_relu_examples_from_keras_documentation():
    x = Tensor(np.array([-10, -5, 0.0, 5, 10]))
    np.testing.assert_array_equal(activations.relu(x).numpy(), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x, negative_slope=0.5).numpy(),
                                  [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(activations.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name: (activation with its arguments, values, NumPy definition)
SMOOTH = mst.moderate(-5, 5)
DEFINITIONS = {
    "celu": (lambda t: activations.celu(t, alpha=0.7), SMOOTH,
             lambda x: np.maximum(x, 0) + 0.7 * np.expm1(np.minimum(x, 0) / 0.7)),
    "mish": (activations.mish, SMOOTH, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "hard_silu": (activations.hard_silu, mst.away_from([-3.0, 3.0], 1e-3, SMOOTH),
                  lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "log_sigmoid": (activations.log_sigmoid, SMOOTH, lambda x: np.log(_sigmoid(x))),
    "hard_tanh": (activations.hard_tanh, mst.away_from([-1.0, 1.0], 1e-3, SMOOTH),
                  lambda x: np.clip(x, -1, 1)),
    "tanh_shrink": (activations.tanh_shrink, SMOOTH, lambda x: x - np.tanh(x)),
    "squareplus": (lambda t: activations.squareplus(t, b=2), SMOOTH,
                   lambda x: (x + np.sqrt(x**2 + 2)) / 2),
    "sparse_plus": (activations.sparse_plus, mst.away_from([-1.0, 1.0], 1e-3, SMOOTH),
                    lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1)**2 / 4, x))),
    "sparse_sigmoid": (activations.sparse_sigmoid, mst.away_from([-1.0, 1.0], 1e-3, SMOOTH),
                       lambda x: np.clip((x + 1) / 2, 0, 1)),
    "soft_shrink": (lambda t: activations.soft_shrink(t, 0.5),
                    mst.away_from([-0.5, 0.5], 1e-3, SMOOTH),
                    lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
    "hard_shrink": (lambda t: activations.hard_shrink(t, 0.5),
                    mst.away_from([-0.5, 0.5], 1e-3, SMOOTH),
                    lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "threshold": (lambda t: activations.threshold(t, 0.2, -1.0),
                  mst.away_from([0.2], 1e-3, SMOOTH), lambda x: np.where(x > 0.2, x, -1.0)),
    "glu": (activations.glu, SMOOTH,
            lambda x: x[..., :x.shape[-1] // 2] * _sigmoid(x[..., x.shape[-1] // 2:])),
    "softmax over two axes": (lambda t: activations.softmax(t, axis=(0, -1)), SMOOTH,
                              lambda x: np.exp(x) / np.exp(x).sum(axis=(0, -1), keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
@given(data=st.data())
def test_activation_matches_its_definition(name, data):
    fn, values, definition = DEFINITIONS[name]
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3).map(
        lambda s: (*s[:-1], 2 * s[-1])))  # glu splits the last axis in two
    x = data.draw(mst.arrays(shape, values))
    np.testing.assert_allclose(fn(Tensor(x)).numpy(), definition(x), rtol=1e-10, atol=1e-12)
    gradcheck(fn, x)


def test_glu_needs_an_even_axis():
    with pytest.raises(ValueError, match="even"):
        activations.glu(Tensor(np.zeros((2, 3))))


def test_every_registered_name_resolves_and_serializes_to_a_name_that_resolves_back():
    for name in activations.__all__:
        if name in ("get", "serialize", "deserialize"):
            continue
        fn = activations.get(name)
        assert activations.get(activations.serialize(fn)) is fn
        assert activations.deserialize(activations.serialize(fn)) is fn
    assert activations.serialize(activations.swish) == "silu"
    assert activations.get("hard_swish") is activations.hard_silu


def test_get_accepts_none_functions_and_keras_dicts_and_rejects_unknown_names():
    assert activations.get(None) is activations.linear
    assert activations.get(math.tanh) is math.tanh
    assert activations.get({"class_name": "function", "config": "relu"}) is activations.relu
    with pytest.raises(ValueError, match="'relu'"):
        activations.get("rleu")


def test_softmax_output_remembers_its_logits_for_the_losses():
    x = Tensor(np.ones((2, 3)))
    assert activations.softmax(x)._keras_logits is x
    assert ops.sigmoid(x)._keras_logits is x


def project_onto_simplex(x):
    """Sparsemax by bisection on tau: the tau at which sum(max(x - tau, 0)) is 1."""
    low, high = x.min() - 1.0, x.max()
    for _ in range(200):
        tau = (low + high) / 2
        low, high = (tau, high) if np.maximum(x - tau, 0).sum() > 1 else (low, tau)
    return np.maximum(x - (low + high) / 2, 0)


@given(data=st.data())
def test_sparsemax_is_the_projection_onto_the_simplex(data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3), mst.moderate(-3, 3)))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    expected = np.apply_along_axis(project_onto_simplex, axis, x)
    y = activations.sparsemax(Tensor(x), axis=axis).numpy()
    np.testing.assert_allclose(y, expected, atol=1e-12)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-12)


@given(data=st.data())
def test_sparsemax_gradient(data):
    x = data.draw(mst.arrays(mst.shapes(min_dims=1, max_dims=2), mst.moderate(-3, 3)))
    y = np.apply_along_axis(project_onto_simplex, -1, x)
    tau = np.max(x - y, axis=-1, keepdims=True)  # x - y is tau on the support, x <= tau off it
    assume(np.all(np.abs(x - tau) > 1e-3))  # no entry where its output starts to be 0
    gradcheck(activations.sparsemax, x)


def test_sparsemax_of_ties_and_of_a_clear_winner():
    y = activations.sparsemax(Tensor(np.array([[0.5, 0.5, -1.0], [5.0, 1.0, 2.0]]))).numpy()
    np.testing.assert_array_equal(y, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
