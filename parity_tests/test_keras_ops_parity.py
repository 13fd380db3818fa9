"""The functions of keras.ops a model or a custom loss or metric calls, against Keras's own
keras.ops on the TensorFlow backend: values, dtypes, and gradients with respect to every
float input, on the shapes, axes and arguments hypothesis draws."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import assert_close, compare_functions

keras_ops = tf.keras.ops

SMOOTH = mst.moderate()
POSITIVE = mst.moderate(0.2, 4.0)
NONZERO = mst.away_from([0.0], 0.1, SMOOTH)


def lookup(ops, path):
    """``ops.nn.relu`` for the path "nn.relu"."""
    for part in path.split("."):
        ops = getattr(ops, part)
    return ops


def assert_same_result(ours, theirs, what, kind="elementwise"):
    """Values (and dtype) of a minikeras result equal tf.keras's."""
    ours = mk.backend.to_numpy(ours)
    theirs = np.asarray(theirs)
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype}, tf.keras {theirs.dtype}"
    assert_close(ours, theirs, kind, what=what)


def compare_call(call, arrays, kind, what):
    """``call(ops, *arrays)`` written once, run with minikeras's ops and with tf.keras's:
    values and gradients compared by ``compare_functions``."""
    compare_functions(lambda *t: call(mk.ops, *t), lambda *t: call(keras_ops, *t), arrays, kind,
                      what)


# -- elementwise functions --------------------------------------------------------------

# path in keras.ops: the values it is compared on (float32 arrays of any shape)
UNARY = {
    "square": SMOOTH, "sqrt": POSITIVE, "rsqrt": POSITIVE, "log1p": mst.moderate(-0.5, 3.0),
    "expm1": SMOOTH, "exp2": SMOOTH, "log2": POSITIVE, "log10": POSITIVE,
    "reciprocal": NONZERO, "sign": SMOOTH, "round": SMOOTH,
    "sin": SMOOTH, "cos": SMOOTH, "tan": mst.moderate(-1.2, 1.2),
    "arcsin": mst.moderate(-0.95, 0.95), "arccos": mst.moderate(-0.95, 0.95), "arctan": SMOOTH,
    "sinh": SMOOTH, "cosh": SMOOTH, "arcsinh": SMOOTH, "arccosh": mst.moderate(1.05, 4.0),
    "arctanh": mst.moderate(-0.95, 0.95),
    "nn.sigmoid": SMOOTH, "nn.relu": NONZERO, "nn.gelu": SMOOTH, "nn.log_sigmoid": SMOOTH,
    "nn.hard_silu": mst.away_from([-3.0, 3.0], 0.01, mst.moderate(-5, 5)),
    "nn.hard_swish": mst.away_from([-3.0, 3.0], 0.01, mst.moderate(-5, 5)),
    "nn.softmax": SMOOTH, "nn.log_softmax": SMOOTH,
}


# Keras warns that a softmax over an axis of size 1 is always 1: that edge is compared too.
@pytest.mark.filterwarnings("ignore:You are using a softmax over axis:UserWarning")
@pytest.mark.parametrize("path", sorted(UNARY))
@given(data=st.data())
def test_unary(path, data):
    x = data.draw(mst.arrays(mst.shapes(max_dims=3), UNARY[path], "float32"))
    compare_functions(lookup(mk.ops, path), lookup(keras_ops, path), [x], "elementwise",
                      f"ops.{path.rpartition('.')[2]}")


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
@given(x=mst.arrays(mst.shapes(max_dims=3), st.sampled_from([np.nan, np.inf, -np.inf])
                    | mst.extreme(), "float32"))
def test_unary_tests(name, x):
    assert_same_result(getattr(mk.ops, name)(x), getattr(keras_ops, name)(x), f"ops.{name}")


@pytest.mark.parametrize("name", ["sin", "log2", "sqrt", "exp", "exp2", "expm1", "log", "log1p"])
def test_integers_give_floatx(name):
    ints = np.array([1, 2, 8], dtype="int32")
    assert_same_result(getattr(mk.ops, name)(ints), getattr(keras_ops, name)(ints),
                       f"ops.{name} of int32")


