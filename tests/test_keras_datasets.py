"""The datasets beside MNIST, on small files built in each format (no test downloads).

What each loader must return is stated from the format (IDX, CIFAR's pickled
batches, the .npz files) and from Keras's documented processing;
parity_tests/test_datasets_parity.py compares the same files with tf.keras.
"""

import io
import os
import pickle
import tracemalloc
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest

import minikeras as keras
from minikeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    files,
    imdb,
    mnist,
    reuters,
)
from minikeras.testing import dataset_files


@pytest.fixture(autouse=True)
def data(monkeypatch, tmp_path):
    """$MINIKERAS_DATA in a fresh folder and a fresh home (conftest.py keeps the network out)."""
    return dataset_files.isolate_caches(monkeypatch, tmp_path)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# -- Fashion-MNIST ------------------------------------------------------------------------


def test_fashion_mnist_reads_kerass_four_idx_files(monkeypatch, data, rng):
    monkeypatch.setattr(fashion_mnist, "SAMPLES", {"train": 7, "test": 3})
    written = dataset_files.write_fashion_mnist(data / "fashion-mnist", {"train": 7, "test": 3},
                                                rng)
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    for name, array in [("x_train", x_train), ("y_train", y_train), ("x_test", x_test),
                        ("y_test", y_test)]:
        assert array.dtype == np.uint8
        np.testing.assert_array_equal(array, written[name])
    assert x_train.shape == (7, 28, 28) and y_test.shape == (3,)


def test_fashion_mnist_refuses_another_shape_before_reading(monkeypatch, data, rng):
    dataset_files.write_fashion_mnist(data / "fashion-mnist", {"train": 7, "test": 3}, rng)
    monkeypatch.setattr(fashion_mnist, "SAMPLES", {"train": 6, "test": 3})
    with pytest.raises(ValueError, match=r"declares an array of shape \(7, 28, 28\), expected "
                                         r"\(6, 28, 28\)"):
        fashion_mnist.load_data()


def test_fashion_mnist_refuses_labels_beyond_nine(monkeypatch, data, rng):
    monkeypatch.setattr(fashion_mnist, "SAMPLES", {"train": 2, "test": 1})
    dataset_files.write_fashion_mnist(data / "fashion-mnist", {"train": 2, "test": 1}, rng)
    dataset_files.write_idx(data / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz",
                            np.array([10], np.uint8))
    with pytest.raises(ValueError, match="y_test holds the label 10, expected labels 0 to 9"):
        fashion_mnist.load_data()


# -- CIFAR --------------------------------------------------------------------------------


def planes(rows):
    """CIFAR's row layout, by definition: 1024 red values, 1024 green, 1024 blue, each a
    32x32 picture in row order -> (n, 32, 32, 3)."""
    return np.stack([rows[:, c * 1024:(c + 1) * 1024].reshape(-1, 32, 32) for c in range(3)],
                    axis=-1)


