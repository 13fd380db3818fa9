"""keras.random draws from tf.keras's distributions.

The two frameworks' generators differ, so the numbers do too; what must agree
is the distribution: the mean, standard deviation and deciles (and extremes,
where bounded) of 10^5 draws, in units of tf.keras's spread, within the
"distribution" tolerance of harness.py.
"""

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close, covers
from parity_tests.test_initializers_parity import statistics

N = 100_000


def compare(ours, theirs, bounded, what):
    ours, theirs = np.asarray(ours, "float64").ravel(), np.asarray(theirs, "float64").ravel()
    center, scale = theirs.mean(), theirs.std()
    assert_close(statistics(ours, center, scale, bounded),
                 statistics(theirs, center, scale, bounded), "distribution", what=what)


DRAWS = [
    ("normal", {"mean": 1.5, "stddev": 0.3}, False),
    ("uniform", {"minval": -2.0, "maxval": 0.5}, True),
    ("truncated_normal", {"mean": -1.0, "stddev": 2.0}, True),
]


@covers(*(f"random.{name}" for name, _, _ in DRAWS), "random.SeedGenerator")
@pytest.mark.parametrize("seed", [3, "generator"])
@pytest.mark.parametrize("name, kwargs, bounded", DRAWS)
def test_draws_follow_keras_distributions(name, kwargs, bounded, seed):
    ours_seed = mk.random.SeedGenerator(3) if seed == "generator" else seed
    theirs_seed = tf.keras.random.SeedGenerator(3) if seed == "generator" else seed
    ours = getattr(mk.random, name)((N,), seed=ours_seed, **kwargs).numpy()
    theirs = getattr(tf.keras.random, name)((N,), seed=theirs_seed, **kwargs)
    assert ours.dtype == np.asarray(theirs).dtype == np.float32
    compare(ours, theirs, bounded, f"random.{name}({kwargs})")


@covers("random.randint")
def test_randint_draws_each_integer_as_often_as_keras():
    ours = mk.random.randint((N,), -3, 7, seed=1).numpy()
    theirs = np.asarray(tf.keras.random.randint((N,), -3, 7, seed=1))
    assert ours.dtype == theirs.dtype == np.int32
    assert_close(np.bincount(ours + 3, minlength=10) / N, np.bincount(theirs + 3, minlength=10) / N,
                 "distribution", what="random.randint frequencies")


@covers("random.categorical")
def test_categorical_draws_classes_as_often_as_keras():
    logits = np.array([[0.0, 1.0, 2.0, -1.0], [3.0, 3.0, 0.0, 0.0]], "float32")
    ours = mk.random.categorical(logits, N // 2, seed=1).numpy()
    theirs = np.asarray(tf.keras.random.categorical(logits, N // 2, seed=1))
    assert ours.shape == theirs.shape == (2, N // 2) and ours.dtype == theirs.dtype
    for row in range(2):
        assert_close(np.bincount(ours[row], minlength=4) / (N // 2),
                     np.bincount(theirs[row], minlength=4) / (N // 2), "distribution",
                     what=f"random.categorical frequencies, row {row}")


@covers("random.dropout")
def test_dropout_keeps_and_scales_as_keras():
    ones = np.ones(N, "float32")
    ours = mk.random.dropout(ones, 0.3, seed=2).numpy()
    theirs = np.asarray(tf.keras.random.dropout(ones, 0.3, seed=2))
    assert sorted(set(ours.tolist())) == sorted(set(theirs.tolist()))  # 0 and 1 / 0.7
    assert_close([np.mean(ours == 0)], [np.mean(theirs == 0)], "distribution",
                 what="random.dropout fraction dropped")


@covers("random.shuffle")
def test_shuffle_moves_elements_as_far_as_keras():
    """In a uniform random permutation of n, an element moves n/3 places on average."""
    x = np.arange(N)
    ours = mk.random.shuffle(x, seed=4).numpy()
    theirs = np.asarray(tf.keras.random.shuffle(x, seed=4))
    assert sorted(ours.tolist()) == x.tolist()
    compare(np.abs(ours - x), np.abs(theirs - x), True, "random.shuffle displacement")
