"""A training process killed while saving leaves a loadable checkpoint; resuming is exact.

Crashes: a child process trains and saves after every step (ModelCheckpoint
with a .keras file or a .weights.h5 file, or model.save in a loop) and prints
a fingerprint of each version before saving it and the step after. The test
kills it with SIGKILL -- at fixed points inside a save (with half of the
file's bytes on disk, after fsync and before the rename, just after the
rename) and after random delays -- then loads the checkpoint: it must load,
and be exactly the last version saved or the one being saved, never a mix.
(Writing the target in place instead fails the "writing" cases: the
checkpoint is left half written.)

Resuming: ``load_model`` on the checkpoint of epoch 2 and ``fit(initial_epoch=2)``
give bit-identical weights and optimizer state to an uninterrupted run with the
same seed, shuffling and dropout included (fit restarts the random streams
each epoch from the seed, the epoch and the update count; see ``backend.seed_stream``).
"""

import hashlib
import os
import pathlib
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend

REPO = pathlib.Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent('''
    import hashlib, os, sys, time, zipfile
    import numpy as np
    import minikeras as keras
    from minikeras.saving import saving_lib

    folder, mode, pause_at = sys.argv[1], sys.argv[2], sys.argv[3]
    PAUSE_IN_SAVE = 3  # pause inside the third save, so a complete one exists before it

    def fingerprint(model):
        digest = hashlib.sha256()
        for variable in model.weights + model.optimizer.variables:
            digest.update(variable.numpy().tobytes())
        return digest.hexdigest()[:16]

    def say(line):
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()

    saves = 0

    def pause_if(phase):
        if phase == pause_at and saves == PAUSE_IN_SAVE:
            say("PAUSED " + phase)
            time.sleep(600)

    class HalfWritten:
        """The file being written: a large write stops halfway, on disk, at "writing"."""
        def __init__(self, stream):
            self.stream = stream
        def write(self, data):
            data = memoryview(data).cast("B")
            if len(data) > 4096:
                self.stream.write(data[:len(data) // 2])
                self.stream.flush()
                pause_if("writing")
                data = data[len(data) // 2:]
            return self.stream.write(data)
        def __getattr__(self, name):
            return getattr(self.stream, name)

    real_replace, real_atomic_write = os.replace, saving_lib.atomic_write

    def replace(source, target):
        pause_if("before-rename")
        real_replace(source, target)
        pause_if("after-rename")

    def atomic_write(filepath, write):
        global saves
        saves += 1
        real_atomic_write(filepath, lambda stream: write(HalfWritten(stream)))

    os.replace, saving_lib.atomic_write = replace, atomic_write

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
    model.compile("adam", "mse")
    x = np.linspace(-1, 1, 64 * 64, dtype="float32").reshape(64, 64)
    y = np.linspace(0, 1, 64 * 10, dtype="float32").reshape(64, 10)

    class Announce(keras.callbacks.Callback):
        """Before a step's checkpoint is written: the fingerprint of what will be saved."""
        def on_train_batch_end(self, batch, logs=None):
            say(f"SAVING {int(model.optimizer.iterations.numpy())} {fingerprint(model)}")

    class Confirm(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            say(f"SAVED {int(model.optimizer.iterations.numpy())}")

    if mode == "save":
        path = os.path.join(folder, "model.keras")
        while True:
            model.train_on_batch(x[:8], y[:8])
            step = int(model.optimizer.iterations.numpy())
            say(f"SAVING {step} {fingerprint(model)}")
            model.save(path)
            say(f"SAVED {step}")
    weights_only = mode == "weights"
    path = os.path.join(folder, "ckpt.weights.h5" if weights_only else "ckpt.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(path, save_freq=1,
                                                 save_weights_only=weights_only)
    model.fit(x, y, batch_size=8, epochs=10_000, verbose=0,
              callbacks=[Announce(), checkpoint, Confirm()])
''')


def fingerprint(model):
    digest = hashlib.sha256()
    for variable in model.weights + model.optimizer.variables:
        digest.update(variable.numpy().tobytes())
    return digest.hexdigest()[:16]


