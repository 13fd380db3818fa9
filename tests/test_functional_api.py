"""The functional API as Keras has it: structures, shapes, configs, layer building, checks."""

import json
import warnings

import numpy as np
import pytest
from test_fuzz_layers import LAYER_CLASSES, REQUIRED  # every layer, and how to make one

import minikeras as keras
from minikeras import backend


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# -- structures ------------------------------------------------------------------------


def nested_dict_model():
    a, b, c = keras.Input((2,), name="a"), keras.Input((3,), name="b"), keras.Input((1,), name="c")
    joined = keras.layers.Concatenate()([a, b, c])
    return keras.Model({"a": a, "more": {"b": b, "c": c}}, keras.layers.Dense(1)(joined))


def test_nested_dict_inputs_go_by_their_keys():
    model = nested_dict_model()
    data = {"a": random(4, 2), "more": {"c": random(4, 1, seed=2), "b": random(4, 3, seed=1)}}
    kernel, bias = model.layers[-1].get_weights()
    expected = np.concatenate([data["a"], data["more"]["b"], data["more"]["c"]], 1) @ kernel + bias
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(model(data).numpy(), expected, rtol=1e-5)
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(data, np.ones((4, 1)), verbose=0).history["loss"][0])
    assert list(model.input) == ["a", "more"] and sorted(model.input["more"]) == ["b", "c"]


def test_a_list_for_a_dict_of_inputs_warns_or_is_refused_as_in_keras():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    in_order = keras.Model({"a": a, "b": b}, keras.layers.Subtract()([a, b]))
    with pytest.warns(UserWarning, match="structure of `inputs` doesn't match"):
        out = in_order([np.ones((1, 2)), np.zeros((1, 2))])
    np.testing.assert_array_equal(out.numpy(), [[1.0, 1.0]])  # by position in key order
    out_of_order = keras.Model({"b": b, "a": a}, keras.layers.Subtract()([a, b]))
    with pytest.raises(ValueError, match=r"keys \['b', 'a'\], which are not in sorted order"):
        out_of_order([np.ones((1, 2)), np.zeros((1, 2))])


def test_dict_keys_that_are_not_the_input_names_are_warned_about_as_in_keras():
    features = keras.Input((2,), name="features")
    with pytest.warns(UserWarning, match="Received key 'x' mapping to value .* which has name "
                                         "'features'"):
        model = keras.Model({"x": features}, keras.layers.Dense(1)(features))
    assert model.predict({"x": random(3, 2)}, verbose=0).shape == (3, 1)


class Optional(keras.layers.Layer):
    """x, or x + y when y is given."""

    def call(self, x, y=None):
        return x if y is None else x + y

    def compute_output_shape(self, x_shape):
        return x_shape


def test_an_optional_input_takes_none():
    x, y = keras.Input((2,), name="x"), keras.Input((2,), name="y", optional=True)
    model = keras.Model([x, y], Optional()(x, y))
    np.testing.assert_array_equal(model([np.ones((2, 2)), None]).numpy(), np.ones((2, 2)))
    np.testing.assert_array_equal(model([np.ones((2, 2)), np.ones((2, 2))]).numpy(),
                                  np.full((2, 2), 2.0))
    required = keras.Input((2,), name="required")
    strict = keras.Model([x, required], Optional()(x, required))
    with pytest.raises(ValueError, match="The input 'required' is not optional, but None"):
        strict([np.ones((2, 2)), None])


def test_tuple_outputs_come_back_as_tuples():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, (keras.layers.Dense(1)(inputs), keras.layers.Dense(3)(inputs)))
    for outputs in (model(np.ones((4, 2))), model.predict(np.ones((4, 2)), verbose=0)):
        assert isinstance(outputs, tuple) and [o.shape for o in outputs] == [(4, 1), (4, 3)]
    assert isinstance(model.output, tuple) and isinstance(model.outputs, list)


def test_a_model_from_intermediate_tensors_shares_the_layers():
    inputs = keras.Input((2,))
    first, second = keras.layers.Dense(3, name="first"), keras.layers.Dense(4, name="second")
    full = keras.Model(inputs, second(keras.layers.ReLU()(first(inputs))))
    tail = keras.Model(first.output, second.output)
    assert [layer.name for layer in tail.layers][1:] == ["re_lu", "second"]
    assert tail.input_shape == (None, 3) and tail.get_layer("second") is second
    hidden = random(5, 3)
    kernel, bias = second.get_weights()
    np.testing.assert_allclose(tail.predict(hidden, verbose=0),
                               np.maximum(hidden, 0) @ kernel + bias, rtol=1e-5)
    x = random(5, 2, seed=1)
    np.testing.assert_allclose(full.predict(x, verbose=0),
                               tail.predict(first(x).numpy(), verbose=0), rtol=1e-5)
    rebuilt = keras.Model.from_config(full.get_config())  # the full model's record is intact
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in full.layers]


