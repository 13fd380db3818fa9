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


def py_dataset(base, x, y, batch_size, **kwargs):
    """A ``base`` (minikeras's or tf.keras's PyDataset) serving x, y in batches."""

    class Batches(base):
        def __len__(self):
            return -(-len(x) // batch_size)

        def __getitem__(self, index):
            rows = slice(index * batch_size, (index + 1) * batch_size)
            return x[rows], y[rows]

    return Batches(**kwargs)


@covers("utils.PyDataset", "utils.Sequence")
@pytest.mark.parametrize("workers", [1, 3])
def test_fit_on_a_pydataset_trains_as_keras(workers):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)).astype("float32")
    y = rng.normal(size=(30, 2)).astype("float32")
    models = []
    for lib in (mk, tf.keras):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="tanh"),
                                lib.layers.Dense(2)])
        model.compile(lib.optimizers.SGD(0.05), "mse")
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    histories = [model.fit(py_dataset(lib.utils.PyDataset, x, y, 8, workers=workers),
                           epochs=3, shuffle=False, verbose=0)
                 for model, lib in zip(models, (mk, tf.keras), strict=True)]
    assert_close(histories[0].history["loss"], histories[1].history["loss"], "training",
                 what="utils.PyDataset: fit losses")
    for ours, theirs in zip(*(m.get_weights() for m in models), strict=True):
        assert_close(ours, theirs, "training", what="utils.PyDataset: weights after fit")
    dataset = py_dataset(mk.utils.PyDataset, x, y, 8)
    assert_close(models[0].predict(dataset, verbose=0),
                 models[1].predict(py_dataset(tf.keras.utils.PyDataset, x, y, 8), verbose=0),
                 "linear", what="utils.PyDataset: predict")


def keras_split(dataset, **kwargs):
    """tf.keras's split_dataset, its two tf.data.Datasets read back as arrays."""
    parts = tf.keras.utils.split_dataset(dataset, **kwargs)
    return [tuple(np.stack(column) for column in zip(*part.as_numpy_iterator(), strict=True))
            if isinstance(dataset, tuple) else np.stack(list(part.as_numpy_iterator()))
            for part in parts]


@covers("utils.split_dataset")
@pytest.mark.parametrize("kwargs", [
    {"left_size": 0.7}, {"right_size": 3}, {"left_size": 4, "right_size": 0.25},
    {"left_size": 0.6, "shuffle": True, "seed": 5}, {"right_size": 0.5, "shuffle": True, "seed": 1},
])
@pytest.mark.parametrize("structure", ["array", "tuple"])
def test_split_dataset_splits_as_keras(kwargs, structure):
    x = np.arange(30, dtype="float32").reshape(10, 3)
    dataset = x if structure == "array" else (x, np.arange(10) * 10)
    ours = mk.utils.split_dataset(dataset, **kwargs)
    theirs = keras_split(dataset, **kwargs)
    for mine, other in zip(ours, theirs, strict=True):
        for a, b in zip(mine if structure == "tuple" else [mine],
                        other if structure == "tuple" else [other], strict=True):
            np.testing.assert_array_equal(a, b)
