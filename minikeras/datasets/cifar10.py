"""CIFAR-10: 60,000 colour 32x32 pictures in 10 classes, as Keras loads them.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
7 horse, 8 ship, 9 truck. Keras's archive is looked for, extracted, as
``cifar-10-batches-py-target/`` (or as the archive
``cifar-10-batches-py-target_archive``) in ``$MINIKERAS_DATA``, then in
``~/.keras/datasets`` and ``~/.minikeras/datasets`` (see ``keras.utils.get_file``),
and downloaded from Keras's address if in none.
"""

import os

import numpy as np

from ..utils.file_utils import get_file
from . import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
FOLDER = "cifar-10-batches-py-target"  # Keras's name for the extracted archive
BATCHES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"]
BATCH_SAMPLES = 10000  # pictures in each of the five training batches and the test batch
NUM_CLASSES = 10


def load_data():
    """CIFAR-10 as Keras returns it: ``(x_train, y_train), (x_test, y_test)``.

    x_train: uint8 (50000, 32, 32, 3), pixels 0-255; y_train: uint8 (50000, 1), labels 0-9.
    x_test: uint8 (10000, 32, 32, 3); y_test: uint8 (10000, 1). The pictures are (n, 3, 32, 32)
    when ``keras.config.image_data_format()`` is "channels_first".
    Raises ValueError if a batch file is not CIFAR-10's (its pickle may hold
    only containers and NumPy arrays), and OSError if the archive is found
    nowhere and cannot be downloaded.
    """
    folder = os.path.join(get_file(FOLDER, origin=ORIGIN, extract=True, file_hash=SHA256),
                          "cifar-10-batches-py")
    train = [_load(os.path.join(folder, name)) for name in BATCHES]
    x_test, y_test = _load(os.path.join(folder, "test_batch"))
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return ((cifar.in_image_data_format(x_train), y_train),
            (cifar.in_image_data_format(x_test), y_test))


def _load(path):
    """uint8 (n, 3, 32, 32) pictures and uint8 (n, 1) labels from one batch file."""
    data, labels = cifar.load_batch(path, "labels", BATCH_SAMPLES, NUM_CLASSES,
                                    "CIFAR-10 batch")
    return data, labels.astype(np.uint8).reshape(-1, 1)
