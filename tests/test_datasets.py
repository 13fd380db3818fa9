"""datasets.mnist: the search order, the checked download, validation and the IDX reader.

No test touches the network (conftest.py replaces ``urlopen`` in every test;
the download tests serve bytes from memory), and the real files come from
$MINIKERAS_DATA (../shared/data by default).
"""

import gzip
import hashlib
import io
import os
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from minikeras.datasets import mnist
from minikeras.utils import file_utils

# The class counts of the published MNIST splits (LeCun et al.), label 0 to 9.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def data_dir():
    """The folder holding the real mnist.npz and mnist-idx/ ($MINIKERAS_DATA or ../shared/data)."""
    repo_root = Path(__file__).resolve().parents[1]
    folder = Path(os.environ.get("MINIKERAS_DATA") or repo_root.parent / "shared" / "data")
    if not (folder / "mnist.npz").is_file():
        pytest.fail(f"No mnist.npz in {folder}: set MINIKERAS_DATA to the folder that holds "
                    "mnist.npz and mnist-idx/ (`make test` does it when ../shared/data exists).")
    return folder


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """A fresh home and no data variables (conftest.py keeps the network out)."""
    for name in ("MINIKERAS_DATA", "MINIKERAS_HOME", "KERAS_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return str(path)


# -- where load_data looks ---------------------------------------------------------


@pytest.fixture
def chosen_file(monkeypatch):
    """load_data returns the path it would read instead of reading it (the empty stand-ins
    have the expected hash, so the caches keep them)."""
    monkeypatch.setattr(mnist, "read_npz", lambda file: file)
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(b"").hexdigest())


