"""Operators and keras.ops functions on KerasTensors: graph nodes that run, train, save."""


import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, ops
from minikeras.autograd import gradcheck
from minikeras.ops.function_operations import public_functions
from minikeras.ops.keras_op_table import NOT_OPERATIONS
from minikeras.ops.symbolic import KerasTensor, Operation


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def test_every_public_function_of_ops_accepts_keras_tensors():
    names = sorted(public_functions(vars(ops)))
    assert {"add", "mean", "concatenate", "getitem", "relu"} <= set(names)
    for name in names:
        if name not in NOT_OPERATIONS:
            assert hasattr(getattr(ops, name), "__wrapped__"), (
                f"ops.{name} was imported after the lines at the end of ops/__init__.py that "
                "make functions accept KerasTensors")
    image_names = sorted(public_functions(vars(ops.image), defined_in=ops.image.__name__))
    assert "resize" in image_names
    for name in image_names:
        assert hasattr(getattr(ops.image, name), "__wrapped__"), f"ops.image.{name}"


# Each operator of the issue, with what it computes on an array (NumPy is the oracle).
OPERATORS = {
    "a + b": (lambda a, b: a + b, "Add"),
    "x * 0.5": (lambda a, b: a * 0.5, "Multiply"),
    "0.5 * x": (lambda a, b: 0.5 * a, "Multiply"),
    "-x": (lambda a, b: -a, "Negative"),
    "x ** 2": (lambda a, b: a ** 2, "Power"),
    "2 - x": (lambda a, b: 2 - a, "Subtract"),
    "x / b": (lambda a, b: a / (b * b + 1), "TrueDivide"),
    "abs": (lambda a, b: abs(a), "Absolute"),
    "x @ w": (lambda a, b: a @ np.arange(12, dtype="float32").reshape(3, 4), "Matmul"),
    "x[:, 0]": (lambda a, b: a[:, 0], "GetItem"),
    "x[..., None]": (lambda a, b: a[..., None], "GetItem"),
    "x[:, 1:3]": (lambda a, b: a[:, 1:3], "GetItem"),
    "x > 0.5": (lambda a, b: a > 0.5, "Greater"),
    "x <= b": (lambda a, b: a <= b, "LessEqual"),
    "x != b": (lambda a, b: a != b, "NotEqual"),
}


@pytest.mark.parametrize("expression", sorted(OPERATORS))
def test_an_operator_on_keras_tensors_records_a_node_that_computes_it(expression):
    fn, class_name = OPERATORS[expression]
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    out = fn(a, b)
    assert isinstance(out, KerasTensor)
    assert type(out.node.operation).__name__ == class_name
    xa, xb = random(5, 3), random(5, 3, seed=1)
    expected = fn(xa, xb)
    assert out.shape == (None, *expected.shape[1:])
    assert out.dtype == expected.dtype.name
    model = keras.Model([a, b], out)
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected, rtol=1e-6)


def test_keras_ops_functions_record_nodes_with_their_settings():
    x = keras.Input((4, 3))
    mean = ops.mean(x, axis=1)
    joined = ops.concatenate([mean, ops.max(x, axis=1)], axis=-1)
    assert mean.shape == (None, 3) and joined.shape == (None, 6)
    operation = mean.node.operation
    assert type(operation).__name__ == "Mean" and isinstance(operation, Operation)
    assert operation.get_config() == {"name": "mean", "axis": 1, "keepdims": False}
    assert joined.node.operation.get_config() == {"name": "concatenate", "axis": -1}
    data = random(2, 4, 3)
    model = keras.Model(x, joined)
    expected = np.concatenate([data.mean(axis=1), data.max(axis=1)], axis=-1)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-6)


def test_unknown_sizes_stay_unknown_and_known_ones_are_inferred():
    x = keras.Input((None, 6))  # a batch of sequences of any length
    assert ops.reshape(x, (-1, 2, 3)).shape == (None, 2, 3)
    assert x[:, :2].shape == (None, 2, 6)
    assert x[:, 0].shape == (None, 6)
    assert ops.sum(x, axis=1).shape == (None, 6)
    assert ops.transpose(x, (0, 2, 1)).shape == (None, 6, None)
    assert (x + np.ones(6, "float32")).shape == (None, None, 6)
    assert ops.cast(x > 0, "int32").dtype == "int32"


def test_plain_value_functions_give_values_not_nodes():
    x = keras.Input((5,))
    assert ops.shape(x) == (None, 5)
    assert not x.node.operation._inbound_nodes[1:]


