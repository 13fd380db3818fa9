"""keras.datasets: tf.keras's loaders and minikeras's read the same small files alike.

tf.keras's loaders are pointed at the files by standing minikeras's get_file
in for theirs (theirs would check the real files' hashes and download), so
both read the very same files from $MINIKERAS_DATA; nothing downloads. Left
out: CIFAR-10, whose tf.keras loader fills arrays of exactly 50,000 pictures
(tests/test_keras_datasets.py checks ours from the format instead).
"""

import importlib
import os
import shutil
import urllib.request

import numpy as np
import pytest
import tensorflow as tf  # tf.keras's loaders live in keras.src

import minikeras as mk
from minikeras.datasets import cifar100, fashion_mnist
from minikeras.testing import dataset_files
from parity_tests.harness import covers


@pytest.fixture(autouse=True)
def data(monkeypatch, tmp_path):
    """$MINIKERAS_DATA in a fresh folder and a fresh home (conftest.py keeps the network out)."""
    return dataset_files.isolate_caches(monkeypatch, tmp_path)


def keras_loader(monkeypatch, name):
    """tf.keras's ``datasets.<name>`` module, finding its files with minikeras's get_file."""
    module = importlib.import_module(f"keras.src.datasets.{name}")
    monkeypatch.setattr(module, "get_file", mk.utils.get_file)
    return module


