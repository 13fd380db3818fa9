"""Writes keras2_models.json: models as Keras 2 (tf_keras) saves their architecture.

Each entry holds ``model.to_json()`` as tf_keras 2.21 writes it (Keras 2's
layout: list-style inbound nodes, ``batch_input_shape``), the weights, a batch
of inputs and tf_keras's predictions for them. The parity tests load the JSON
in minikeras and in Keras 3 and compare. To write it again (TensorFlow 2.21 is
in the dev environment; tf_keras is not, and is needed only here):

    pip install --no-deps --target /tmp/tf_keras tf-keras==2.21.0
    PYTHONPATH=/tmp/tf_keras python parity_tests/data/make_keras2_models.py
"""

import json
import os
import pathlib

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402


def functional():
    """Two inputs, a shared-free branch each, concatenated, reshaped and classified."""
    a, b = keras.Input(shape=(6,), name="a"), keras.Input(shape=(4,), name="b")
    merged = keras.layers.Concatenate(name="cat")([
        keras.layers.Dense(5, activation="relu", name="left")(a),
        keras.layers.Dense(5, name="right")(b)])
    x = keras.layers.Dropout(0.3, name="drop")(merged)
    x = keras.layers.Flatten(name="flat")(keras.layers.Reshape((2, 5), name="rs")(x))
    return keras.Model([a, b], keras.layers.Dense(3, activation="softmax", name="out")(x),
                       name="k2functional")


def sequential():
    """The first layer takes input_shape=, as Keras 2 tutorials write it."""
    return keras.Sequential([
        keras.layers.Dense(4, input_shape=(6,), activation="tanh", name="d1"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.Dense(2, name="d2"),
    ], name="k2sequential")


def convnet():
    images = keras.Input(shape=(8, 8, 1), name="img")
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(images)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(keras.layers.MaxPooling2D(name="pool")(x))
    return keras.Model(images, keras.layers.Dense(2, name="head")(x), name="k2conv")


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    models = {}
    for model, shapes in ((functional(), [(5, 6), (5, 4)]), (sequential(), [(5, 6)]),
                          (convnet(), [(5, 8, 8, 1)])):
        inputs = [rng.standard_normal(shape).astype("float32") for shape in shapes]
        batch = inputs if len(inputs) > 1 else inputs[0]
        models[model.name] = {
            "json": model.to_json(),
            "weights": [w.tolist() for w in model.get_weights()],
            "inputs": [x.tolist() for x in inputs],
            "outputs": model.predict(batch, verbose=0).tolist(),
        }
    path = pathlib.Path(__file__).with_name("keras2_models.json")
    path.write_text(json.dumps(models, indent=1) + "\n")


if __name__ == "__main__":
    main()
