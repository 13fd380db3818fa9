"""The examples run (so they never rot), print what they promise and draw their pictures.

Each runs as a script, in a fresh interpreter, for a step or two on a few
real MNIST images ($MINIKERAS_DATA or ../shared/data): the point is that
every line of every example still works, not what accuracy it reaches.
"""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# Two training steps (128 images, 10% held out, batches of 64) and 32 test images.
TINY = ["--epochs", "1", "--batch-size", "64", "--train-samples", "128", "--test-samples", "32",
        "--verbose", "0"]
MNIST_EXAMPLES = ["mnist_mlp.py", "mnist_convnet.py", "mnist_batchnorm.py",
                  "mnist_augmentation.py", "custom_loss_and_metric.py", "multi_output.py",
                  "train_loop_from_scratch.py"]
PLOTS = ["history.png", "model.png", "loss_graph.png"]
# The pictures an example draws besides PLOTS and predictions.png.
OWN_PLOTS = {"mnist_augmentation.py": ["augmented.png"]}


@pytest.fixture(scope="module")
def data_dir():
    """The folder holding the real mnist.npz ($MINIKERAS_DATA or ../shared/data)."""
    folder = pathlib.Path(os.environ.get("MINIKERAS_DATA") or ROOT.parent / "shared" / "data")
    if not (folder / "mnist.npz").is_file():
        pytest.fail(f"No mnist.npz in {folder}: set MINIKERAS_DATA to the folder that holds it "
                    "(`make test` does it when ../shared/data exists).")
    return folder


def run_example(name, *args, data_dir=None, check=True, cwd=ROOT):
    """Runs examples/<name> with ``args``; the finished process (stdout, stderr, returncode).

    The examples import the minikeras of this checkout, whatever is installed.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    if data_dir is not None:
        env["MINIKERAS_DATA"] = str(data_dir)
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                            text=True, timeout=600, env=env, cwd=cwd)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def printed_value(output, key):
    lines = [line for line in output.splitlines() if line.startswith(f"{key}=")]
    assert lines, f"the example did not print {key}=..."
    return float(lines[-1].split("=", 1)[1])


def assert_pngs(folder, names):
    for name in names:
        path = folder / name
        assert path.is_file(), f"{path} was not written"
        with open(path, "rb") as file:
            assert file.read(8) == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        assert path.stat().st_size > 1000, f"{path} is (nearly) empty"


@pytest.mark.parametrize("name", MNIST_EXAMPLES)
def test_mnist_example_runs_tiny_ends_with_test_accuracy_and_draws(name, data_dir, tmp_path):
    result = run_example(name, *TINY, "--plot", "--output-dir", str(tmp_path / "run"),
                         data_dir=data_dir)
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("test_accuracy=")
    assert 0.0 <= printed_value(result.stdout, "test_accuracy") <= 1.0
    assert_pngs(tmp_path / "run", [*PLOTS, "predictions.png", *OWN_PLOTS.get(name, [])])


def test_xor_is_learnt_and_drawn_into_runs_of_the_example(tmp_path):
    """--plot without --output-dir draws into runs/<example>/ (git-ignored) under the cwd."""
    result = run_example("xor.py", "--plot", cwd=tmp_path)
    assert printed_value(result.stdout, "accuracy") == 1.0
    assert_pngs(tmp_path / "runs" / "xor", PLOTS)


def test_backprop_by_hand_agrees_with_autograd():
    assert printed_value(run_example("backprop_by_hand.py").stdout, "max_difference") < 1e-12


def test_examples_say_why_the_cupy_backend_cannot_run(data_dir):
    """Without CuPy or a GPU the example stops at once and says why; with them, it runs."""
    result = run_example("mnist_mlp.py", *TINY, "--backend", "cupy", data_dir=data_dir,
                         check=False)
    if result.returncode == 0:
        assert 0.0 <= printed_value(result.stdout, "test_accuracy") <= 1.0
    else:
        assert "--backend cupy cannot run here" in result.stderr
        assert "CuPy" in result.stderr
        assert "Traceback" not in result.stderr


def test_keras_backend_trains_on_tf_keras_and_hands_the_weights_back(data_dir):
    """tf.keras trains (its LearningRateScheduler, its loop); minikeras then evaluates the
    weights it got back, on the same test images tf.keras validated on: same loss."""
    result = run_example("mnist_batchnorm.py", *TINY, "--verbose", "2", "--backend", "keras",
                         data_dir=data_dir)
    assert "LearningRateScheduler setting learning rate to 0.0101" in result.stdout
    keras_loss = float(result.stdout.split("val_loss: ")[-1].split()[0])
    assert abs(printed_value(result.stdout, "test_loss") - keras_loss) < 2e-4


@pytest.mark.parametrize("model", ["average", "convolution"])
def test_text_classification_learns_from_the_reviews_it_makes_and_draws(model, tmp_path):
    """One epoch of word embeddings already beats chance (0.5) clearly, without any download."""
    result = run_example("text_classification.py", "--model", model, "--epochs", "1",
                         "--verbose", "0", "--plot", "--output-dir", str(tmp_path / "run"))
    assert result.stdout.strip().splitlines()[-1].startswith("test_accuracy=")
    assert printed_value(result.stdout, "test_accuracy") > 0.65
    assert "as indices: [" in result.stdout
    assert_pngs(tmp_path / "run", PLOTS)


def test_seconds_per_epoch_counts_the_epochs_only(monkeypatch, capsys):
    """What comes before the first epoch (on --backend keras: importing TensorFlow and
    converting the model, seconds) is not an epoch's time."""
    import time
    import types

    import minikeras as keras
    from minikeras import keras_bridge

    monkeypatch.syspath_prepend(str(EXAMPLES))
    import common

    def slow_start_fit(model, x, y, strategy, callbacks, epochs, **kwargs):
        time.sleep(0.5)  # TensorFlow's import and the model's conversion
        for epoch in range(epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
                callback.on_epoch_end(epoch, {})
        return keras.callbacks.History()

    monkeypatch.setattr(keras_bridge, "fit_keras", slow_start_fit)
    monkeypatch.setattr(common, "callbacks", lambda args: keras.callbacks)
    args = types.SimpleNamespace(backend="keras", epochs=2, batch_size=8, verbose=0)
    common.fit(None, None, None, args)
    assert printed_value(capsys.readouterr().out, "seconds_per_epoch") < 0.1
