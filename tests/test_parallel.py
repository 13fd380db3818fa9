"""The thread pool behind the CPU ops, and the ops cut into pieces against the same ops whole."""

import threading
import time

import numpy as np
import pytest

from minikeras import ops
from minikeras.autograd import Tensor
from minikeras.runtime import parallel


@pytest.fixture
def two_threads(monkeypatch):
    """At least two threads, even on a one-core machine, so the pieces really are shared."""
    monkeypatch.setattr(parallel._Pool, "threads", max(2, parallel._Pool.threads))


@pytest.fixture
def tiny_pieces(monkeypatch, two_threads):
    """One image (or row) per piece: every op runs as many pieces on several threads."""
    monkeypatch.setattr(parallel, "PIECE_BYTES", 1)


def test_pieces_cover_the_range_once_in_order():
    three = parallel.PIECE_BYTES // 3  # the bytes of an item when three fit in a piece
    assert parallel.pieces(10, three, np) == [slice(0, 3), slice(3, 6), slice(6, 9),
                                              slice(9, 10)]
    assert parallel.pieces(10, 1, np, at_least=4) == [slice(0, 3), slice(3, 6), slice(6, 9),
                                                      slice(9, 10)]
    assert parallel.pieces(10, 10**12, np) == [slice(i, i + 1) for i in range(10)]
    assert parallel.pieces(10, 10**12, np, min_items=5) == [slice(0, 5), slice(5, 10)]


def test_a_device_array_module_gets_one_piece():
    class Device:  # any module but NumPy: the GPU does its own parallelism
        pass

    assert parallel.pieces(1000, 10**6, Device) == [slice(0, 1000)]


def test_for_each_runs_every_piece_once(two_threads):
    seen = []
    parallel.for_each(seen.append, range(200))
    assert sorted(seen) == list(range(200))


def test_sum_over_adds_every_piece():
    total = parallel.sum_over(lambda i: np.full(3, float(i)), range(100))
    np.testing.assert_array_equal(total, np.full(3, sum(range(100))))


def test_sum_over_adds_in_the_order_of_the_pieces_whichever_thread_computes_them(two_threads):
    # float32 sums that depend on their order: 1 + 1e8 loses the 1, 1e8 - 1e8 + 1 keeps it.
    values = np.float32([1e8, 1, -1e8, 1, 3e7, 1, -3e7, 1] * 8)

    def slow_piece(i):
        time.sleep(0.001 * (i % 3))  # so that both threads take pieces, out of order
        return np.full(2, values[i], dtype=np.float32)

    in_order = np.zeros(2, dtype=np.float32)
    for value in values:
        in_order += value
    for _ in range(5):
        np.testing.assert_array_equal(parallel.sum_over(slow_piece, range(len(values))),
                                      in_order)


def test_an_error_in_a_piece_reaches_the_caller(two_threads):
    def fail_on_seven(i):
        if i == 7:
            raise ValueError("piece 7")

    with pytest.raises(ValueError, match="piece 7"):
        parallel.for_each(fail_on_seven, range(20))


def test_pieces_run_under_the_callers_floating_point_error_settings(two_threads):
    """The workers take np.errstate from the thread that gave them the job."""
    seen = {}

    def record(i):
        time.sleep(0.001)  # so that both threads take pieces
        seen[threading.current_thread().name] = np.geterr()["over"]

    with np.errstate(over="ignore"):
        parallel.for_each(record, range(40))
    assert len(seen) >= 2 and set(seen.values()) == {"ignore"}
    with np.errstate(over="raise"):
        parallel.for_each(record, range(40))
    assert set(seen.values()) == {"raise"}


def test_a_piece_may_use_the_pool_again(two_threads):
    rows = np.zeros((8, 8))

    def fill(i):
        parallel.for_each(lambda j: rows.__setitem__((i, j), i * 8 + j), range(8))

    parallel.for_each(fill, range(8))
    np.testing.assert_array_equal(rows.ravel(), np.arange(64))


@pytest.mark.parametrize("shapes", [((300, 200), (200, 50)), ((20, 300), (300, 500)),
                                    ((5, 3), (3, 4))])
def test_matmul_on_all_cores_matches_numpy(monkeypatch, two_threads, shapes):
    monkeypatch.setattr(parallel, "MATMUL_THREADED", 0)  # shared even when small
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(shape) for shape in shapes)
    np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(parallel.matmul(b.T, a.T), b.T @ a.T, rtol=1e-12, atol=1e-12)


