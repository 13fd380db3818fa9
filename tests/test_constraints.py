"""Constraints: their projections, names and configs, and their place after each update."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import constraints
from minikeras.autograd import Tensor


def project(constraint, w):
    return constraint(Tensor(np.asarray(w, dtype="float32"))).numpy()


def test_non_neg_zeroes_the_negative_weights():
    np.testing.assert_array_equal(project(constraints.NonNeg(), [[-1.0, 2.0], [0.5, -3.0]]),
                                  [[0.0, 2.0], [0.5, 0.0]])


def test_max_norm_shrinks_only_the_columns_above_the_bound():
    w = np.array([[3.0, 0.3], [4.0, 0.4]])  # column norms 5 and 0.5
    np.testing.assert_allclose(project(constraints.MaxNorm(2.0), w),
                               [[1.2, 0.3], [1.6, 0.4]], rtol=1e-6)


def test_unit_norm_and_min_max_norm_over_a_conv_kernel_s_filters():
    w = np.random.default_rng(0).standard_normal((3, 3, 2, 4)).astype("float32")
    unit = project(constraints.UnitNorm(axis=[0, 1, 2]), w)
    np.testing.assert_allclose(np.sqrt((unit**2).sum(axis=(0, 1, 2))), np.ones(4), rtol=1e-6)
    half_way = project(constraints.MinMaxNorm(min_value=5.0, max_value=6.0, rate=0.5,
                                              axis=[0, 1, 2]), w)
    norms = np.sqrt((w.astype("float64")**2).sum(axis=(0, 1, 2)))
    expected = 0.5 * np.clip(norms, 5.0, 6.0) + 0.5 * norms
    np.testing.assert_allclose(np.sqrt((half_way**2).sum(axis=(0, 1, 2))), expected, rtol=1e-5)


@pytest.mark.parametrize("name, cls", [
    ("non_neg", constraints.NonNeg), ("NonNeg", constraints.NonNeg),
    ("max_norm", constraints.MaxNorm), ("unit_norm", constraints.UnitNorm),
    ("MinMaxNorm", constraints.MinMaxNorm), ("min_max_norm", constraints.MinMaxNorm),
])
def test_names_resolve_to_instances_that_round_trip(name, cls):
    constraint = constraints.get(name)
    assert type(constraint) is cls
    config = constraints.serialize(constraint)
    assert config["module"] == "keras.constraints" and config["class_name"] == cls.__name__
    again = constraints.deserialize(config)
    assert type(again) is cls and again.get_config() == constraint.get_config()


def test_get_takes_classes_functions_and_none_and_refuses_the_rest():
    assert isinstance(constraints.get(constraints.MaxNorm), constraints.MaxNorm)
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.get(None) is None and constraints.serialize(None) is None
    clip = lambda w: keras.ops.clip(w, -1.0, 1.0)  # noqa: E731
    assert constraints.get(clip) is clip
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: unknown "
                                         "constraint 'max_nrom'.*Did you mean .*'max_norm'"):
        constraints.get("max_nrom")  # ("maxnorm" is Keras 2's name: tests/test_keras2_spellings)
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        constraints.get(3)


@pytest.mark.parametrize("make_layer, names", [
    (lambda: keras.layers.Dense(3, kernel_constraint="non_neg", bias_constraint="non_neg"),
     ["kernel", "bias"]),
    (lambda: keras.layers.Conv2D(3, 2, kernel_constraint="non_neg", bias_constraint="non_neg"),
     ["kernel", "bias"]),
    (lambda: keras.layers.DepthwiseConv2D(2, depthwise_constraint="non_neg",
                                          bias_constraint="non_neg"),
     ["kernel", "bias"]),
    (lambda: keras.layers.SeparableConv2D(3, 2, depthwise_constraint="non_neg",
                                          pointwise_constraint="non_neg"),
     ["depthwise_kernel", "pointwise_kernel"]),
    (lambda: keras.layers.BatchNormalization(beta_constraint="non_neg",
                                             gamma_constraint="non_neg"),
     ["gamma", "beta"]),
    (lambda: keras.layers.LayerNormalization(beta_constraint="non_neg",
                                             gamma_constraint="non_neg"),
     ["gamma", "beta"]),
    (lambda: keras.layers.GroupNormalization(2, beta_constraint="non_neg",
                                             gamma_constraint="non_neg"),
     ["gamma", "beta"]),
    (lambda: keras.layers.PReLU(alpha_constraint="non_neg"), ["alpha"]),
])
def test_layers_hand_their_constraints_to_their_weights_and_their_configs(make_layer, names):
    layer = make_layer()
    layer.build((None, 4, 4, 2))
    weights = {w.name: w for w in layer.weights}
    for name in names:
        assert isinstance(weights[name].constraint, constraints.NonNeg), name
    config = layer.get_config()
    written = [key for key, value in config.items() if key.endswith("_constraint") and value]
    assert len(written) == len(names)
    rebuilt = type(layer).from_config(config)
    assert all(isinstance(getattr(rebuilt, key), constraints.NonNeg) for key in written)


def test_fit_applies_the_constraint_after_every_step():
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(2, use_bias=False, kernel_initializer="zeros",
                                                 kernel_constraint=keras.constraints.MaxNorm(0.5))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.random.default_rng(1).uniform(0.5, 1.0, (16, 3)).astype("float32")
    model.fit(x, 10 * np.ones((16, 2), dtype="float32"), epochs=2, batch_size=4, verbose=0)
    norms = np.sqrt((model.layers[0].kernel.numpy() ** 2).sum(axis=0))
    np.testing.assert_allclose(norms, [0.5, 0.5], rtol=1e-5)  # the loss pulls them far above


def test_embedding_hands_its_constraint_to_its_table():
    layer = keras.layers.Embedding(5, 3, embeddings_constraint="unit_norm")
    layer.build((None, 2))
    assert isinstance(layer.embeddings.constraint, constraints.UnitNorm)
    rebuilt = keras.layers.Embedding.from_config(layer.get_config())
    assert isinstance(rebuilt.embeddings_constraint, constraints.UnitNorm)


def test_add_weight_takes_a_constraint_by_name():
    layer = keras.layers.Layer()
    weight = layer.add_weight(shape=(2,), constraint="unit_norm")
    assert isinstance(weight.constraint, constraints.UnitNorm)
