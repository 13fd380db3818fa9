"""Initializers: distributions, Keras's fans, seed semantics, names and configs."""

import json
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, initializers

RANDOM = ["GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
          "LecunUniform", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
          "Orthogonal"]


def draw(initializer, shape=(60, 40, 50)):
    return initializer(shape).numpy().astype("float64")


@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)), ((3, 3, 4, 8), (36, 72)),
    ((2, 3, 4, 5, 6), (120, 144)),
])
def test_fans_are_counted_as_keras_does(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_fan_axes_override_the_default_rule():
    assert initializers.compute_fans((2, 3, 4), input_axes=(0,), output_axes=(1, 2)) == (2, 12)


# name: (initializer, the variance it must have for shape (60, 40, 50), its bound or None)
FAN_IN, FAN_OUT = 60 * 40, 60 * 50
FAN_AVG = (FAN_IN + FAN_OUT) / 2
EXPECTED = {
    "GlorotUniform": (initializers.GlorotUniform(), 1 / FAN_AVG, math.sqrt(3 / FAN_AVG)),
    "GlorotNormal": (initializers.GlorotNormal(), 1 / FAN_AVG,
                     2 * math.sqrt(1 / FAN_AVG) / 0.87962566103423978),
    "HeUniform": (initializers.HeUniform(), 2 / FAN_IN, math.sqrt(6 / FAN_IN)),
    "HeNormal": (initializers.HeNormal(), 2 / FAN_IN,
                 2 * math.sqrt(2 / FAN_IN) / 0.87962566103423978),
    "LecunUniform": (initializers.LecunUniform(), 1 / FAN_IN, math.sqrt(3 / FAN_IN)),
    "LecunNormal": (initializers.LecunNormal(), 1 / FAN_IN,
                    2 * math.sqrt(1 / FAN_IN) / 0.87962566103423978),
    "VarianceScaling": (initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal"),
                        3 / FAN_OUT, None),
    "RandomNormal": (initializers.RandomNormal(stddev=0.5), 0.25, None),
    "RandomUniform": (initializers.RandomUniform(-0.2, 0.2), 0.04 / 3, 0.2),
    "TruncatedNormal": (initializers.TruncatedNormal(stddev=0.5), (0.5 * 0.87962566103423978)**2,
                        1.0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_random_initializers_have_their_variance_and_bounds(name):
    initializer, variance, bound = EXPECTED[name]
    values = draw(initializer)
    n = values.size
    assert abs(values.mean()) < 5 * math.sqrt(variance / n)
    assert values.var() == pytest.approx(variance, rel=0.02)
    if bound is not None:
        assert np.abs(values).max() <= bound * (1 + 1e-6)
        assert np.abs(values).max() > 0.99 * bound  # the bound is reached, not a smaller one


def test_a_random_initializer_returns_the_same_values_at_every_call_as_keras_3():
    seeded, unseeded = initializers.HeNormal(seed=1), initializers.HeNormal()
    np.testing.assert_array_equal(draw(seeded, (3, 4)), draw(seeded, (3, 4)))
    np.testing.assert_array_equal(draw(unseeded, (3, 4)), draw(unseeded, (3, 4)))
    np.testing.assert_array_equal(draw(seeded, (3, 4)), draw(initializers.HeNormal(seed=1),
                                                            (3, 4)))
    assert not np.array_equal(draw(unseeded, (3, 4)), draw(initializers.HeNormal(), (3, 4)))
    assert initializers.HeNormal().get_config()["seed"] is None


def test_set_random_seed_makes_unseeded_initializers_repeat():
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(11)
        runs.append(draw(initializers.get("glorot_uniform"), (4, 4)))
    np.testing.assert_array_equal(*runs)


def test_two_layers_given_one_initializer_name_get_different_weights():
    first, second = keras.layers.Dense(3), keras.layers.Dense(3)
    first(np.zeros((1, 4))), second(np.zeros((1, 4)))
    assert not np.array_equal(first.kernel.numpy(), second.kernel.numpy())


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 3, 4)])
def test_orthogonal_rows_or_columns_are_orthonormal_times_the_gain(shape):
    values = draw(initializers.Orthogonal(gain=2.0), shape).reshape(-1, shape[-1])
    small = values.T @ values if values.shape[0] >= values.shape[1] else values @ values.T
    np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-5)


