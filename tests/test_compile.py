"""compile's arguments as Keras reads them: loss and metric names, custom objects, structures."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, ops


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


@pytest.fixture
def custom_objects():
    """keras.utils.get_custom_objects(), emptied of what a test registers in it."""
    registered = keras.utils.get_custom_objects()
    before = dict(registered)
    yield registered
    registered.clear()
    registered.update(before)


def linear(inputs=3, outputs=1):
    return keras.Sequential([keras.Input(shape=(inputs,)), keras.layers.Dense(outputs)])


def regression_data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32") + 0.3)


def doubled_squared_error(y_true, y_pred):
    return 2.0 * ops.mean(ops.square(y_true - y_pred), axis=-1)


def absolute_error_sum(y_true, y_pred):
    return ops.sum(ops.abs(y_true - y_pred), axis=-1)


# -- names --------------------------------------------------------------------------


def test_a_loss_name_compiles_to_its_per_sample_function_reduced_by_a_wrapper():
    model = linear()
    model.compile("sgd", loss="mse")
    x, y = regression_data()
    model.evaluate(x, y, verbose=0)
    (entry,) = model._compile_loss.entries
    loss = entry.loss
    assert isinstance(loss, keras.losses.LossFunctionWrapper) and loss.name == "mse"
    assert loss.fn is keras.losses.mean_squared_error


def test_custom_objects_registered_as_in_keras_2_tutorials_are_found_by_compile_and_load(
        custom_objects, tmp_path):
    custom_objects.update({"doubled_squared_error": doubled_squared_error,
                           "absolute_error_sum": absolute_error_sum})
    assert keras.utils.get_custom_objects() is keras.saving.get_custom_objects()
    model = linear()
    model.compile("sgd", loss="doubled_squared_error", metrics=["absolute_error_sum"])
    x, y = regression_data()
    history = model.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["absolute_error_sum", "loss"]
    prediction = model.predict(x, verbose=0)
    expected_loss = 2.0 * np.mean((y - prediction) ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, return_dict=True)["loss"],
                               expected_loss, rtol=1e-5)

    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-6)
    del custom_objects["doubled_squared_error"]
    with pytest.raises(ValueError, match="doubled_squared_error"):
        keras.models.load_model(tmp_path / "model.keras")


def test_a_custom_object_scope_is_honoured_by_compile():
    model = linear()
    x, y = regression_data()
    with keras.utils.custom_object_scope({"my_loss": doubled_squared_error}):
        model.compile("sgd", loss="my_loss")
        model.evaluate(x, y, verbose=0)
    assert model._compile_loss.entries[0].loss.fn is doubled_squared_error


# -- structures ---------------------------------------------------------------------


class TwoHeads(keras.Model):
    """A subclassed model returning {"a": (batch, 2), "more": {"b": (batch, 1)}}."""

    def __init__(self):
        super().__init__()
        self.head_a = keras.layers.Dense(2)
        self.head_b = keras.layers.Dense(1)

    def call(self, x):
        return {"a": self.head_a(x), "more": {"b": self.head_b(x)}}


def _mse(y, p):
    return float(np.mean((y - p) ** 2))


def _mae(y, p):
    return float(np.mean(np.abs(y - p)))


def test_a_nest_of_losses_with_a_nest_of_weights_adds_each_weighted_loss():
    x, _ = regression_data()
    rng = np.random.default_rng(1)
    y = {"a": rng.standard_normal((32, 2)).astype("float32"),
         "more": {"b": rng.standard_normal((32, 1)).astype("float32")}}
    model = TwoHeads()
    model.compile("sgd", loss={"a": ["mse", "mae"], "more": {"b": "mae"}},
                  loss_weights={"a": [1.0, 0.5], "more": {"b": 2.0}},
                  metrics={"a": ["mae"], "more": {"b": None}})
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    expected = _mse(y["a"], p["a"]) + 0.5 * _mae(y["a"], p["a"]) + 2.0 * _mae(
        y["more"]["b"], p["more"]["b"])
    assert sorted(logs) == ["a_loss", "loss", "mae", "more/b_loss"]
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)
    # Keras names each loss's tracker by its path; two losses of one output share a name,
    # and the last one's value is what the logs show.
    np.testing.assert_allclose(logs["a_loss"], _mae(y["a"], p["a"]), rtol=1e-5)
    np.testing.assert_allclose(logs["more/b_loss"], _mae(y["more"]["b"], p["more"]["b"]),
                               rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], _mae(y["a"], p["a"]), rtol=1e-5)


def test_several_losses_for_a_single_output_are_all_added():
    """Keras 3.15 computes only the first of them for a model with one output (its fast path
    drops the rest); minikeras adds them all, as Keras does for any output of several."""
    x, y = regression_data()
    model = linear()
    model.compile("sgd", loss=["mse", "mae"], loss_weights=[1.0, 3.0])
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["loss"], _mse(y, p) + 3.0 * _mae(y, p), rtol=1e-5)
    assert sorted(logs) == ["loss", "mae_loss", "mse_loss"]


def test_a_dict_of_losses_for_a_list_of_outputs_may_leave_outputs_out():
    """Keras 3.15 wants every output named in such a dict; minikeras, as Keras 2, lets the
    outputs left out go without a loss."""
    inputs = keras.Input((3,))
    model = keras.Model(inputs, [keras.layers.Dense(2, name="a")(inputs),
                                 keras.layers.Dense(1, name="b")(inputs)])
    model.compile("sgd", loss={"b": "mae"}, metrics={"a": ["mse"]})
    x, y = regression_data()
    y_a = np.zeros((32, 2), dtype="float32")
    logs = model.evaluate(x, [y_a, y], verbose=0, batch_size=32, return_dict=True)
    p_a, p_b = model.predict(x, verbose=0)
    assert sorted(logs) == ["a_mse", "loss"]
    np.testing.assert_allclose(logs["loss"], _mae(y, p_b), rtol=1e-5)
    np.testing.assert_allclose(logs["a_mse"], _mse(y_a, p_a), rtol=1e-5)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"loss": ["mse", "mae", "mse"]},
     r"`loss` does not match the model's outputs there: the model has 2 output\(s\) "
     r"\['a', 'b'\]"),
    ({"loss": {"a": "mse", "c": "mae"}},
     r"`loss` names \['c'\], which are not outputs of the model; its outputs are \['a', 'b'\]"),
    ({"loss": "mse", "loss_weights": [1.0, 2.0, 3.0]},
     r"`loss_weights` must match the number of losses, got 2 losses and 3 weights"),
    ({"loss": "mse", "loss_weights": ["high", 1.0]},
     r"`loss_weights` must hold numbers \(or None\), got 'high'"),
    ({"loss": "mse", "metrics": ["mae"]},
     r"Invalid `metrics` for a model with 2 outputs: give a list with one entry"),
])
def test_structures_that_fit_no_output_say_what_the_outputs_are(arguments, message):
    inputs = keras.Input((3,))
    model = keras.Model(inputs, [keras.layers.Dense(2, name="a")(inputs),
                                 keras.layers.Dense(1, name="b")(inputs)])
    model.compile("sgd", **arguments)
    x, y = regression_data()
    with pytest.raises(ValueError, match=message):
        model.fit(x, [np.zeros((32, 2), dtype="float32"), y], verbose=0)


def test_compiling_again_without_a_loss_or_metrics_keeps_those_compiled_before():
    """As Keras 3: a new optimizer for fine-tuning keeps the loss and metrics."""
    model = linear()
    model.compile("sgd", loss="mae", metrics=["mse"])
    model.compile(keras.optimizers.Adam(1e-3))
    x, y = regression_data()
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert sorted(logs) == ["loss", "mse"]
    np.testing.assert_allclose(logs["loss"], _mae(y, p), rtol=1e-5)
    assert isinstance(model.optimizer, keras.optimizers.Adam) and model.loss == "mae"
    model.compile("sgd", loss="mse", metrics=[])
    assert sorted(model.evaluate(x, y, verbose=0, return_dict=True)) == ["loss"]


def test_one_sample_weight_array_weighs_every_output_of_a_nest():
    x, _ = regression_data()
    rng = np.random.default_rng(1)
    y = {"a": rng.standard_normal((32, 2)).astype("float32"),
         "more": {"b": rng.standard_normal((32, 1)).astype("float32")}}
    weights = np.linspace(0.0, 2.0, 32).astype("float32")
    model = TwoHeads()
    model.compile("sgd", loss="mae")
    logs = model.evaluate(x, y, sample_weight=weights, batch_size=32, verbose=0,
                          return_dict=True)
    p = model.predict(x, verbose=0)

    def weighted_mae(t, q):
        return float(np.mean(np.mean(np.abs(t - q), axis=-1) * weights))

    np.testing.assert_allclose(logs["more/b_loss"], weighted_mae(y["more"]["b"], p["more"]["b"]),
                               rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], weighted_mae(y["a"], p["a"]) + weighted_mae(
        y["more"]["b"], p["more"]["b"]), rtol=1e-5)


def test_targets_keyed_by_names_that_are_not_outputs_are_refused_naming_the_outputs():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, {"out_a": keras.layers.Dense(2)(inputs),
                                 "out_b": keras.layers.Dense(1)(inputs)})
    model.compile("sgd", "mse")
    x, y = regression_data()
    with pytest.raises(ValueError, match=r"fit: `y` has keys \['wrong'\] that are not model "
                                         r"outputs; the outputs are \['out_a', 'out_b'\]"):
        model.fit(x, {"wrong": np.zeros((32, 2)), "out_b": y}, verbose=0)
