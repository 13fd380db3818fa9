"""Keras's legacy HDF5 model files (model.save("model.h5")): written, read, and read safely."""

import json
import warnings

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import backend
from minikeras.saving import legacy_h5


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def data(n=16):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 4)).astype("float32"), rng.integers(0, 3, n)


def classifier():
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(8, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="out")(hidden))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
    return model


def saved(model, path):
    with pytest.warns(UserWarning, match="This file format is considered legacy"):
        model.save(path)
    return path


def test_a_saved_model_loads_with_its_weights_compile_arguments_and_optimizer(tmp_path):
    model = classifier()
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    loaded = keras.models.load_model(saved(model, tmp_path / "model.h5"))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(
        x, y, verbose=0, return_dict=True)
    for ours, theirs in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # Training goes on from the same state: the next epoch gives the same weights.
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for ours, theirs in zip(loaded.weights, model.weights, strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_the_file_has_keras_s_layout(tmp_path):
    model = classifier()
    model.fit(*data(), verbose=0)
    with h5py.File(saved(model, tmp_path / "model.h5"), "r") as store:
        assert set(store.attrs) == {"keras_version", "backend", "model_config",
                                    "training_config"}
        config = json.loads(store.attrs["model_config"])
        assert config["class_name"] == "Functional" and config["config"]["name"] == model.name
        training = json.loads(store.attrs["training_config"])
        assert training["loss"] == "sparse_categorical_crossentropy"
        assert training["metrics"][0] == "accuracy"
        assert training["metrics"][1]["class_name"] == "SparseTopKCategoricalAccuracy"
        assert training["optimizer_config"]["class_name"] == "Adam"
        weights = store["model_weights"]
        assert legacy_h5.strings_attribute(weights, "layer_names") == [
            layer.name for layer in model.layers]
        dense = model.layers[1]
        assert legacy_h5.strings_attribute(weights[dense.name], "weight_names") == [
            f"{dense.name}/kernel", f"{dense.name}/bias"]
        np.testing.assert_array_equal(weights[dense.name][f"{dense.name}/kernel"],
                                      dense.kernel.numpy())
        assert legacy_h5.strings_attribute(store["optimizer_weights"], "weight_names") == [
            v.path for v in model.optimizer.variables]


def test_without_the_optimizer_or_a_compiled_model(tmp_path):
    model = classifier()
    model.fit(*data(), verbose=0)
    with pytest.warns(UserWarning, match="legacy"):
        model.save(tmp_path / "no_optimizer.h5", include_optimizer=False)
    with h5py.File(tmp_path / "no_optimizer.h5", "r") as store:
        assert "optimizer_weights" not in store and "training_config" not in store.attrs
    with pytest.warns(UserWarning, match=r"No training configuration found in the save file, "
                                         r"so the model was \*not\* compiled"):
        loaded = keras.models.load_model(tmp_path / "no_optimizer.h5")
    assert not loaded.compiled
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.models.load_model(saved(plain, tmp_path / "plain.h5"), compile=False)
    np.testing.assert_array_equal(loaded.predict(data()[0], verbose=0),
                                  plain.predict(data()[0], verbose=0))


def custom_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)


def test_custom_objects_are_found_as_when_loading_a_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("sgd", loss=custom_loss, metrics=["mae"])
    path = saved(model, tmp_path / "custom.h5")
    with pytest.raises(ValueError, match="custom_loss"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"custom_loss": custom_loss})
    x = data()[0]
    y = np.ones((16, 2), dtype="float32")
    logs = loaded.evaluate(x, y, verbose=0, return_dict=True)
    # As in Keras, a metric saved by its short name comes back under its full name.
    assert sorted(logs) == ["loss", "mean_absolute_error"]
    np.testing.assert_allclose(logs["loss"], model.evaluate(x, y, verbose=0)[0], rtol=1e-6)


