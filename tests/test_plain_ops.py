"""The plain ops are the fast ops' oracles, and each reads on one screen.

Every fast op (``minikeras/ops/fast``, what the layers run) is compared with
its plain twin (``minikeras/ops``, what a reader learns from) on the forward
values and on the gradient of every input, for drawn shapes, strides,
paddings, dilations and batches cut into pieces of a drawn size (the last
piece shorter when the size does not divide the batch), on two threads or
more. How ``parallel.pieces`` sizes pieces for the cache is tested in
tests/test_parallel.py; here the cut is forced, to reach every way a batch
can split. The plain ops are checked against finite differences too, so
each stands on its own.
"""

import ast
import contextlib
import inspect
import pathlib
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import minikeras.ops
from minikeras.autograd import Function, Tensor, gradcheck
from minikeras.ops import batch_normalization
from minikeras.ops.activation import ReLU
from minikeras.ops.convolution import Conv2D
from minikeras.ops.fast.activation import FastReLU
from minikeras.ops.fast.convolution import FusedConv2D
from minikeras.ops.fast.linalg import FastMatMul, FusedDense
from minikeras.ops.fast.normalization import FusedBatchNormalization
from minikeras.ops.fast.pooling import FastAveragePool2D, FastMaxPool2D
from minikeras.ops.linalg import MatMul
from minikeras.ops.normalization import BatchNormalization
from minikeras.ops.pooling import AveragePool2D, MaxPool2D
from minikeras.runtime import parallel
from minikeras.testing import strategies as mst

PLAIN_OPS = [Conv2D, MaxPool2D, AveragePool2D, BatchNormalization, ReLU, MatMul]
ONE_SCREEN = 60  # lines: the class and everything it calls, docstrings included


@contextlib.contextmanager
def pieces_of(size):
    """The fast ops cut every batch into pieces of ``size`` items, shared by two threads or
    more; None leaves the pieces as ``parallel.pieces`` makes them."""
    if size is None:
        yield
        return

    def cut(count, *args, **kwargs):
        return [slice(start, min(start + size, count)) for start in range(0, count, size)]

    with mock.patch.object(parallel, "pieces", cut), \
            mock.patch.object(parallel._Pool, "threads", max(2, parallel._Pool.threads)):
        yield


def outputs_and_gradients(function, arrays, upstream):
    """``function(*Tensors)``'s output and the gradient of every input, from dL/dy = upstream."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    y = function(*tensors)
    y.backward(upstream)
    return [y.numpy(), *(t.grad for t in tensors)]


def assert_same(fast, plain, arrays, upstream, piece_size, rtol=1e-9, atol=1e-12):
    """The fast function, in pieces, gives the plain one's output and input gradients."""
    with pieces_of(piece_size):
        got = outputs_and_gradients(fast, arrays, upstream)
    expected = outputs_and_gradients(plain, arrays, upstream)
    names = ["output"] + [f"gradient of input {i}" for i in range(len(arrays))]
    for name, a, b in zip(names, got, expected, strict=True):
        assert a is not None and a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)


