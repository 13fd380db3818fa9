"""The strict stand-in counts a GPU's work, and runs CUDA kernels' C on NumPy.

What it counts must be what CuPy would do on a GPU (a launch per kernel, none
for a view), and the emulated kernels must compute what the C says, with
C's conversions, and refuse what would be a bug on a GPU.
"""

import numpy as np
import pytest

from minikeras.testing import kernel_emulator, strict_cupy

cp = strict_cupy


def _device(values, dtype="float32"):
    return cp.asarray(np.asarray(values, dtype=dtype))


def test_operations_count_one_launch_each_and_views_none():
    x = _device(np.ones((4, 3)))
    with cp.counting() as counts:
        y = cp.exp(x) + 1.0  # two kernels, two new arrays
        y.reshape(3, 4).T[1:]  # views
        x.sum(axis=0)
    assert (counts.launches, counts.allocations) == (3, 3)


def test_in_place_and_out_arguments_launch_without_allocating():
    x, out = _device(np.ones(5)), _device(np.zeros(5))
    with cp.counting() as counts:
        x *= 2.0
        cp.multiply(x, x, out=out)
        out[1:3] = 0.0
    assert (counts.launches, counts.allocations) == (3, 0)


def test_empty_allocates_without_a_launch_and_zeros_fills():
    with cp.counting() as counts:
        cp.empty((2, 3), dtype="float32")
    assert (counts.launches, counts.allocations) == (0, 1)
    with cp.counting() as counts:
        cp.zeros((2, 3), dtype="float32")
    assert (counts.launches, counts.allocations) == (1, 1)


def test_a_reshape_that_must_copy_is_a_launch():
    x = _device(np.ones((4, 3)))
    with cp.counting() as counts:
        x.T.reshape(-1)
    assert (counts.launches, counts.allocations) == (1, 1)


def test_host_to_device_copies_and_the_scalar_ones_are_counted():
    with cp.counting() as counts:
        cp.asarray(np.ones((8, 3)))
        cp.asarray(2.0)
    assert counts.host_to_device == 2 and counts.scalar_host_to_device == 1


def test_every_read_on_the_host_is_counted():
    x = _device([1.0, -2.0, 3.0])
    before = cp.host_reads
    with cp.counting() as counts:
        float(x[0])
        bool(x[1] > 0)
        x.get()
        x[x > 0]  # a boolean mask: its size is read back first
        cp.nonzero(x)
    assert counts.host_reads == 5 and cp.host_reads == before + 5


def test_sites_say_where_each_event_comes_from():
    x = _device(np.ones(3))
    with cp.counting(sites=True) as counts:
        for _ in range(2):
            x + x  # the line below the loop header
    (site, number), = counts.where("launches")
    assert number == 2 and "test_device_counting.py" in site
    assert "test_device_counting.py" in counts.report()
    with cp.counting() as plain, pytest.raises(ValueError, match="sites=True"):
        plain.where("launches")


def test_counting_blocks_nest():
    x = _device(np.ones(3))
    with cp.counting() as outer:
        x + x
        with cp.counting() as inner:
            x - x
    assert (outer.launches, inner.launches) == (2, 1)


# -- ElementwiseKernel ------------------------------------------------------------


def test_an_elementwise_kernel_updates_its_outputs_in_place_in_one_launch():
    kernel = cp.ElementwiseKernel("T g, T rate", "T w, T m",
                                  "m = 0.9f * m + g; w -= rate * m;", "momentum")
    rng = np.random.default_rng(0)
    g, w, m = (rng.standard_normal((3, 4)).astype("float32") for _ in range(3))
    dg, dw, dm = _device(g), _device(w), _device(m)
    with cp.counting() as counts:
        kernel(dg, 0.5, dw, dm)
    assert (counts.launches, counts.allocations) == (1, 0)
    expected_m = np.float32(0.9) * m + g
    np.testing.assert_array_equal(cp.asnumpy(dm), expected_m)
    np.testing.assert_array_equal(cp.asnumpy(dw), w - np.float32(0.5) * expected_m)


def test_outputs_not_passed_in_are_allocated_with_the_broadcast_shape():
    kernel = cp.ElementwiseKernel("T x, T b", "T y", "y = max(x + b, (T)0)", "bias_relu")
    x = np.arange(-3, 3, dtype="float32").reshape(2, 3)
    arguments = _device(x), _device([1.0, 0.0, -1.0])
    with cp.counting() as counts:
        y = kernel(*arguments)
    assert (counts.launches, counts.allocations) == (1, 1)
    np.testing.assert_array_equal(cp.asnumpy(y), np.maximum(x + [1, 0, -1], 0))


