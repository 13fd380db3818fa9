"""Keras 2's K.* functions (``from keras import backend as K``): each warns on the caller's
line naming its keras.ops spelling, and gives what that spelling gives, on arrays, on
Tensors (gradients included) and on symbolic tensors; a custom loss and metric written
with them trains a model exactly as the keras.ops version does."""

import pathlib
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend as K
from minikeras import keras2_backend, ops
from minikeras.autograd import Tensor

X = np.array([[0.5, -1.5, 2.0], [1.25, -0.75, 3.0]], dtype="float32")
Y = np.array([[1.0, -2.0, 0.25], [1.25, 0.5, -1.0]], dtype="float32")  # Y[1, 0] == X[1, 0]
COLUMN = X[:, :1]
CUBE = np.stack([X, Y], axis=-1)
PICKS = np.array([1, 0, 1], dtype="int32")
PROBS = np.array([[0.2, 0.7, 0.1], [0.5, 0.2, 0.3]], dtype="float32")
ONE_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype="float32")
BITS = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype="float32")
MASK = np.array([[True, False, True], [False, False, False]])
COLUMNS = np.array([True, False, True])
LABELS = np.array([1, 2], dtype="int32")
INPUTS = {"x": X, "y": Y, "probs": PROBS, "one_hot": ONE_HOT, "bits": BITS, "mask": MASK,
          "columns": COLUMNS, "labels": LABELS, "column": COLUMN,
          "picks": PICKS, "cube": CUBE,
          "cube_t": np.swapaxes(CUBE, 1, 2)}


def case(name, keras2, modern, spelling, inputs="x", differentiable=True):
    """One Keras 2 call: ``keras2(K, *arrays)`` must equal ``modern(*arrays)`` and warn
    naming ``spelling``; ``inputs`` names the arrays (space-separated keys of INPUTS)."""
    return pytest.param(keras2, modern, spelling, inputs.split(), differentiable, id=name)


