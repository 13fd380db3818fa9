"""Fashion-MNIST: grey 28x28 pictures of clothes in 10 classes, as Keras loads them.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot. Keras's four gzipped IDX files are
looked for in ``$MINIKERAS_DATA/fashion-mnist``, then in
``~/.keras/datasets/fashion-mnist`` and ``~/.minikeras/datasets/fashion-mnist``
(see ``keras.utils.get_file``), and downloaded from Keras's address if in none.
"""

import os

from ..utils.file_utils import get_file
from . import files

# Keras's file for each array, and how many pictures each split holds.
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
SAMPLES = {"train": 60000, "test": 10000}
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
NUM_CLASSES = 10


def load_data():
    """Fashion-MNIST as Keras returns it: ``(x_train, y_train), (x_test, y_test)``.

    x_train: uint8 (60000, 28, 28), pixels 0-255; y_train: uint8 (60000,), labels 0-9.
    x_test: uint8 (10000, 28, 28); y_test: uint8 (10000,).
    Raises ValueError if a file found is not Fashion-MNIST's, and OSError if
    one is found nowhere and cannot be downloaded.
    """
    arrays = {name: _load(name, file) for name, file in FILES.items()}
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _load(name, file):
    """One checked array from its IDX file."""
    path = get_file(file, origin=files.KERAS_DATASETS + file, cache_subdir=CACHE_SUBDIR)
    samples = SAMPLES[name.split("_")[1]]
    spec = files.ArraySpec((samples, 28, 28) if name.startswith("x") else (samples,),
                           files.UINT8)
    array = files.load_idx(path, spec.shape)  # the shape is checked before the data is read
    files.check_array(name, array.shape, array.dtype, spec, path, "Fashion-MNIST file")
    if name.startswith("y"):
        files.check_labels(name, array, NUM_CLASSES, path, "Fashion-MNIST file")
    return array