def test_a_sequential_model_around_a_functional_one_is_built_at_once():
    inputs = keras.Input((3,))
    inner = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    model = keras.Sequential([inner, keras.layers.Dense(1)])
    assert model.built and model.input_shape == (None, 3)
    assert model.count_params() == (3 * 4 + 4) + (4 + 1)


class SumOfTwo(keras.layers.Layer):
    def call(self, inputs):
        return inputs["a"] + inputs["b"]


def test_a_sequential_model_hands_a_dict_to_its_first_layer():
    model = keras.Sequential([SumOfTwo(), keras.layers.Dense(1)])
    data = {"a": random(6, 3), "b": random(6, 3, seed=1)}
    assert model(data).shape == (6, 1)
    assert model.predict(data, verbose=0).shape == (6, 1)
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(data, np.ones((6, 1)), verbose=0).history["loss"][0])


# -- shapes ----------------------------------------------------------------------------


def test_numpy_integers_are_shapes_everywhere():
    image_shape = (4, 2)
    inputs = keras.Input(shape=(np.prod(image_shape),))
    assert inputs.shape == (None, 8) and type(inputs.shape[1]) is int
    reshape = keras.layers.Reshape((np.int64(4), 2))
    assert reshape(inputs).shape == (None, 4, 2)
    assert json.dumps(reshape.get_config()["target_shape"]) == "[4, 2]"
    first = keras.layers.Dense(2, input_shape=(np.int32(8),))
    assert keras.Sequential([first]).input_shape == (None, 8)
    deferred = keras.Sequential([keras.layers.Dense(2)])
    deferred.build((None, np.int64(5)))
    assert deferred.input_shape == (None, 5)


def test_a_fixed_batch_size_model_takes_any_number_of_rows():
    inputs = keras.Input((3,), batch_size=4)
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    assert model.input_shape == (4, 3)
    assert model.predict(random(10, 3), verbose=0).shape == (10, 2)
    assert model.predict(random(10, 3), batch_size=4, verbose=0).shape == (10, 2)
    model.compile("sgd", "mse")
    model.fit(random(10, 3), random(10, 2), batch_size=4, verbose=0)
    assert model(random(5, 3)).shape == (5, 2)