def run_and_kill(folder, mode, pause_at, delay):
    """Starts the child, kills it with SIGKILL at ``pause_at`` (or ``delay`` s after its first
    complete save), and returns its output lines."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), mode, pause_at],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.split())
            if lines[-1][0] == "PAUSED" or (pause_at == "random" and lines[-1][0] == "SAVED"):
                break
        if pause_at == "random":
            time.sleep(delay)
    finally:
        child.send_signal(signal.SIGKILL)
        # Read on through child.stdout: communicate() would read the pipe itself and lose
        # the lines the loop above had already buffered ("SAVING 2" behind "SAVED 1").
        rest, errors = child.stdout.read(), child.stderr.read()
        child.wait(timeout=30)
    lines += [line.split() for line in rest.splitlines()]
    assert child.returncode == -signal.SIGKILL, f"the child did not run until killed: {errors}"
    return lines


def the_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
    model.compile("adam", "mse")
    model.optimizer.build(model.trainable_variables)
    return model


def load_checkpoint(folder, mode):
    if mode == "weights":
        model = the_model()
        model.load_weights(folder / "ckpt.weights.h5")
        return model
    return keras.models.load_model(folder / ("model.keras" if mode == "save" else "ckpt.keras"))


KILLS = [(mode, phase, 0.0) for mode in ("checkpoint", "save", "weights")
         for phase in ("writing", "before-rename", "after-rename")]
KILLS += [(mode, "random", random.Random(seed).uniform(0.0, 0.6))
          for seed, mode in enumerate(("checkpoint", "save", "weights", "checkpoint"))]


@pytest.mark.parametrize(("mode", "pause_at", "delay"), KILLS)
def test_a_process_killed_while_saving_leaves_the_previous_or_the_new_model(
        tmp_path, mode, pause_at, delay):
    lines = run_and_kill(tmp_path, mode, pause_at, delay)
    announced = {int(line[1]): line[2] for line in lines if line[0] == "SAVING"}
    confirmed = [int(line[1]) for line in lines if line[0] == "SAVED"]
    assert confirmed, "the child was killed before its first complete save"
    model = load_checkpoint(tmp_path, mode)
    step = int(model.optimizer.iterations.numpy())
    assert step in (confirmed[-1], confirmed[-1] + 1), (step, confirmed[-1])
    assert fingerprint(model) == announced[step], "the checkpoint mixes two versions"
    if pause_at == "after-rename":
        assert step == confirmed[-1] + 1  # the rename is the moment the new file exists


# -- resuming ---------------------------------------------------------------------------


def resumable_model():
    model = keras.Sequential([
        keras.Input(shape=(12,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.2, seed=5),
        keras.layers.Dense(4, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_resuming_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 12)).astype("float32")
    y = rng.integers(0, 4, 200)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "epoch{epoch}.keras"))

    keras.utils.set_random_seed(42)
    uninterrupted = resumable_model()
    history = uninterrupted.fit(x, y, batch_size=32, epochs=4, validation_split=0.2, verbose=0,
                                callbacks=[checkpoint])

    # A new session: other random draws happen first; the same seed is set again.
    backend.clear_session()
    np.random.default_rng().random(1000)
    keras.utils.set_random_seed(42)
    backend.host_rng().random(123)
    resumed = keras.models.load_model(tmp_path / "epoch2.keras")
    resumed_history = resumed.fit(x, y, batch_size=32, epochs=4, initial_epoch=2,
                                  validation_split=0.2, verbose=0)

    assert resumed_history.history["loss"] == history.history["loss"][2:]
    assert fingerprint(resumed) == fingerprint(uninterrupted)
    for a, b in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_resuming_from_a_weights_only_checkpoint_equals_an_uninterrupted_run(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 12)).astype("float32")
    y = rng.integers(0, 4, 200)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "epoch{epoch}.weights.h5"),
                                                 save_weights_only=True)
    keras.utils.set_random_seed(7)
    uninterrupted = resumable_model()
    history = uninterrupted.fit(x, y, batch_size=32, epochs=4, verbose=0, callbacks=[checkpoint])

    backend.clear_session()
    keras.utils.set_random_seed(7)
    resumed = resumable_model()  # compiled, its optimizer not built yet
    resumed.load_weights(tmp_path / "epoch2.weights.h5")
    assert int(resumed.optimizer.iterations.numpy()) == 2 * 7  # the file's optimizer state
    resumed_history = resumed.fit(x, y, batch_size=32, epochs=4, initial_epoch=2, verbose=0)

    assert resumed_history.history["loss"] == history.history["loss"][2:]
    assert fingerprint(resumed) == fingerprint(uninterrupted)


def test_a_weights_only_checkpoint_of_another_optimizer_loads_the_weights_only(tmp_path):
    keras.utils.set_random_seed(7)
    trained = resumable_model()
    trained.fit(np.ones((8, 12)), np.arange(8) % 4, verbose=0)
    trained.save_weights(tmp_path / "adam.weights.h5")
    other = resumable_model()
    other.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        other.load_weights(tmp_path / "adam.weights.h5")
    for a, b in zip(other.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(other.optimizer.iterations.numpy()) == 0