# name: (values of x1, values of x2)
BINARY = {
    "power": (POSITIVE, SMOOTH), "mod": (SMOOTH, mst.away_from([0.0], 0.3, SMOOTH)),
    "floor_divide": (SMOOTH, mst.away_from([0.0], 0.3, SMOOTH)),
    "arctan2": (NONZERO, NONZERO),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary(name, data):
    x1_shape, x2_shape = data.draw(mst.broadcastable_shapes(min_dims=1))
    x1 = data.draw(mst.arrays(x1_shape, BINARY[name][0], "float32"))
    x2 = data.draw(mst.arrays(x2_shape, BINARY[name][1], "float32"))
    if name in ("mod", "floor_divide"):  # away from the jumps of floor(x1 / x2)
        ratio = np.broadcast_arrays(x1, x2)
        assume(np.all(np.abs(ratio[0] / ratio[1] - np.round(ratio[0] / ratio[1])) > 1e-3))
    compare_functions(getattr(mk.ops, name), getattr(keras_ops, name), [x1, x2],
                      "elementwise", f"ops.{name}")


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@given(data=st.data())
def test_logical(name, data):
    shape = data.draw(mst.shapes(max_dims=3))
    x1, x2 = (data.draw(mst.arrays(shape, st.booleans(), "bool")) for _ in range(2))
    assert_same_result(getattr(mk.ops, name)(x1, x2), getattr(keras_ops, name)(x1, x2),
                       f"ops.{name}")
    assert_same_result(mk.ops.logical_not(x1), keras_ops.logical_not(x1), "ops.logical_not")


# -- reductions and running sums -------------------------------------------------------------


def _axis(data, shape):
    return data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))


@given(data=st.data())
def test_prod(data):
    # Zeros included: the gradient of a product with a zero factor is the product of the rest.
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis, keepdims = _axis(data, shape), data.draw(st.booleans())
    x = data.draw(mst.arrays(shape, st.one_of(st.just(0.0), mst.moderate(-2, 2)), "float32"))
    compare_functions(lambda t: mk.ops.prod(t, axis=axis, keepdims=keepdims),
                      lambda t: keras_ops.prod(t, axis=axis, keepdims=keepdims), [x],
                      "reduction", f"ops.prod(axis={axis}, keepdims={keepdims})")


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@given(data=st.data())
def test_cumulative(name, data):
    # TensorFlow's cumprod gradient divides by x, so x stays away from 0 (ours need not).
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis = _axis(data, shape)
    x = data.draw(mst.arrays(shape, NONZERO if name == "cumprod" else SMOOTH, "float32"))
    compare_functions(lambda t: getattr(mk.ops, name)(t, axis=axis),
                      lambda t: getattr(keras_ops, name)(t, axis=axis), [x], "reduction",
                      f"ops.{name}(axis={axis})")


@pytest.mark.parametrize("name", ["var", "std"])
@given(data=st.data())
def test_var_std(name, data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis, keepdims = _axis(data, shape), data.draw(st.booleans())
    x = data.draw(mst.arrays(shape, dtype="float32"))
    if name == "std":  # the square root has no derivative at a zero variance
        assume(np.min(np.var(x, axis=axis)) > 1e-3)
    compare_functions(lambda t: getattr(mk.ops, name)(t, axis=axis, keepdims=keepdims),
                      lambda t: getattr(keras_ops, name)(t, axis=axis, keepdims=keepdims), [x],
                      "normalization", f"ops.{name}(axis={axis})")


@pytest.mark.parametrize("name", ["amax", "amin"])
@given(data=st.data())
def test_amax_amin(name, data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis, keepdims = _axis(data, shape), data.draw(st.booleans())
    x = data.draw(mst.distinct_values(shape, dtype="float32"))  # one largest, one smallest
    compare_functions(lambda t: getattr(mk.ops, name)(t, axis=axis, keepdims=keepdims),
                      lambda t: getattr(keras_ops, name)(t, axis=axis, keepdims=keepdims), [x],
                      "reduction", f"ops.{name}(axis={axis}, keepdims={keepdims})")


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "std", "var", "amax",
                                  "logsumexp", "cumsum", "cumprod", "any", "all", "argmax"])
def test_reductions_of_lists_and_python_numbers(name):
    for values in ([[1.0, -2.0], [3.0, 0.5]], (0.5, 2.0), 3.0):
        assert_same_result(getattr(mk.ops, name)(values), getattr(keras_ops, name)(values),
                           f"ops.{name}({values!r})", "reduction")


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "true_divide",
                                  "divide_no_nan", "power", "maximum", "minimum"])
