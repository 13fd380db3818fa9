"""Initializers against tf.keras: the same distribution (the two RNGs differ, so the
statistics of large draws are compared), and exact values where nothing is random."""

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close, covers

# Large enough that the sample statistics below are within ~0.01 standard
# deviations of the distribution's, and shaped like a conv kernel and a dense
# kernel, whose fans are counted differently.
SHAPES = [(3, 3, 64, 128), (300, 400)]

# (class name, lower-case alias, constructor arguments, bounded?)
RANDOM = [
    ("GlorotUniform", "glorot_uniform", {}, True),
    ("GlorotNormal", "glorot_normal", {}, True),
    ("HeNormal", "he_normal", {}, True),
    ("HeUniform", "he_uniform", {}, True),
    ("LecunNormal", "lecun_normal", {}, True),
    ("LecunUniform", "lecun_uniform", {}, True),
    ("RandomNormal", "random_normal", {"mean": 0.3, "stddev": 0.2}, False),
    ("RandomUniform", "random_uniform", {"minval": -0.1, "maxval": 0.3}, True),
    ("TruncatedNormal", "truncated_normal", {"mean": -0.2, "stddev": 0.5}, True),
    ("VarianceScaling", "variance_scaling",
     {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}, True),
    ("VarianceScaling", "variance_scaling",
     {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}, False),
    ("VarianceScaling", "variance_scaling",
     {"scale": 3.0, "mode": "fan_in", "distribution": "truncated_normal"}, True),
]


def statistics(values, center, scale, bounded):
    """Mean, standard deviation, deciles (and the extremes when bounded) in units of scale."""
    values = (np.asarray(values, dtype="float64").ravel() - center) / scale
    stats = [values.mean(), values.std(), *np.quantile(values, [0.1, 0.5, 0.9])]
    return np.array(stats + ([values.min(), values.max()] if bounded else []))


@covers(*(f"initializers.{name}" for name, _, _, _ in RANDOM),
        *(f"initializers.{alias}" for _, alias, _, _ in RANDOM))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name, alias, kwargs, bounded", RANDOM)
def test_random_initializers_draw_from_keras_distribution(name, alias, kwargs, bounded, shape):
    ours = getattr(mk.initializers, alias)(seed=1, **kwargs)(shape).numpy()
    theirs = np.asarray(getattr(tf.keras.initializers, name)(seed=1, **kwargs)(shape))
    assert ours.dtype == theirs.dtype == np.float32 and ours.shape == theirs.shape
    center, scale = theirs.mean(), theirs.std()
    assert_close(statistics(ours, center, scale, bounded),
                 statistics(theirs, center, scale, bounded), "distribution",
                 what=f"initializers.{name}{kwargs or ''} {shape}")


@covers("initializers.Orthogonal", "initializers.orthogonal",
        "initializers.OrthogonalInitializer")
@pytest.mark.parametrize("shape", [(40, 30), (30, 40), (3, 3, 8, 16)])
def test_orthogonal_gives_orthonormal_rows_or_columns_as_keras(shape):
    def gram(values):
        matrix = np.asarray(values, dtype="float64").reshape(-1, shape[-1])
        return matrix.T @ matrix if matrix.shape[0] >= matrix.shape[1] else matrix @ matrix.T

    ours = mk.initializers.OrthogonalInitializer(gain=1.5, seed=2)(shape).numpy()
    theirs = tf.keras.initializers.Orthogonal(gain=1.5, seed=2)(shape)
    assert_close(gram(ours), gram(theirs), "linear", what=f"initializers.Orthogonal {shape}")


@covers("initializers.Zeros", "initializers.zeros", "initializers.Ones", "initializers.ones",
        "initializers.Constant", "initializers.constant", "initializers.Identity",
        "initializers.identity", "initializers.IdentityInitializer")
@pytest.mark.parametrize("name, kwargs, shape", [
    ("Zeros", {}, (3, 4)), ("zeros", {}, (5,)), ("Ones", {}, (2, 3, 4)), ("ones", {}, ()),
    ("Constant", {"value": -0.7}, (3, 2)), ("constant", {"value": 4}, (2,)),
    ("Identity", {"gain": 2.5}, (3, 5)), ("identity", {}, (4, 4)),
    ("IdentityInitializer", {}, (2, 3)),
])
def test_constant_initializers_equal_keras(name, kwargs, shape):
    ours = getattr(mk.initializers, name)(**kwargs)(shape).numpy()
    theirs = getattr(tf.keras.initializers, name)(**kwargs)(shape)
    assert_close(ours, theirs, "elementwise", what=f"initializers.{name}")


@covers("initializers.Initializer")
def test_a_custom_initializer_subclass_serves_a_layer_as_in_keras():
    def make(base):
        class Ramp(base):
            def __call__(self, shape, dtype=None):
                return (np.arange(np.prod(shape)).reshape(shape) * 0.01).astype("float32")

            def get_config(self):
                return {}

        return Ramp()

    ours = mk.layers.Dense(3, kernel_initializer=make(mk.initializers.Initializer))
    theirs = tf.keras.layers.Dense(3, kernel_initializer=make(tf.keras.initializers.Initializer))
    ours(np.zeros((1, 4), dtype="float32")), theirs(np.zeros((1, 4), dtype="float32"))
    assert_close(ours.kernel.numpy(), theirs.kernel, "elementwise",
                 what="initializers.Initializer subclass")


@covers("initializers.GlorotUniform")
def test_layers_draw_their_default_kernels_from_keras_distribution():
    ours = mk.layers.Conv2D(128, 3)
    theirs = tf.keras.layers.Conv2D(128, 3)
    x = np.zeros((1, 5, 5, 64), dtype="float32")
    ours(x), theirs(x)
    center, scale = 0.0, np.asarray(theirs.kernel).std()
    assert_close(statistics(ours.kernel.numpy(), center, scale, True),
                 statistics(theirs.kernel, center, scale, True), "distribution",
                 what="initializers.GlorotUniform as Conv2D's default kernel")
    np.testing.assert_array_equal(ours.bias.numpy(), theirs.bias)
