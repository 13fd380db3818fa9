"""fit, evaluate and predict, given random wrong data and arguments, fail cleanly or work.

Hypothesis draws x, y and sample weights from ``strategies.wrong_inputs`` (any
rank, size and dtype, lists, dicts, None, strings) or valid arrays, labels in
and out of range, and odd values for the other arguments. A call either
works, or raises a ValueError/TypeError whose message names an argument, the
method, the model or one of its layers, or the loss -- and then the weights
and optimizer state are byte-identical to before: no IndexError, no
AttributeError, no NumPy broadcast error, no half-trained model.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minikeras as keras
from minikeras.testing import strategies as mst

FEATURES, CLASSES = 4, 3

ARGUMENTS = {
    "fit": ["batch_size", "epochs", "shuffle", "class_weight", "sample_weight",
            "validation_split", "validation_data", "initial_epoch", "steps_per_epoch",
            "validation_freq", "verbose", "callbacks"],
    "evaluate": ["batch_size", "sample_weight", "steps", "verbose", "return_dict"],
    "predict": ["batch_size", "steps", "verbose"],
}


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(FEATURES,)),
        keras.layers.Dense(5, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.train_on_batch(np.zeros((4, FEATURES)), np.zeros(4))
    return model


def state(model):
    return [v.numpy().tobytes() for v in model.weights + model.optimizer.variables]


def good_inputs(n):
    return st.just(np.linspace(-1.0, 1.0, n * FEATURES, dtype="float32").reshape(n, FEATURES))


def labels(n):
    return st.builds(lambda low, high: np.arange(n) % (high - low + 1) + low,
                     st.integers(-1, 0), st.integers(CLASSES - 1, CLASSES))


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
@given(data=st.data())
def test_wrong_data_and_arguments_fail_cleanly_before_any_change(model, method, data):
    n = data.draw(st.integers(1, 12), label="samples")
    x = data.draw(st.one_of(good_inputs(n), mst.wrong_inputs()), label="x")
    arguments = {"x": x, "verbose": 0}
    if method != "predict":
        arguments["y"] = data.draw(st.one_of(labels(n), mst.wrong_inputs()), label="y")
    for name in data.draw(st.lists(st.sampled_from(ARGUMENTS[method]), max_size=2, unique=True),
                          label="arguments"):
        arguments[name] = data.draw(st.one_of(mst.wrong_arguments(), mst.wrong_inputs()),
                                    label=name)
    if "epochs" in arguments and isinstance(arguments["epochs"], int):
        arguments["epochs"] = min(arguments["epochs"], 2)
    before = state(model)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            getattr(model, method)(**arguments)
    except (ValueError, TypeError) as error:
        assert names_the_culprit(error, method, model, arguments), (
            f"{method} raised an error that names no argument, layer or loss: {error!r}")
        assert state(model) == before, f"{method} changed the model, then raised {error!r}"


def names_the_culprit(error, method, model, arguments):
    message = str(error)
    names = [f"`{name}`" for name in arguments] + [f"`{name}[" for name in arguments] + [
        name for name in arguments if len(name) > 1] + [
        f"{method}:", f"{method} (", f'"{model.name}"', "sparse_categorical_crossentropy",
        "callbacks"] + [f'"{layer.name}"' for layer in model.layers] + [
        f'"{layer.name}"' for layer in model._layers]
    return any(name in message for name in names)