def test_binary_functions_of_two_lists_compute_as_keras(name):
    # A list plus a list is their concatenation in Python: keras.ops converts them first.
    for x1, x2 in (([1.0, 2.0], [3.0, 0.5]), ([[1.0], [2.0]], [[3.0], [4.0]]), ((2.0, 3.0), 2.0)):
        assert_same_result(getattr(mk.ops, name)(x1, x2), getattr(keras_ops, name)(x1, x2),
                           f"ops.{name}({x1!r}, {x2!r})")


def test_averages_and_where_give_floatx_where_keras_does():
    flags, counts = np.array([True, False, True]), np.array([1, 2, 4], dtype="int32")
    cases = {  # Python floats are weak: they take floatx, or the dtype of a float array
        "ops.mean of booleans": lambda ops: ops.mean(flags),
        "ops.mean of int32": lambda ops: ops.mean(counts),
        "ops.var of booleans": lambda ops: ops.var(flags),
        "ops.std of int32": lambda ops: ops.std(counts),
        "ops.where of Python floats": lambda ops: ops.where(flags, 1.0, 2.0),
        "ops.where of int32 and a Python float": lambda ops: ops.where(flags, counts, 0.5),
        "ops.where of booleans and a Python float": lambda ops: ops.where(flags, flags, 0.5),
        "ops.where of float16 and a Python float": lambda ops: ops.where(
            flags, counts.astype("float16"), 0.5),
    }
    for what, function in cases.items():
        assert_same_result(function(mk.ops), function(keras_ops), what)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64"])
def test_integer_sums_products_and_divisions_take_keras_dtypes(dtype):
    values = np.array([[1, 0, 3], [2, 1, 1]]).astype(dtype)
    cases = {  # Keras sums integers in at least 32 bits, and divides them to floatx
        "ops.sum": lambda ops: ops.sum(values, axis=0),
        "ops.prod": lambda ops: ops.prod(values, axis=1),
        "ops.divide": lambda ops: ops.divide(values, values + 1),
        "ops.true_divide by a Python float": lambda ops: ops.true_divide(values, 2.0),
        "ops.divide_no_nan": lambda ops: ops.divide_no_nan(values, values),
    }
    for what, function in cases.items():
        assert_same_result(function(mk.ops), function(keras_ops), f"{what} of {dtype}")


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_an_infinite_gradient_reaches_only_the_input_taken(name):
    # sqrt'(0) is inf: where x lost to 0, TensorFlow's select gives x a 0 gradient, not NaN.
    x = np.array([-1.5, -0.25, 0.5, 2.0], dtype="float32") * (1 if name == "maximum" else -1)

    def function(ops, t):
        selected = getattr(ops, name)(t, 0.0)
        return ops.sqrt(selected if name == "maximum" else ops.negative(selected))

    with np.errstate(divide="ignore"):  # the inf of sqrt'(0) itself is expected
        compare_functions(lambda t: function(mk.ops, t), lambda t: function(keras_ops, t), [x],
                          "elementwise", f"ops.{name}: sqrt({name}(x, 0))")


@given(data=st.data())
def test_moments(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=2,
                              unique=True))
    keepdims = data.draw(st.booleans())
    x = data.draw(mst.arrays(shape, dtype="float32"))
    for index in (0, 1):
        compare_functions(lambda t, i=index: mk.ops.nn.moments(t, axes, keepdims=keepdims)[i],
                          lambda t, i=index: keras_ops.nn.moments(t, axes, keepdims=keepdims)[i],
                          [x], "normalization", f"ops.moments(axes={axes})[{index}]")


# -- moving, picking and sorting elements ----------------------------------------------------


@given(data=st.data())
def test_reshape_squeeze_transpose_moveaxis_swapaxes(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, max_side=3))
    x = data.draw(mst.arrays(shape, dtype="float32"))
    ndim = len(shape)
    source = data.draw(st.integers(-ndim, ndim - 1))
    destination = data.draw(st.integers(-ndim, ndim - 1))
    order = data.draw(st.permutations(range(ndim)))
    calls = {
        "ops.reshape(x, -1)": lambda ops, t: ops.reshape(t, -1),
        "ops.squeeze": lambda ops, t: ops.squeeze(ops.expand_dims(t, 1), axis=1),
        "ops.transpose": lambda ops, t: ops.transpose(t, order),
        "ops.moveaxis": lambda ops, t: ops.moveaxis(t, source, destination),
        "ops.swapaxes": lambda ops, t: ops.swapaxes(t, source, destination),
    }
    for what, call in calls.items():
        compare_call(call, [x], "elementwise", what)


