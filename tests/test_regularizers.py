"""Regularizers: Keras's formulas, their gradients, configs, and the losses layers collect."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minikeras as keras
from minikeras import regularizers
from minikeras.autograd import Tensor, gradcheck
from minikeras.testing import strategies as mst

AWAY_FROM_ZERO = mst.away_from([0.0], 1e-3, mst.moderate())


@pytest.mark.parametrize("regularizer, formula", [
    (regularizers.L1(0.3), lambda w: 0.3 * np.abs(w).sum()),
    (regularizers.L2(0.2), lambda w: 0.2 * (w**2).sum()),
    (regularizers.L1L2(l1=0.1, l2=0.5), lambda w: 0.1 * np.abs(w).sum() + 0.5 * (w**2).sum()),
    (regularizers.L1L2(l2=0.5), lambda w: 0.5 * (w**2).sum()),
    (regularizers.L1(), lambda w: 0.01 * np.abs(w).sum()),
    (regularizers.L2(), lambda w: 0.01 * (w**2).sum()),
])
@given(data=st.data())
def test_penalty_and_its_gradient(regularizer, formula, data):
    w = data.draw(mst.arrays(mst.shapes(), AWAY_FROM_ZERO))
    assert regularizer(Tensor(w)).item() == pytest.approx(formula(w), rel=1e-12)
    gradcheck(regularizer, w)


def test_l1l2_defaults_to_no_penalty_at_all():
    penalty = regularizers.L1L2()(Tensor(np.ones(3, dtype="float32")))
    assert penalty.item() == 0.0 and penalty.dtype == np.float32 and not penalty.requires_grad


@pytest.mark.parametrize("name, cls, config", [
    ("l1", regularizers.L1, {"l1": 0.01}), ("L2", regularizers.L2, {"l2": 0.01}),
    ("l1_l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("l1l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
])
def test_names_resolve_to_keras_defaults_and_round_trip(name, cls, config):
    regularizer = regularizers.get(name)
    assert type(regularizer) is cls and regularizer.get_config() == config
    again = regularizers.deserialize(regularizers.serialize(regularizer))
    assert type(again) is cls and again.get_config() == config


def test_lower_case_names_are_the_classes_as_in_keras_3():
    assert regularizers.l1_l2(l1=0.2).get_config() == {"l1": 0.2, "l2": 0.0}
    assert regularizers.l2 is regularizers.L2 and regularizers.l1 is regularizers.L1
    assert regularizers.serialize(None) is None and regularizers.get(None) is None
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)


@pytest.mark.parametrize("make", [lambda: regularizers.L1(-1.0), lambda: regularizers.L2("x"),
                                  lambda: regularizers.L1L2(l2=float("inf"))])
def test_bad_factors_raise_a_clear_error(make):
    with pytest.raises(ValueError, match="non-negative"):
        make()


def test_a_custom_regularizer_must_say_how_to_save_it():
    with pytest.raises(NotImplementedError, match="get_config"):
        regularizers.Regularizer().get_config()


def test_layer_losses_collect_every_weight_penalty():
    layer = keras.layers.Dense(2, kernel_regularizer="l2", bias_regularizer=regularizers.L1(0.5),
                               bias_initializer="ones")
    layer(np.zeros((1, 3), dtype="float32"))
    kernel = layer.kernel.numpy()
    np.testing.assert_allclose([loss.item() for loss in layer.losses],
                               [0.01 * (kernel**2).sum(), 0.5 * 2.0], rtol=1e-6)
    total = layer.losses[0] + layer.losses[1]
    total.backward()
    np.testing.assert_allclose(layer.kernel.grad, 0.02 * kernel, rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, [0.5, 0.5])


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_is_the_mean_absolute_cosine_of_the_pairs(mode):
    w = np.random.default_rng(2).standard_normal((4, 3))
    vectors = w if mode == "rows" else w.T
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ unit.T
    pairs = np.abs(cosines[np.triu_indices(len(unit), k=1)])
    regularizer = regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    np.testing.assert_allclose(regularizer(Tensor(w)).item(), 0.3 * pairs.mean(), rtol=1e-12)
    gradcheck(regularizer, w)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows_and_checks_its_arguments():
    rows = np.array([[0.0, 2.0, 0.0], [3.0, 0.0, 0.0]])
    assert regularizers.OrthogonalRegularizer()(Tensor(rows)).item() == 0.0
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(Tensor(np.ones((2, 2, 2))))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.OrthogonalRegularizer(factor=-1.0)
    regularizer = regularizers.get("orthogonal_regularizer")
    config = regularizers.serialize(regularizers.OrthogonalRegularizer(0.2, "columns"))
    assert type(regularizer) is regularizers.OrthogonalRegularizer
    assert regularizers.deserialize(config).get_config() == {"factor": 0.2, "mode": "columns"}
