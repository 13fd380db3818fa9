"""Models against tf.keras: layer and weight order, predict, summary, and .keras files both ways."""

import functools

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from parity_tests.harness import assert_close, copy_weights, covers, summary_text


def build_mlp(lib, hidden=(256, 256), inputs=784, outputs=10):
    layers = [lib.Input(shape=(inputs,))]
    layers += [lib.layers.Dense(units, activation="relu") for units in hidden]
    layers.append(lib.layers.Dense(outputs, activation="softmax"))
    return lib.Sequential(layers)


def build_branching(lib):
    """Two inputs, a shared layer called twice, two named outputs."""
    a = lib.Input(shape=(4,), name="a")
    b = lib.Input(shape=(3,), name="b")
    shared = lib.layers.Dense(5, name="shared")
    h1 = lib.layers.Activation("relu")(shared(a))
    h2 = shared(lib.layers.Dense(4, name="project")(b))
    out1 = lib.layers.Dense(2, name="out1")(h1)
    out2 = lib.layers.Dense(1, activation="sigmoid", name="out2")(lib.layers.Dense(3)(h2))
    return lib.Model(inputs=[a, b], outputs=[out1, out2])


def build_dict_model(lib):
    a = lib.Input(shape=(2,), name="a")
    b = lib.Input(shape=(3,), name="b")
    score = lib.layers.Dense(1, name="score")(lib.layers.Dense(4, activation="tanh")(b))
    return lib.Model({"a": a, "b": b}, {"score": score, "echo": lib.layers.Dense(2)(a)})


def twins(build):
    """The same architecture in minikeras and tf.keras, with the same weights and layer names."""
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    ours, theirs = build(mk), build(tf.keras)
    copy_weights(ours, theirs)
    return ours, theirs


def build_nested(lib):
    """A functional model used as a layer, called on two different inputs."""
    inner_input = lib.Input(shape=(3,), name="inner_input")
    inner = lib.Model(inner_input, lib.layers.Dense(4, name="inner_dense")(inner_input),
                      name="inner")
    a, b = lib.Input(shape=(3,), name="a"), lib.Input(shape=(3,), name="b")
    merged = lib.layers.Concatenate(name="merge")([inner(a), inner(b)])
    return lib.Model([a, b], lib.layers.Dense(2, name="head")(merged))


def build_convnet(lib, dropout=0.25):
    """A small convnet with BatchNormalization and Dropout, 8x8 gray images, 4 classes."""
    return lib.Sequential([
        lib.Input(shape=(8, 8, 1)),
        lib.layers.Conv2D(4, 3, activation="relu", name="conv"),
        lib.layers.BatchNormalization(name="norm"),
        lib.layers.MaxPooling2D(name="pool"),
        lib.layers.Dropout(dropout, name="drop"),
        lib.layers.Flatten(name="flat"),
        lib.layers.Dense(4, activation="softmax", name="classes"),
    ])


def build_convnet_without_dropout(lib):
    return build_convnet(lib, dropout=0.0)


@functools.cache
def inference_twins(name):
    """Twins built once per architecture for the tests that only run them forward."""
    return twins(BUILDS[name])


BUILDS = {"mlp": build_mlp, "branching": build_branching, "dict": build_dict_model,
          "convnet": build_convnet, "nested": build_nested}
# Dropout draws different masks in the two frameworks: fit is compared without it.
FIT_BUILDS = {"mlp": build_mlp, "branching": build_branching, "dict": build_dict_model,
              "convnet": build_convnet_without_dropout, "nested": build_nested}


def inputs_for(name, rows, seed=0):
    rng = np.random.default_rng(seed)
    if name == "mlp":
        return rng.random((rows, 784), dtype="float32")
    if name == "convnet":
        # Zero-mean pixels: with all-positive ones, a channel whose ReLU passes every value
        # feeds BatchNormalization a bias it cancels, whose gradient is then pure round-off.
        return rng.standard_normal((rows, 8, 8, 1)).astype("float32")
    if name == "branching":
        return [rng.standard_normal((rows, 4)).astype("float32"),
                rng.standard_normal((rows, 3)).astype("float32")]
    if name == "nested":
        return [rng.standard_normal((rows, 3)).astype("float32"),
                rng.standard_normal((rows, 3)).astype("float32")]
    return {"a": rng.standard_normal((rows, 2)).astype("float32"),
            "b": rng.standard_normal((rows, 3)).astype("float32")}


def assert_outputs_close(actual, expected, kind="linear", what=""):
    if isinstance(expected, dict):
        assert sorted(actual) == sorted(expected)
        for key in expected:
            assert_close(actual[key], expected[key], kind, what=f"{what}[{key}]")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, kind, what=f"{what}[{i}]")
    else:
        assert_close(actual, expected, kind, what=what)


