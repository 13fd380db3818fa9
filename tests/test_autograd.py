"""The engine: backward order, accumulation, broadcasting, no_grad, graph release, gradcheck."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

from minikeras import ops
from minikeras.autograd import Function, GradcheckError, Tensor, gradcheck, no_grad, sum_to


def leaf(values):
    return Tensor(np.array(values, dtype="float64"), requires_grad=True)


def test_chain_rule_through_a_small_expression():
    # f(x) = sum(exp(x) * 2 + x**2)  ->  f'(x) = 2 exp(x) + 2x
    x = leaf([0.5, -1.0])
    (ops.exp(x) * 2 + x**2).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp([0.5, -1.0]) + 2 * np.array([0.5, -1.0]))


def test_a_tensor_used_twice_receives_both_gradients():
    # y = x * x: each use contributes x, so dy/dx = 2x
    x = leaf([3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0])


def test_diamond_graph_visits_each_function_once_after_all_its_consumers():
    # a = 2x; b = a + 1; c = a * 3; y = b * c = (2x + 1)(6x) -> dy/dx = 24x + 6
    x = leaf([1.0, 2.0])
    a = x * 2
    y = ((a + 1) * (a * 3)).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, 24 * np.array([1.0, 2.0]) + 6)


def test_leaf_gradients_accumulate_across_backward_calls_until_reset():
    x = leaf([1.0])
    (x * 3).sum().backward()
    (x * 4).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0])
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0])


def test_broadcast_gradients_are_summed_back_to_each_input_shape():
    x = leaf(np.ones((3, 1)))
    b = leaf(np.ones(4))
    (x + b).sum().backward()  # output (3, 4)
    assert x.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_array_equal(x.grad, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad, np.full(4, 3.0))


@pytest.mark.parametrize("shape, target", [((2, 3, 4), (3, 1)), ((5,), ()), ((2, 1, 3), (2, 1, 3))])
def test_sum_to_sums_over_stretched_and_added_axes(shape, target):
    grad = np.random.randn(*shape)
    expected = grad.sum(axis=tuple(range(len(shape) - len(target))))
    expected = expected.sum(axis=tuple(i for i, n in enumerate(target) if n == 1
                                       and expected.shape[i] != 1), keepdims=True)
    np.testing.assert_allclose(sum_to(grad, target), expected.reshape(target))


def test_no_grad_records_no_graph():
    x = leaf([1.0])
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.creator is None
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()


def test_inputs_without_requires_grad_get_no_gradient():
    x = leaf([1.0, 2.0])
    c = Tensor(np.array([3.0, 4.0]))
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_backward_releases_the_graph_and_its_saved_arrays():
    x = leaf(np.ones(1000))
    y = ops.exp(x)
    function = weakref.ref(y.creator)
    loss = y.sum()
    del y
    loss.backward()
    gc.collect()
    assert function() is None, "the graph is still alive after backward()"


def test_a_second_backward_through_a_freed_graph_says_how_to_keep_it():
    x = leaf([1.0])
    h = ops.exp(x)
    h.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (h * 2).sum().backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [8.0])


def test_memory_stays_flat_over_1000_training_steps():
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((20, 10)).astype("float32"), requires_grad=True)
    x = Tensor(rng.standard_normal((32, 20)).astype("float32"))

    def step():
        loss = ops.mean(ops.square(ops.tanh(x @ w)))
        loss.backward()
        w.data -= 0.01 * w.grad
        w.grad = None

    tracemalloc.start()
    for _ in range(1000):  # Python's free lists of small objects fill up, then stay
        step()
    start = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        step()
    growth = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    # Keeping each step's graph alive would add about 5 MB over 1000 steps.
    assert growth < 50_000, f"memory grew by {growth} bytes over 1000 steps"


class WrongSquare(Function):
    """y = x**2 with a deliberately wrong derivative (3x instead of 2x)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return 3 * gy * self.x


@pytest.mark.parametrize("size", [5, 500])  # elementwise and random-direction checks
def test_gradcheck_catches_a_wrong_backward(size):
    x = np.random.default_rng(1).uniform(0.5, 1.5, size)
    with pytest.raises(GradcheckError, match="gradient mismatch"):
        gradcheck(lambda t: WrongSquare()(t), x)
    assert gradcheck(ops.square, x) < 1e-6


def test_gradcheck_runs_in_float64_and_perturbs_tensor_inputs_in_place():
    w = Tensor(np.ones((2, 2), dtype="float32"))
    error = gradcheck(lambda x, weight: x @ weight, np.ones((3, 2)), w)
    assert error < 1e-6 and w.dtype == np.float64


def test_tensor_operators_build_the_same_graph_as_ops():
    x = leaf([1.0, 2.0])
    y = leaf([3.0, 5.0])
    expressions = [x + y, x - y, x * y, x / y, x**2, 2**x, -x, abs(x), x @ y, 1 - x, 2 / x]
    expected = [[4, 7], [-2, -3], [3, 10], [1 / 3, 0.4], [1, 4], [2, 4], [-1, -2], [1, 2], 13,
                [0, -1], [2, 1]]
    for result, value in zip(expressions, expected, strict=True):
        np.testing.assert_allclose(result.numpy(), value)
        assert result.requires_grad


def test_a_tensor_formats_as_its_values_do_in_numpy():
    scalar, vector = Tensor(np.float32(2.5)), Tensor(np.array([1.0, 2.0], dtype=np.float32))
    assert f"{scalar:.3f}" == "2.500" and f"{scalar}" == "2.5"
    assert f"{vector}" == str(vector.numpy())
    with pytest.raises(TypeError):
        f"{vector:.3f}"  # as NumPy: an array has no number format
