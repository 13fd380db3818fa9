"""Saving and loading: the .keras layout, weights files, custom objects, safety, atomic writes."""

import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import backend
from minikeras.saving import saving_lib


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def random(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def small_sequential():
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="relu"),
                             keras.layers.Activation("tanh"), keras.layers.Dense(2, name="out")])


def read_archive(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
        weights = archive.read("model.weights.h5")
    layout = {}

    def record(name, obj):
        layout[name] = obj.shape if isinstance(obj, h5py.Dataset) else dict(obj.attrs)

    with h5py.File(io.BytesIO(weights), "r") as store:
        store.visititems(record)
    return names, config, metadata, layout


def test_a_keras_file_holds_keras_config_and_weight_layout(tmp_path):
    model = small_sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    names, config, metadata, layout = read_archive(path)
    assert sorted(names) == ["config.json", "metadata.json", "model.weights.h5"]
    assert "keras_version" in metadata
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    layers = config["config"]["layers"]
    assert [layer["class_name"] for layer in layers] == ["InputLayer", "Dense", "Activation",
                                                         "Dense"]
    assert layers[1]["module"] == "keras.layers" and layers[1]["config"]["units"] == 3
    assert config["build_config"] == {"input_shape": [None, 4]}
    # Groups are named by class and position, not by the layer's own name ("out").
    assert layout["layers/dense/vars"] == {"name": "dense"}
    assert layout["layers/dense/vars/0"] == (4, 3) and layout["layers/dense/vars/1"] == (3,)
    assert layout["layers/dense_1/vars"] == {"name": "out"}
    assert layout["layers/dense_1/vars/0"] == (3, 2)
    assert layout["layers/activation/vars"] == {"name": "activation"}
    assert layout["vars"] == {"name": "sequential"}


def test_a_saved_model_loads_with_the_same_architecture_and_predictions(tmp_path):
    model = small_sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Activation", "Dense"]
    assert loaded.get_layer("out").units == 2
    data = random(5, 4)
    np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                  model.predict(data, verbose=0))


def test_a_functional_model_with_dict_inputs_round_trips(tmp_path):
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(3,), name="b")
    out = keras.layers.Dense(1, name="score")(keras.layers.Dense(2)(b))
    model = keras.Model({"a": a, "b": b}, {"score": out, "copy": keras.layers.Dense(2)(a)})
    model.save(tmp_path / "f.keras")
    loaded = keras.saving.load_model(tmp_path / "f.keras")
    data = {"a": random(3, 2), "b": random(3, 3, seed=1)}
    expected, actual = model.predict(data, verbose=0), loaded.predict(data, verbose=0)
    assert sorted(actual) == ["copy", "score"]
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key])