def test_cifar10_reads_kerass_archive(monkeypatch, data, rng):
    monkeypatch.setattr(cifar10, "BATCH_SAMPLES", 4)
    written = dataset_files.write_cifar10(data, 4, rng)
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (20, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (20, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (4, 32, 32, 3) and y_test.shape == (4, 1)
    rows = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    np.testing.assert_array_equal(x_train, planes(rows))
    np.testing.assert_array_equal(y_train[:, 0], np.concatenate(
        [written[f"data_batch_{i}"][1] for i in range(1, 6)]))
    np.testing.assert_array_equal(x_test, planes(written["test_batch"][0]))
    np.testing.assert_array_equal(y_test[:, 0], written["test_batch"][1])
    # extracted once into minikeras's cache ($MINIKERAS_DATA is only read), then reused
    extracted = data.parent / "home" / ".minikeras" / "datasets" / "cifar-10-batches-py-target"
    assert sorted(os.listdir(extracted / "cifar-10-batches-py")) == sorted(
        [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"])
    os.remove(data / "cifar-10-batches-py-target_archive")
    np.testing.assert_array_equal(cifar10.load_data()[1][0], x_test)


@pytest.mark.parametrize(("label_mode", "classes"), [("fine", 100), ("coarse", 20)])
def test_cifar100_reads_kerass_archive(monkeypatch, data, rng, label_mode, classes):
    monkeypatch.setattr(cifar100, "SAMPLES", {"train": 5, "test": 3})
    written = dataset_files.write_cifar100(data, {"train": 5, "test": 3}, rng)
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode)
    assert x_train.shape == (5, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (5, 1) and y_train.dtype == np.int64
    np.testing.assert_array_equal(x_test, planes(written["test"]["data"]))
    np.testing.assert_array_equal(y_train[:, 0], written["train"][f"{label_mode}_labels"])
    assert y_test.max() < classes


def test_cifar100_refuses_an_unknown_label_mode():
    with pytest.raises(ValueError, match='`label_mode` must be one of `"fine"`, `"coarse"`'):
        cifar100.load_data("medium")


class Alarm:
    """Unpickling this would run ``os.system``: the attack a pickle allows."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/minikeras-pickle-ran",))


@pytest.mark.parametrize(("payload", "message"), [
    (pickle.dumps(Alarm(), protocol=2), "names posix.system"),
    (pickle.dumps({b"data": np.zeros((2, 3), np.uint8)}, protocol=4), "it has no labels"),
    (pickle.dumps([1, 2], protocol=4), "holds a list, expected a dict"),
    (dataset_files.cifar_batch_pickle(np.zeros((2, 3072), np.float32), labels=[0, 1]),
     "data is float32 of shape"),
    (dataset_files.cifar_batch_pickle(np.zeros((2, 3072), np.uint8), labels=[0, 10]),
     "labels holds the label 10"),
    (dataset_files.cifar_batch_pickle(np.zeros((2, 3072), np.uint8), labels=[0]),
     "labels is not a list of 2 integers"),
    (dataset_files.cifar_batch_pickle(np.zeros((2, 3072), np.uint8), labels=[0, 1])[:-40],
     "not a valid CIFAR-10 batch"),
])
def test_cifar_batch_is_read_as_untrusted(tmp_path, payload, message):
    path = tmp_path / "data_batch_1"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=message):
        cifar10_batch(path)
    assert not os.path.exists("/tmp/minikeras-pickle-ran")


def cifar10_batch(path):
    from minikeras.datasets import cifar

    return cifar.load_batch(path, "labels", 2, 10, "CIFAR-10 batch")


def python2_batch_pickle(raw, labels):
    """A CIFAR batch as Python 2 and NumPy 1 pickled it (protocol 2): str keys and pixel
    bytes as BINSTRINGs, numpy.core.multiarray._reconstruct, dtype state version 3."""
    array = (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R("
             b"K\x01K\x02M\x00\x0c\x86cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R(K\x03U\x01|NNN"
             b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T" + len(raw).to_bytes(4, "little")
             + raw + b"tb")
    label_ops = b"".join(b"K" + bytes([label]) for label in labels)
    return (b"\x80\x02}(U\x04data" + array + b"U\x06labels](" + label_ops + b"eu.")


def test_python2_pickles_of_numpy_1_are_read(tmp_path):
    """The real CIFAR files: Python 2 strings read as bytes, NumPy 1's module names."""
    rows = np.arange(2 * 3072).reshape(2, 3072).astype(np.uint8)
    (tmp_path / "old").write_bytes(python2_batch_pickle(rows.tobytes(), [3, 4]))
    data, labels = cifar10_batch(tmp_path / "old")
    np.testing.assert_array_equal(data.reshape(2, 3072), rows)
    assert labels.tolist() == [3, 4]


@pytest.mark.parametrize("attack", [
    b"\x80\x02cnumpy\nndarray\nK\x05\x85\x85R.",  # ndarray((5,)): an array of a chosen size
    b"\x80\x02cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
    b"J\x00\xe1\xf5\x05\x85C\x01b\x87R.",  # _reconstruct(ndarray, (10**8,), b"b")
    b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1\x85R.",  # eval("1+1")
])
def test_safe_unpickler_builds_no_array_of_a_chosen_size_and_calls_nothing(attack):
    with pytest.raises(ValueError, match="not a valid test file"):
        files.SafeUnpickler(io.BytesIO(attack)).load_checked("attack", "test file")


# -- IMDB and Reuters ---------------------------------------------------------------------


def shifted(texts, all_texts):
    """What Keras's defaults make of ``texts``: start_char 1, ranks + 3, and num_words=None
    meaning "below the largest index of all texts", so that largest one becomes oov_char 2."""
    top = 3 + max(max(text) for text in all_texts)
    return [[1] + [w + 3 if w + 3 < top else 2 for w in text] for text in texts]


@pytest.fixture(scope="module")
def imdb_file(tmp_path_factory):
    """An imdb.npz of random reviews (written once for the module) and what it holds."""
    path = tmp_path_factory.mktemp("imdb") / "imdb.npz"
    return str(path), dataset_files.write_imdb(path, np.random.default_rng(1))


def test_imdb_shuffles_shifts_and_marks_as_keras_documents(data, imdb_file):
    (data / "imdb.npz").symlink_to(imdb_file[0])
    written = imdb_file[1]
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data()
    assert x_train.shape == (25000,) and x_train.dtype == object
    order = np.arange(25000)
    shuffle = np.random.RandomState(113)
    shuffle.shuffle(order)
    everything = np.concatenate([written["x_train"], written["x_test"]])
    assert [list(x) for x in x_train] == shifted(written["x_train"][order], everything)
    np.testing.assert_array_equal(y_train, written["y_train"][order])
    test_order = np.arange(25000)
    shuffle.shuffle(test_order)  # the same generator goes on to the test split
    np.testing.assert_array_equal(y_test, written["y_test"][test_order])
    assert [list(x) for x in x_test[:50]] == shifted(written["x_test"][test_order[:50]],
                                                     everything)


def test_imdb_vocabulary_options(imdb_file):
    path = imdb_file[0]
    (x_plain, y_plain), _ = imdb.load_data(path)
    (x_cut, y_cut), _ = imdb.load_data(path, num_words=50, skip_top=5, oov_char=2)
    np.testing.assert_array_equal(y_cut, y_plain)
    for plain, cut in zip(x_plain[:200], x_cut[:200], strict=True):
        assert cut == [w if 5 <= w < 50 else 2 for w in plain]
    (x_dropped, _), _ = imdb.load_data(path, num_words=50, oov_char=None)
    assert x_dropped[0] == [w for w in x_plain[0] if w < 50]
    (x_all, _), _ = imdb.load_data(path, num_words=1000)  # every word kept
    (x_raw, _), _ = imdb.load_data(path, start_char=None, index_from=0, num_words=1000)
    assert [[1] + [w + 3 for w in x] for x in x_raw[:100]] == [list(x) for x in x_all[:100]]


def test_imdb_maxlen_keeps_only_shorter_texts(imdb_file):
    path = imdb_file[0]
    (x_all, y_all), _ = imdb.load_data(path)
    (x_short, y_short), (x_test, _) = imdb.load_data(path, maxlen=6)
    kept = [i for i, x in enumerate(x_all) if len(x) < 6]  # shorter than maxlen, as Keras
    assert [list(x) for x in x_short] == [x_all[i] for i in kept]
    np.testing.assert_array_equal(y_short, y_all[kept])
    assert max(len(x) for x in x_test) < 6
    with pytest.raises(ValueError, match="no sequence was kept. Increase maxlen"):
        imdb.load_data(path, maxlen=1)


def test_imdb_refuses_unknown_arguments(data):
    with pytest.raises(TypeError, match="num_word"):
        imdb.load_data(num_word=100)


def test_reuters_splits_after_shuffling(data, rng):
    written = dataset_files.write_reuters(data / "reuters.npz", rng)
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(test_split=0.25)
    order = np.arange(11228)
    np.random.RandomState(113).shuffle(order)
    assert len(x_train) == int(11228 * 0.75) and len(x_test) == 11228 - int(11228 * 0.75)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), written["y"][order])
    assert [list(x) for x in x_test[-20:]] == shifted(written["x"][order[-20:]], written["x"])
    assert len(reuters.get_label_names()) == 46 and reuters.get_label_names()[3] == "earn"


def test_word_indexes_are_read_from_json(data):
    (data / "imdb_word_index.json").write_text('{"the": 1, "and": 2}')
    (data / "reuters_word_index.json").write_text('{"said": 1}')
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    assert reuters.get_word_index() == {"said": 1}
    (data / "imdb_word_index.json").write_text('["the", "and"]')
    with pytest.raises(ValueError, match="expected a JSON object of word: index pairs"):
        imdb.get_word_index()


def test_a_text_that_is_not_word_indices_is_a_value_error(data):
    texts = np.empty(25000, dtype=object)
    texts[:] = [[1, 2]] * 24999 + [["not", "indices"]]
    labels = np.zeros(25000, np.int64)
    np.savez(data / "imdb.npz", x_train=texts, y_train=labels, x_test=texts,
             y_test=labels)
    with pytest.raises(ValueError, match="holds a text that is not a sequence of word indices"):
        imdb.load_data()


def test_pickled_texts_may_not_name_other_classes(data):
    texts = np.empty(11228, dtype=object)
    texts[:] = [Alarm()] * 11228
    np.savez(data / "reuters.npz", x=texts, y=np.zeros(11228, np.int64))
    with pytest.raises(ValueError, match="names posix.system"):
        reuters.load_data()
    assert not os.path.exists("/tmp/minikeras-pickle-ran")


# -- the housing datasets -------------------------------------------------------------------


@pytest.mark.parametrize(("module", "samples", "features"), [
    (boston_housing, 506, 13), (california_housing, 20640, 8)])
def test_housing_shuffles_and_splits(data, rng, module, samples, features):
    name = module.__name__.rsplit(".", 1)[1] + ".npz"
    written = dataset_files.write_housing(data / name, rng, samples, features)
    (x_train, y_train), (x_test, y_test) = module.load_data(test_split=0.3, seed=7)
    order = np.arange(samples)
    np.random.RandomState(7).shuffle(order)
    cut = int(samples * 0.7)
    np.testing.assert_array_equal(x_train, written["x"][order[:cut]])
    np.testing.assert_array_equal(y_test, written["y"][order[cut:]])
    assert x_train.dtype == np.float64 and x_test.shape == (samples - cut, features)
    with pytest.raises(ValueError, match="Invalid `test_split` argument: 1"):
        module.load_data(test_split=1)


def test_california_small_version_keeps_the_first_600(data, rng):
    written = dataset_files.write_housing(data / "california_housing.npz", rng, 20640, 8)
    (x_train, _), (x_test, _) = california_housing.load_data(version="small")
    assert len(x_train) == 480 and len(x_test) == 120
    assert sorted(map(tuple, np.concatenate([x_train, x_test]))) == sorted(
        map(tuple, written["x"][:600]))
    with pytest.raises(ValueError, match="must be one of 'small', 'large'"):
        california_housing.load_data(version="medium")


def test_absolute_path_is_read_directly(tmp_path, rng):
    written = dataset_files.write_housing(tmp_path / "mine.npz", rng, 506, 13)
    (x_train, _), (x_test, _) = boston_housing.load_data(str(tmp_path / "mine.npz"),
                                                        test_split=0)
    assert sorted(map(tuple, x_train)) == sorted(map(tuple, written["x"]))
    assert len(x_test) == 0


# -- .npz files are checked before they are read ---------------------------------------------


def npy_header_only(shape, dtype="|u1"):
    """An .npy member that declares ``shape`` but holds no data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_npz_declaring_a_huge_array_costs_nothing(tmp_path):
    """A small file declaring 1.2 GB: refused from its header, before any data is read."""
    path = tmp_path / "mnist.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x_train.npy", npy_header_only((1_530_000, 28, 28)) + bytes(1 << 20))
        for name in ("y_train", "x_test", "y_test"):
            archive.writestr(f"{name}.npy", npy_header_only((1,)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"x_train is uint8 of shape \(1530000, 28, 28\)"):
            mnist.read_npz(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_npz_member_holding_less_than_its_header_declares(tmp_path):
    path = tmp_path / "boston_housing.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", npy_header_only((506, 13), "<f8") + bytes(100))
        archive.writestr("y.npy", npy_header_only((506,), "<f8") + bytes(506 * 8))
    with pytest.raises(ValueError, match=r"x declares float64 of shape \(506, 13\) \(52,624 "
                                         r"bytes\), but the archive holds 100 bytes"):
        boston_housing.load_data(str(path))


def test_object_member_larger_than_the_dataset_needs(monkeypatch, data, rng):
    dataset_files.write_reuters(data / "reuters.npz", rng)
    monkeypatch.setitem(reuters.SPECS, "x", reuters.SPECS["x"]._replace(max_bytes=1000))
    with pytest.raises(ValueError, match="the pickle of x takes .* more than the at most 1,000"):
        reuters.load_data()


def test_npz_that_is_not_a_zip(data):
    (data / "boston_housing.npz").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="boston_housing.npz is not a valid boston_housing.npz"):
        boston_housing.load_data()


def test_offline_error_names_kerass_file_names(data, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match="could not be downloaded from https://www.cs.toronto.edu"
                                      "/~kriz/cifar-10-python.tar.gz") as info:
        cifar10.load_data()
    assert str(data / "cifar-10-batches-py-target_archive") in str(info.value)