def test_load_weights_reads_a_legacy_file_by_position_or_by_name(tmp_path):
    model = classifier()
    model.fit(*data(), verbose=0)
    path = saved(model, tmp_path / "model.h5")
    other = classifier()
    other.load_weights(path)
    for ours, theirs in zip(other.weights, model.weights, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    inputs = keras.Input((4,))
    renamed = keras.Model(inputs, keras.layers.Dense(3, name="out")(keras.layers.Dense(
        8, name="elsewhere")(inputs)))
    renamed.load_weights(path, by_name=True)  # only the layer named "out" is in the file
    np.testing.assert_array_equal(renamed.get_layer("out").kernel.numpy(),
                                  model.get_layer("out").kernel.numpy())
    with pytest.raises(ValueError, match="Layer count mismatch"):
        renamed.load_weights(path)


def test_a_checkpoint_may_save_a_legacy_file(tmp_path):
    model = classifier()
    path = tmp_path / "best.h5"
    with pytest.warns(UserWarning, match="legacy"):
        model.fit(*data(), epochs=2, verbose=0,
                  callbacks=[keras.callbacks.ModelCheckpoint(path, monitor="loss")])
    np.testing.assert_array_equal(keras.models.load_model(path).predict(data()[0], verbose=0),
                                  model.predict(data()[0], verbose=0))


def test_long_lists_of_names_are_cut_into_chunks_as_keras_does(tmp_path):
    names = [f"layer_{'x' * 200}_{i}" for i in range(500)]  # ~100 KB: more than one header
    with h5py.File(tmp_path / "names.h5", "w") as store:
        legacy_h5._save_strings(store, "layer_names", names)
        assert "layer_names" not in store.attrs and "layer_names1" in store.attrs
        assert legacy_h5.strings_attribute(store, "layer_names") == names


# -- untrusted files ------------------------------------------------------------------


def _edit(path, change):
    with h5py.File(path, "r+") as store:
        change(store)
    return path


def _refused(path, match):
    with pytest.raises(ValueError, match=match):
        keras.models.load_model(path)


def test_a_file_is_checked_as_untrusted_before_any_array_is_read(tmp_path):
    model = classifier()
    path = saved(model, tmp_path / "model.h5")
    other = tmp_path / "secret.h5"
    with h5py.File(other, "w") as store:
        store["data"] = np.arange(3, dtype="float32")

    def link_outside(store):
        del store["model_weights/out/out/bias"]
        store["model_weights/out/out/bias"] = h5py.ExternalLink(str(other), "/data")

    _refused(_edit(path, link_outside), "ExternalLink")


def test_configs_are_json_of_bounded_size_never_code(tmp_path):
    model = classifier()
    path = saved(model, tmp_path / "model.h5")
    _refused(_edit(path, lambda s: s.attrs.__setitem__("model_config", b"{not json")),
             "model_config is not valid JSON")
    lambda_config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Lambda", "config": {"name": "l", "function": {
            "class_name": "__lambda__", "config": {"code": "print(1)"}}}}]}}
    _refused(_edit(path, lambda s: s.attrs.__setitem__(
        "model_config", json.dumps(lambda_config))), "(?i)lambda")
    _refused(_edit(path, lambda s: s.attrs.__delitem__("model_config")),
             "No model config found")


def test_a_config_may_not_build_more_weights_than_the_file_holds(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = saved(model, tmp_path / "model.h5")

    def huge(store):
        config = json.loads(store.attrs["model_config"])
        config["config"]["layers"][-1]["config"]["units"] = 10**9
        store.attrs["model_config"] = json.dumps(config)

    _refused(_edit(path, huge), "allocat|budget|bytes")


def test_mismatching_weights_change_nothing(tmp_path):
    model = classifier()
    path = saved(model, tmp_path / "model.h5")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(3)])
    before = [w.numpy() for w in other.weights]
    with pytest.raises(ValueError, match="Layer count mismatch"):
        other.load_weights(path)
    wrong = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
                              keras.layers.BatchNormalization(), keras.layers.Dense(5)])
    wrong_before = [w.numpy() for w in wrong.weights]
    with pytest.raises(ValueError, match=r"mismatch for layer #2 .*shape \(8, 5\).*\(8, 3\)"):
        wrong.load_weights(path)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, other.weights, strict=True))
    assert all(np.array_equal(a, w.numpy())
               for a, w in zip(wrong_before, wrong.weights, strict=True))


def test_a_save_format_argument_warns_and_a_wrong_extension_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.warns(DeprecationWarning, match="`save_format` argument is deprecated"), \
            pytest.warns(UserWarning, match="legacy"):
        model.save(tmp_path / "m.h5", save_format="h5")
    with pytest.raises(ValueError, match="Invalid filepath extension for saving.*`.h5`"):
        model.save(tmp_path / "m.model")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.h5", overwrite=False)
