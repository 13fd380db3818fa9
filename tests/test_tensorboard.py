"""keras.callbacks.TensorBoard: the event files are read back with TensorBoard's own reader."""

import builtins
import glob
import json
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

import minikeras as keras
from minikeras.utils import summary_writer

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


def model():
    net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                            keras.layers.Dense(1, activation="sigmoid")])
    net.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    return net


def read(folder):
    """{tag: [(step, value), ...]} of the scalars TensorBoard finds in ``folder``."""
    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(e.step, float(tensor_util.make_ndarray(e.tensor_proto)))
                  for e in events.Tensors(tag)]
            for tag in events.Tags()["tensors"] if tag.startswith(("epoch_", "batch_", "eval"))
            }, events


def test_epoch_scalars_are_the_history(tmp_path):
    history = model().fit(X, Y, batch_size=10, epochs=3, validation_split=0.25, verbose=0,
                          callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    train, events = read(tmp_path / "train")
    validation, _ = read(tmp_path / "validation")
    for name in ("loss", "accuracy"):
        assert [step for step, _ in train[f"epoch_{name}"]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in train[f"epoch_{name}"]],
                                   history.history[name], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in validation[f"epoch_{name}"]],
                                   history.history[f"val_{name}"], rtol=1e-6)
    assert [v for _, v in train["epoch_learning_rate"]] == pytest.approx([0.1] * 3)
    assert [step for step, _ in validation["evaluation_loss_vs_iterations"]] == [3, 6, 9]
    assert "keras" in events.Tags()["tensors"]  # the model's config, for the Graphs tab
    config = json.loads(events.Tensors("keras")[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"


def test_update_freq_writes_batch_scalars_every_n_batches(tmp_path):
    tensorboard = keras.callbacks.TensorBoard(tmp_path, update_freq=2,
                                              write_steps_per_second=True)
    model().fit(X, Y, batch_size=10, epochs=2, verbose=0, callbacks=[tensorboard])
    train, _ = read(tmp_path / "train")
    assert [step for step, _ in train["batch_loss"]] == [2, 4, 6, 8]
    assert [step for step, _ in train["batch_steps_per_second"]] == [2, 4, 6, 8]
    assert all(value > 0 for _, value in train["epoch_steps_per_second"])
    every = keras.callbacks.TensorBoard(tmp_path / "every", update_freq="batch")
    model().fit(X, Y, batch_size=10, epochs=1, verbose=0, callbacks=[every])
    assert [step for step, _ in read(tmp_path / "every" / "train")[0]["batch_accuracy"]] == [
        1, 2, 3, 4]


def test_histograms_of_every_weight(tmp_path):
    net = model()
    net.fit(X, Y, epochs=3, verbose=0,
            callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=2)])
    _, events = read(tmp_path / "train")
    tags = [tag for tag in events.Tags()["tensors"] if tag.endswith("/histogram")]
    assert len(tags) == 4
    assert [e.step for e in events.Tensors(tags[0])] == [0, 2]
    buckets = tensor_util.make_ndarray(events.Tensors(tags[0])[-1].tensor_proto)  # (k, 3)
    weight = next(w for w in net.weights if tags[0].startswith(w.path))
    assert buckets[:, 2].sum() == weight.numpy().size


def test_files_are_named_as_tensorflow_names_them(tmp_path):
    model().fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    files = glob.glob(os.path.join(tmp_path, "train", "events.out.tfevents.*"))
    assert len(files) == 1 and os.path.getsize(files[0]) > 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"profile_batch": 2}, "Profiling is not available"),
    ({"update_freq": 0}, "`update_freq` must be"),
    ({"update_freq": "step"}, "`update_freq` must be"),
])
def test_bad_arguments_are_value_errors(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.TensorBoard(tmp_path, **kwargs)


def test_write_images_is_not_written_and_says_so(tmp_path):
    with pytest.warns(UserWarning, match="write_images and embeddings_freq are ignored"):
        keras.callbacks.TensorBoard(tmp_path, write_images=True)


def test_without_tensorboard_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(ImportError, match=r"minikeras\[tensorboard\]"):
        keras.callbacks.TensorBoard(tmp_path)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        summary_writer.SummaryWriter(tmp_path)
