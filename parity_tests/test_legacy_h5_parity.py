"""Keras's legacy model files (model.save("model.h5")) both ways between minikeras and tf.keras:
the same layout, and each reads the other's to the same predictions, compile arguments and
optimizer state."""

import json

import h5py
import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from minikeras.saving import legacy_h5
from parity_tests.harness import assert_close

pytestmark = pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((24, 4)).astype("float32")
LABELS = RNG.integers(0, 3, 24)


def custom_loss(y_true, y_pred):
    return tf.keras.ops.mean(tf.keras.ops.abs(y_true - y_pred), axis=-1)


def mk_custom_loss(y_true, y_pred):
    return mk.ops.mean(mk.ops.abs(y_true - y_pred), axis=-1)


mk_custom_loss.__name__ = "custom_loss"  # the name the file records


def classifier(lib):
    """A functional classifier with batch norm, compiled with a metric by object and by name."""
    inputs = lib.Input((4,), name="x")
    hidden = lib.layers.Dense(8, activation="relu", name="hidden")(inputs)
    hidden = lib.layers.BatchNormalization(name="norm")(hidden)
    outputs = lib.layers.Dense(3, activation="softmax", name="out")(hidden)
    model = lib.Model(inputs, outputs, name="classifier")
    model.compile(lib.optimizers.Adam(1e-2), "sparse_categorical_crossentropy",
                  metrics=["accuracy", lib.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
                           "sparse_categorical_crossentropy"])
    return model


def regressor(lib):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="tanh", name="d1"),
                            lib.layers.Dense(2, name="d2")], name="regressor")
    model.compile(lib.optimizers.SGD(0.1, momentum=0.9),
                  loss=custom_loss if lib is tf.keras else mk_custom_loss, metrics=["mse"])
    return model


MODELS = {"classifier": (classifier, LABELS),
          "regressor": (regressor, RNG.standard_normal((24, 2)).astype("float32"))}
CUSTOM = {"custom_loss": custom_loss}
MK_CUSTOM = {"custom_loss": mk_custom_loss}


def trained(lib, name, path):
    build, y = MODELS[name]
    lib.utils.set_random_seed(0)
    model = build(lib)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    model.save(path)
    return model


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """{model name: (minikeras's file, tf.keras's file, tf.keras's trained model)}."""
    folder = tmp_path_factory.mktemp("legacy_h5")
    found = {}
    for name in MODELS:
        ours, theirs = folder / f"{name}_minikeras.h5", folder / f"{name}_tf_keras.h5"
        trained(mk, name, ours)
        found[name] = (ours, theirs, trained(tf.keras, name, theirs))
    return found


def _assert_models_agree(mine, theirs, y, what):
    assert_close(mine.predict(X, verbose=0), theirs.predict(X, verbose=0), "training",
                 what=f"{what}: predict")
    mine_logs = mine.evaluate(X, y, verbose=0, return_dict=True)
    their_logs = theirs.evaluate(X, y, verbose=0, return_dict=True)
    assert sorted(mine_logs) == sorted(their_logs)
    for key in their_logs:
        assert_close(mine_logs[key], their_logs[key], "training", what=f"{what}: {key}")
    assert int(mine.optimizer.iterations.numpy()) == int(np.asarray(theirs.optimizer.iterations))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_minikeras_file_loads_in_tf_keras(files, name):
    path = files[name][0]
    theirs = tf.keras.models.load_model(path, custom_objects=CUSTOM)
    ours = mk.models.load_model(path, custom_objects=MK_CUSTOM)
    _assert_models_agree(ours, theirs, MODELS[name][1], "saving.save_model (.h5 to tf.keras)")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_tf_keras_file_loads_in_minikeras(files, name):
    _, path, source = files[name]
    ours = mk.models.load_model(path, custom_objects=MK_CUSTOM)
    theirs = tf.keras.models.load_model(path, custom_objects=CUSTOM)
    _assert_models_agree(ours, theirs, MODELS[name][1], "saving.load_model (.h5 of tf.keras)")
    # tf.keras 3.15 restores only the optimizer's first variables from its own .h5 files;
    # minikeras restores them all: the source model's state.
    for mine, original in zip(ours.optimizer.variables, source.optimizer.variables,
                              strict=True):
        assert_close(mine.numpy(), np.asarray(original), "training",
                     what=f"saving.load_model (.h5 of tf.keras): {original.path}")


def _layout(path):
    """Every group and dataset path of an HDF5 file, with its attributes (names and weight
    lists; configs as JSON, versions left out)."""
    found = {}
    with h5py.File(path, "r") as store:
        def visit(name, obj):
            attrs = {}
            for key in obj.attrs:
                if key.startswith(("layer_names", "weight_names")):
                    attrs[key] = legacy_h5.strings_attribute(obj, key)
            shape = obj.shape if isinstance(obj, h5py.Dataset) else None
            found[name] = (shape, attrs)

        store.visititems(visit)
        visit("/", store)
        found["/"] = (None, {**found["/"][1], "attributes": sorted(store.attrs)})
        training = json.loads(store.attrs["training_config"])
        model_config = json.loads(store.attrs["model_config"])
    return found, training, model_config["class_name"]


def test_both_write_the_same_layout(files):
    """The functional model's files: every group, dataset, name list and the compile
    arguments are the same. (In a Sequential model, tf.keras's weight paths carry the model's
    name, "regressor/d1/kernel", and minikeras's do not; loading goes by position, so those
    files move both ways all the same.)"""
    ours, theirs, _ = files["classifier"]
    ours, theirs = _layout(ours), _layout(theirs)
    assert ours[0] == theirs[0]
    assert ours[2] == theirs[2]
    assert ours[1] == theirs[1]