def test_a_keras_tensor_refuses_to_be_a_number():
    x = keras.Input((2,))
    for convert, error in [(np.asarray, ValueError), (float, ValueError), (bool, TypeError),
                           (list, NotImplementedError)]:
        with pytest.raises(error, match="symbolic|iterating|Iterating"):
            convert(x)


def test_numpy_arrays_on_the_left_hand_over_to_the_keras_tensor():
    x = keras.Input((3,))
    out = np.array([1.0, 2.0, 3.0], dtype="float32") * x
    assert isinstance(out, KerasTensor) and type(out.node.operation).__name__ == "Multiply"


def ops_model():
    """A functional model whose Dense layers are joined by operators and keras.ops calls."""
    inputs = keras.Input((3,), name="x")
    hidden = keras.layers.Dense(4, name="hidden")(inputs)
    x = ops.tanh(hidden) * 0.5 + inputs[:, :1] ** 2
    x = ops.concatenate([x, -x[..., ::2]], axis=-1)
    return keras.Model(inputs, keras.layers.Dense(2, name="head")(ops.mean(x[..., None], axis=-1)))


def test_gradients_flow_through_operation_nodes_as_finite_differences_say():
    with backend.floatx_scope("float64"):
        model = ops_model()
        gradcheck(lambda x: model(x), random(4, 3).astype("float64"))
        hidden = model.get_layer("hidden")
        gradcheck(lambda kernel: model(random(4, 3).astype("float64")), hidden.kernel)


def test_a_model_with_operation_nodes_trains():
    model = ops_model()
    model.compile(optimizer=keras.optimizers.SGD(0.02), loss="mse")
    x, y = random(64, 3), random(64, 2, seed=1)
    before = model.get_layer("hidden").get_weights()[0].copy()
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    assert not np.allclose(model.get_layer("hidden").get_weights()[0], before)


def test_operations_are_summarised_but_are_not_layers():
    model = ops_model()
    assert [layer.name for layer in model.layers] == ["x", "hidden", "head"]
    printed = []
    model.summary(print_fn=printed.append)
    text = printed[0]
    for row in ("tanh (Tanh)", "multiply (Multiply)", "get_item (GetItem)", "mean (Mean)"):
        assert row in text
    assert "Total params: 30" in text  # (3 * 4 + 4) + (6 * 2 + 2)


def test_a_model_with_operation_nodes_saves_and_reloads(tmp_path):
    model = ops_model()
    path = str(tmp_path / "ops.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    data = random(6, 3)
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    rebuilt = keras.Model.from_config(model.get_config())
    assert [type(op).__name__ for op in rebuilt._graph.operations] == [
        type(op).__name__ for op in model._graph.operations]


def test_a_file_naming_an_unknown_operation_says_so():
    config = ops_model().get_config()
    config["layers"][2]["class_name"] = "NoSuchOp"
    with pytest.raises(ValueError, match="NoSuchOp"):
        keras.Model.from_config(config)


def test_a_setting_minikeras_lacks_is_dropped_only_when_it_asks_for_nothing():
    from minikeras.ops.function_operations import operation_class_named

    mean = operation_class_named("Mean")
    assert mean(axis=1, keepdims=False, new_setting=None).get_config() == {
        "name": "mean", "axis": 1, "keepdims": False}
    assert "new_setting" not in mean(axis=1, new_setting=False).get_config()
    with pytest.raises(TypeError, match=r"minikeras does not support: \['new_setting'\]"):
        mean(axis=1, new_setting=0)


def test_constants_in_operation_nodes_are_saved_with_the_model(tmp_path):
    x = keras.Input((3,))
    offset = ops.convert_to_tensor(np.array([1.0, 2.0, 3.0], dtype="float32"))
    out = (x + offset) * np.array([0.5, 1.0, 2.0], dtype="float32")
    model = keras.Model(x, x[:, 1:2] + out[..., ::2])
    path = str(tmp_path / "constants.keras")
    model.save(path)
    data = random(4, 3)
    expected = data[:, 1:2] + ((data + [1.0, 2.0, 3.0]) * [0.5, 1.0, 2.0])[..., ::2]
    np.testing.assert_allclose(keras.models.load_model(path).predict(data, verbose=0), expected,
                               rtol=1e-6)


def test_is_keras_tensor_tells_symbolic_tensors_from_values():
    inputs = keras.Input((3,))
    for symbolic in (inputs, keras.layers.Dense(2)(inputs), ops.mean(inputs, axis=1)):
        assert keras.utils.is_keras_tensor(symbolic)
        assert keras.backend.is_keras_tensor(symbolic)
    for value in (np.ones(3), ops.convert_to_tensor(np.ones(3)), 1.0, [inputs]):
        assert not keras.utils.is_keras_tensor(value)