def test_constant_initializers():
    np.testing.assert_array_equal(draw(initializers.Zeros(), (2,)), [0, 0])
    np.testing.assert_array_equal(draw(initializers.Ones(), (2,)), [1, 1])
    np.testing.assert_array_equal(draw(initializers.Constant(0.5), (2,)), [0.5, 0.5])
    np.testing.assert_array_equal(draw(initializers.Identity(3.0), (2, 3)), 3 * np.eye(2, 3))
    assert initializers.Ones()((2,), dtype="float64").dtype == np.float64
    assert initializers.Zeros()((2,)).dtype == np.float32


@pytest.mark.parametrize("initializer, shape", [(initializers.Identity(), (2, 2, 2)),
                                                (initializers.Orthogonal(), (4,))])
def test_shape_restrictions_raise_a_clear_error(initializer, shape):
    with pytest.raises(ValueError, match="rank"):
        initializer(shape)


@pytest.mark.parametrize("kwargs", [{"scale": 0}, {"mode": "fan_middle"},
                                    {"distribution": "cauchy"}, {"seed": 1.5}])
def test_variance_scaling_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        initializers.VarianceScaling(**kwargs)


def test_normal_means_truncated_normal_as_in_keras():
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


@pytest.mark.parametrize("name", [
    "zeros", "zero", "ones", "one", "constant", "identity", "IdentityInitializer",
    "random_normal", "normal", "random_uniform", "uniform", "truncated_normal",
    "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
    "lecun_normal", "lecun_uniform", "orthogonal", "OrthogonalInitializer", "HeNormal",
])
def test_every_keras_name_resolves_and_round_trips_through_its_config(name):
    initializer = initializers.get(name)
    again = initializers.deserialize(initializers.serialize(initializer))
    assert type(again) is type(initializer)
    assert again.get_config() == initializer.get_config()


def test_lower_case_names_are_the_classes_and_unknown_names_suggest_close_ones():
    assert initializers.he_normal is initializers.HeNormal
    assert isinstance(initializers.get(initializers.GlorotNormal), initializers.GlorotNormal)
    assert initializers.serialize(None) is None and initializers.get(None) is None
    with pytest.raises(ValueError, match="glorot_uniform"):
        initializers.get("glorot_unifrom")


def test_draws_happen_on_the_host_and_land_on_the_device(device):
    values = initializers.GlorotUniform(seed=2)((3, 4))
    assert isinstance(values.data, device.ndarray)
    on_device = values.numpy()
    backend.set_backend("numpy")
    np.testing.assert_array_equal(on_device, initializers.GlorotUniform(seed=2)((3, 4)).numpy())


def test_a_constant_array_broadcasts_and_is_saved_as_keras_saves_arrays():
    constant = initializers.Constant(np.array([1.0, 2.0], dtype="float32"))
    np.testing.assert_array_equal(constant((3, 2)).numpy(), [[1, 2]] * 3)
    config = constant.get_config()
    assert config == {"value": {"class_name": "__numpy__",
                                "config": {"value": [1.0, 2.0], "dtype": "float32"}}}
    assert json.loads(json.dumps(config)) == config  # JSON, as a .keras file holds it
    again = initializers.deserialize(initializers.serialize(constant))
    np.testing.assert_array_equal(again((2,)).numpy(), [1, 2])
    from_tensor = initializers.Constant(keras.ops.convert_to_tensor([3.0]))
    assert from_tensor.get_config()["value"]["config"]["value"] == [3.0]
    assert initializers.Constant(0.5).get_config() == {"value": 0.5}


def test_an_array_or_tensor_is_its_own_initializer_as_in_keras():
    values = np.arange(6, dtype="float64").reshape(2, 3)
    initializer = initializers.get(values)
    result = initializer((2, 3), dtype="float32")
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result.numpy(), values)
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\).*shape=\(3, 2\)"):
        initializer((3, 2))
    layer = keras.layers.Layer()
    weight = layer.add_weight(shape=(2,), initializer=keras.ops.convert_to_tensor([5.0, 6.0]))
    np.testing.assert_array_equal(weight.numpy(), [5.0, 6.0])
    dense = keras.layers.Dense(2, kernel_initializer=values.T)
    dense.build((None, 3))
    np.testing.assert_array_equal(dense.kernel.numpy(), values.T)
