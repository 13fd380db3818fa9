"""MNIST handwritten digits: Keras's ``mnist.npz``, and the original IDX files.

``load_data()`` looks for ``mnist.npz`` in three places, in this order:

1. ``$MINIKERAS_DATA`` (a folder you choose, e.g. a shared data disk);
2. Keras's own cache, ``$KERAS_HOME/datasets`` (``~/.keras/datasets``), so a
   file tf.keras already downloaded is reused;
3. minikeras's cache, ``$MINIKERAS_HOME/datasets`` (``~/.minikeras/datasets``).

If it is in none of them, it downloads the file Keras downloads into
minikeras's cache and checks its SHA-256 before using it. Whatever it loads is
checked for Keras's shapes, dtypes and labels 0-9, and ``np.load`` never runs
code from the file (``allow_pickle=False``).
"""

import contextlib
import gzip
import hashlib
import os
import tempfile
import urllib.request
import zipfile
import zlib

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT = 15  # seconds to connect and between received blocks

# What Keras's loader returns: name -> (shape, dtype).
EXPECTED = {
    "x_train": ((60000, 28, 28), np.uint8),
    "y_train": ((60000,), np.uint8),
    "x_test": ((10000, 28, 28), np.uint8),
    "y_test": ((10000,), np.uint8),
}
NUM_CLASSES = 10


def keras_cache_dir():
    """Keras's dataset cache: ``$KERAS_HOME/datasets`` (``~/.keras/datasets``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def cache_dir():
    """minikeras's dataset cache: ``$MINIKERAS_HOME/datasets`` (``~/.minikeras/datasets``)."""
    home = os.environ.get("MINIKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".minikeras")
    return os.path.join(home, "datasets")


def search_paths(path="mnist.npz"):
    """The files ``load_data(path)`` looks for, in order (an absolute ``path`` is the only one)."""
    folders = [keras_cache_dir(), cache_dir()]
    if os.environ.get("MINIKERAS_DATA"):
        folders.insert(0, os.environ["MINIKERAS_DATA"])
    candidates = [os.path.join(folder, os.fspath(path)) for folder in folders]
    return list(dict.fromkeys(candidates))  # without repeats, in order


def load_data(path="mnist.npz"):
    """The MNIST digits, as Keras returns them: ``(x_train, y_train), (x_test, y_test)``.

    x_train: uint8 (60000, 28, 28), pixels 0-255; y_train: uint8 (60000,), labels 0-9.
    x_test: uint8 (10000, 28, 28); y_test: uint8 (10000,).
    path: the file name looked for in each folder of ``search_paths`` (see the
        module docstring), or an absolute path.
    Raises ValueError if the file found is not MNIST as Keras ships it, and
    OSError if it is found nowhere and cannot be downloaded.
    """
    for candidate in search_paths(path):
        if os.path.isfile(candidate):
            return read_npz(candidate)
    target = os.path.join(cache_dir(), os.fspath(path))
    download(ORIGIN, target, SHA256, missing_message(path))
    return read_npz(target)


def read_npz(file):
    """``(x_train, y_train), (x_test, y_test)`` from an ``mnist.npz`` file, validated."""
    try:
        # Our own handle: np.load leaves its one open when the zip is broken.
        with open(file, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            arrays = {name: data[name] for name in EXPECTED if name in data.files}
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        # not an .npz, a cut-off or corrupted one, or one holding pickled objects
        raise ValueError(f"{file} is not a valid mnist.npz: {error}") from error
    validate(arrays, file)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def validate(arrays, source):
    """Raises ValueError unless ``arrays`` holds Keras's four MNIST arrays with labels 0-9."""
    missing = [name for name in EXPECTED if name not in arrays]
    if missing:
        raise ValueError(
            f"{source} is not a valid mnist.npz: it has no {', '.join(missing)} "
            f"(expected the arrays {', '.join(EXPECTED)})."
        )
    for name, (shape, dtype) in EXPECTED.items():
        array = arrays[name]
        if array.shape != shape or array.dtype != dtype:
            raise ValueError(
                f"{source} is not a valid mnist.npz: {name} is {array.dtype} of shape "
                f"{array.shape}, expected {np.dtype(dtype)} of shape {shape}."
            )
    for name in ("y_train", "y_test"):
        if arrays[name].max() >= NUM_CLASSES:
            raise ValueError(
                f"{source} is not a valid mnist.npz: {name} holds the label "
                f"{arrays[name].max()}, expected labels 0 to {NUM_CLASSES - 1}."
            )


def missing_message(path):
    """What to do when ``path`` is nowhere and the download failed."""
    return (
        f"MNIST ({path}) is not in any of {search_paths(path)} and could not be "
        f"downloaded from {ORIGIN}. Download it on a machine with network access "
        "and copy it into one of those folders (or set MINIKERAS_DATA to the folder "
        "that holds it)."
    )


def download(url, target, sha256, offline_message):
    """Downloads ``url`` to ``target`` if its SHA-256 is ``sha256``.

    The checksum is checked before anything is written, and the file is
    written to a temporary name next to ``target`` and renamed into place, so
    a corrupted or interrupted download never leaves a file that later looks
    valid. A checksum mismatch raises ValueError; a network failure raises
    OSError with ``offline_message`` (after at most ``DOWNLOAD_TIMEOUT``
    seconds of silence, not a long hang).
    """
    content = _fetch(url, offline_message)
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"The file downloaded from {url} has SHA-256 {digest}, expected {sha256}: "
            "it is corrupted or not the expected file, and was not saved. Try again, "
            f"or put a good copy at {target}."
        )
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):  # gone once renamed
            os.remove(partial)