@keras.saving.register_keras_serializable(package="tests")
class Scale(keras.layers.Layer):
    """A custom layer with a weight and a constructor argument."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gain")

    def call(self, inputs):
        return inputs * self.gain * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(Scale):
    pass


def test_registered_custom_layers_round_trip(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), Scale(3.0), keras.layers.Dense(2)])
    model.layers[0].gain.assign(np.array([1.0, 2.0, 3.0]))
    model.save(tmp_path / "c.keras")
    _, config, _, _ = read_archive(tmp_path / "c.keras")
    assert config["config"]["layers"][1]["registered_name"] == "tests>Scale"
    loaded = keras.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[0].factor == 3.0
    np.testing.assert_array_equal(loaded.layers[0].gain.numpy(), [1.0, 2.0, 3.0])


def test_unknown_classes_need_custom_objects(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), Unregistered(), keras.layers.Dense(2)])
    model.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match="Unknown class 'Unregistered'.*custom_objects"):
        keras.models.load_model(tmp_path / "u.keras")
    loaded = keras.models.load_model(tmp_path / "u.keras",
                                     custom_objects={"Unregistered": Unregistered})
    assert isinstance(loaded.layers[0], Unregistered)


class TwoLayers(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.first = keras.layers.Dense(units, activation="relu")
        self.second = keras.layers.Dense(1)

    def call(self, inputs):
        return self.second(self.first(inputs))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_a_subclassed_model_round_trips_through_its_build_config(tmp_path):
    model = TwoLayers(units=5)
    data = random(4, 6)
    expected = model.predict(data, verbose=0)
    model.save(tmp_path / "s.keras")
    names, config, _, layout = read_archive(tmp_path / "s.keras")
    assert config["build_config"] == {"input_shape": [4, 6]}
    assert layout["first/vars/0"] == (6, 5) and layout["second/vars/0"] == (5, 1)
    loaded = keras.models.load_model(tmp_path / "s.keras", custom_objects={"TwoLayers": TwoLayers})
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), expected)


def test_weights_files_round_trip_and_check_before_assigning(tmp_path):
    model, other = small_sequential(), small_sequential()
    model.save_weights(tmp_path / "w.weights.h5")
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    wider = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(5),
                              keras.layers.Activation("tanh"), keras.layers.Dense(2)])
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"(?s)no weight was changed.*'layers/dense'.*\(4, 5\).*"
                                         r"\(4, 3\)"):
        wider.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(before, wider.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_load_from_a_whole_model_file(tmp_path):
    model, other = small_sequential(), small_sequential()
    model.save(tmp_path / "m.keras")
    other.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(other.layers[-1].kernel.numpy(),
                                  model.layers[-1].kernel.numpy())


@pytest.mark.parametrize(("save", "message"), [
    (lambda m, p: m.save(p / "model.tf"), "Invalid filepath extension for saving"),
    (lambda m, p: m.save_weights(p / "model.keras"), "must end in"),
])
def test_wrong_extensions_are_refused(save, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        save(small_sequential(), tmp_path)


def test_saved_files_get_the_usual_permissions(tmp_path):
    path = tmp_path / "model.keras"
    small_sequential().save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_a_crash_while_saving_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.keras"
    small_sequential().save(path)
    good = path.read_bytes()

    def crash(model, store):
        raise RuntimeError("disk full")

    monkeypatch.setattr(saving_lib, "save_state", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        small_sequential().save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["model.keras"]  # no temporary file left behind


def rewrite_config(path, edit):
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    edit(config)
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_loading_never_runs_code_from_the_file(tmp_path):
    path = tmp_path / "evil.keras"
    small_sequential().save(path)

    def plant_lambda(config):
        config["config"]["layers"][1] = {"class_name": "__lambda__",
                                         "config": {"value": ["code", None, None]}}

    rewrite_config(path, plant_lambda)
    with pytest.raises(ValueError, match="never runs code"):
        keras.models.load_model(path)

    def plant_module(config):
        config["config"]["layers"][1].update(module="os", class_name="system",
                                             registered_name=None)

    rewrite_config(path, plant_module)
    with pytest.raises(ValueError, match="Unknown class 'system'"):
        keras.models.load_model(path)


def test_a_file_that_is_not_a_keras_archive_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.keras"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a .keras file"):
        keras.models.load_model(path)


def doubled_error(y_true, y_pred):
    """A custom loss function (not registered)."""
    return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


@keras.saving.register_keras_serializable(package="tests")
class MaxError(keras.metrics.Metric):
    """A custom metric (registered): the largest absolute error seen."""

    def __init__(self, name="max_error", **kwargs):
        super().__init__(name=name, **kwargs)
        self.largest = self.add_variable(name="largest")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = keras.ops.max(keras.ops.abs(keras.ops.convert_to_tensor(y_true) - y_pred))
        self.largest.assign(keras.ops.maximum(self.largest, error))

    def result(self):
        return self.largest.value


def doubled(x):
    """A user's activation function, known to loading only through custom_objects."""
    return x * 2


def test_custom_activation_functions_are_found_through_custom_objects(tmp_path):
    x = random(5, 4)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation=doubled)])
    model.save(tmp_path / "activation.keras")
    with pytest.raises(ValueError, match="unknown activation function 'doubled'"):
        keras.models.load_model(tmp_path / "activation.keras")
    loaded = keras.models.load_model(tmp_path / "activation.keras",
                                     custom_objects={"doubled": doubled})
    assert loaded.layers[0].activation is doubled
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_losses_and_metrics_round_trip_in_the_compile_config(tmp_path):
    x = random(16, 4)
    y = random(16, 2, seed=1)
    model = small_sequential()
    model.compile("adam", loss=doubled_error, metrics=[MaxError(), "mae"])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match="Unknown function 'doubled_error'"):
        keras.models.load_model(tmp_path / "custom.keras")
    loaded = keras.models.load_model(tmp_path / "custom.keras",
                                     custom_objects={"doubled_error": doubled_error})
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True))
    assert sorted(loaded.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "mae",
                                                                          "max_error"]
    uncompiled = keras.models.load_model(tmp_path / "custom.keras", compile=False)
    assert not uncompiled.compiled
