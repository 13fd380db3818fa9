"""Every op: forward against its NumPy definition, backward against finite differences.

Each differentiable op appears in one of the tables below with the values it
is checked on; ``test_every_op_is_checked`` fails when a new public op is in
none of them.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minikeras import Variable, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.testing import strategies as mst

SMOOTH = mst.moderate()
POSITIVE = mst.moderate(0.2, 4.0)
AWAY_FROM_ZERO = mst.away_from([0.0], 1e-3, SMOOTH)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _erf(x):
    return np.vectorize(math.erf)(x)


# name: (op, values it is checked on, NumPy definition)
UNARY = {
    "negative": (ops.negative, SMOOTH, np.negative),
    "square": (ops.square, SMOOTH, np.square),
    "sqrt": (ops.sqrt, POSITIVE, np.sqrt),
    "exp": (ops.exp, SMOOTH, np.exp),
    "expm1": (ops.expm1, SMOOTH, np.expm1),
    "log": (ops.log, POSITIVE, np.log),
    "log1p": (ops.log1p, POSITIVE, np.log1p),
    "abs": (ops.abs, AWAY_FROM_ZERO, np.abs),
    "absolute": (ops.absolute, AWAY_FROM_ZERO, np.abs),
    "erf": (ops.erf, SMOOTH, _erf),
    "relu": (ops.relu, AWAY_FROM_ZERO, lambda x: np.maximum(x, 0)),
    "relu6": (ops.relu6, mst.away_from([0.0, 6.0], 1e-3, mst.moderate(-2, 8)),
              lambda x: np.clip(x, 0, 6)),
    "leaky_relu": (ops.leaky_relu, AWAY_FROM_ZERO, lambda x: np.where(x > 0, x, 0.2 * x)),
    "sigmoid": (ops.sigmoid, SMOOTH, _sigmoid),
    "hard_sigmoid": (ops.hard_sigmoid, mst.away_from([-3.0, 3.0], 1e-3, mst.moderate(-5, 5)),
                     lambda x: np.clip(x + 3, 0, 6) / 6),
    "tanh": (ops.tanh, SMOOTH, np.tanh),
    "softplus": (ops.softplus, SMOOTH, lambda x: np.log1p(np.exp(x))),
    "softsign": (ops.softsign, AWAY_FROM_ZERO, lambda x: x / (1 + np.abs(x))),
    "elu": (ops.elu, AWAY_FROM_ZERO, lambda x: np.where(x > 0, x, np.expm1(x))),
    "selu": (ops.selu, AWAY_FROM_ZERO, lambda x: np.where(
        x > 0, 1.0507009873554805 * x, 1.0507009873554805 * 1.6732632423543772 * np.expm1(x))),
    "gelu": (ops.gelu, SMOOTH, lambda x: 0.5 * x * (1 + np.tanh(
        math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    "silu": (ops.silu, SMOOTH, lambda x: x * _sigmoid(x)),
    "swish": (ops.swish, SMOOTH, lambda x: x * _sigmoid(x)),
    "softmax": (ops.softmax, SMOOTH, _softmax),
    "log_softmax": (ops.log_softmax, SMOOTH, lambda x: np.log(_softmax(x))),
}

# name: (op, values for x, values for y, NumPy definition); shapes broadcast.
BINARY = {
    "add": (ops.add, SMOOTH, SMOOTH, np.add),
    "subtract": (ops.subtract, SMOOTH, SMOOTH, np.subtract),
    "multiply": (ops.multiply, SMOOTH, SMOOTH, np.multiply),
    "divide": (ops.divide, SMOOTH, mst.away_from([0.0], 0.3, SMOOTH), np.divide),
    "true_divide": (ops.true_divide, SMOOTH, mst.away_from([0.0], 0.3, SMOOTH), np.divide),
    "power": (ops.power, POSITIVE, SMOOTH, np.power),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op(name, data):
    op, values, definition = UNARY[name]
    x = data.draw(mst.arrays(mst.shapes(), values), label="x")
    np.testing.assert_allclose(op(Tensor(x)).numpy(), definition(x), rtol=1e-6, atol=1e-7)
    gradcheck(op, x)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_with_broadcasting(name, data):
    op, x_values, y_values, definition = BINARY[name]
    x_shape, y_shape = data.draw(mst.broadcastable_shapes(), label="shapes")
    x = data.draw(mst.arrays(x_shape, x_values), label="x")
    y = data.draw(mst.arrays(y_shape, y_values), label="y")
    np.testing.assert_allclose(op(Tensor(x), Tensor(y)).numpy(), definition(x, y), rtol=1e-6)
    gradcheck(op, x, y)


@pytest.mark.parametrize("op", [ops.maximum, ops.minimum])
@given(data=st.data())
def test_maximum_minimum_away_from_ties(op, data):
    x_shape, y_shape = data.draw(mst.broadcastable_shapes(), label="shapes")
    x = data.draw(mst.arrays(x_shape), label="x")
    y = data.draw(mst.arrays(y_shape), label="y")
    reference = np.maximum if op is ops.maximum else np.minimum
    np.testing.assert_array_equal(op(Tensor(x), Tensor(y)).numpy(), reference(x, y))
    difference = np.abs(np.subtract(*np.broadcast_arrays(x, y)))
    if difference.size and difference.min() > 1e-3:
        gradcheck(op, x, y)


@pytest.mark.parametrize("op, winner", [(ops.maximum, 0), (ops.minimum, 0)])
def test_ties_send_the_gradient_to_the_first_input_as_tensorflow(op, winner):
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    op(x, y).sum().backward()
    np.testing.assert_array_equal([x.grad, y.grad][winner], [1.0, 1.0])
    np.testing.assert_array_equal([x.grad, y.grad][1 - winner], [0.0, 0.0])


@pytest.mark.parametrize("function, x", [
    (lambda t: ops.sqrt(ops.maximum(t, 0.0)), -1.0),
    (lambda t: ops.sqrt(ops.negative(ops.minimum(t, 0.0))), 1.0),
])
def test_an_infinite_gradient_does_not_reach_the_input_not_taken_as_tensorflow(function, x):
    # d sqrt(u)/du is inf at u = 0; the input that lost must get 0, not inf * 0 = NaN.
    x = Tensor(np.array([x], dtype="float32"), requires_grad=True)
    with np.errstate(divide="ignore"):  # the inf itself is expected
        function(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0])


@given(data=st.data())
def test_clip(data):
    x = data.draw(mst.arrays(mst.shapes(), mst.away_from([-1.0, 1.5], 1e-3, SMOOTH)))
    np.testing.assert_array_equal(ops.clip(Tensor(x), -1.0, 1.5).numpy(), np.clip(x, -1.0, 1.5))
    gradcheck(lambda t: ops.clip(t, -1.0, 1.5), x)


@given(data=st.data())
def test_where(data):
    shape = data.draw(mst.shapes())
    condition = data.draw(mst.arrays(shape, st.booleans(), "bool"))
    x, y = data.draw(mst.arrays(shape)), data.draw(mst.arrays(shape))
    np.testing.assert_array_equal(ops.where(condition, Tensor(x), Tensor(y)).numpy(),
                                  np.where(condition, x, y))
    gradcheck(lambda a, b: ops.where(condition, a, b), x, y)


def test_where_of_python_floats_or_integers_and_a_float_is_floatx():
    condition = np.array([True, False])
    for x1, x2 in [(1.0, 2.0), (np.array([1, 2], dtype="int32"), 2.0), (condition, 0.5)]:
        result = ops.where(condition, x1, x2)
        assert result.dtype == np.float32, (x1, x2)
        np.testing.assert_array_equal(result.numpy(), np.where(condition, x1, x2))
    half = np.array([1.0, 2.0], dtype="float16")  # a typed float keeps its width
    assert ops.where(condition, half, 3.0).dtype == np.float16


@given(data=st.data())
def test_cast_between_floats_passes_the_gradient_back_in_the_input_dtype(data):
    x = Tensor(data.draw(mst.arrays(mst.shapes())), requires_grad=True)
    y = ops.cast(x, "float32")
    upstream = data.draw(mst.arrays(x.shape, dtype="float32"))
    y.backward(upstream)
    assert y.dtype == np.float32 and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, upstream.astype("float64"))


def test_cast_to_integers_carries_no_gradient():
    x = Tensor(np.array([1.7, -2.2]), requires_grad=True)
    y = ops.cast(x, "int32")
    assert not y.requires_grad and y.numpy().tolist() == [1, -2]


def _reduction_case(data, distinct=False):
    shape = data.draw(mst.shapes(max_dims=3))
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdims = data.draw(st.booleans())
    x = data.draw(mst.arrays(shape))
    if distinct:
        mst.distinct_rows(x.reshape(-1) if axis is None else x, axis=-1 if axis is None else axis)
    return x, axis, keepdims


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "std"])
@given(data=st.data())
def test_reduction(name, data):
    x, axis, keepdims = _reduction_case(data, distinct=name in ("max", "min"))
    op, reference = getattr(ops, name), getattr(np, name)
    result = op(Tensor(x), axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(result.numpy(), reference(x, axis=axis, keepdims=keepdims),
                               rtol=1e-6, atol=1e-12)
    if name == "std" and np.min(np.var(x, axis=axis)) < 1e-3:
        return  # the square root is not differentiable at zero variance
    gradcheck(lambda t: op(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "std", "var", "amax",
                                  "amin", "logsumexp", "cumsum", "cumprod", "any", "all",
                                  "argmax", "argmin", "normalize"])
def test_reductions_take_lists_and_python_numbers(name):
    op, values = getattr(ops, name), [[1.0, -2.0], [3.0, 0.5]]
    expected = op(Tensor(np.array(values, dtype="float32"))).numpy()
    np.testing.assert_array_equal(op(values).numpy(), expected)
    np.testing.assert_array_equal(op(tuple(map(tuple, values))).numpy(), expected)
    if name != "normalize":  # normalizes along an axis, which a number lacks
        np.testing.assert_array_equal(op(3.0).numpy(), op(Tensor(np.float32(3.0))).numpy())


@pytest.mark.parametrize("name", ["mean", "var", "std"])
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64"])
def test_averages_of_booleans_and_integers_are_floatx(name, dtype):
    x = np.array([[1, 0, 1], [1, 1, 0]], dtype=dtype)
    result = getattr(ops, name)(x, axis=1)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result.numpy(), getattr(np, name)(x, axis=1), rtol=1e-6)


def test_max_shares_the_gradient_between_ties_as_tensorflow():
    x = Tensor(np.array([[3.0, 1.0, 3.0]]), requires_grad=True)
    ops.max(x, axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0.0, 0.5]])


@given(data=st.data())
def test_matmul(data):
    n, k, m = data.draw(st.tuples(*[st.integers(1, 4)] * 3))
    batch = data.draw(st.sampled_from([(), (2,), (3, 2)]))
    y_batch = data.draw(st.sampled_from([(), batch]))
    x = data.draw(mst.arrays((*batch, n, k)))
    y = data.draw(mst.arrays((*y_batch, k, m)))
    np.testing.assert_allclose(ops.matmul(Tensor(x), Tensor(y)).numpy(), x @ y, rtol=1e-6)
    gradcheck(ops.matmul, x, y)


@pytest.mark.parametrize("x_shape, y_shape", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,))])
def test_matmul_of_vectors(x_shape, y_shape):
    x, y = np.random.randn(*x_shape), np.random.randn(*y_shape)
    np.testing.assert_allclose(ops.matmul(Tensor(x), Tensor(y)).numpy(), x @ y)
    gradcheck(ops.matmul, x, y)


@given(data=st.data())
def test_reshape_transpose_expand_squeeze(data):
    x = data.draw(mst.arrays(mst.shapes(max_dims=3)))
    axes = data.draw(st.permutations(range(x.ndim)))
    gradcheck(lambda t: ops.reshape(t, (-1,)), x)
    gradcheck(lambda t: ops.transpose(t, axes), x)
    gradcheck(lambda t: ops.squeeze(ops.expand_dims(t, 0), 0), x)
    np.testing.assert_array_equal(ops.transpose(Tensor(x), axes).numpy(), x.transpose(axes))


@given(data=st.data())
def test_broadcast_to(data):
    x_shape, target = data.draw(mst.broadcastable_shapes())
    full = np.broadcast_shapes(x_shape, target)
    x = data.draw(mst.arrays(x_shape))
    gradcheck(lambda t: ops.broadcast_to(t, full), x)


@pytest.mark.parametrize("key", [
    (slice(1, None), 0), (Ellipsis, slice(None, None, 2)), ([0, 0, 2],),
    (np.array([True, False, True]),), (None, 1), (slice(None), [1, 1]),
])
def test_getitem_scatters_gradients_back_and_adds_repeats(key):
    x = np.random.randn(3, 4)
    np.testing.assert_array_equal(ops.getitem(Tensor(x), key).numpy(), x[key])
    gradcheck(lambda t: t[key], x)


@given(data=st.data())
def test_concatenate_and_stack(data):
    shape = data.draw(mst.shapes(max_dims=3))
    axis = data.draw(st.integers(0, len(shape) - 1))
    a, b = data.draw(mst.arrays(shape)), data.draw(mst.arrays(shape))
    gradcheck(lambda s, t: ops.concatenate([s, t], axis=axis), a, b)
    gradcheck(lambda s, t: ops.stack([s, t], axis=axis), a, b)
    np.testing.assert_array_equal(ops.stack([Tensor(a), Tensor(b)], axis=axis).numpy(),
                                  np.stack([a, b], axis=axis))


def test_softmax_and_log_softmax_stay_finite_for_huge_logits():
    x = Tensor(np.array([[1e4, -1e4, 0.0]], dtype="float32"), requires_grad=True)
    assert np.isfinite(ops.softmax(x).numpy()).all()
    y = ops.log_softmax(x)
    y.sum().backward()
    assert np.isfinite(y.numpy()).all() and np.isfinite(x.grad).all()


def test_sigmoid_of_huge_values_is_exact_and_finite():
    x = Tensor(np.array([-1e4, 1e4, 0.0], dtype="float32"))
    np.testing.assert_array_equal(ops.sigmoid(x).numpy(), [0.0, 1.0, 0.5])


# Ops with no gradient: each returns a plain Tensor, checked against NumPy.
NON_DIFFERENTIABLE = {
    "argmax": lambda x: (ops.argmax(x, axis=-1), np.argmax(x, axis=-1)),
    "argmin": lambda x: (ops.argmin(x, axis=0), np.argmin(x, axis=0)),
    "equal": lambda x: (ops.equal(x, x[0]), np.equal(x, x[0])),
    "not_equal": lambda x: (ops.not_equal(x, x[0]), np.not_equal(x, x[0])),
    "less": lambda x: (ops.less(x, 0.5), x < 0.5),
    "less_equal": lambda x: (ops.less_equal(x, 0.5), x <= 0.5),
    "greater": lambda x: (ops.greater(x, 0.5), x > 0.5),
    "greater_equal": lambda x: (ops.greater_equal(x, 0.5), x >= 0.5),
    "logical_and": lambda x: (ops.logical_and(x > 0, x < 1), (x > 0) & (x < 1)),
    "logical_or": lambda x: (ops.logical_or(x > 1, x < 0), (x > 1) | (x < 0)),
    "logical_not": lambda x: (ops.logical_not(x > 0), ~(x > 0)),
    "sign": lambda x: (ops.sign(x), np.sign(x)),
    "floor": lambda x: (ops.floor(x), np.floor(x)),
    "round": lambda x: (ops.round(x), np.round(x)),
    "isnan": lambda x: (ops.isnan(x), np.isnan(x)),
    "isfinite": lambda x: (ops.isfinite(x), np.isfinite(x)),
    "zeros_like": lambda x: (ops.zeros_like(x), np.zeros_like(x)),
    "ones_like": lambda x: (ops.ones_like(x), np.ones_like(x)),
    "shape": lambda x: (ops.shape(x), x.shape),
    "one_hot": lambda x: (ops.one_hot(np.array([2, 0]), 3), np.eye(3)[[2, 0]]),
}


@pytest.mark.parametrize("name", sorted(NON_DIFFERENTIABLE))
def test_non_differentiable_op(name):
    x = Tensor(np.random.randn(4, 3).astype("float32"), requires_grad=True)
    with warnings.catch_warnings():  # the table's NumPy answer reads x, which records gradients
        warnings.filterwarnings("ignore", "A Tensor that records gradients")
        result, expected = NON_DIFFERENTIABLE[name](x)
    if isinstance(result, Tensor):
        assert not result.requires_grad
        result = result.numpy()
    np.testing.assert_array_equal(result, expected)


def test_convert_to_numpy_copies_tensors_and_variables_to_the_host():
    variable = Variable(np.array([1.0, 2.0], dtype="float32"))
    array = ops.convert_to_numpy(variable)
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    array[0] = 5.0
    assert variable.numpy()[0] == 1.0  # a copy
    np.testing.assert_array_equal(ops.convert_to_numpy([1, 2]), [1, 2])


def test_convert_to_tensor_keeps_tensors_and_converts_the_rest():
    x = Tensor(np.ones(2, dtype="float32"))
    assert ops.convert_to_tensor(x) is x
    converted = ops.convert_to_tensor([1.0, 2.0])
    assert isinstance(converted, Tensor) and converted.dtype == np.float32
    assert ops.convert_to_tensor([1, 2], dtype="float64").dtype == np.float64


def test_every_function_takes_a_nested_list_as_it_takes_the_array():
    values = [[0.5, -0.25], [0.75, 1.5]]
    functions = {name: f for name, f in vars(ops).items()
                 if callable(f) and not name.startswith("_") and not isinstance(f, type)}
    for name, function in sorted(functions.items()):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                expected = function(Tensor(np.array(values, dtype="float32")))
            except (TypeError, ValueError, AttributeError):
                continue  # it needs other arguments (einsum's subscripts first...)
            results = [ops.convert_to_numpy(r) for r in _flat([function(values), expected])]
        half = len(results) // 2
        for result, wanted in zip(results[:half], results[half:], strict=True):
            np.testing.assert_array_equal(result, wanted, err_msg=f"ops.{name}")


def _flat(results):
    for result in results:
        yield from _flat(result) if isinstance(result, (list, tuple)) else [result]


def test_every_op_is_checked():
    checked = set(UNARY) | set(BINARY) | set(NON_DIFFERENTIABLE) | {
        "maximum", "minimum", "clip", "where", "cast", "sum", "mean", "max", "min", "var",
        "std", "matmul", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to",
        "getitem", "concatenate", "stack", "convert_to_tensor", "convert_to_numpy",
    } | {  # checked in test_loss_ops.py
        "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
        "logsumexp", "normalize", "rsqrt", "divide_no_nan", "top_k", "in_top_k", "all", "any",
        "ceil", "isinf",
    } | {  # the fused ops of the layers, checked in tests/test_layers_ops.py
        "conv", "max_pool", "average_pool", "fused_batch_normalization", "batch_normalization",
        "dropout",
    } | {"fused_conv", "fused_dense"} | {  # checked in tests/test_fused_ops.py
        "take", "repeat", "pad", "layer_normalization",  # tests/test_take_pad_resize_ops.py
    } | {"depthwise_conv", "conv_transpose"} | {  # checked in tests/test_convolution_ops.py
        # checked against keras.ops in parity_tests/test_keras_ops_parity.py
        "amax", "amin", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
        "arctanh", "argsort", "array", "convert_to_numpy", "cos", "cosh", "count_nonzero",
        "cumprod", "cumsum", "diag", "diagonal", "dot", "einsum", "exp2", "eye", "flip",
        "floor_divide", "full", "full_like", "hard_silu", "hard_swish", "hstack", "identity",
        "inner", "isclose", "linspace", "log10", "log2", "log_sigmoid", "logical_xor", "mod",
        "moments", "moveaxis", "norm", "ones", "outer", "prod", "ravel", "reciprocal", "roll",
        "sin", "sinh", "sort", "split", "stop_gradient", "swapaxes", "take_along_axis", "tan",
        "tensordot", "tile", "trace", "tri", "tril", "triu", "unstack", "vdot", "vstack", "zeros",
        "sparsemax",  # checked in tests/test_activations.py
    }
    public = {name for name in dir(ops) if not name.startswith("_")
              and callable(getattr(ops, name))}
    assert public - checked == set(), "ops without a test"


def test_einsum_says_its_subscripts_come_first_and_takes_lists():
    with pytest.raises(TypeError, match="the first argument is the subscripts"):
        ops.einsum(ops.convert_to_tensor(np.ones((2, 2))), np.ones(2))
    np.testing.assert_array_equal(ops.einsum("ij,j->i", [[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]),
                                  np.array([3.0, 7.0], dtype="float32"))
