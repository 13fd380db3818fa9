"""Picture utilities against tf.keras's: the same files give the same arrays, labels,
class names and splits (PNG files, which both decode exactly)."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import minikeras as mk
from parity_tests.harness import assert_close, covers


def pictures(root, modes):
    """Three classes of PNG pictures of different sizes, in turn of each of ``modes``."""
    rng = np.random.default_rng(0)
    for name, count in (("ant", 4), ("bee", 3), ("cow", 5)):
        (root / name / "nested").mkdir(parents=True)
        for i in range(count):
            height, width = rng.integers(5, 30, size=2)
            mode = modes[i % len(modes)]
            pixels = rng.integers(0, 256, size=(height, width, len(mode)), dtype=np.uint8)
            where = root / name / ("nested" if i == 2 else "")
            Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode).save(
                where / f"{i}.png")
    (root / "cow" / "notes.txt").write_text("not a picture")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Pictures in RGB, RGBA and grayscale."""
    return pictures(tmp_path_factory.mktemp("pictures"), ("RGB", "RGBA", "L"))


@pytest.fixture(scope="module")
def gray_folder(tmp_path_factory):
    """Grayscale pictures only: a colour picture made grayscale takes Pillow's weights
    (ITU-R 601) in minikeras and the decoder's own in TensorFlow (libpng's differ)."""
    return pictures(tmp_path_factory.mktemp("gray"), ("L",))


def batches(dataset):
    """Every batch of a dataset as lists of arrays, whichever library made it."""
    return [tuple(np.asarray(part) for part in batch) if isinstance(batch, tuple)
            else (np.asarray(batch),) for batch in dataset]


@covers("utils.image_dataset_from_directory")
@pytest.mark.parametrize("options", [
    {"image_size": (12, 9)},
    {"image_size": (16, 16), "interpolation": "nearest", "label_mode": "categorical"},
    {"image_size": (8, 20), "crop_to_aspect_ratio": True, "color_mode": "rgba"},
    {"image_size": (6, 7), "class_names": ["cow", "ant"], "label_mode": "binary"},
])
def test_image_dataset_reads_what_keras_reads(folder, options):
    common = {"batch_size": 5, "shuffle": False, "verbose": False, **options}
    ours = mk.utils.image_dataset_from_directory(folder, **common)
    theirs = tf.keras.utils.image_dataset_from_directory(folder, **common)
    assert ours.class_names == getattr(theirs, "class_names", None)
    assert ours.file_paths == theirs.file_paths
    for mine, other in zip(batches(ours), batches(theirs), strict=True):
        assert_close(mine[0], other[0], "linear",
                     what=f"utils.image_dataset_from_directory images {options}")
        for a, b in zip(mine[1:], other[1:], strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


@covers("utils.image_dataset_from_directory")
def test_image_dataset_reads_grayscale_pictures_as_keras(gray_folder):
    common = {"batch_size": 4, "shuffle": False, "verbose": False, "image_size": (10, 13),
              "labels": None, "color_mode": "grayscale"}
    ours = batches(mk.utils.image_dataset_from_directory(gray_folder, **common))
    theirs = batches(tf.keras.utils.image_dataset_from_directory(gray_folder, **common))
    for mine, other in zip(ours, theirs, strict=True):
        assert_close(mine[0], other[0], "linear",
                     what="utils.image_dataset_from_directory grayscale images")


@covers("utils.image_dataset_from_directory")
def test_image_dataset_splits_the_files_as_keras(folder):
    common = {"validation_split": 0.25, "subset": "both", "seed": 7, "image_size": (4, 4),
              "verbose": False}
    ours = mk.utils.image_dataset_from_directory(folder, **common)
    theirs = tf.keras.utils.image_dataset_from_directory(folder, **common)
    for mine, other in zip(ours, theirs, strict=True):
        assert mine.file_paths == other.file_paths


@covers("utils.load_img", "utils.img_to_array", "utils.array_to_img", "utils.save_img")
@pytest.mark.parametrize("options", [
    {}, {"color_mode": "grayscale"}, {"target_size": (7, 11)},
    {"target_size": (9, 9), "interpolation": "bilinear", "keep_aspect_ratio": True},
    {"color_mode": "rgba", "target_size": (4, 20), "interpolation": "bicubic"},
])
def test_picture_functions_match_keras(folder, tmp_path, options):
    path = folder / "ant" / "0.png"
    ours = mk.utils.img_to_array(mk.utils.load_img(path, **options))
    theirs = tf.keras.utils.img_to_array(tf.keras.utils.load_img(path, **options))
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    mk.utils.save_img(tmp_path / "ours.png", ours * 0.5 - 3)
    tf.keras.utils.save_img(tmp_path / "theirs.png", theirs * 0.5 - 3)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "ours.png")),
                                  np.asarray(Image.open(tmp_path / "theirs.png")))
    np.testing.assert_array_equal(
        np.asarray(mk.utils.array_to_img(ours, scale=False)),
        np.asarray(tf.keras.utils.array_to_img(theirs, scale=False)))