def test_matmul_on_all_cores_leaves_the_invalid_flag_to_the_values(two_threads):
    # OpenBLAS may set the invalid-operation flag on finite inputs, so matmul does not turn
    # it into NumPy's warning (or error); an infinite input's NaN is still in the product.
    a = np.array([[np.inf, 1.0], [2.0, 3.0]])
    b = np.array([[0.0, 1.0], [1.0, 1.0]])
    with np.errstate(all="raise"):
        product = parallel.matmul(a, b)
    np.testing.assert_array_equal(product, np.array([[np.nan, np.inf], [3.0, 5.0]]))


@pytest.mark.parametrize("axis", [0, 1])
def test_elementwise_calls_the_function_on_matching_parts(tiny_pieces, axis):
    x = np.arange(24.0).reshape(6, 4)
    doubled, parts = np.zeros_like(x), []

    def double(x, out):
        parts.append(x.shape)
        np.multiply(x, 2, out=out)

    parallel.elementwise(double, x, doubled, axis=axis)
    np.testing.assert_array_equal(doubled, 2 * x)
    assert sorted(parts) == ([(1, 4)] * 6 if axis == 0 else [(6, 1)] * 4)  # a row/column each


def _forward_and_gradients(fn, *arrays):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    output = fn(*tensors)
    output.backward(np.random.default_rng(1).standard_normal(output.shape).astype("float32"))
    return [output.numpy(), *(t.grad for t in tensors)]


PIECEWISE_OPS = {
    "conv_strided": (lambda x, k: ops.conv(x, k, strides=2, padding="same"),
                     [(5, 11, 9, 3), (6, 6, 3, 4)]),
    "conv_dilated": (lambda x, k: ops.conv(x, k, dilation_rate=2), [(4, 9, 9, 2), (3, 3, 2, 3)]),
    "max_pool": (lambda x: ops.max_pool(x, 3, 2, padding="same"), [(5, 7, 6, 3)]),
    "average_pool": (lambda x: ops.average_pool(x, 2, 1), [(5, 5, 5, 2)]),
    "batch_norm": (lambda x, g, b: ops.fused_batch_normalization(x, g, b)[0],
                   [(6, 4, 4, 3), (3,), (3,)]),
    "batch_norm_channels_first": (
        lambda x, g, b: ops.fused_batch_normalization(x, g, b, axis=1)[0],
        [(6, 3, 4, 4), (3,), (3,)]),
    "relu": (ops.relu, [(5, 4, 3)]),
    "matmul": (ops.matmul, [(40, 30), (30, 20)]),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE_OPS))
def test_ops_cut_into_pieces_compute_what_they_compute_whole(monkeypatch, name):
    fn, shapes = PIECEWISE_OPS[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype("float32") for shape in shapes]
    whole = _forward_and_gradients(fn, *arrays)
    monkeypatch.setattr(parallel, "PIECE_BYTES", 1)
    monkeypatch.setattr(parallel._Pool, "threads", max(2, parallel._Pool.threads))
    for in_pieces, at_once in zip(_forward_and_gradients(fn, *arrays), whole, strict=True):
        np.testing.assert_allclose(in_pieces, at_once, rtol=1e-5, atol=1e-5)


def test_blas_gets_its_threads_back(two_threads):
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

    before, inside = blas_threads(), []
    parallel.for_each(lambda i: inside.append(blas_threads()), range(4))
    assert all(threads == [1] * len(before) for threads in inside)
    assert blas_threads() == before


def test_a_convnet_trains_to_the_same_bits_twice(tiny_pieces):
    """Kernel gradients are sums over pieces of the batch: summed in a fixed order, two runs
    with the same seed agree in every bit, however the threads happened to take the pieces."""
    from minikeras import layers, models
    from minikeras.utils import set_random_seed

    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 8, 8, 2)).astype("float32")
    y = rng.integers(0, 3, 48)

    def train():
        set_random_seed(0)
        model = models.Sequential([layers.Input(shape=(8, 8, 2)),
                                   layers.Conv2D(4, 3, activation="relu"),
                                   layers.MaxPooling2D(), layers.Flatten(),
                                   layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model.get_weights()

    for first, second in zip(train(), train(), strict=True):
        np.testing.assert_array_equal(first, second)