def _fetch(url, offline_message):
    """The bytes at ``url``; OSError with ``offline_message`` if they cannot be had."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            return response.read()
    except OSError as error:  # URLError (no route, DNS), timeouts, resets are all OSErrors
        raise OSError(f"{offline_message} ({error})") from error


# -- the original IDX files ------------------------------------------------------

# IDX's third magic byte names the element type, stored big-endian.
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx(path):
    """One array from an IDX file of the original MNIST distribution, gzipped or not.

    An IDX file is a 4-byte magic number (0, 0, a type code, the number of
    dimensions n), n big-endian uint32 sizes, then the elements, big-endian,
    in C order. ``train-images-idx3-ubyte.gz`` gives uint8 (60000, 28, 28),
    ``train-labels-idx1-ubyte.gz`` uint8 (60000,).
    Returns the array in native byte order. Raises ValueError for a file that
    is not IDX, is truncated, or has bytes left over.
    """
    raw = _read_maybe_gzipped(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: it starts with {raw[:4].hex() or 'nothing'}, "
            "expected the magic number 0x0000 followed by a type code and a rank."
        )
    type_code, rank = raw[2], raw[3]
    if type_code not in IDX_DTYPES:
        raise ValueError(
            f"{path}: unknown IDX type code {type_code:#04x}, expected one of "
            f"{', '.join(f'{code:#04x}' for code in IDX_DTYPES)}."
        )
    header_size = 4 + 4 * rank
    if len(raw) < header_size:
        raise ValueError(f"{path} is truncated: its header needs {header_size} bytes, "
                         f"the file has {len(raw)}.")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=rank, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected_size = header_size + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected_size:
        problem = "is truncated" if len(raw) < expected_size else "has bytes left over"
        raise ValueError(
            f"{path} {problem}: a {dtype.name} array of shape {shape} needs "
            f"{expected_size} bytes, the file has {len(raw)}."
        )
    data = np.frombuffer(raw, dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a writable copy in native order


def _read_maybe_gzipped(path):
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] != b"\x1f\x8b":  # not gzip's magic number: a plain IDX file
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError) as error:  # cut-off or corrupted gzip stream
        raise ValueError(f"{path} is not a readable gzip file: {error}") from error