@covers("models.Sequential", "models.Model", "models.Functional", "Sequential", "Model")
@pytest.mark.parametrize("name", sorted(BUILDS))
def test_layers_and_weights_come_in_keras_order(name):
    ours, theirs = twins(BUILDS[name])
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    if name not in ("dict", "nested"):
        assert ours.input_shape == theirs.input_shape
        assert ours.output_shape == theirs.output_shape


@pytest.mark.parametrize("name", sorted(BUILDS))
@given(rows=st.integers(1, 70), batch_size=st.sampled_from([None, 1, 7, 32]))
def test_predict_matches_keras(name, rows, batch_size):
    ours, theirs = inference_twins(name)
    data = inputs_for(name, rows)
    expected = theirs.predict(data, batch_size=batch_size, verbose=0)
    assert_outputs_close(ours.predict(data, batch_size=batch_size, verbose=0), expected,
                         what=f"models.Model.predict ({name})")


@pytest.mark.parametrize("name", sorted(BUILDS))
@pytest.mark.parametrize("options", [{}, {"line_length": 60}, {"line_length": 76},
                                     {"show_trainable": True}, {"expand_nested": True}])
def test_summary_text_is_keras_text(name, options):
    # (Keras crops wider tables at its console width of 80; within it the text is identical.)
    ours, theirs = inference_twins(name)
    assert summary_text(ours, **options) == summary_text(theirs, **options)


def test_the_mnist_mlp_summary_counts_269322_parameters():
    ours, theirs = twins(build_mlp)
    text = summary_text(ours)
    assert " Total params: 269,322 (1.03 MB)" in text
    assert text == summary_text(theirs)


@covers("saving.save_model", "saving.load_model", "models.load_model", "models.save_model")
@pytest.mark.parametrize("name", sorted(BUILDS))
def test_a_minikeras_file_loads_in_keras_and_predicts_the_same(name, tmp_path):
    ours, _ = twins(BUILDS[name])
    path = str(tmp_path / "ours.keras")
    ours.save(path)
    loaded = tf.keras.models.load_model(path)
    data = inputs_for(name, 9)
    assert_outputs_close(loaded.predict(data, verbose=0), ours.predict(data, verbose=0),
                         what=f"saving.save_model ({name}, loaded by Keras)")


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_a_keras_file_loads_in_minikeras_and_predicts_the_same(name, tmp_path):
    _, theirs = twins(BUILDS[name])
    path = str(tmp_path / "theirs.keras")
    theirs.save(path)
    loaded = mk.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in theirs.layers]
    data = inputs_for(name, 9)
    assert_outputs_close(loaded.predict(data, verbose=0), theirs.predict(data, verbose=0),
                         what=f"saving.load_model ({name}, saved by Keras)")


