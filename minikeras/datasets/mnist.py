"""MNIST handwritten digits: Keras's ``mnist.npz``, and the original IDX files.

``load_data()`` looks for ``mnist.npz`` where ``keras.utils.get_file`` looks,
in this order:

1. ``$MINIKERAS_DATA`` (a folder you choose, e.g. a shared data disk);
2. Keras's own cache, ``$KERAS_HOME/datasets`` (``~/.keras/datasets``), so a
   file tf.keras already downloaded is reused;
3. minikeras's cache, ``$MINIKERAS_HOME/datasets`` (``~/.minikeras/datasets``).

If it is in none of them, it downloads the file Keras downloads into
minikeras's cache and checks its SHA-256 before using it. Whatever it loads is
checked for Keras's shapes, dtypes and labels 0-9 (the shapes and dtypes
before the arrays are read), and nothing in the file can run code.
"""

import os

import numpy as np

from ..utils import file_utils
from . import files
from .files import ArraySpec, load_idx  # noqa: F401  (load_idx: MNIST's original IDX files)

ORIGIN = files.KERAS_DATASETS + "mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# What Keras's loader returns.
EXPECTED = {
    "x_train": ArraySpec((60000, 28, 28), (np.uint8,)),
    "y_train": ArraySpec((60000,), (np.uint8,)),
    "x_test": ArraySpec((10000, 28, 28), (np.uint8,)),
    "y_test": ArraySpec((10000,), (np.uint8,)),
}
NUM_CLASSES = 10


def search_paths(path="mnist.npz"):
    """The files ``load_data(path)`` looks for, in order (an absolute ``path`` is the only one)."""
    if os.path.isabs(os.fspath(path)):
        return [os.fspath(path)]
    return [os.path.join(folder, os.fspath(path)) for folder in file_utils.cache_folders()]


def load_data(path="mnist.npz"):
    """The MNIST digits, as Keras returns them: ``(x_train, y_train), (x_test, y_test)``.

    x_train: uint8 (60000, 28, 28), pixels 0-255; y_train: uint8 (60000,), labels 0-9.
    x_test: uint8 (10000, 28, 28); y_test: uint8 (10000,).
    path: the file name looked for in each folder of ``search_paths`` (see the
        module docstring), or an absolute path.
    Raises ValueError if the file found is not MNIST as Keras ships it, and
    OSError if it is found nowhere and cannot be downloaded.
    """
    return read_npz(local_path(path))


def local_path(path="mnist.npz"):
    """The file ``load_data(path)`` reads, found as ``search_paths`` lists (or downloaded)."""
    return files.dataset_file(path, ORIGIN, SHA256)


def read_npz(file):
    """``(x_train, y_train), (x_test, y_test)`` from an ``mnist.npz`` file, validated."""
    arrays = files.read_npz(file, EXPECTED, "mnist.npz")
    validate(arrays, file)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def validate(arrays, source):
    """Raises ValueError unless ``arrays`` holds Keras's four MNIST arrays with labels 0-9."""
    files.check_arrays(arrays, EXPECTED, source, "mnist.npz")
    for name in ("y_train", "y_test"):
        files.check_labels(name, arrays[name], NUM_CLASSES, source, "mnist.npz")
