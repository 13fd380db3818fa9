"""One worker of the multi-worker test in test_keras_bridge.py, which starts two of them.

    TF_CONFIG='{"cluster": ..., "task": ...}' python keras_bridge_worker.py SEED OUTPUT.npz

Builds the model from its own SEED (the workers differ on purpose: fit_keras
must start them all from the first worker's weights), trains it with
``fit_keras(strategy="multi_worker")`` and writes its initial and trained
weights, its History and the number of replicas to OUTPUT.npz.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import minikeras as keras  # noqa: E402
from minikeras.keras_bridge import fit_keras, get_strategy  # noqa: E402

SAMPLES = 48
PER_REPLICA_BATCH = 4
EPOCHS = 2


def training_data():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((SAMPLES, 5)).astype("float32")
    y = np.stack([x[:, 0] - 2 * x[:, 1], np.tanh(x[:, 2] * x[:, 3])], axis=1)
    return x, y.astype("float32")


def build_model(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="mse",
                  metrics=["mae"])
    return model


def main(seed, output):
    replicas = get_strategy("multi_worker").num_replicas_in_sync  # before any other TF work
    model = build_model(seed)
    initial = model.get_weights()
    x, y = training_data()
    history = fit_keras(model, x, y, strategy="multi_worker", epochs=EPOCHS,
                        batch_size=PER_REPLICA_BATCH, shuffle=False, verbose=0)
    np.savez(output, replicas=replicas, history=json.dumps(history.history),
             **{f"initial_{i}": w for i, w in enumerate(initial)},
             **{f"trained_{i}": w for i, w in enumerate(model.get_weights())})


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
