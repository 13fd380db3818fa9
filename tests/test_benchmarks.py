"""Smoke tests of the benchmarks: a tiny run of each writes its reports, well formed.

No timing is asserted (the machine decides those); only that the scripts run
and that what they write holds what the README reads from it. The training
benchmark runs on a small stand-in for mnist.npz, minikeras on NumPy only.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).absolute().parents[1]


def _run(*arguments):
    subprocess.run([sys.executable, "-m", *arguments], cwd=ROOT, check=True, timeout=300,
                   capture_output=True, text=True)


def test_the_kernel_benchmark_writes_json_markdown_and_a_chart(tmp_path):
    _run("benchmarks.kernels", "--quick", "--out", str(tmp_path))
    report = json.loads((tmp_path / "kernels.json").read_text())
    assert {"cpu", "cores", "blas", "openblas_coretype"} <= set(report["machine"])
    kernels = {row["kernel"] for row in report["rows"]}
    assert len(kernels) == 7 and all(row["backend"] == "numpy" for row in report["rows"])
    assert all(row["forward_ms"] > 0 for row in report["rows"])
    assert all(row["forward_gflops"] > 0 for row in report["rows"] if "conv" in row["kernel"])
    table = (tmp_path / "kernels.md").read_text()
    assert "| kernel | batch | backend |" in table and "conv 6x6/2" in table
    assert (tmp_path / "kernels.png").read_bytes()[:4] == b"\x89PNG"


def test_the_training_benchmark_writes_its_report(tmp_path):
    rng = np.random.default_rng(0)  # MNIST's shapes and dtypes, fewer images
    data = tmp_path / "mnist.npz"
    np.savez(data, x_train=rng.integers(0, 256, (600, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 600, dtype=np.uint8),
             x_test=rng.integers(0, 256, (100, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 100, dtype=np.uint8))
    _run("benchmarks.train_mnist", "--quick", "--models", "mlp,convnet",
         "--frameworks", "minikeras-numpy", "--data", str(data), "--out", str(tmp_path))
    report = json.loads((tmp_path / "train_mnist.json").read_text())
    for model in ("mlp", "convnet"):
        result = report["models"][model]["minikeras-numpy"]
        assert result["samples_per_second"] > 0 and result["peak_rss_mib"] > 0
        assert 0 <= result["test_accuracy"] <= 1 and result["flops_per_sample"] > 0
    assert report["models"]["mlp"]["minikeras-numpy"]["flops_per_sample"] == 2 * (
        2 * 784 * 256 + 3 * 256 * 256 + 3 * 256 * 10)  # the first layer's input needs no gradient
    assert "| mlp | minikeras-numpy |" in (tmp_path / "train_mnist.md").read_text()
    for model in ("mlp", "convnet"):  # counted on the strict stand-in, no GPU needed
        work = report["device_work"][model]
        assert work["launches"] > 0 and work["host_reads"] == 0 and work["host_to_device"] == 2
    assert "| convnet | " in (tmp_path / "train_mnist.md").read_text().split("Device work")[1]


def test_a_window_waits_for_the_device_at_its_two_ends_only(monkeypatch):
    """Waiting at every batch would keep the host from queueing the next step while the
    device computes, which training does not do."""
    import minikeras as keras
    from benchmarks import train_mnist

    waits = []
    monkeypatch.setattr(train_mnist, "device_sync", lambda framework: lambda: waits.append(1))
    timer = train_mnist.make_window_timer(keras, "minikeras-cupy", 2, 5)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((12, 3), "float32"), np.ones((12, 1), "float32"), batch_size=2, verbose=0,
              callbacks=[timer])
    assert len(waits) == 2 and len(timer.times) == 2 and timer.times[1] > timer.times[0]


def test_the_cupy_child_trains_on_the_device_even_with_minikeras_already_imported(monkeypatch):
    from benchmarks import train_mnist
    from minikeras import backend
    from minikeras.testing import strict_cupy

    monkeypatch.setattr(backend, "_import_cupy", lambda: strict_cupy)  # a GPU, as far as it knows
    keras = train_mnist.import_keras("minikeras-cupy")
    assert keras.backend.backend() == "cupy" and backend.array_module() is strict_cupy
    assert isinstance(keras.layers.Dense(2)(np.ones((1, 3), "float32")).data, strict_cupy.ndarray)
