"""The Circle loss against tf.keras: values and gradients of the function and the class,
with and without references, sample weights and the diagonal, and its config both ways."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import compare_functions, covers

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]


def unit_embeddings(data, rows, dims):
    """(rows, dims) float32 embeddings of norm 1, as a UnitNormalization layer gives."""
    raw = data.draw(mst.arrays((rows, dims), mst.away_from([0.0], 0.05, mst.moderate()),
                               "float32"))
    return (raw / np.linalg.norm(raw, axis=1, keepdims=True)).astype("float32")


def labels(data, rows):
    # Few classes, so most samples have positives; some have none (their loss is 0).
    return data.draw(mst.arrays((rows,), st.integers(0, 3), "int32"))


@covers("losses.Circle")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(data=st.data())
def test_circle_class_matches_keras(reduction, data):
    rows, dims = data.draw(st.integers(2, 8)), data.draw(st.integers(2, 5))
    y_true, y_pred = labels(data, rows), unit_embeddings(data, rows, dims)
    options = {"gamma": data.draw(st.sampled_from([80.0, 2.0, 16.0])),
               "margin": data.draw(st.sampled_from([0.4, 0.1, 0.25])),
               "remove_diagonal": data.draw(st.booleans()), "reduction": reduction}
    weights = data.draw(st.one_of(st.none(), mst.arrays((rows,), mst.floats32(0.0, 2.0),
                                                        "float32")))
    ours, theirs = mk.losses.Circle(**options), tf.keras.losses.Circle(**options)
    compare_functions(lambda p: ours(y_true, p, sample_weight=weights),
                      lambda p: theirs(y_true, p, sample_weight=weights), [y_pred],
                      "reduction", f"losses.Circle({options}, weights={weights is not None})")


@covers("losses.circle")
@given(data=st.data())
def test_circle_function_against_references_matches_keras(data):
    rows, references, dims = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)),
                              data.draw(st.integers(2, 4)))
    y_true, y_pred = labels(data, rows), unit_embeddings(data, rows, dims)
    ref_labels, ref_embeddings = labels(data, references), unit_embeddings(data, references,
                                                                           dims)
    remove_diagonal = data.draw(st.booleans())
    compare_functions(
        lambda p, r: mk.losses.circle(y_true, p, ref_labels=ref_labels, ref_embeddings=r,
                                      remove_diagonal=remove_diagonal),
        lambda p, r: tf.keras.losses.circle(y_true, p, ref_labels=ref_labels,
                                            ref_embeddings=r, remove_diagonal=remove_diagonal),
        [y_pred, ref_embeddings], "reduction", "losses.circle with references")


def test_circle_config_is_keras_s_both_ways():
    ours = mk.losses.Circle(gamma=32.0, margin=0.3, remove_diagonal=False, reduction="sum")
    theirs = tf.keras.losses.Circle(gamma=32.0, margin=0.3, remove_diagonal=False,
                                    reduction="sum")
    written_by_us, written_by_keras = mk.losses.serialize(ours), tf.keras.losses.serialize(theirs)
    assert written_by_us == written_by_keras
    assert tf.keras.losses.deserialize(written_by_us).get_config() == theirs.get_config()
    assert mk.losses.deserialize(written_by_keras).get_config() == ours.get_config()
