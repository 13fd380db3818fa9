"""keras.callbacks.BackupAndRestore: a fit interrupted and run again ends as an
uninterrupted fit does, bit for bit."""

import json
import os

import numpy as np
import pytest

import minikeras as keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype("float32")
Y = RNG.integers(0, 3, size=64)


class Crash(keras.callbacks.Callback):
    """Raises at the end of epoch ``epoch`` (0-based), or of batch ``batch`` of it."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.batch:
            raise KeyboardInterrupt("the machine went away")

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch and self.batch is None:
            raise KeyboardInterrupt("the machine went away")


def run(callbacks, epochs=4):
    """The script a user runs (again): seed, build, compile, fit."""
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.3),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X, Y, batch_size=16, epochs=epochs, verbose=0, callbacks=callbacks)
    return model, history


def test_a_crashed_fit_resumes_bit_identical(tmp_path):
    reference, _ = run([])
    backup = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        run([keras.callbacks.BackupAndRestore(backup), Crash(epoch=1)])
    metadata = json.loads((backup / "training_metadata.json").read_text())
    assert metadata == {"epoch": 2, "batch": 0}
    resumed, history = run([keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [2, 3]
    for ours, theirs in zip(resumed.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    for ours, theirs in zip(resumed.optimizer.variables, reference.optimizer.variables,
                            strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert not backup.exists()  # deleted once fit ended normally


def test_a_backup_in_batches_resumes_at_the_start_of_its_epoch(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        run([keras.callbacks.BackupAndRestore(backup, save_freq=3, delete_checkpoint=False),
             Crash(epoch=2, batch=1)])
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 1,
                                                                            "batch": 3}
    _, history = run([keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    assert history.epoch == [1, 2, 3] and backup.exists()


def test_double_checkpoint_falls_back_on_the_previous_backup(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(KeyboardInterrupt):
        run([keras.callbacks.BackupAndRestore(backup, double_checkpoint=True), Crash(epoch=2)])
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 2
    (backup / "latest.weights.h5").write_bytes(b"cut off")
    _, history = run([keras.callbacks.BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [2, 3]


@pytest.mark.parametrize("content", [b"[1, 2]", b'{"epoch": -1}', b'{"epoch": "2"}',
                                     b"not json", b'{"epoch": 1, "pad": "' + b"x" * 5000 + b'"}'])
def test_a_damaged_metadata_file_is_a_value_error(tmp_path, content):
    backup = tmp_path / "backup"
    os.makedirs(backup)
    (backup / "training_metadata.json").write_bytes(content)
    with pytest.raises(ValueError, match="training_metadata.json"):
        run([keras.callbacks.BackupAndRestore(backup)])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"backup_dir": ""}, "Empty `backup_dir`"),
    ({"backup_dir": "b", "save_freq": "batch"}, "Invalid value for argument `save_freq`"),
    ({"backup_dir": "b", "save_freq": 0}, "Invalid value for argument `save_freq`"),
])
def test_bad_arguments_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.BackupAndRestore(**kwargs)
