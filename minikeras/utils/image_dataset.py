"""image_dataset_from_directory: a folder of pictures, one subfolder per class, as batches.

Keras returns a ``tf.data.Dataset``; minikeras returns a ``PyDataset`` that
``fit``, ``evaluate`` and ``predict`` take the same way, listing the files as
Keras lists them (so the same ``seed`` and ``validation_split`` put the same
files in the same split) and reading and resizing the pictures as TensorFlow
does, one batch at a time.
"""

import math
import os

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from .image_utils import COLOR_MODES, img_to_array, load_img
from .io_utils import print_msg
from .numerical import to_categorical
from .py_dataset import PyDataset

FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
LABEL_MODES = ("int", "categorical", "binary", None)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Batches ``(images, labels)`` of the pictures in ``directory``, as Keras's.

    directory: with labels="inferred", one subfolder per class (class_names:
        the subfolders, sorted, or the ones given, in that order); pictures
        (.bmp, .gif, .jpeg, .jpg, .png) are found at any depth below them.
    labels: "inferred", None (images only), or one label per file, in the
        sorted order of the files' paths.
    label_mode: "int" (int32 labels), "categorical" (float32 one-hot),
        "binary" (float32 (n, 1) labels of two classes) or None (images only).
    color_mode: "rgb", "rgba" or "grayscale": 3, 4 or 1 channels (a colour picture
        made grayscale takes Pillow's ITU-R 601 weights, where TensorFlow's PNG
        decoder takes libpng's, a level or so apart).
    batch_size: pictures per batch (None: one picture per item).
    image_size: (height, width) every picture is resized to (float32, 0-255),
        by "bilinear" or "nearest" ``interpolation``; crop_to_aspect_ratio or
        pad_to_aspect_ratio keeps the picture's proportions.
    shuffle, seed: the files in a seeded random order, mixed again each epoch.
    validation_split, subset: hold out the last fraction of the (shuffled)
        files; subset "training", "validation" or "both" (a list of the two).
    data_format: None (``keras.config.image_data_format()``) or either format.
    format: "tf", Keras's default (accepted: the result is a PyDataset either way).

    The result has ``class_names`` and ``file_paths`` attributes, as Keras's.
    """
    checked = _check_arguments(labels, label_mode, color_mode, image_size, interpolation,
                               crop_to_aspect_ratio, pad_to_aspect_ratio, format,
                               validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = int(np.random.randint(1e6))
    paths, labels, class_names = index_directory(directory, labels, class_names, shuffle, seed,
                                                 follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    options = {"label_mode": label_mode, "num_classes": len(class_names or ()),
               "color_mode": color_mode, "batch_size": batch_size,
               "image_size": checked, "shuffle": shuffle, "seed": seed,
               "interpolation": interpolation, "crop_to_aspect_ratio": crop_to_aspect_ratio,
               "pad_to_aspect_ratio": pad_to_aspect_ratio,
               "data_format": backend.image_data_format() if data_format is None else data_format,
               "class_names": class_names}
    subsets = ["training", "validation"] if subset == "both" else [subset]
    datasets = []
    for part in subsets:
        part_paths, part_labels = training_or_validation_split(paths, labels, validation_split,
                                                               part, verbose)
        if not part_paths:
            raise ValueError(f"No images found in directory {directory}. Allowed formats: "
                             f"{FORMATS}")
        datasets.append(ImageFiles(part_paths, part_labels, **options))
    return datasets if subset == "both" else datasets[0]


def _check_arguments(labels, label_mode, color_mode, image_size, interpolation, crop, pad,
                     format, validation_split, subset, shuffle, seed):
    """Keras's checks, with Keras's messages; returns image_size as (height, width)."""
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the "
                         "same size as the number of image files in the target directory. If "
                         "you wish to infer the labels from the subdirectory names in the "
                         'target directory, pass `labels="inferred"`. If you wish to get a '
                         "dataset that only contains images (no labels), pass `labels=None`.")
    if label_mode not in LABEL_MODES:
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')
    if color_mode not in COLOR_MODES:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"`interpolation` must be 'bilinear' or 'nearest' in minikeras "
                         f"(Keras has more). Received: interpolation={interpolation}")
    if crop and pad:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
                         "to `True`.")
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format}")
    _check_validation_split(validation_split, subset, shuffle, seed)
    return tuple(int(n) for n in image_size)


def _check_validation_split(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError('`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must "
                         "provide a `seed` argument, to make sure that there is no overlap "
                         "between the training and validation subset.")


def index_directory(directory, labels, class_names, shuffle, seed, follow_links, verbose):
    """(file paths, labels, class names) in Keras's order: classes sorted (or as given),
    files sorted within each, then shuffled together with ``RandomState(seed)``."""
    if labels == "inferred":
        subfolders = sorted(name for name in os.listdir(directory)
                            if os.path.isdir(os.path.join(directory, name))
                            and not name.startswith("."))
        if class_names is not None:
            if not set(class_names).issubset(subfolders):
                raise ValueError("The `class_names` passed did not match the names of the "
                                 "subdirectories of the target directory. Expected: "
                                 f"{subfolders} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subfolders = list(class_names)
    elif class_names is not None:
        raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                         "specified." if labels is None else "When argument `labels` is "
                         "specified, argument `class_names` cannot be specified (the "
                         "`class_names` will be the sorted list of labels).")
    else:
        subfolders = [""]
    paths, found_labels = [], []
    for index, subfolder in enumerate(subfolders):
        files = _picture_files(os.path.join(directory, subfolder), follow_links)
        paths += files
        found_labels += [index] * len(files)
    if labels == "inferred":
        labels = np.array(found_labels, dtype="int32")
        names = subfolders
    elif labels is not None:
        if len(labels) != len(paths):
            raise ValueError("Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(paths)} files in directory {directory}.")
        names = [str(label) for label in sorted(set(labels))]
    else:
        names = None
    if verbose:
        print_msg(f"Found {len(paths)} files." if labels is None else
                  f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            labels = np.array(labels)
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, names


def _picture_files(folder, follow_links):
    """The pictures below ``folder``, folders in sorted order, files sorted in each."""
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links),
                                 key=lambda entry: entry[0]):
        found += [os.path.join(root, name) for name in sorted(files)
                  if name.lower().endswith(FORMATS)]
    return found


def training_or_validation_split(paths, labels, validation_split, subset, verbose=True):
    """All the files, or the first 1 - validation_split of them ("training") or the rest."""
    if not validation_split:
        return paths, labels
    held_out = int(validation_split * len(paths))
    if subset == "training":
        if verbose:
            print_msg(f"Using {len(paths) - held_out} files for training.")
        return paths[:len(paths) - held_out], None if labels is None else labels[
            :len(paths) - held_out]
    if verbose:
        print_msg(f"Using {held_out} files for validation.")
    return paths[len(paths) - held_out:], None if labels is None else labels[
        len(paths) - held_out:]


class ImageFiles(PyDataset):
    """Batches of pictures read from files (what image_dataset_from_directory returns).

    Each batch: images (batch, height, width, channels) float32 in 0-255 (channels
    first with that data_format), and labels as ``label_mode`` says. With
    ``shuffle``, the files are mixed again at the end of each epoch.
    """

    def __init__(self, paths, labels, label_mode, num_classes, color_mode, batch_size,
                 image_size, shuffle, seed, interpolation, crop_to_aspect_ratio,
                 pad_to_aspect_ratio, data_format, class_names):
        super().__init__()
        self.file_paths, self.labels = list(paths), labels
        self.class_names = class_names
        self.label_mode, self.num_classes = label_mode, num_classes
        self.color_mode, self.image_size = color_mode, image_size
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.interpolation, self.data_format = interpolation, data_format
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self._order = np.arange(len(self.file_paths))
        self._epochs = 0

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of {len(self)}")
        size = self.batch_size or 1
        rows = self._order[index * size:(index + 1) * size]
        images = np.stack([self.load(self.file_paths[row]) for row in rows])
        batch = (images, self._labels(rows)) if self.label_mode else (images,)
        if self.batch_size is None:
            batch = tuple(part[0] for part in batch)
        return batch if len(batch) > 1 else batch[0]

    def load(self, path):
        """One picture as a float32 array of ``image_size``, as TensorFlow decodes and
        resizes it (bilinear or nearest, half-pixel centres, no antialiasing)."""
        from ..ops.image import resize

        image = img_to_array(load_img(path, color_mode=self.color_mode), "channels_last",
                             dtype="float32")
        resized = resize(Tensor(image), self.image_size, self.interpolation,
                         crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                         pad_to_aspect_ratio=self.pad_to_aspect_ratio)
        array = backend.to_numpy(resized.data)
        return array.transpose(2, 0, 1) if self.data_format == "channels_first" else array

    def _labels(self, rows):
        labels = np.asarray(self.labels)[rows]
        if self.label_mode == "int":
            return labels.astype("int32")
        if self.label_mode == "binary":
            return labels.astype("float32").reshape(-1, 1)
        return to_categorical(labels, self.num_classes).astype("float32")

    def on_epoch_end(self):
        if self.shuffle:
            self._epochs += 1
            self._order = np.random.default_rng(
                [self.seed, self._epochs]).permutation(len(self.file_paths))
