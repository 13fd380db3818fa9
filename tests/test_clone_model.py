"""keras.models.clone_model (the same operations in tf.keras are compared in
parity_tests/test_clone_model_parity.py)."""

import numpy as np
import pytest

import minikeras as keras

X = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")


def functional():
    inputs = keras.Input((3,), name="x")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    shared = keras.layers.Dense(5, name="shared")
    outputs = keras.layers.Dense(2, name="out")(shared(shared(hidden)) + 1.0)
    return keras.Model(inputs, outputs, name="net")


def sequential():
    return keras.Sequential([keras.Input((3,), name="x"), keras.layers.Dense(4, name="a"),
                             keras.layers.Dropout(0.5), keras.layers.Dense(1, name="b")],
                            name="seq")


@pytest.mark.parametrize("build", [functional, sequential])
def test_a_clone_has_the_architecture_and_new_weights(build):
    model = build()
    copy = keras.models.clone_model(model)
    assert type(copy) is type(model) and copy.name == model.name
    assert [layer.name for layer in copy.layers] == [layer.name for layer in model.layers]
    assert not {id(w) for w in copy.weights} & {id(w) for w in model.weights}
    assert [w.shape for w in copy.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(copy.get_weights()[0], model.get_weights()[0])
    copy.set_weights(model.get_weights())
    np.testing.assert_allclose(copy.predict(X, verbose=0), model.predict(X, verbose=0))


def test_a_layer_shared_by_two_calls_stays_shared_in_the_clone():
    copy = keras.models.clone_model(functional())
    assert len(copy.weights) == 6  # hidden, shared (once), out: a kernel and a bias each


def test_clone_function_can_share_or_replace_layers():
    model = functional()

    def keep_hidden(layer):
        if layer.name == "hidden":
            return layer
        return layer.__class__.from_config(layer.get_config())

    copy = keras.models.clone_model(model, clone_function=keep_hidden)
    assert copy.get_layer("hidden") is model.get_layer("hidden")
    assert copy.get_layer("out") is not model.get_layer("out")


def test_call_function_adds_layers_around_calls():
    def call_function(layer, *args, **kwargs):
        outputs = layer(*args, **kwargs)
        if layer.name == "hidden":
            return keras.layers.Dropout(0.5, name="added")(outputs)
        return outputs

    copy = keras.models.clone_model(functional(), call_function=call_function)
    assert "added" in [layer.name for layer in copy.layers]


def test_input_tensors_build_the_clone_on_them():
    inputs = keras.Input((3,), name="given")
    copy = keras.models.clone_model(functional(), input_tensors=inputs)
    assert copy.inputs[0] is inputs
    sequential_copy = keras.models.clone_model(sequential(), input_tensors=[inputs])
    assert sequential_copy.predict(X, verbose=0).shape == (4, 1)


def test_a_compiled_model_is_cloned_compiled_with_its_own_optimizer():
    model = sequential()
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    copy = keras.models.clone_model(model)
    assert copy.compiled and copy.optimizer is not model.optimizer
    assert float(copy.optimizer.learning_rate) == pytest.approx(0.01)
    copy.fit(X, X[:, :1], verbose=0)


def test_recursive_clones_nested_models_with_clone_model():
    inner = sequential()
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inner(inputs)))
    seen = []

    def record(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    keras.models.clone_model(model, clone_function=record, recursive=True)
    assert {"a", "b"} <= set(seen) and "seq" not in seen
    seen.clear()
    keras.models.clone_model(model, clone_function=record)
    assert "seq" in seen and "a" not in seen


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"call_function": lambda layer, *a, **k: layer(*a, **k)}, "not supported with Sequential"),
    ({"input_tensors": [keras.Input((3,)), keras.Input((3,))]}, "a single tensor"),
    ({"input_tensors": np.zeros((1, 3))}, "must be a KerasTensor"),
    ({"clone_function": 3}, "to be a callable"),
    ({"unknown": 1}, "Unexpected keyword argument"),
])
def test_bad_arguments_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.models.clone_model(sequential(), **kwargs)