def assert_same(ours, theirs):
    """Equal nested tuples of arrays: same shapes, dtypes and values (lists element-wise)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for mine, other in zip(ours, theirs, strict=True):
            assert_same(mine, other)
        return
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if theirs.dtype == object:
        assert [list(x) for x in ours] == [list(x) for x in theirs]
    else:
        np.testing.assert_array_equal(ours, theirs)


# The real MNIST, as the test session found it (the fixture below moves $MINIKERAS_DATA).
REAL_MNIST = os.path.join(os.environ.get("MINIKERAS_DATA") or os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data"), "mnist.npz")


@covers("datasets.mnist.load_data")
def test_mnist_matches_keras(monkeypatch, data):
    if not os.path.isfile(REAL_MNIST):
        pytest.fail(f"No {REAL_MNIST}: set MINIKERAS_DATA to the folder that holds mnist.npz.")
    (data / "mnist.npz").symlink_to(os.path.abspath(REAL_MNIST))
    assert_same(mk.datasets.mnist.load_data(), keras_loader(monkeypatch, "mnist").load_data())


@covers("datasets.fashion_mnist.load_data")
def test_fashion_mnist_matches_keras(monkeypatch, data):
    monkeypatch.setattr(fashion_mnist, "SAMPLES", {"train": 9, "test": 4})
    dataset_files.write_fashion_mnist(data / "fashion-mnist", {"train": 9, "test": 4},
                                      np.random.default_rng(0))
    assert_same(fashion_mnist.load_data(), keras_loader(monkeypatch, "fashion_mnist").load_data())


@covers("datasets.cifar100.load_data")
@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(monkeypatch, data, label_mode):
    monkeypatch.setattr(cifar100, "SAMPLES", {"train": 6, "test": 3})
    dataset_files.write_cifar100(data, {"train": 6, "test": 3}, np.random.default_rng(0))
    assert_same(cifar100.load_data(label_mode),
                keras_loader(monkeypatch, "cifar100").load_data(label_mode))


@covers("datasets.cifar100.load_data")
def test_cifar100_follows_the_image_data_format_as_keras(monkeypatch, data):
    monkeypatch.setattr(cifar100, "SAMPLES", {"train": 2, "test": 2})
    dataset_files.write_cifar100(data, {"train": 2, "test": 2}, np.random.default_rng(0))
    mk.config.set_image_data_format("channels_first")
    tf.keras.config.set_image_data_format("channels_first")
    try:
        ours, theirs = cifar100.load_data(), keras_loader(monkeypatch, "cifar100").load_data()
    finally:
        mk.config.set_image_data_format("channels_last")
        tf.keras.config.set_image_data_format("channels_last")
    assert ours[0][0].shape == (2, 3, 32, 32)
    assert_same(ours, theirs)


@pytest.fixture(scope="module")
def imdb_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("imdb") / "imdb.npz"
    dataset_files.write_imdb(path, np.random.default_rng(1))
    return path


@covers("datasets.imdb.load_data")
@pytest.mark.parametrize("options", [
    {},
    {"num_words": 100, "skip_top": 10, "maxlen": 8, "seed": 3},
    {"num_words": 50, "oov_char": None, "start_char": None, "index_from": 0},
    {"start_char": None, "index_from": 5, "oov_char": 7},
])
def test_imdb_matches_keras(monkeypatch, data, imdb_file, options):
    (data / "imdb.npz").symlink_to(imdb_file)
    assert_same(mk.datasets.imdb.load_data(**options),
                keras_loader(monkeypatch, "imdb").load_data(**options))


@covers("datasets.reuters.load_data", "datasets.reuters.get_label_names")
@pytest.mark.parametrize("options", [
    {},
    {"num_words": 100, "skip_top": 3, "maxlen": 9, "test_split": 0.1, "seed": 5},
    {"oov_char": None, "start_char": None, "index_from": 0, "num_words": 40},
])
def test_reuters_matches_keras(monkeypatch, data, options):
    dataset_files.write_reuters(data / "reuters.npz", np.random.default_rng(2))
    keras_reuters = keras_loader(monkeypatch, "reuters")
    assert_same(mk.datasets.reuters.load_data(**options), keras_reuters.load_data(**options))
    assert mk.datasets.reuters.get_label_names() == keras_reuters.get_label_names()


@covers("datasets.imdb.get_word_index", "datasets.reuters.get_word_index")
def test_word_indexes_match_keras(monkeypatch, data):
    (data / "imdb_word_index.json").write_text('{"the": 1, "film": 2}')
    (data / "reuters_word_index.json").write_text('{"said": 1, "mln": 2}')
    for name in ("imdb", "reuters"):
        ours = getattr(mk.datasets, name).get_word_index()
        assert ours == keras_loader(monkeypatch, name).get_word_index()


@covers("datasets.boston_housing.load_data", "datasets.california_housing.load_data")
@pytest.mark.parametrize(("name", "samples", "features", "options"), [
    ("boston_housing", 506, 13, {}),
    ("boston_housing", 506, 13, {"test_split": 0.35, "seed": 4}),
    ("california_housing", 20640, 8, {}),
    ("california_housing", 20640, 8, {"version": "small", "test_split": 0.1, "seed": 9}),
])
def test_housing_matches_keras(monkeypatch, data, name, samples, features, options):
    dataset_files.write_housing(data / f"{name}.npz", np.random.default_rng(3), samples,
                                features)
    assert_same(getattr(mk.datasets, name).load_data(**options),
                keras_loader(monkeypatch, name).load_data(**options))


@covers("utils.get_file")
@pytest.mark.parametrize(("fname", "kind"), [("stuff", "tar"), ("stuff.tar.gz", "tar"),
                                             ("pack", "zip"), (None, "tar")])
def test_get_file_names_and_extracts_as_keras(monkeypatch, tmp_path, fname, kind):
    """Both fetch the same file:// URL into a cache folder of their own: the same path
    (relative to the cache) and the same extracted files."""
    source = tmp_path / "served" / ("archive.tar.gz" if kind == "tar" else "archive.zip")
    source.parent.mkdir()
    members = {"inner/a.txt": b"alpha", "inner/b/c.txt": b"gamma"}
    if kind == "tar":
        dataset_files.write_tar_gz(source, members)
    else:
        shutil.make_archive(str(source)[:-4], "zip", root_dir=_tree(tmp_path / "tree", members))
    # urllib's own functions read file:// URLs; anything else still fails the test
    monkeypatch.setattr(urllib.request, "urlopen", _file_only(REAL_URLOPEN))
    monkeypatch.setattr(importlib.import_module("keras.src.utils.file_utils"), "urlretrieve",
                        _file_only(REAL_URLRETRIEVE))
    results = {}
    for library in ("ours", "keras"):
        (tmp_path / library).mkdir()  # Keras falls back to /tmp/.keras for a missing one
    for library, get_file in (("ours", mk.utils.get_file),
                              ("keras", importlib.import_module("keras").utils.get_file)):
        path = get_file(fname, origin=source.as_uri(), extract=True,
                        cache_dir=str(tmp_path / library))
        results[library] = (os.path.relpath(path, tmp_path / library), _read_tree(path))
    assert results["ours"] == results["keras"]


def _file_only(function):
    def guarded(url, *args, **kwargs):
        assert str(url).startswith("file:"), f"a test tried to reach {url}"
        return function(url, *args, **kwargs)

    return guarded


REAL_URLOPEN, REAL_URLRETRIEVE = dataset_files.URLOPEN, dataset_files.URLRETRIEVE


def _tree(folder, members):
    for name, content in members.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def _read_tree(folder):
    return {os.path.relpath(os.path.join(root, name), folder): open(
        os.path.join(root, name), "rb").read() for root, _, names in os.walk(folder)
        for name in names}