@given(data=st.data())
def test_tile(data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=3))
    repeats = data.draw(st.one_of(st.integers(1, 3),
                                  st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    compare_functions(lambda t: mk.ops.tile(t, repeats), lambda t: keras_ops.tile(t, repeats),
                      [data.draw(mst.arrays(shape, dtype="float32"))], "reduction",
                      f"ops.tile({repeats})")


@given(data=st.data())
def test_split_and_stack(data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=6))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    size = shape[axis]
    sections = data.draw(st.one_of(
        st.sampled_from([d for d in range(1, size + 1) if size % d == 0]),
        st.lists(st.integers(0, size), min_size=1, max_size=3).map(sorted)))
    x = data.draw(mst.arrays(shape, dtype="float32"))
    pieces = len(sections) + 1 if isinstance(sections, list) else sections
    for index in range(pieces):
        compare_functions(lambda t, i=index: mk.ops.split(t, sections, axis=axis)[i],
                          lambda t, i=index: keras_ops.split(t, sections, axis=axis)[i], [x],
                          "elementwise", f"ops.split({sections}, axis={axis})[{index}]")
    compare_functions(lambda a, b: mk.ops.stack([a, b], axis=axis),
                      lambda a, b: keras_ops.stack([a, b], axis=axis), [x, x * 2],
                      "elementwise", f"ops.stack(axis={axis})")


@given(data=st.data())
def test_hstack_vstack_unstack_ravel(data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(mst.arrays(shape, dtype="float32"))
    calls = {
        "hstack": lambda ops, t: ops.hstack([t, t * 2]),
        "vstack": lambda ops, t: ops.vstack([t * 2, t]),
        "ravel": lambda ops, t: ops.ravel(t),
        **{f"unstack(axis={axis})[{i}]": lambda ops, t, i=i: ops.unstack(t, axis=axis)[i]
           for i in range(shape[axis])},
    }
    if len(shape) == 1:  # vectors are rows in NumPy's (and Keras's JAX's) vstack, not TF's
        del calls["vstack"]
    for what, call in calls.items():
        compare_call(call, [x], "elementwise", f"ops.{what}")


@given(data=st.data())
def test_take_along_axis(data):
    shape, axis, size = data.draw(mst.axis_cases())
    if axis is None:
        index_shape = (data.draw(st.integers(0, 5)),)
    else:  # the other axes match x's or are 1 (broadcast)
        index_shape = tuple(data.draw(st.integers(0, 4)) if i == axis % len(shape)
                            else data.draw(st.sampled_from([1, n])) for i, n in enumerate(shape))
    indices = data.draw(mst.arrays(index_shape, st.integers(-size, size - 1), "int32"))
    compare_functions(lambda t: mk.ops.take_along_axis(t, indices, axis=axis),
                      lambda t: keras_ops.take_along_axis(t, indices, axis=axis),
                      [data.draw(mst.arrays(shape, dtype="float32"))], "reduction",
                      f"ops.take_along_axis(axis={axis})")


@given(data=st.data())
def test_sort_and_argsort(data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=5))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    # Ties included: both put equal elements in the order of their positions.
    x = data.draw(mst.arrays(shape, st.sampled_from([-1.0, 0.0, 0.5, 2.0]) | SMOOTH, "float32"))
    compare_functions(lambda t: mk.ops.sort(t, axis=axis),
                      lambda t: keras_ops.sort(t, axis=axis), [x], "elementwise",
                      f"ops.sort(axis={axis})")
    assert_same_result(mk.ops.argsort(x, axis=axis), keras_ops.argsort(x, axis=axis),
                       f"ops.argsort(axis={axis})")


@given(data=st.data())
def test_roll_and_flip(data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    shift = data.draw(st.integers(-6, 6))
    x = data.draw(mst.arrays(shape, dtype="float32"))
    compare_functions(lambda t: mk.ops.roll(t, shift, axis=axis),
                      lambda t: keras_ops.roll(t, shift, axis=axis), [x], "elementwise",
                      f"ops.roll({shift}, axis={axis})")
    compare_functions(lambda t: mk.ops.flip(t, axis=axis),
                      lambda t: keras_ops.flip(t, axis=axis), [x], "elementwise",
                      f"ops.flip(axis={axis})")


# -- products and norms --------------------------------------------------------------------

EINSUMS = {  # subscripts: the operands' shapes, by letter (a=2, b=3, c=4, d=1)
    "ab,bc->ac": None, "ab,cb": None, "abc,acd->abd": None, "ab->ba": None, "ab->": None,
    "ab,ab->a": None, "a,c->ac": None, "...b,bc->...c": None, "ab,b": None, "abc->cb": None,
}
SIZES = {"a": 2, "b": 3, "c": 4, "d": 1}


@pytest.mark.parametrize("subscripts", sorted(EINSUMS))
@given(data=st.data())
def test_einsum(subscripts, data):
    operands = subscripts.partition("->")[0].split(",")
    shapes = [tuple(SIZES[c] for c in o.replace("...", "a")) for o in operands]
    arrays = [data.draw(mst.arrays(shape, dtype="float32")) for shape in shapes]
    compare_functions(lambda *t: mk.ops.einsum(subscripts, *t),
                      lambda *t: keras_ops.einsum(subscripts, *t), arrays, "linear",
                      f"ops.einsum({subscripts!r})")


@given(data=st.data())
def test_dot_tensordot_outer_inner(data):
    a = data.draw(mst.arrays((2, 3), dtype="float32"))
    b = data.draw(mst.arrays((3, 4), dtype="float32"))
    c = data.draw(mst.arrays((2, 3, 4), dtype="float32"))
    calls = {
        "dot": ([a, b], lambda ops, x, y: ops.dot(x, y)),
        "dot (N-D)": ([c, b.T.copy()], lambda ops, x, y: ops.dot(x, y)),
        "tensordot": ([c, b], lambda ops, x, y: ops.tensordot(x, y, axes=([1, 2], [0, 1]))),
        "tensordot (int)": ([a, b], lambda ops, x, y: ops.tensordot(x, y, axes=1)),
        "outer": ([a, b], lambda ops, x, y: ops.outer(x, y)),
        "inner": ([a, a], lambda ops, x, y: ops.inner(x, y)),
        "vdot": ([a, a], lambda ops, x, y: ops.vdot(x, y)),
        "matmul": ([a, b], lambda ops, x, y: ops.matmul(x, y)),
    }
    for what, (arrays, call) in calls.items():
        compare_call(call, arrays, "linear", f"ops.{what}")


@given(data=st.data())
def test_vector_norm(data):
    shape = data.draw(mst.shapes(max_dims=3, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    order = data.draw(st.sampled_from([None, 2, 1, 3, 0.5, np.inf, -np.inf, 0]))
    keepdims = data.draw(st.booleans())
    x = data.draw(mst.arrays(shape, NONZERO, "float32"))
    if order in (np.inf, -np.inf):  # max and min of |x| differentiable: no ties
        mst.distinct_rows(np.abs(x), axis=axis)
    compare_functions(lambda t: mk.ops.norm(t, ord=order, axis=axis, keepdims=keepdims),
                      lambda t: keras_ops.norm(t, ord=order, axis=axis, keepdims=keepdims),
                      [x], "reduction", f"ops.norm(ord={order}, axis={axis})")


@given(data=st.data())
def test_matrix_norm(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
    axis = data.draw(st.sampled_from([None, (0, 1), (-1, -2)] if len(shape) == 2 else
                                     [(1, 2), (0, 2), (2, 0)]))
    order = data.draw(st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"]))
    keepdims = data.draw(st.booleans())
    # Distinct values: the largest column sum, row sum and singular value do not tie.
    x = data.draw(mst.distinct_values(shape, 0.2, 3.0, "float32"))
    x = x * data.draw(mst.arrays(shape, st.sampled_from([-1.0, 1.0]), "float32"))
    if order in (2, -2, "nuc"):  # nor the singular values, none of them 0 (|s| has no slope)
        rows, columns = (0, 1) if axis is None else axis
        values = np.linalg.svd(np.moveaxis(x, (rows, columns), (-2, -1)), compute_uv=False)
        assume(values.min() > 0.05 and np.all(-np.diff(values) > 0.05))
    if keepdims and axis is not None and axis[0] > axis[1] and order in (2, -2, "nuc"):
        keepdims = False  # tf.keras's expand_dims fails for axes out of order
    compare_functions(lambda t: mk.ops.norm(t, ord=order, axis=axis, keepdims=keepdims),
                      lambda t: keras_ops.norm(t, ord=order, axis=axis, keepdims=keepdims),
                      [x], "linear", f"ops.norm(ord={order}, axis={axis})")
    compare_functions(lambda t: mk.ops.linalg.norm(t, ord=order, axis=axis),
                      lambda t: keras_ops.linalg.norm(t, ord=order, axis=axis), [x], "linear",
                      f"ops.linalg.norm(ord={order}, axis={axis})")


@given(data=st.data())
def test_diagonal_trace_diag_tril_triu(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    offset = data.draw(st.integers(-3, 3))
    x = data.draw(mst.arrays(shape, dtype="float32"))
    matrix, vector = x.reshape(-1, shape[-1]), x.reshape(-1)
    calls = {
        "diagonal": (x, lambda ops, t: ops.diagonal(t, offset, 0, -1)),
        "trace": (x, lambda ops, t: ops.trace(t, offset, -1, 0)),
        "diag (of a vector)": (vector, lambda ops, t: ops.diag(t, offset)),
        "diag (of a matrix)": (matrix, lambda ops, t: ops.diag(t, offset)),
        "tril": (x, lambda ops, t: ops.tril(t, offset)),
        "triu": (x, lambda ops, t: ops.triu(t, offset)),
    }
    # tf.keras fails for a diagonal outside the matrix (NumPy's is empty): those are left out.
    rows_and_columns = {"diagonal": (shape[0], shape[-1]), "trace": (shape[-1], shape[0]),
                        "diag (of a matrix)": matrix.shape, "tril": shape[-2:],
                        "triu": shape[-2:]}
    for what, (array, call) in calls.items():
        rows, columns = rows_and_columns.get(what, (np.inf, np.inf))
        if -rows < offset < columns:
            compare_functions(lambda t, c=call: c(mk.ops, t), lambda t, c=call: c(keras_ops, t),
                              [array], "reduction", f"ops.{what}(k={offset})")


# -- new tensors, and values without gradients ---------------------------------------------


def test_creation_functions_give_keras_values_and_dtypes():
    x32, x_int = np.ones((2, 3), "float32"), np.ones((2, 3), "int32")
    calls = {
        "zeros": lambda ops: ops.zeros((2, 3)),
        "ones": lambda ops: ops.ones(4, dtype="int32"),
        "full": lambda ops: ops.full((2, 2), 3),
        "full (float64)": lambda ops: ops.full((2,), 0.5, dtype="float64"),
        "full_like": lambda ops: ops.full_like(x_int, 3.5),
        "zeros_like": lambda ops: ops.zeros_like(x_int),
        "ones_like": lambda ops: ops.ones_like(x32, dtype="float64"),
        "arange": lambda ops: ops.arange(5),
        "arange (floats)": lambda ops: ops.arange(0.5, 3, 0.75),
        "arange (int64)": lambda ops: ops.arange(np.int64(1), 9, 3),
        "linspace": lambda ops: ops.linspace(0, 1, 5),
        "linspace (no end)": lambda ops: ops.linspace(-1.0, 2.0, 4, endpoint=False),
        "linspace (int32)": lambda ops: ops.linspace(0, 10, 4, dtype="int32"),
        "linspace (arrays)": lambda ops: ops.linspace(np.zeros(2, "float32"),
                                                      np.ones(2, "float32"), 3, axis=1),
        "eye": lambda ops: ops.eye(3, 4, k=1),
        "identity": lambda ops: ops.identity(3),
        "tri": lambda ops: ops.tri(3, 2, k=-1),
        "array": lambda ops: ops.array([[1, 2], [3, 4]]),
        "array (floats)": lambda ops: ops.array([1.5, 2.0]),
        "convert_to_tensor": lambda ops: ops.convert_to_tensor([1, 2]),
        "one_hot": lambda ops: ops.nn.one_hot(np.array([2, 0, 1]), 3),
        "one_hot (axis 0)": lambda ops: ops.one_hot(np.array([[1, 0]]), 2, axis=0),
        "count_nonzero": lambda ops: ops.count_nonzero(np.array([[0, 1], [2, 0]]), axis=0),
        "isclose": lambda ops: ops.isclose(np.array([1.0, 2.0]), np.array([1.0, 2.1])),
    }
    for what, call in calls.items():
        name = what.split()[0]
        assert_same_result(call(mk.ops), call(keras_ops), f"ops.{name} ({what})")


def test_linspace_with_its_step():
    values, step = mk.ops.linspace(0.0, 1.0, 5, retstep=True)
    keras_values, keras_step = keras_ops.linspace(0.0, 1.0, 5, retstep=True)
    assert_same_result(values, keras_values, "ops.linspace(retstep=True)")
    assert_same_result(step, keras_step, "ops.linspace(retstep=True): step")


@given(x=mst.arrays(mst.shapes(max_dims=3), dtype="float32"))
def test_stop_gradient_and_convert_to_numpy(x):
    compare_functions(lambda t: t * mk.ops.stop_gradient(t),
                      lambda t: t * keras_ops.stop_gradient(t), [x], "elementwise",
                      "ops.stop_gradient")
    assert_same_result(mk.ops.convert_to_numpy(mk.ops.array(x)),
                       keras_ops.convert_to_numpy(keras_ops.array(x)), "ops.convert_to_numpy")


# -- neural-network functions ----------------------------------------------------------------


@given(data=st.data())
def test_conv_in_any_rank_format_and_groups(data):
    rank = data.draw(st.sampled_from([1, 2]))
    data_format = data.draw(st.sampled_from(["channels_last", "channels_first"]))
    groups = data.draw(st.sampled_from([1, 2]))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    window = data.draw(st.tuples(*[st.integers(1, 3)] * rank))
    strides = data.draw(st.sampled_from([1, 2]))
    sizes = tuple(data.draw(st.integers(w, 6)) for w in window)
    channels, filters = groups * data.draw(st.integers(1, 2)), groups * data.draw(
        st.integers(1, 2))
    shape = (2, channels, *sizes) if data_format == "channels_first" else (2, *sizes, channels)
    x = data.draw(mst.arrays(shape, dtype="float32"))
    kernel = data.draw(mst.arrays((*window, channels // groups, filters), dtype="float32"))
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    compare_functions(lambda t, k: mk.ops.nn.conv(t, k, **kwargs),
                      lambda t, k: keras_ops.nn.conv(t, k, **kwargs), [x, kernel],
                      "convolution", f"ops.conv(groups={groups}, {kwargs})")


@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
@given(data=st.data())
def test_pooling_in_any_rank_and_format(name, data):
    rank = data.draw(st.sampled_from([1, 2]))
    data_format = data.draw(st.sampled_from(["channels_last", "channels_first"]))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    pool_size = data.draw(st.integers(1, 3))
    strides = data.draw(st.sampled_from([None, 1, 2]))
    sizes = tuple(data.draw(st.integers(pool_size, 6)) for _ in range(rank))
    channels = data.draw(st.integers(1, 3))
    shape = (2, channels, *sizes) if data_format == "channels_first" else (2, *sizes, channels)
    x = data.draw(mst.distinct_values(shape, dtype="float32"))  # no ties for the max
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    compare_functions(lambda t: getattr(mk.ops.nn, name)(t, pool_size, **kwargs),
                      lambda t: getattr(keras_ops.nn, name)(t, pool_size, **kwargs), [x],
                      "convolution", f"ops.{name}({pool_size}, {kwargs})")


@given(data=st.data())
def test_batch_normalization(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    channels = (shape[axis],)
    x = data.draw(mst.arrays(shape, dtype="float32"))
    mean, offset, scale = (data.draw(mst.arrays(channels, dtype="float32")) for _ in range(3))
    variance = data.draw(mst.arrays(channels, POSITIVE, "float32"))
    compare_functions(
        lambda *t: mk.ops.nn.batch_normalization(t[0], t[1], t[2], axis, t[3], t[4]),
        lambda *t: keras_ops.nn.batch_normalization(t[0], t[1], t[2], axis, t[3], t[4]),
        [x, mean, variance, offset, scale], "normalization",
        f"ops.batch_normalization(axis={axis})")


def test_namespaces_hold_the_functions_of_ops():
    assert mk.ops.nn.relu is mk.ops.relu and mk.ops.numpy.cumsum is mk.ops.cumsum
    assert mk.ops.linalg.norm is mk.ops.norm
    for namespace in ("nn", "numpy", "linalg"):
        ours = getattr(mk.ops, namespace)
        for name in dir(getattr(keras_ops, namespace)):
            if not name.startswith("_") and hasattr(mk.ops, name):
                assert getattr(ours, name) is getattr(mk.ops, name), f"ops.{namespace}.{name}"