def test_c_conversions_and_integer_arithmetic():
    kernel = cp.ElementwiseKernel(
        "int32 a, int32 b, float32 x", "float32 quotient, int32 remainder, float64 wide",
        "quotient = a / b + x * 2; remainder = a % b; wide = x * 0.1;", "c_rules")
    a = _device([7, -7, 7, -7], "int32")
    b = _device([2, 2, -2, -2], "int32")
    quotient, remainder, wide = kernel(a, b, _device([0.5] * 4))
    np.testing.assert_array_equal(cp.asnumpy(quotient), [4, -2, -2, 4])  # truncated, then float
    np.testing.assert_array_equal(cp.asnumpy(remainder), [1, -1, 1, -1])  # sign of a, as in C
    assert cp.asnumpy(wide)[0] == 0.5 * 0.1 != float(np.float32(0.05))  # a double literal


def test_loops_and_branches_run_per_thread_and_guard_raw_reads():
    kernel = cp.ElementwiseKernel(
        "raw T x, int32 columns", "T row_max, T next",
        """
        T best = x[i * columns];
        for (int c = 1; c < columns; ++c) {
            if (x[i * columns + c] > best) best = x[i * columns + c];
        }
        row_max = best;
        next = (i + 1) * columns < x.size() ? x[(i + 1) * columns] : (T)-1;
        """, "rows")
    x = np.array([[1, 5, 2], [7, 0, 3]], dtype="float32")
    row_max, after = (cp.empty(2, dtype="float32") for _ in range(2))
    kernel(_device(x), 3, row_max, after, size=2)
    np.testing.assert_array_equal(cp.asnumpy(row_max), [5, 7])
    np.testing.assert_array_equal(cp.asnumpy(after), [7, -1])  # the last row reads nothing


def test_what_would_be_a_bug_on_a_gpu_is_an_error():
    out_of_bounds = cp.ElementwiseKernel("raw T x", "T y", "y = x[i + 1]", "reads_past")
    with pytest.raises(IndexError, match=r"x\[3\], outside its 3 elements"):
        out_of_bounds(_device([1, 2, 3]), size=3)
    race = cp.ElementwiseKernel("T x", "raw T total", "total[0] += x", "racy_sum")
    with pytest.raises(kernel_emulator.KernelError, match="race"):
        race(_device([1, 2, 3]), _device([0.0]))
    mismatch = cp.ElementwiseKernel("T x, T y", "T z", "z = x + y", "same_type")
    with pytest.raises(TypeError, match="Type is mismatched"):
        mismatch(_device([1.0]), _device([1.0], "float64"))
    with pytest.raises(kernel_emulator.KernelError, match="not defined"):
        cp.ElementwiseKernel("T x", "T y", "y = x * undefined_name", "unknown")(_device([1.0]))
    with pytest.raises(kernel_emulator.KernelError, match="Expected"):
        cp.ElementwiseKernel("T x", "T y", "y = (x + 1", "unbalanced")


def test_atomic_add_gathers_what_threads_add_to_one_element():
    kernel = cp.ElementwiseKernel("T x", "raw T total", "atomicAdd(&total[0], x)", "sum")
    total = _device([10.0])
    kernel(_device([1, 2, 3]), total)
    assert cp.asnumpy(total)[0] == 16


# -- ReductionKernel -----------------------------------------------------------------


def test_a_reduction_kernel_maps_folds_and_post_maps_along_an_axis():
    squared_norm = cp.ReductionKernel("T x", "T y", "x * x", "a + b", "y = sqrt(a)", "0",
                                      "l2", reduce_type="float64")
    x = np.array([[3, 4], [6, 8]], dtype="float32")
    with cp.counting() as counts:
        norms = squared_norm(_device(x), axis=1)
    assert counts.launches == 1 and cp.asnumpy(norms).dtype == np.float32
    np.testing.assert_array_equal(cp.asnumpy(norms), [5, 10])
    largest = cp.ReductionKernel("T x", "T y", "x", "max(a, b)", "y = a", "-1e30", "max")
    np.testing.assert_array_equal(cp.asnumpy(largest(_device(x), axis=0, keepdims=True)),
                                  [[6, 8]])
    mean = cp.ReductionKernel("T x", "T y", "x", "a + b", "y = a / _in_ind.size()", "0",
                              "mean")
    assert cp.asnumpy(mean(_device(x)))[()] == 5.25


# -- per training step ---------------------------------------------------------------


def test_the_step_counter_counts_each_fit_step_from_batch_to_batch():
    import minikeras as keras
    from minikeras import backend
    from minikeras.testing.device_work import StepCounter, most_per_step

    backend.set_backend("cupy", module=strict_cupy)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("sgd", "mse")
    counter = StepCounter()
    x, y = np.ones((20, 4), "float32"), np.zeros((20, 3), "float32")
    model.fit(x, y, batch_size=5, epochs=1, verbose=0, callbacks=[counter])
    assert len(counter.steps) == 4 and len(counter.steady_steps()) == 2
    most = most_per_step(counter.steady_steps())
    assert most["host_to_device"] >= 2  # each step copies the next batch's x and y
    assert most["launches"] > 0 and most["host_reads"] == 0
