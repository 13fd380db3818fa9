"""What CIFAR-10 and CIFAR-100 share: their pickled batches, read safely.

A batch file is a Python 2 pickle of a dict: ``b"data"``, a uint8 array of
one row per picture (1024 red, then 1024 green, then 1024 blue values, each
32x32 in row order), and the labels as a list of ints under ``b"labels"``
(CIFAR-10) or ``b"fine_labels"`` and ``b"coarse_labels"`` (CIFAR-100). It is
read by ``files.SafeUnpickler``: nothing but containers and NumPy arrays.
"""

import numpy as np

from .. import backend
from . import files

PIXELS = 3 * 32 * 32


def load_batch(path, label_key, num_samples, num_classes, what):
    """``(data, labels)`` from one batch file: uint8 (n, 3, 32, 32) and int64 (n,).

    Raises ValueError unless the file holds ``num_samples`` pictures and as
    many labels from 0 to ``num_classes - 1`` under ``label_key``.
    """
    batch = files.load_pickle(path, what)
    if not isinstance(batch, dict):
        raise ValueError(f"{path} is not a valid {what}: it holds a {type(batch).__name__}, "
                         "expected a dict.")
    batch = {key.decode("utf8", "replace") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    files.check_names(batch, ("data", label_key), path, what)
    data = batch["data"]
    if not isinstance(data, np.ndarray):
        raise ValueError(f"{path} is not a valid {what}: data is a {type(data).__name__}, "
                         "expected a NumPy array.")
    files.check_array("data", data.shape, data.dtype,
                      files.ArraySpec((num_samples, PIXELS), files.UINT8), path, what)
    labels = _labels(batch[label_key], label_key, num_samples, path, what)
    files.check_labels(label_key, labels, num_classes, path, what)
    return data.reshape(num_samples, 3, 32, 32), labels


def _labels(values, label_key, num_samples, path, what):
    """The labels as an int64 array; ValueError unless they are ``num_samples`` integers."""
    labels = np.asarray(values) if isinstance(values, (list, np.ndarray)) else None
    if labels is None or labels.shape != (num_samples,) or labels.dtype.kind not in "iu":
        raise ValueError(f"{path} is not a valid {what}: {label_key} is not a list of "
                         f"{num_samples} integers.")
    return labels.astype(np.int64)


def in_image_data_format(images):
    """(n, 3, 32, 32) pictures as Keras returns them: (n, 32, 32, 3) (a view, as Keras's)
    unless ``keras.config.image_data_format()`` is "channels_first"."""
    if backend.image_data_format() == "channels_first":
        return images
    return images.transpose(0, 2, 3, 1)