CASES = [
    case("abs", lambda K, x: K.abs(x), ops.abs, "keras.ops.abs"),
    case("square", lambda K, x: K.square(x), ops.square, "keras.ops.square"),
    case("sqrt", lambda K, p: K.sqrt(p), ops.sqrt, "keras.ops.sqrt", "probs"),
    case("sqrt_of_negatives", lambda K, x: K.sqrt(x), lambda x: ops.sqrt(ops.relu(x)),
         "keras.ops.sqrt", differentiable=False),  # sqrt's slope at 0 is infinite
    case("exp", lambda K, x: K.exp(x), ops.exp, "keras.ops.exp"),
    case("log", lambda K, p: K.log(p), ops.log, "keras.ops.log", "probs"),
    case("pow", lambda K, x: K.pow(x, 3), lambda x: ops.power(x, 3), "keras.ops.power"),
    case("round", lambda K, x: K.round(x), ops.round, "keras.ops.round", differentiable=False),
    case("sign", lambda K, x: K.sign(x), ops.sign, "keras.ops.sign", differentiable=False),
    case("clip", lambda K, x: K.clip(x, -1.0, 1.0), lambda x: ops.clip(x, -1.0, 1.0),
         "keras.ops.clip"),
    case("clip_open_above", lambda K, x: K.clip(x, 0.0, None),
         lambda x: ops.clip(x, 0.0, np.inf), "keras.ops.clip"),
    case("clip_max_below_min", lambda K, x: K.clip(x, 1.0, 0.0),
         lambda x: ops.clip(x, 1.0, 1.0), "keras.ops.clip", differentiable=False),
    case("maximum", lambda K, x, y: K.maximum(x, y), ops.maximum, "keras.ops.maximum", "x y"),
    case("minimum", lambda K, x, y: K.minimum(x, y), ops.minimum, "keras.ops.minimum", "x y"),
    case("cast", lambda K, x: K.cast(x, "int32"), lambda x: ops.cast(x, "int32"),
         "keras.ops.cast", differentiable=False),
    case("cast_bool", lambda K, m: K.cast(m, "float32"), lambda m: ops.cast(m, "float32"),
         "keras.ops.cast", "mask", differentiable=False),
    case("sigmoid", lambda K, x: K.sigmoid(x), ops.sigmoid, "keras.ops.sigmoid"),
    case("tanh", lambda K, x: K.tanh(x), ops.tanh, "keras.ops.tanh"),
    case("softplus", lambda K, x: K.softplus(x), ops.softplus, "keras.ops.softplus"),
    case("softmax", lambda K, x: K.softmax(x), lambda x: ops.softmax(x, axis=-1),
         "keras.ops.softmax"),
    case("softmax_axis", lambda K, x: K.softmax(x, axis=0), lambda x: ops.softmax(x, axis=0),
         "keras.ops.softmax"),
    case("equal", lambda K, x, y: K.equal(x, y), ops.equal, "keras.ops.equal", "x y",
         differentiable=False),
    case("not_equal", lambda K, x, y: K.not_equal(x, y), ops.not_equal, "keras.ops.not_equal",
         "x y", differentiable=False),
    case("greater", lambda K, x, y: K.greater(x, y), ops.greater, "keras.ops.greater", "x y",
         differentiable=False),
    case("greater_equal", lambda K, x: K.greater_equal(x, 0.5),
         lambda x: ops.greater_equal(x, 0.5), "keras.ops.greater_equal", differentiable=False),
    case("less", lambda K, x, y: K.less(x, y), ops.less, "keras.ops.less", "x y",
         differentiable=False),
    case("less_equal", lambda K, x: K.less_equal(x, 0.5), lambda x: ops.less_equal(x, 0.5),
         "keras.ops.less_equal", differentiable=False),
    case("switch", lambda K, m, x, y: K.switch(m, x, y), ops.where, "keras.ops.where",
         "mask x y"),
    case("switch_last_axis", lambda K, r, x, y: K.switch(r, x, y), ops.where,
         "keras.ops.where", "columns x y"),
    case("switch_leading_axes", lambda K, m, c: K.switch(m, c, -c),
         lambda m, c: ops.where(ops.expand_dims(m, -1), c, -c), "keras.ops.where",
         "mask cube"),
    case("sum", lambda K, x: K.sum(x), ops.sum, "keras.ops.sum"),
    case("sum_axis", lambda K, x: K.sum(x, axis=1, keepdims=True),
         lambda x: ops.sum(x, axis=1, keepdims=True), "keras.ops.sum"),
    case("mean", lambda K, x: K.mean(x), ops.mean, "keras.ops.mean"),
    case("mean_axis", lambda K, x: K.mean(x, axis=-1), lambda x: ops.mean(x, axis=-1),
         "keras.ops.mean"),
    case("mean_of_bools", lambda K, m: K.mean(m, axis=-1),
         lambda m: ops.mean(ops.cast(m, "float32"), axis=-1), "keras.ops.mean", "mask",
         differentiable=False),
    case("std", lambda K, x: K.std(x, axis=0), lambda x: ops.std(x, axis=0), "keras.ops.std"),
    case("var", lambda K, x: K.var(x, keepdims=True), lambda x: ops.var(x, keepdims=True),
         "keras.ops.var"),
    case("max", lambda K, x: K.max(x, axis=1), lambda x: ops.max(x, axis=1), "keras.ops.max"),
    case("min", lambda K, x: K.min(x), ops.min, "keras.ops.min"),
    case("prod", lambda K, p: K.prod(p, axis=1), lambda p: ops.prod(p, axis=1),
         "keras.ops.prod", "probs"),
    case("cumsum", lambda K, x: K.cumsum(x), lambda x: ops.cumsum(x, axis=0),
         "keras.ops.cumsum(x, axis=0)"),
    case("cumprod", lambda K, x: K.cumprod(x, axis=1), lambda x: ops.cumprod(x, axis=1),
         "keras.ops.cumprod"),
    case("any", lambda K, m: K.any(m, axis=1), lambda m: ops.any(m, axis=1), "keras.ops.any",
         "mask", differentiable=False),
    case("all", lambda K, m: K.all(m), ops.all, "keras.ops.all", "mask", differentiable=False),
    case("argmax", lambda K, x: K.argmax(x), lambda x: ops.argmax(x, axis=-1),
         "keras.ops.argmax(x, axis=-1)", differentiable=False),
    case("argmin", lambda K, x: K.argmin(x, axis=0), lambda x: ops.argmin(x, axis=0),
         "keras.ops.argmin", differentiable=False),
    case("categorical_crossentropy", lambda K, t, p: K.categorical_crossentropy(t, p),
         ops.categorical_crossentropy, "keras.ops.categorical_crossentropy", "one_hot probs"),
    case("categorical_crossentropy_logits",
         lambda K, t, x: K.categorical_crossentropy(t, x, from_logits=True),
         lambda t, x: ops.categorical_crossentropy(t, x, from_logits=True),
         "keras.ops.categorical_crossentropy", "one_hot x"),
    case("binary_crossentropy", lambda K, t, p: K.binary_crossentropy(t, p),
         ops.binary_crossentropy, "keras.ops.binary_crossentropy", "bits probs"),
    case("binary_crossentropy_logits",
         lambda K, t, x: K.binary_crossentropy(t, x, from_logits=True),
         lambda t, x: ops.binary_crossentropy(t, x, from_logits=True),
         "keras.ops.binary_crossentropy", "bits x"),
    case("reshape", lambda K, x: K.reshape(x, (3, 2)), lambda x: ops.reshape(x, (3, 2)),
         "keras.ops.reshape"),
    case("flatten", lambda K, x: K.flatten(x), lambda x: ops.reshape(x, (-1,)),
         "keras.ops.reshape(x, (-1,))"),
    case("expand_dims", lambda K, x: K.expand_dims(x), lambda x: ops.expand_dims(x, -1),
         "keras.ops.expand_dims"),
    case("squeeze", lambda K, c: K.squeeze(c, 1), lambda c: ops.squeeze(c, axis=1),
         "keras.ops.squeeze", "column"),
    case("transpose", lambda K, x: K.transpose(x), ops.transpose, "keras.ops.transpose"),
    case("stack", lambda K, x, y: K.stack([x, y]), lambda x, y: ops.stack([x, y], axis=0),
         "keras.ops.stack", "x y"),
    case("concatenate", lambda K, x, y: K.concatenate([x, y]),
         lambda x, y: ops.concatenate([x, y], axis=-1), "keras.ops.concatenate", "x y"),
    case("tile", lambda K, x: K.tile(x, (2, 1)), lambda x: ops.tile(x, (2, 1)),
         "keras.ops.tile"),
    case("stop_gradient", lambda K, x: K.stop_gradient(x), ops.stop_gradient,
         "keras.ops.stop_gradient", differentiable=False),
    case("ones_like", lambda K, x: K.ones_like(x), ops.ones_like, "keras.ops.ones_like",
         differentiable=False),
    case("zeros_like", lambda K, x: K.zeros_like(x, dtype="int32"),
         lambda x: ops.zeros_like(x, dtype="int32"), "keras.ops.zeros_like",
         differentiable=False),
    case("one_hot", lambda K, i: K.one_hot(i, 3), lambda i: ops.one_hot(i, 3),
         "keras.ops.one_hot", "labels", differentiable=False),
    case("gather", lambda K, x, i: K.gather(x, i), lambda x, i: ops.take(x, i, axis=0),
         "keras.ops.take", "x picks"),
    case("dot", lambda K, x, c: K.dot(x, c), ops.dot, "keras.ops.dot", "x cube"),
    case("batch_dot", lambda K, x, y: K.batch_dot(x, y, axes=1),
         lambda x, y: ops.sum(x * y, axis=1, keepdims=True), "keras.ops.einsum", "x y"),
    case("batch_dot_of_3d", lambda K, c, t: K.batch_dot(c, t), ops.matmul, "keras.ops.einsum",
         "cube cube_t"),
    case("in_top_k", lambda K, p, i: K.in_top_k(p, i, 2), lambda p, i: ops.in_top_k(i, p, 2),
         "keras.ops.in_top_k", "probs labels", differentiable=False),
]