def test_a_deferred_sequential_model_takes_other_sizes_its_layers_allow():
    model = keras.Sequential([keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
    assert model.predict(random(4, 5, 5, 3), verbose=0).shape == (4, 2)
    assert model.predict(random(4, 7, 7, 3), verbose=0).shape == (4, 2)
    with pytest.raises(ValueError, match="value 3"):  # Dense still checks what it needs
        model.predict(random(4, 5, 5, 2), verbose=0)
    declared = keras.Sequential([keras.Input((5, 5, 3)), keras.layers.GlobalAveragePooling2D()])
    with pytest.raises(ValueError, match=r"expected shape \(None, 5, 5, 3\)"):
        declared.predict(random(4, 7, 7, 3), verbose=0)


# -- custom layers without get_config ----------------------------------------------------


@keras.saving.register_keras_serializable(package="FunctionalApiTest")
class Affine(keras.layers.Layer):
    """x * scale + shift: a custom layer that writes no get_config."""

    def __init__(self, scale=2.0, shift=0, mode="affine", **kwargs):
        super().__init__(**kwargs)
        self.scale, self.shift, self.mode = scale, shift, mode

    def call(self, x):
        return x * self.scale + self.shift


def test_a_custom_layer_without_get_config_saves_its_constructor_arguments(tmp_path):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(Affine(3.0, shift=1, name="affine")(inputs)))
    assert model.get_layer("affine").get_config() == {
        "name": "affine", "scale": 3.0, "shift": 1, "mode": "affine", "trainable": True,
        "dtype": "float32"}
    path = str(tmp_path / "custom.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.get_layer("affine")
    assert (layer.scale, layer.shift, layer.mode) == (3.0, 1, "affine")
    x = random(4, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


class HoldsAnArray(keras.layers.Layer):
    def __init__(self, table, **kwargs):
        super().__init__(**kwargs)
        self.table = table


def test_a_custom_layer_with_other_arguments_must_write_its_config():
    with pytest.raises(NotImplementedError, match="Implement get_config"):
        HoldsAnArray(np.ones(3)).get_config()


# -- layer building --------------------------------------------------------------------


def test_layers_without_weights_run_a_subclass_build():
    class ScaledReLU(keras.layers.ReLU):
        def build(self, input_shape):
            self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

        def call(self, x):
            return super().call(x) * self.gain

    assert keras.layers.ReLU().built and keras.layers.Flatten().built
    layer = ScaledReLU()
    assert not layer.built
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layer(inputs))
    assert layer.built and [w.shape for w in model.weights] == [(3,)]
    np.testing.assert_array_equal(model.predict(np.array([[-1.0, 0.5, 2.0]]), verbose=0),
                                  [[0.0, 0.5, 2.0]])


@pytest.mark.parametrize("cls", [cls for cls in LAYER_CLASSES if cls.__name__ != "InputLayer"],
                         ids=lambda cls: cls.__name__)
def test_every_layer_class_leaves_a_subclass_build_to_the_first_call(cls):
    subclass = type(f"Own{cls.__name__}", (cls,), {"build": lambda self, input_shape: None})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = subclass(**REQUIRED.get(cls.__name__, {}))
    assert not layer.built


class Counting(keras.layers.Layer):
    """Counts its calls; says its output shape, so building a model needs no call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def call(self, x):
        self.calls += 1
        return x * 2.0

    def compute_output_shape(self, input_shape):
        return input_shape


class CountingWithSpec(Counting):
    compute_output_shape = keras.layers.Layer.compute_output_shape

    def compute_output_spec(self, x):
        return keras.KerasTensor(x.shape, x.dtype)


@pytest.mark.parametrize("cls", [Counting, CountingWithSpec])
def test_a_layer_sees_one_call_per_batch_and_none_to_infer_shapes(cls):
    layer = cls()
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    assert layer.calls == 0
    model.summary(print_fn=lambda *_: None)
    x, y = random(10, 3), random(10, 1)
    model.predict(x, batch_size=5, verbose=0)
    assert layer.calls == 2
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=5, verbose=0)
    assert layer.calls == 4
    model.evaluate(x, y, batch_size=5, verbose=0)
    assert layer.calls == 6


# -- Keras 2 configs -------------------------------------------------------------------

# What model.to_json() of tf.keras 2 before 2.13 wrote: no "module" keys, calls as
# [[layer name, node index, tensor index, kwargs]], batch_input_shape.
KERAS2_JSON = json.dumps({
    "class_name": "Functional", "keras_version": "2.11.0", "backend": "tensorflow",
    "config": {
        "name": "model", "trainable": True,
        "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "x"}},
            {"class_name": "Dense", "name": "hidden", "inbound_nodes": [[["x", 0, 0, {}]]],
             "config": {"name": "hidden", "trainable": True, "dtype": "float32", "units": 4,
                        "activation": "relu", "use_bias": True,
                        "kernel_initializer": {"class_name": "GlorotUniform",
                                               "config": {"seed": None}},
                        "bias_initializer": {"class_name": "Zeros", "config": {}},
                        "kernel_regularizer": None, "bias_regularizer": None,
                        "activity_regularizer": None, "kernel_constraint": None,
                        "bias_constraint": None}},
            {"class_name": "Dropout", "name": "drop",
             "inbound_nodes": [[["hidden", 0, 0, {"training": False}]]],
             "config": {"name": "drop", "trainable": True, "dtype": "float32", "rate": 0.5,
                        "noise_shape": None, "seed": None}},
            {"class_name": "Concatenate", "name": "joined",
             "inbound_nodes": [[["drop", 0, 0, {}], ["x", 0, 0, {}]]],
             "config": {"name": "joined", "trainable": True, "dtype": "float32", "axis": -1}},
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["joined", 0, 0]]}})


def test_keras2_json_loads_with_model_from_json_and_from_config():
    for model in (keras.models.model_from_json(KERAS2_JSON),
                  keras.Model.from_config(json.loads(KERAS2_JSON)["config"])):
        assert [layer.name for layer in model.layers] == ["x", "hidden", "drop", "joined"]
        kernel, bias = model.get_layer("hidden").get_weights()
        x = random(5, 3)
        expected = np.concatenate([np.maximum(x @ kernel + bias, 0), x], axis=1)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)


# -- checks Keras makes --------------------------------------------------------------------


def test_input_layer_input_shape_is_deprecated_with_keras_warning():
    with pytest.warns(UserWarning, match=r"Argument `input_shape` is deprecated. Use `shape`"):
        layer = keras.layers.InputLayer(input_shape=(3,))
    assert layer.batch_shape == (None, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.layers.InputLayer(shape=(3,))


@pytest.mark.parametrize(("argument", "value"), [
    ("shape", (4,)), ("batch_size", 8), ("batch_shape", (None, 4)), ("dtype", "int32")])
def test_input_refuses_arguments_that_contradict_its_tensor(argument, value):
    tensor = keras.Input((3,))
    with pytest.raises(ValueError, match=f"cannot provide an incompatible `{argument}`"):
        keras.Input(tensor=tensor, **{argument: value})
    assert keras.Input(tensor=tensor, shape=(3,), dtype="float32").shape == (None, 3)