def test_minikeras_data_comes_first(monkeypatch, tmp_path, chosen_file):
    ours = touch(tmp_path / "data" / "mnist.npz")
    touch(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")
    touch(tmp_path / "home" / ".minikeras" / "datasets" / "mnist.npz")
    monkeypatch.setenv("MINIKERAS_DATA", str(tmp_path / "data"))
    assert mnist.load_data() == ours


def test_keras_cache_comes_before_minikeras_cache(tmp_path, chosen_file):
    keras_copy = touch(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")
    touch(tmp_path / "home" / ".minikeras" / "datasets" / "mnist.npz")
    assert mnist.load_data() == keras_copy


def test_keras_home_moves_keras_cache(monkeypatch, tmp_path, chosen_file):
    keras_copy = touch(tmp_path / "keras_home" / "datasets" / "mnist.npz")
    touch(tmp_path / "home" / ".minikeras" / "datasets" / "mnist.npz")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    assert mnist.load_data() == keras_copy


def test_minikeras_cache_is_last_and_movable(monkeypatch, tmp_path, chosen_file):
    default = touch(tmp_path / "home" / ".minikeras" / "datasets" / "mnist.npz")
    assert mnist.load_data() == default
    moved = touch(tmp_path / "elsewhere" / "datasets" / "mnist.npz")
    monkeypatch.setenv("MINIKERAS_HOME", str(tmp_path / "elsewhere"))
    assert mnist.load_data() == moved


def test_missing_data_folder_is_skipped(monkeypatch, tmp_path, chosen_file):
    keras_copy = touch(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz")
    monkeypatch.setenv("MINIKERAS_DATA", str(tmp_path / "empty"))
    assert mnist.load_data() == keras_copy


def test_search_paths_lists_the_three_places_in_order(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIKERAS_DATA", str(tmp_path / "data"))
    assert mnist.search_paths("digits.npz") == [
        str(tmp_path / "data" / "digits.npz"),
        str(tmp_path / "home" / ".keras" / "datasets" / "digits.npz"),
        str(tmp_path / "home" / ".minikeras" / "datasets" / "digits.npz"),
    ]


def test_absolute_path_is_the_only_place(tmp_path, chosen_file):
    file = touch(tmp_path / "mine.npz")
    assert mnist.search_paths(file) == [file]
    assert mnist.load_data(file) == file


# -- the download ------------------------------------------------------------------


class FakeResponse(io.BytesIO):
    """What urlopen returns: a readable, closable body."""


def serve(monkeypatch, payload=None, error=None):
    """Makes urlopen return ``payload`` or raise ``error``; returns the calls it saw."""
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append((url, timeout))
        if error is not None:
            raise error
        return FakeResponse(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return calls


def test_download_goes_to_minikeras_cache_after_checksum(monkeypatch, tmp_path, data_dir):
    payload = (data_dir / "mnist.npz").read_bytes()
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(payload).hexdigest())
    calls = serve(monkeypatch, payload)
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    cache = tmp_path / "home" / ".minikeras" / "datasets"
    assert calls == [(mnist.ORIGIN, file_utils.DOWNLOAD_TIMEOUT)]
    assert os.listdir(cache) == ["mnist.npz"]  # no temporary file left behind
    assert (cache / "mnist.npz").read_bytes() == payload
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    serve(monkeypatch, error=AssertionError("the cached copy should be used now"))
    assert np.array_equal(mnist.load_data()[0][1], y_train)


def test_download_asks_keras_address_with_short_timeout(monkeypatch):
    calls = serve(monkeypatch, error=urllib.error.URLError("offline"))
    with pytest.raises(OSError):
        mnist.load_data()
    [(url, timeout)] = calls
    assert url == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert 0 < timeout <= 30


def test_checksum_mismatch_raises_and_leaves_nothing(monkeypatch, tmp_path):
    serve(monkeypatch, b"this is not mnist.npz")
    with pytest.raises(ValueError, match="SHA-256 .* expected 731c5ac6"):
        mnist.load_data()
    cache = tmp_path / "home" / ".minikeras" / "datasets"
    assert not cache.exists() or os.listdir(cache) == []


def test_offline_message_says_where_to_put_the_file(monkeypatch, tmp_path):
    serve(monkeypatch, error=urllib.error.URLError("[Errno -3] Temporary failure in name "
                                                   "resolution"))
    with pytest.raises(OSError, match="could not be downloaded") as info:
        mnist.load_data()
    message = str(info.value)
    assert str(tmp_path / "home" / ".keras" / "datasets" / "mnist.npz") in message
    assert "MINIKERAS_DATA" in message
    assert mnist.ORIGIN in message
    assert not (tmp_path / "home" / ".minikeras" / "datasets" / "mnist.npz").exists()


def test_timeout_is_reported_as_offline(monkeypatch):
    serve(monkeypatch, error=TimeoutError("timed out"))
    with pytest.raises(OSError, match="could not be downloaded.*timed out"):
        mnist.load_data()


# -- what is loaded is checked ------------------------------------------------------


def test_real_file_has_kerass_shapes_and_labels(monkeypatch, data_dir):
    monkeypatch.setenv("MINIKERAS_DATA", str(data_dir))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x_train.max() == 255 and x_train.min() == 0


def full_size_arrays():
    """Arrays of MNIST's shapes and dtypes (all zeros), to break one at a time."""
    return {name: np.zeros(spec.shape, spec.dtypes[0]) for name, spec in mnist.EXPECTED.items()}


@pytest.mark.parametrize(
    ("name", "bad", "message"),
    [
        ("x_train", np.zeros((60000, 784), np.uint8), r"x_train is uint8 of shape \(60000, 784\)"),
        ("x_test", np.zeros((10000, 28, 28), np.float32), "x_test is float32"),
        ("y_train", np.zeros((59999,), np.uint8), r"y_train .* expected uint8 of shape \(60000,\)"),
        ("y_test", np.full((10000,), 10, np.uint8), "y_test holds the label 10"),
    ],
)
def test_validate_names_the_problem(name, bad, message):
    arrays = full_size_arrays()
    arrays[name] = bad
    with pytest.raises(ValueError, match=message):
        mnist.validate(arrays, "some.npz")


def test_validate_accepts_mnist_layout():
    mnist.validate(full_size_arrays(), "some.npz")  # raises nothing


def test_missing_array_is_named(tmp_path):
    file = tmp_path / "mnist.npz"
    np.savez(file, x_train=np.zeros((1, 28, 28), np.uint8), y_train=np.zeros(1, np.uint8))
    with pytest.raises(ValueError, match="has no x_test, y_test"):
        mnist.read_npz(file)


def test_pickled_arrays_are_refused(tmp_path):
    file = tmp_path / "mnist.npz"
    objects = np.array([{"a": 1}], dtype=object)
    np.savez(file, x_train=objects, y_train=objects, x_test=objects, y_test=objects)
    with pytest.raises(ValueError, match="not a valid mnist.npz: x_train is object of shape"):
        mnist.read_npz(file)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_damaged_file_is_refused(tmp_path, data_dir, damage):
    raw = (data_dir / "mnist.npz").read_bytes()
    file = tmp_path / "mnist.npz"
    file.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else b"\x00" * 1000)
    with pytest.raises(ValueError, match="not a valid mnist.npz"):
        mnist.read_npz(file)


# -- the original IDX files ------------------------------------------------------------


def test_idx_files_match_the_npz_test_split(data_dir):
    images = mnist.load_idx(data_dir / "mnist-idx" / "t10k-images-idx3-ubyte.gz")
    labels = mnist.load_idx(data_dir / "mnist-idx" / "t10k-labels-idx1-ubyte.gz")
    with np.load(data_dir / "mnist.npz") as npz:
        x_test, y_test = npz["x_test"], npz["y_test"]
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.array_equal(images, x_test)
    assert np.array_equal(labels, y_test)


def idx_bytes(type_code, shape, payload):
    """An IDX file: 0, 0, type code, rank, big-endian uint32 sizes, then the data."""
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


def write(path, raw, compress=True):
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def test_idx_big_endian_ints_plain_file(tmp_path):
    values = [1, -2, 70000, 2**31 - 1, -(2**31), 0]
    raw = idx_bytes(0x0C, (2, 3), struct.pack(">6i", *values))
    array = mnist.load_idx(write(tmp_path / "ints.idx", raw, compress=False))
    assert array.shape == (2, 3)
    assert array.dtype == np.int32 and array.dtype.isnative
    assert array.ravel().tolist() == values


def test_idx_float64_gzipped(tmp_path):
    raw = idx_bytes(0x0E, (3,), struct.pack(">3d", 0.5, -1.25, 1e300))
    array = mnist.load_idx(write(tmp_path / "floats.idx.gz", raw))
    assert array.tolist() == [0.5, -1.25, 1e300]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x08\x03\x00\x00" + bytes(100), "not an IDX file: it starts with 08030000"),
        (b"", "not an IDX file"),
        (bytes([0, 0, 0x07, 1]) + struct.pack(">I", 1) + b"\x00", "unknown IDX type code 0x07"),
        (bytes([0, 0, 0x08, 3]) + struct.pack(">I", 10), "header needs 16 bytes"),
        (idx_bytes(0x08, (2, 28, 28), bytes(2 * 784 - 1)), "is truncated.*needs 1584 bytes"),
        (idx_bytes(0x08, (2,), bytes(3)), "has bytes left over"),
    ],
)
def test_malformed_idx_is_refused(tmp_path, raw, message):
    with pytest.raises(ValueError, match=message):
        mnist.load_idx(write(tmp_path / "bad.gz", raw))


def test_cut_off_gzip_is_refused(tmp_path, data_dir):
    raw = (data_dir / "mnist-idx" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    file = tmp_path / "t10k-labels-idx1-ubyte.gz"
    file.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="not a readable gzip file"):
        mnist.load_idx(file)