def keras2_call(keras2, *values):
    """``keras2(K, *values)`` and the DeprecationWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = keras2(K, *values)
    return result, [w for w in caught if w.category is DeprecationWarning]


@pytest.mark.parametrize("keras2, modern, spelling, inputs, differentiable", CASES)
def test_on_arrays_it_warns_on_the_callers_line_and_gives_the_keras_ops_result(
        keras2, modern, spelling, inputs, differentiable):
    arrays = [INPUTS[name] for name in inputs]
    result, caught = keras2_call(keras2, *arrays)
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert spelling in str(caught[0].message)
    assert caught[0].filename == __file__
    expected = modern(*arrays)
    assert np.asarray(result).dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(np.asarray(result), np.asarray(expected), rtol=1e-6)


@pytest.mark.parametrize("keras2, modern, spelling, inputs, differentiable",
                         [c for c in CASES if c.values[-1]])
def test_on_tensors_gradients_flow_as_through_keras_ops(
        keras2, modern, spelling, inputs, differentiable):
    def gradients(function):
        tensors = [Tensor(INPUTS[name].copy(), requires_grad=INPUTS[name].dtype == "float32")
                   for name in inputs]
        out = function(*tensors)
        weights = np.arange(1, out.size + 1, dtype="float32").reshape(out.shape)
        ops.sum(ops.multiply(out, weights)).backward()
        return out, [t.grad for t in tensors if t.requires_grad]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result, grads = gradients(lambda *tensors: keras2(K, *tensors))
    expected, expected_grads = gradients(modern)
    assert isinstance(result, Tensor)
    np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-6)
    assert any(np.any(g != 0) for g in expected_grads)
    for grad, expected_grad in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(np.asarray(grad), np.asarray(expected_grad), rtol=1e-6)


@pytest.mark.parametrize("keras2, modern, spelling, inputs, differentiable", CASES)
def test_on_symbolic_tensors_it_builds_the_keras_ops_graph(
        keras2, modern, spelling, inputs, differentiable):
    arrays = [INPUTS[name] for name in inputs]
    symbolic = [keras.Input(batch_shape=a.shape, dtype=str(a.dtype)) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        out = keras2(K, *symbolic)
    expected = modern(*arrays)
    assert isinstance(out, keras.KerasTensor)
    assert (tuple(out.shape), out.dtype) == (tuple(expected.shape), str(expected.dtype))
    computed = keras.Model(symbolic, out)(arrays)
    np.testing.assert_allclose(np.asarray(computed), np.asarray(expected), rtol=1e-6)


def test_arange_counts_as_keras_2_did():
    with pytest.warns(DeprecationWarning, match="keras.ops.arange"):
        counted = K.arange(5)
    np.testing.assert_array_equal(counted.numpy(), ops.arange(0, 5, 1, dtype="int32").numpy())
    assert counted.dtype == "int32"
    with pytest.warns(DeprecationWarning, match="keras.ops.arange"):
        assert K.arange(-2).shape == (0,)
    with pytest.warns(DeprecationWarning, match="keras.ops.arange"):
        stepped = K.arange(1, 6, 2, dtype="float32")
    np.testing.assert_array_equal(stepped.numpy(), ops.arange(1, 6, 2, dtype="float32").numpy())


def test_stop_gradient_stops_the_gradient_of_one_tensor_or_of_a_list():
    x = Tensor(X.copy(), requires_grad=True)
    with pytest.warns(DeprecationWarning, match="keras.ops.stop_gradient"):
        stopped, also_stopped = K.stop_gradient([x, x])
    ops.sum(stopped * x + also_stopped).backward()
    np.testing.assert_array_equal(x.grad, X)


def test_shape_and_int_shape_give_the_shape_known_so_far():
    with pytest.warns(DeprecationWarning, match="keras.ops.shape"):
        assert K.int_shape(keras.Input((3, 4))) == (None, 3, 4)
    with pytest.warns(DeprecationWarning, match="keras.ops.shape"):
        assert K.shape(X) == (2, 3)


def test_variable_constant_and_set_value_are_keras_variables_and_tensors():
    with pytest.warns(DeprecationWarning, match="keras.Variable"):
        variable = K.variable(X)
    assert isinstance(variable, keras.Variable) and variable.dtype == "float32"
    with pytest.warns(DeprecationWarning, match=r"variable\.assign"):
        K.set_value(variable, Y)
    with pytest.warns(DeprecationWarning, match="keras.ops.convert_to_numpy"):
        value = K.get_value(variable)
    assert isinstance(value, np.ndarray)
    np.testing.assert_array_equal(value, Y)
    with pytest.warns(DeprecationWarning, match="keras.ops.convert_to_tensor"):
        constant = K.constant(2, shape=(2, 3))
    np.testing.assert_array_equal(constant.numpy(), np.full((2, 3), 2.0, dtype="float32"))


def test_keras_3_backend_names_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert K.floatx() == "float32"
        assert K.epsilon() == pytest.approx(1e-7)
        assert K.image_data_format() == "channels_last"


def test_every_keras2_function_is_reached_through_backend_and_checked():
    checked = {name for c in CASES for name in c.values[0].__code__.co_names}
    checked |= {"int_shape", "shape", "variable", "constant", "set_value", "get_value",
                "arange"}
    assert set(keras2_backend.__all__) <= checked
    for name in keras2_backend.__all__:
        assert getattr(K, name) is getattr(keras2_backend, name)
        assert name in dir(K)
    with pytest.raises(AttributeError, match="no attribute 'batch_normalisation'"):
        K.batch_normalisation  # noqa: B018


def _trained(loss, metric):
    """The history and weights of a small regression fit with ``loss`` and ``metric``."""
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.1).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss, metrics=[metric])
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    return history.history, model.get_weights()


def test_a_keras2_custom_loss_and_metric_train_as_the_keras_ops_ones():
    def keras2_loss(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true) + K.abs(y_pred - y_true), axis=-1)

    def keras2_rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true)))

    def modern_loss(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true) + ops.abs(y_pred - y_true), axis=-1)

    def modern_rmse(y_true, y_pred):
        return ops.sqrt(ops.mean(ops.square(y_pred - y_true)))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history, weights = _trained(keras2_loss, keras2_rmse)
    assert {w.filename for w in caught if w.category is DeprecationWarning} == {__file__}
    expected_history, expected_weights = _trained(modern_loss, modern_rmse)
    assert set(history) == {"loss", "keras2_rmse"}
    for key, modern_key in (("loss", "loss"), ("keras2_rmse", "modern_rmse")):
        np.testing.assert_allclose(history[key], expected_history[modern_key], rtol=1e-6)
    assert history["loss"][-1] < history["loss"][0]
    for weight, expected in zip(weights, expected_weights, strict=True):
        np.testing.assert_allclose(weight, expected, rtol=1e-6)


def test_batch_dot_refuses_vectors_and_the_batch_axis_saying_why():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match="rank 2 or more"):
            K.batch_dot(X[0], Y[0])
        with pytest.raises(ValueError, match="batch axis 0"):
            K.batch_dot(X, Y, axes=(0, 1))


def test_the_readme_lists_every_keras2_function():
    readme = (pathlib.Path(__file__).absolute().parents[1] / "README.md").read_text()
    start = readme.index("The `keras.backend` functions that Keras 2's")
    paragraph = readme[start:readme.index("\n\n", start)].replace("\n", " ")
    missing = [name for name in keras2_backend.__all__
               if not any(f"`{spelling}" in paragraph
                          for spelling in (f"{name}`", f"K.{name}`", f"K.{name}("))]
    assert not missing, f"README.md's K.* list lacks {missing}"
