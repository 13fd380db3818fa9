"""Small files in the formats of Keras's datasets, for tests that must not download.

Each ``write_*`` function writes random content in one dataset's format under
the name Keras gives it, and returns the arrays a loader should give back
before any shuffling: ``{name: array}``.
"""

import gzip
import io
import os
import pickle
import struct
import tarfile
import urllib.error
import urllib.request

import numpy as np

# urllib's own functions, before ``refuse_downloads`` replaces them.
URLOPEN, URLRETRIEVE = urllib.request.urlopen, urllib.request.urlretrieve


def refuse_downloads(monkeypatch, *modules):
    """Makes urllib's ``urlopen`` and ``urlretrieve`` (also where ``modules`` imported
    ``urlretrieve`` for themselves) refuse every URL, as a machine offline would: no test
    downloads, and a file a test needs but lacks gets get_file's message saying where
    to put it."""

    def refuse(url, *args, **kwargs):
        raise urllib.error.URLError(f"tests do not download (asked for {url})")

    for module in (urllib.request, *modules):
        if module is urllib.request:
            monkeypatch.setattr(module, "urlopen", refuse)
        monkeypatch.setattr(module, "urlretrieve", refuse)


def isolate_caches(monkeypatch, tmp_path):
    """Points every cache at ``tmp_path``: a fresh home (so ``~/.keras`` and ``~/.minikeras``
    are empty), no $KERAS_HOME or $MINIKERAS_HOME, and $MINIKERAS_DATA at a new, empty
    ``tmp_path/data``, which it returns."""
    for name in ("MINIKERAS_HOME", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MINIKERAS_DATA", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def write_idx(path, array):
    """``array`` (uint8) as a gzipped IDX file: magic 0 0 8 rank, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb", compresslevel=1) as stream:
        stream.write(header + np.ascontiguousarray(array, np.uint8).tobytes())


def write_fashion_mnist(folder, samples, rng):
    """Keras's four Fashion-MNIST files in ``folder``, ``samples`` = {"train": n, "test": m}."""
    from ..datasets import fashion_mnist

    os.makedirs(folder, exist_ok=True)
    arrays = {}
    for name, file in fashion_mnist.FILES.items():
        count = samples[name.split("_")[1]]
        shape = (count, 28, 28) if name.startswith("x") else (count,)
        arrays[name] = rng.integers(0, 256 if name.startswith("x") else 10, shape, np.uint8)
        write_idx(os.path.join(folder, file), arrays[name])
    return arrays


def cifar_batch_pickle(data, **labels):
    """A CIFAR batch pickled as the real files hold it, a dict with bytes keys (Python 3's
    protocol 4; the real files are Python 2 pickles, read as bytes the same way)."""
    batch = {b"batch_label": b"a test batch", b"data": data,
             b"filenames": [b"%d.png" % i for i in range(len(data))]}
    batch.update({key.encode(): list(map(int, values)) for key, values in labels.items()})
    return pickle.dumps(batch, protocol=4)


def write_tar_gz(path, members):
    """A .tar.gz at ``path`` of ``members``: {name inside the archive: bytes}."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


def write_cifar10(folder, batch_samples, rng):
    """Keras's CIFAR-10 archive in ``folder`` (as ``cifar-10-batches-py-target_archive``), its
    six batches of ``batch_samples`` pictures each; returns the pictures (n, 3072), labels."""
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    members, arrays = {}, {}
    for name in names:
        arrays[name] = (rng.integers(0, 256, (batch_samples, 3072), np.uint8),
                        rng.integers(0, 10, batch_samples))
        members[f"cifar-10-batches-py/{name}"] = cifar_batch_pickle(
            arrays[name][0], labels=arrays[name][1])
    os.makedirs(folder, exist_ok=True)
    write_tar_gz(os.path.join(folder, "cifar-10-batches-py-target_archive"), members)
    return arrays


def write_cifar100(folder, samples, rng):
    """Keras's CIFAR-100 archive in ``folder`` (as ``cifar-100-python-target_archive``);
    ``samples`` = {"train": n, "test": m}; returns each split's pictures and labels."""
    members, arrays = {}, {}
    for split, count in samples.items():
        arrays[split] = {"data": rng.integers(0, 256, (count, 3072), np.uint8),
                         "fine_labels": rng.integers(0, 100, count),
                         "coarse_labels": rng.integers(0, 20, count)}
        members[f"cifar-100-python/{split}"] = cifar_batch_pickle(
            arrays[split]["data"], fine_labels=arrays[split]["fine_labels"],
            coarse_labels=arrays[split]["coarse_labels"])
    os.makedirs(folder, exist_ok=True)
    write_tar_gz(os.path.join(folder, "cifar-100-python-target_archive"), members)
    return arrays


def random_texts(rng, count, vocabulary=300, longest=12):
    """``count`` lists of word ranks 1..vocabulary, of 1 to ``longest`` words each, as a 1-D
    object array (as imdb.npz and reuters.npz store them)."""
    lengths = rng.integers(1, longest + 1, count)
    words = rng.integers(1, vocabulary, lengths.sum()).tolist()
    ends = np.cumsum(lengths).tolist()
    texts = np.empty(count, dtype=object)
    for i, (start, end) in enumerate(zip([0, *ends[:-1]], ends, strict=True)):
        texts[i] = words[start:end]
    return texts


def write_imdb(path, rng, samples=25000):
    """An imdb.npz of ``samples`` random reviews per split, labels 0 or 1."""
    arrays = {"x_train": random_texts(rng, samples), "y_train": rng.integers(0, 2, samples),
              "x_test": random_texts(rng, samples), "y_test": rng.integers(0, 2, samples)}
    np.savez(path, **arrays)
    return arrays


def write_reuters(path, rng, samples=11228):
    """A reuters.npz of ``samples`` random newswires, topics 0 to 45."""
    arrays = {"x": random_texts(rng, samples), "y": rng.integers(0, 46, samples)}
    np.savez(path, **arrays)
    return arrays


def write_housing(path, rng, samples, features):
    """A boston_housing.npz or california_housing.npz: float64 x (n, features), y (n,)."""
    arrays = {"x": rng.normal(size=(samples, features)), "y": rng.uniform(10, 50, samples)}
    np.savez(path, **arrays)
    return arrays
