"""CIFAR-100: 60,000 colour 32x32 pictures in 100 classes (20 superclasses), as Keras
loads them.

Keras's archive is looked for, extracted, as ``cifar-100-python-target/`` (or
as the archive ``cifar-100-python-target_archive``) in ``$MINIKERAS_DATA``,
then in ``~/.keras/datasets`` and ``~/.minikeras/datasets`` (see
``keras.utils.get_file``), and downloaded from Keras's address if in none.
"""

import os

from ..utils.file_utils import get_file
from . import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
FOLDER = "cifar-100-python-target"  # Keras's name for the extracted archive
SAMPLES = {"train": 50000, "test": 10000}
NUM_CLASSES = {"fine": 100, "coarse": 20}


def load_data(label_mode="fine"):
    """CIFAR-100 as Keras returns it: ``(x_train, y_train), (x_test, y_test)``.

    label_mode: "fine" (100 classes) or "coarse" (their 20 superclasses).
    x_train: uint8 (50000, 32, 32, 3), pixels 0-255; y_train: int64 (50000, 1),
    labels 0-99 (0-19 when coarse). x_test: uint8 (10000, 32, 32, 3); y_test:
    int64 (10000, 1). The pictures are (n, 3, 32, 32) when
    ``keras.config.image_data_format()`` is "channels_first".
    Raises ValueError for another label_mode or a file that is not CIFAR-100's,
    and OSError if the archive is found nowhere and cannot be downloaded.
    """
    if label_mode not in NUM_CLASSES:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    folder = os.path.join(get_file(FOLDER, origin=ORIGIN, extract=True, file_hash=SHA256),
                          "cifar-100-python")
    (x_train, y_train), (x_test, y_test) = (
        cifar.load_batch(os.path.join(folder, split), f"{label_mode}_labels", SAMPLES[split],
                         NUM_CLASSES[label_mode], "CIFAR-100 file")
        for split in ("train", "test"))
    return ((cifar.in_image_data_format(x_train), y_train.reshape(-1, 1)),
            (cifar.in_image_data_format(x_test), y_test.reshape(-1, 1)))