def normal(seed, *shapes):
    """Standard normal float64 arrays of ``shapes``."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


def away_from_the_kink(upstream, pre_activation):
    """dL/dy with zeros where the ReLU's input is within 1e-9 of 0: there the last bits of
    two ways of summing may fall on either side of the kink."""
    return np.where(np.abs(pre_activation) < 1e-9, 0.0, upstream)


piece_sizes = st.one_of(st.none(), st.integers(1, 3))
seeds = st.integers(0, 2**16)


# -- convolution ----------------------------------------------------------------------


@given(case=mst.window_cases(max_batch=5), filters=st.integers(1, 3), relu=st.booleans(),
       with_bias=st.booleans(), piece_size=piece_sizes, seed=seeds)
@example(case=((5, 6, 6, 2), (3, 3), (2, 2), "same", (1, 1)), filters=2, relu=True,
         with_bias=True, piece_size=2, seed=0)  # 5 images in pieces of 2, 2 and 1
@example(case=((4, 5, 7, 3), (2, 3), (1, 1), "valid", (2, 1)), filters=3, relu=False,
         with_bias=False, piece_size=3, seed=1)  # dilated, "valid", pieces of 3 and 1
def test_the_fast_conv_is_the_plain_conv_then_bias_then_relu(case, filters, relu, with_bias,
                                                              piece_size, seed):
    x_shape, window, strides, padding, dilation = case
    x, kernel, bias = normal(seed, x_shape, (*window, x_shape[3], filters), (filters,))
    arrays = [x, kernel, bias] if with_bias else [x, kernel]

    def plain(x, kernel, bias=None):
        y = Conv2D(strides, padding, dilation)(x, kernel)
        y = y if bias is None else y + bias
        return ReLU()(y) if relu else y

    def fast(x, kernel, bias=None):
        return FusedConv2D(strides, padding, dilation, relu)(x, kernel, bias)

    z = Conv2D(strides, padding, dilation)(x, kernel).numpy() + (bias if with_bias else 0)
    upstream = normal(seed + 1, z.shape)[0]
    assert_same(fast, plain, arrays, away_from_the_kink(upstream, z) if relu else upstream,
                piece_size)


# -- pooling --------------------------------------------------------------------------


@given(case=mst.window_cases(dilations=False, max_batch=5), average=st.booleans(),
       piece_size=piece_sizes, seed=seeds, ties=st.booleans())
@example(case=((5, 4, 4, 2), (2, 2), (2, 2), "valid", (1, 1)), average=False, piece_size=2,
         seed=0, ties=True)  # windows side by side, several taps holding each max
@example(case=((3, 5, 5, 1), (3, 3), (1, 1), "same", (1, 1)), average=True, piece_size=2,
         seed=0, ties=False)  # overlapping windows: a pixel in nine of them
def test_the_fast_pools_are_the_plain_pools(case, average, piece_size, seed, ties):
    x_shape, window, strides, padding, _ = case
    x = normal(seed, x_shape)[0]
    if ties:  # a few values only: many windows have their max at two taps or more
        x = np.round(x)
    plain_op, fast_op = (AveragePool2D, FastAveragePool2D) if average else (MaxPool2D,
                                                                            FastMaxPool2D)
    out_shape = plain_op(window, strides, padding)(x).shape
    upstream = normal(seed + 1, out_shape)[0]
    assert_same(lambda x: fast_op(window, strides, padding)(x),
                lambda x: plain_op(window, strides, padding)(x), [x], upstream, piece_size)


# -- batch normalization ----------------------------------------------------------------


@st.composite
def normalization_cases(draw):
    """(x shape, channel axis): ranks 2 to 4, the batch (axis 0) of 1 to 5."""
    shape = (draw(st.integers(1, 5)),) + draw(st.lists(st.integers(1, 4), min_size=1,
                                                       max_size=3).map(tuple))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    assume(np.prod(shape) // shape[axis] > 1)  # a variance needs two values a channel
    return shape, axis


@given(case=normalization_cases(), with_weights=st.booleans(), piece_size=piece_sizes,
       seed=seeds)
@example(case=((5, 3, 3, 4), -1), with_weights=True, piece_size=2, seed=0)
def test_the_fast_batch_normalization_is_the_plain_one_in_training(case, with_weights,
                                                                    piece_size, seed):
    shape, axis = case
    channels = shape[axis]
    x, gamma, beta, upstream = normal(seed, shape, channels, channels, shape)
    gamma = gamma + 2.0  # away from 0, where dL/dx vanishes
    if with_weights:
        assert_same(lambda x, g, b: FusedBatchNormalization(axis, 1e-3)(x, g, b),
                    lambda x, g, b: BatchNormalization(axis, 1e-3)(x, g, b),
                    [x, gamma, beta], upstream, piece_size)
    else:  # no gamma nor beta: those of 1 and 0
        ones, zeros = np.ones(channels), np.zeros(channels)
        assert_same(lambda x: FusedBatchNormalization(axis, 1e-3)(x, None, None),
                    lambda x: BatchNormalization(axis, 1e-3)(x, ones, zeros),
                    [x], upstream, piece_size)


def test_the_fast_batch_normalization_keeps_the_plain_batch_statistics():
    x = normal(3, (6, 2, 3))[0] * 2 + 1
    ones, zeros = np.ones(3), np.zeros(3)
    fast, plain = FusedBatchNormalization(-1, 1e-3), BatchNormalization(-1, 1e-3)
    fast(x, ones, zeros), plain(x, ones, zeros)
    np.testing.assert_allclose(fast.mean, plain.batch_mean, rtol=1e-12)
    np.testing.assert_allclose(fast.variance, plain.batch_variance, rtol=1e-12)


@given(case=normalization_cases(), seed=seeds)
def test_the_inference_batch_normalization_is_the_plain_one_with_given_statistics(case, seed):
    shape, axis = case
    channels = shape[axis]
    x, mean, variance, gamma, beta, upstream = normal(seed, shape, *[channels] * 4, shape)
    variance = np.abs(variance)
    assert_same(lambda x, g, b: batch_normalization(x, mean, variance, axis, b, g, 1e-3),
                lambda x, g, b: BatchNormalization(axis, 1e-3, mean, variance)(x, g, b),
                [x, gamma, beta], upstream, None)


# -- ReLU and matrix products -----------------------------------------------------------


@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple),
       piece_size=piece_sizes, seed=seeds)
def test_the_fast_relu_is_the_plain_relu(shape, piece_size, seed):
    x, upstream = normal(seed, shape, shape)
    x[x > 1.5] = 0.0  # the kink itself: both give 0 and a zero gradient
    assert_same(lambda x: FastReLU()(x), lambda x: ReLU()(x), [x], upstream, piece_size)


@given(rows=st.sampled_from([1, 3, 130]), inner=st.integers(1, 4),
       columns=st.sampled_from([1, 2, 129]), stack=st.sampled_from([(), (2,)]), seed=seeds)
def test_the_fast_matmul_is_the_plain_matmul(rows, inner, columns, stack, seed):
    x, y, upstream = normal(seed, (*stack, rows, inner), (inner, columns),
                            (*stack, rows, columns))
    with mock.patch.object(parallel, "MATMUL_THREADED", 0):  # bands of rows or columns
        assert_same(lambda x, y: FastMatMul()(x, y), lambda x, y: MatMul()(x, y), [x, y],
                    upstream, 2)


@given(rows=st.integers(1, 5), inner=st.integers(1, 4), units=st.integers(1, 3),
       relu=st.booleans(), seed=seeds)
def test_fused_dense_is_the_plain_matmul_then_bias_then_relu(rows, inner, units, relu, seed):
    x, kernel, bias, upstream = normal(seed, (rows, inner), (inner, units), units,
                                       (rows, units))
    z = x @ kernel + bias

    def plain(x, kernel, bias):
        y = MatMul()(x, kernel) + bias
        return ReLU()(y) if relu else y

    assert_same(lambda x, k, b: FusedDense(relu)(x, k, b), plain, [x, kernel, bias],
                away_from_the_kink(upstream, z) if relu else upstream, None)


# -- the plain ops on their own -------------------------------------------------------


@pytest.mark.parametrize("name, function, shapes", [
    ("conv", lambda x, k: Conv2D((2, 1), "same", (1, 1))(x, k), [(2, 5, 4, 2), (3, 2, 2, 3)]),
    ("conv dilated", lambda x, k: Conv2D((1, 1), "valid", (2, 1))(x, k),
     [(1, 5, 4, 2), (2, 2, 2, 2)]),
    ("average pool", lambda x: AveragePool2D((3, 2), (2, 1), "same")(x), [(2, 5, 4, 2)]),
    ("batch norm", lambda x, g, b: BatchNormalization(1)(x, g, b), [(4, 3, 2), (3,), (3,)]),
    ("batch norm, inference",
     lambda x, g, b: BatchNormalization(-1, 1e-3, np.ones(2), np.full(2, 0.5))(x, g, b),
     [(3, 2), (2,), (2,)]),
    ("matmul", lambda x, y: MatMul()(x, y), [(2, 3, 4), (4, 2)]),
], ids=lambda value: value if isinstance(value, str) else "")
def test_the_plain_gradients_match_finite_differences(name, function, shapes):
    gradcheck(function, *normal(0, *shapes))


def test_the_plain_max_pool_and_relu_gradients_match_finite_differences():
    distinct = np.random.default_rng(0).permutation(np.linspace(-3, 3, 2 * 5 * 4 * 2))
    gradcheck(lambda x: MaxPool2D((2, 3), (1, 2), "same")(x), distinct.reshape(2, 5, 4, 2))
    gradcheck(lambda x: ReLU()(x), distinct.reshape(8, 10))


def test_the_plain_max_pool_gives_a_tied_window_gradient_to_its_first_max_as_tensorflow():
    x = Tensor(np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1), requires_grad=True)
    MaxPool2D((2, 2), (2, 2), "valid")(x).backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(x.grad.ravel(), [0.0, 1.0, 0.0, 0.0])


# -- what a reader meets ----------------------------------------------------------------


def _called_helpers(obj, seen):
    """The functions and classes of minikeras.ops that ``obj``'s source names, recursively."""
    module = inspect.getmodule(obj)
    for node in ast.walk(ast.parse(inspect.getsource(obj))):
        name = node.id if isinstance(node, ast.Name) else None
        helper = getattr(module, name, None) if name else None
        if (helper is not None and helper not in seen and helper is not Function
                and (inspect.isfunction(helper) or inspect.isclass(helper))
                and helper.__module__.startswith("minikeras.ops")):
            seen.append(helper)
            _called_helpers(helper, seen)
    return seen


@pytest.mark.parametrize("op", PLAIN_OPS, ids=lambda op: op.__name__)
def test_each_plain_op_reads_on_one_screen(op):
    parts = _called_helpers(op, [op])
    lines = sum(len(inspect.getsource(part).splitlines()) for part in parts)
    assert lines <= ONE_SCREEN, f"{op.__name__} and {[p.__name__ for p in parts[1:]]}: {lines}"
    assert "dL/d" in op.__doc__ or "dy/dx" in op.__doc__  # the derivative, stated


def test_only_the_fast_ops_import_the_thread_pool():
    ops_dir = pathlib.Path(minikeras.ops.__file__).parent
    for path in ops_dir.rglob("*.py"):
        imports = [node for node in ast.walk(ast.parse(path.read_text()))
                   if isinstance(node, (ast.Import, ast.ImportFrom))]
        names = {getattr(node, "module", None) or "" for node in imports} | {
            alias.name for node in imports for alias in node.names}
        if any("runtime" in name or name == "parallel" for name in names):
            assert path.parent == ops_dir / "fast", f"{path} imports the runtime"
