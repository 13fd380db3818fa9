"""keras.utils.to_categorical and normalize against tf.keras's NumPy versions."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import assert_close, covers


@covers("utils.to_categorical")
@given(data=st.data())
def test_to_categorical_matches_keras(data):
    num_classes = data.draw(st.integers(1, 12))
    # Keras drops a trailing axis of size 1: draw shapes that end in 1 as well.
    shape = data.draw(st.one_of(mst.shapes(1, 3), mst.shapes(1, 2).map(lambda s: (*s, 1))))
    labels = data.draw(mst.labels(shape, num_classes))
    given_classes = data.draw(st.sampled_from([num_classes, None]))
    expected = tf.keras.utils.to_categorical(labels, given_classes)
    actual = mk.utils.to_categorical(labels, given_classes)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)  # zeros and ones: exact


@covers("utils.normalize")
@pytest.mark.parametrize("order", [1, 2, np.inf])
@given(data=st.data())
def test_normalize_matches_keras(order, data):
    # Arrays of 2 or more axes, along the last axis, where Keras's NumPy path keeps
    # the shape: it turns axis=0 into -1 (`axis or -1`) and a 1-D x into (1, n);
    # minikeras does neither.
    x = data.draw(mst.arrays(mst.shapes(2, 3), mst.extreme(1e4), "float32"))
    axis = data.draw(st.sampled_from([-1, x.ndim - 1]))
    assert_close(mk.utils.normalize(x, axis=axis, order=order),
                 tf.keras.utils.normalize(x, axis=axis, order=order),
                 "reduction", what=f"utils.normalize(order={order})")
