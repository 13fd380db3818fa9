"""utils: to_categorical, normalize and batches (the values tf.keras gives are in parity_tests)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minikeras as keras
from minikeras import backend
from minikeras.utils import batches, normalize, to_categorical

# -- to_categorical ----------------------------------------------------------------


def test_to_categorical_puts_a_one_at_each_label():
    expected = [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
    assert to_categorical([0, 2, 3, 2], num_classes=4).tolist() == expected


def test_to_categorical_infers_max_plus_one_classes():
    assert to_categorical(np.array([1, 3], np.uint8)).shape == (2, 4)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((5,), (5, 10)), ((5, 1), (5, 10)), ((2, 3), (2, 3, 10)), ((2, 3, 1), (2, 3, 10)),
     ((1,), (1, 10)), ((), (10,))],
)
def test_to_categorical_shapes_follow_keras(shape, expected):
    # Keras drops a trailing axis of size 1 when it has more than one axis.
    assert to_categorical(np.full(shape, 7), num_classes=10).shape == expected


def test_to_categorical_is_floatx():
    assert to_categorical([0, 1]).dtype == np.float32
    backend.set_floatx("float64")
    assert to_categorical([0, 1]).dtype == np.float64


def test_to_categorical_accepts_integral_floats_and_tensors():
    assert to_categorical([1.0, 0.0]).tolist() == [[0, 1], [1, 0]]
    assert to_categorical(keras.Tensor(np.array([1, 0]))).tolist() == [[0, 1], [1, 0]]


def test_to_categorical_of_nothing_with_num_classes():
    assert to_categorical(np.zeros(0, np.int64), num_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    ("labels", "num_classes", "error", "message"),
    [
        ([0, 3], 3, ValueError, "label 3, but labels must be in 0..2"),
        ([0, -1], 3, ValueError, "label -1"),
        ([0.5, 1.0], None, ValueError, "non-integer values such as 0.5"),
        (["cat", "dog"], None, TypeError, "integer class labels"),
        ([], None, ValueError, "pass num_classes"),
    ],
)
def test_to_categorical_bad_labels(labels, num_classes, error, message):
    with pytest.raises(error, match=message):
        to_categorical(labels, num_classes)


@given(st.lists(st.integers(0, 9), min_size=1, max_size=50))
def test_to_categorical_rows_are_one_hot(labels):
    one_hot = to_categorical(labels, num_classes=10)
    assert one_hot.sum(axis=1).tolist() == [1] * len(labels)
    assert one_hot.argmax(axis=1).tolist() == labels


# -- normalize --------------------------------------------------------------------------


def test_normalize_divides_each_row_by_its_length():
    x = np.array([[3, 4], [0, 0], [-5, 12]], np.float32)
    expected = [[0.6, 0.8], [0, 0], [-5 / 13, 12 / 13]]  # a zero row stays zero
    np.testing.assert_allclose(normalize(x), expected, rtol=1e-6)


def test_normalize_along_axis_0_and_order_1():
    x = np.array([[1, 2], [3, 6]], np.float32)
    np.testing.assert_allclose(normalize(x, axis=0, order=1), [[0.25, 0.25], [0.75, 0.75]])


@given(st.integers(1, 5), st.integers(1, 5), st.sampled_from([1, 2, np.inf]))
def test_normalized_slices_have_norm_one(rows, columns, order):
    x = np.random.default_rng(rows * 10 + columns).normal(size=(rows, columns, 3))
    norms = np.linalg.norm(normalize(x, axis=1, order=order), ord=order, axis=1)
    np.testing.assert_allclose(norms, np.ones((rows, 3)), rtol=1e-12)


def test_normalize_keeps_float_dtype_and_makes_ints_floatx():
    assert normalize(np.ones((2, 2), np.float64)).dtype == np.float64
    assert normalize(np.ones((2, 2), np.float16)).dtype == np.float16
    assert normalize(np.array([[3, 4]])).dtype == np.float32


def test_normalize_and_to_categorical_take_device_arrays(device):
    x = backend.to_device(np.array([[3, 4]], np.float32))
    normalized = normalize(x)
    assert isinstance(normalized, device.ndarray)  # stays on the device
    np.testing.assert_allclose(backend.to_numpy(normalized), [[0.6, 0.8]], rtol=1e-6)
    labels = backend.to_device(np.array([1, 0]))
    assert to_categorical(labels).tolist() == [[0, 1], [1, 0]]  # one-hot comes back on host


# -- batches ---------------------------------------------------------------------------


def numbered(n):
    """x with row i full of i, and y = i, so alignment can be checked."""
    return np.repeat(np.arange(n, dtype=np.float32)[:, None], 3, axis=1), np.arange(n)


def test_batches_in_order_cover_everything_once():
    x, y = numbered(10)
    sizes, seen = [], []
    for x_batch, y_batch in batches((x, y), batch_size=4):
        sizes.append(len(x_batch))
        seen.extend(y_batch.tolist())
        assert (x_batch[:, 0] == y_batch).all()
    assert sizes == [4, 4, 2]
    assert seen == list(range(10))


def test_shuffled_batches_are_a_permutation_with_rows_kept_together():
    x, y = numbered(50)
    seen = []
    for x_batch, y_batch in batches((x, y), batch_size=8, shuffle=True, seed=3):
        assert (x_batch[:, 0] == y_batch).all()
        seen.extend(y_batch.tolist())
    assert sorted(seen) == list(range(50))
    assert seen != list(range(50))


def order_of(**kwargs):
    return np.concatenate(list(batches(np.arange(100), batch_size=7, shuffle=True, **kwargs)))


def test_shuffle_seed_repeats_and_set_random_seed_repeats():
    assert np.array_equal(order_of(seed=1), order_of(seed=1))
    assert not np.array_equal(order_of(seed=1), order_of(seed=2))
    keras.utils.set_random_seed(5)
    first = order_of()
    assert not np.array_equal(first, order_of())  # a new order for each pass
    keras.utils.set_random_seed(5)
    assert np.array_equal(first, order_of())


def test_batches_keep_the_structure():
    x, y = numbered(5)
    [first, second] = batches({"image": x, "labels": [y, y * 2]}, batch_size=3)
    assert set(first) == {"image", "labels"}
    assert first["labels"][1].tolist() == [0, 2, 4]
    assert second["image"].shape == (2, 3)
    assert [len(b) for b in batches(x, batch_size=2)] == [2, 2, 1]


@pytest.mark.parametrize(
    ("arrays", "batch_size", "error", "message"),
    [
        ((np.zeros(5), np.zeros(4)), 2, ValueError, r"different numbers of rows \[5, 4\]"),
        (np.zeros(5), 0, ValueError, "batch_size must be a positive int, got 0"),
        (np.zeros(5), 2.5, ValueError, "positive int, got 2.5"),
        ((np.zeros(5), 3.0), 2, TypeError, "got float of shape None"),
        ((np.zeros(5), np.float32(1)), 2, TypeError, r"shape \(\)"),
        ((), 2, ValueError, "got no arrays"),
    ],
)
def test_batches_bad_arguments(arrays, batch_size, error, message):
    with pytest.raises(error, match=message):
        batches(arrays, batch_size)


# -- split_dataset --------------------------------------------------------------------


def test_split_dataset_keeps_the_structure_and_the_pairs():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    (x_left, y_left), (x_right, y_right) = keras.utils.split_dataset(
        (x, y), left_size=0.8, shuffle=True, seed=2)
    assert x_left.shape == (8, 2) and x_right.shape == (2, 2)
    np.testing.assert_array_equal(x_left[:, 0] // 2, y_left)
    np.testing.assert_array_equal(x_right[:, 0] // 2, y_right)
    assert sorted(np.concatenate([y_left, y_right]).tolist()) == list(range(10))
    left, right = keras.utils.split_dataset([x, y], right_size=3)
    assert isinstance(left, list) and [len(a) for a in right] == [3, 3]
    np.testing.assert_array_equal(right[1], [7, 8, 9])


def test_split_dataset_with_both_sizes_leaves_out_the_middle():
    left, right = keras.utils.split_dataset(np.arange(10), left_size=3, right_size=2)
    assert left.tolist() == [0, 1, 2] and right.tolist() == [8, 9]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({}, ValueError, "At least one of"),
    ({"left_size": 1.5}, ValueError, "`left_size` should be"),
    ({"right_size": 10}, ValueError, "`right_size` should be"),
    ({"left_size": "half"}, TypeError, "Invalid `left_size` Type"),
    ({"left_size": 0.6, "right_size": 0.6}, ValueError, "greater than 1"),
    ({"left_size": 8, "right_size": 5}, ValueError, "should be smaller than the 10"),
    ({"left_size": 0.01}, ValueError, "left side dataset split will be empty"),
])
def test_split_dataset_refuses_sizes_as_keras(kwargs, error, message):
    with pytest.raises(error, match=message):
        keras.utils.split_dataset(np.arange(10), **kwargs)


def test_split_dataset_refuses_what_is_not_arrays():
    with pytest.raises(TypeError, match="NumPy array or a list/tuple"):
        keras.utils.split_dataset({"x": np.arange(4)}, left_size=2)
    with pytest.raises(ValueError, match="as many samples each"):
        keras.utils.split_dataset((np.arange(4), np.arange(5)), left_size=2)