@covers("saving.save_weights", "saving.load_weights")
def test_weights_files_move_both_ways(tmp_path):
    ours, theirs = twins(build_branching)
    fresh_ours, fresh_theirs = twins(build_branching)
    ours.save_weights(str(tmp_path / "ours.weights.h5"))
    theirs.save_weights(str(tmp_path / "theirs.weights.h5"))
    fresh_theirs.load_weights(str(tmp_path / "ours.weights.h5"))
    fresh_ours.load_weights(str(tmp_path / "theirs.weights.h5"))
    for a, b in zip(fresh_theirs.get_weights(), ours.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(fresh_ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# -- compile, evaluate and fit -------------------------------------------------------


def targets_for(name, rows, seed=1):
    rng = np.random.default_rng(seed)
    if name == "mlp":
        return rng.integers(0, 10, rows)
    if name == "convnet":
        return rng.integers(0, 4, rows)
    if name == "nested":
        return rng.standard_normal((rows, 2)).astype("float32")
    if name == "branching":
        return [rng.standard_normal((rows, 2)).astype("float32"),
                rng.integers(0, 2, (rows, 1)).astype("float32")]
    return {"score": rng.standard_normal((rows, 1)).astype("float32"),
            "echo": rng.standard_normal((rows, 2)).astype("float32")}


COMPILE = {
    "mlp": {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
    "convnet": {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
    "nested": {"loss": "mse", "metrics": ["mae"]},
    "branching": {"loss": ["mse", "binary_crossentropy"], "loss_weights": [0.5, 2.0],
                  "metrics": [["mae"], ["accuracy"]]},
    "dict": {"loss": {"score": "mse", "echo": "mae"}, "loss_weights": {"score": 3.0, "echo": 1.0},
             "metrics": {"echo": "mse"}},
}


def compiled_twins(name, optimizer=("SGD", {"learning_rate": 0.1}), builds=BUILDS):
    ours, theirs = twins(builds[name])
    cls, config = optimizer
    ours.compile(getattr(mk.optimizers, cls)(**config), **COMPILE[name])
    theirs.compile(getattr(tf.keras.optimizers, cls)(**config), **COMPILE[name])
    return ours, theirs


def assert_logs_close(actual, expected, kind, what):
    assert sorted(actual) == sorted(expected), what
    for key in expected:
        assert_close(actual[key], expected[key], kind, what=f"{what}: {key}")


@covers("models.Model.evaluate", "models.Model.fit", "models.Model.compile")
@pytest.mark.parametrize("name", sorted(BUILDS))
def test_evaluate_matches_keras(name):
    ours, theirs = compiled_twins(name)
    x, y = inputs_for(name, 50), targets_for(name, 50)
    expected = theirs.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert_logs_close(ours.evaluate(x, y, batch_size=16, verbose=0, return_dict=True), expected,
                      "linear", f"models.Model.evaluate ({name})")
    as_list = theirs.evaluate(x, y, batch_size=16, verbose=0)
    assert_close(ours.evaluate(x, y, batch_size=16, verbose=0), as_list, "linear",
                 what=f"models.Model.evaluate ({name}, as a list)")


@pytest.mark.parametrize("name", sorted(FIT_BUILDS))
@pytest.mark.parametrize("optimizer", [("SGD", {"learning_rate": 0.1}),
                                       ("Adam", {"learning_rate": 0.01})])
def test_fit_matches_keras_step_for_step(name, optimizer):
    ours, theirs = compiled_twins(name, optimizer, FIT_BUILDS)
    x, y = inputs_for(name, 48), targets_for(name, 48)
    arguments = {"batch_size": 16, "epochs": 3, "shuffle": False, "verbose": 0,
                 "validation_split": 0.25}
    expected = theirs.fit(x, y, **arguments).history
    actual = ours.fit(x, y, **arguments).history
    assert_logs_close({k: np.array(v) for k, v in actual.items()},
                      {k: np.array(v) for k, v in expected.items()}, "training",
                      f"models.Model.fit ({name})")
    for a, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        assert_close(a, e, "training", what=f"models.Model.fit ({name}): weights")


@pytest.mark.parametrize("weighting", ["class_weight", "sample_weight"])
def test_class_and_sample_weights_match_keras(weighting):
    ours, theirs = compiled_twins("mlp")
    x, y = inputs_for("mlp", 40), targets_for("mlp", 40)
    if weighting == "class_weight":
        arguments = {"class_weight": {i: 0.5 + i / 4 for i in range(10)}}
    else:
        arguments = {"sample_weight": np.linspace(0.0, 2.0, 40).astype("float32")}
    expected = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                          **arguments).history
    actual = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                      **arguments).history
    assert_logs_close({k: np.array(v) for k, v in actual.items()},
                      {k: np.array(v) for k, v in expected.items()}, "training",
                      f"models.Model.fit ({weighting})")


def test_summary_after_training_counts_the_optimizer_like_keras():
    ours, theirs = compiled_twins("mlp", ("Adam", {}))
    x, y = inputs_for("mlp", 16), targets_for("mlp", 16)
    ours.fit(x, y, verbose=0)
    theirs.fit(x, y, verbose=0)
    text = summary_text(ours)
    assert " Optimizer params: " in text
    assert text == summary_text(theirs)


@pytest.mark.parametrize("direction", ["minikeras to keras", "keras to minikeras"])
def test_a_trained_model_file_resumes_training_in_the_other_framework(direction, tmp_path):
    ours, theirs = compiled_twins("branching", ("Adam", {"learning_rate": 0.01}))
    x, y = inputs_for("branching", 32), targets_for("branching", 32)
    arguments = {"batch_size": 8, "epochs": 2, "shuffle": False, "verbose": 0}
    source, reader = (ours, tf.keras) if direction == "minikeras to keras" else (theirs, mk)
    source.fit(x, y, **arguments)
    path = str(tmp_path / "trained.keras")
    source.save(path)
    loaded = reader.models.load_model(path)
    expected = source.fit(x, y, **arguments).history
    actual = loaded.fit(x, y, **arguments).history
    assert_logs_close({k: np.array(v) for k, v in actual.items()},
                      {k: np.array(v) for k, v in expected.items()}, "training",
                      f"saving.load_model ({direction}): fit")
    for a, e in zip(loaded.get_weights(), source.get_weights(), strict=True):
        assert_close(a, e, "training", what=f"saving.load_model ({direction}): weights after fit")
