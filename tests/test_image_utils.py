"""Picture utilities: load_img, img_to_array, array_to_img, save_img and
image_dataset_from_directory (the pictures and labels tf.keras reads from the same files
are compared in parity_tests/test_image_utils_parity.py)."""

import builtins
import io

import numpy as np
import pytest
from PIL import Image

import minikeras as keras
from minikeras.utils import image_utils

RNG = np.random.default_rng(0)


def write_folder(root, counts, size=(6, 8), mode="RGB"):
    """root/<class>/<i>.png for each class and count; returns {path: pixels}."""
    written = {}
    for name, count in counts.items():
        (root / name).mkdir(parents=True)
        for i in range(count):
            pixels = RNG.integers(0, 256, size=(*size, len(mode)), dtype=np.uint8)
            path = root / name / f"{i}.png"
            Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode).save(path)
            written[str(path)] = pixels
    return written


def test_save_img_and_load_img_round_trip(tmp_path):
    pixels = RNG.integers(0, 256, size=(5, 7, 3)).astype("float32")
    keras.utils.save_img(tmp_path / "a.png", pixels, scale=False)
    img = keras.utils.load_img(tmp_path / "a.png")
    assert img.size == (7, 5) and img.mode == "RGB"
    array = keras.utils.img_to_array(img)
    assert array.dtype == np.float32 and array.shape == (5, 7, 3)
    np.testing.assert_array_equal(array, pixels)
    assert keras.utils.img_to_array(img, data_format="channels_first").shape == (3, 5, 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]  # no temporary left


def test_load_img_converts_and_resizes(tmp_path):
    keras.utils.save_img(tmp_path / "a.png", RNG.random((10, 20, 3)))
    gray = keras.utils.load_img(tmp_path / "a.png", color_mode="grayscale",
                                target_size=(4, 6), interpolation="bilinear")
    assert gray.mode == "L" and gray.size == (6, 4)
    assert keras.utils.img_to_array(gray).shape == (4, 6, 1)
    square = keras.utils.load_img(tmp_path / "a.png", target_size=(5, 5), keep_aspect_ratio=True)
    with open(tmp_path / "a.png", "rb") as file:
        direct = Image.open(io.BytesIO(file.read())).resize(
            (5, 5), Image.Resampling.NEAREST, box=[5, 0, 15, 10])
    np.testing.assert_array_equal(np.asarray(square), np.asarray(direct))


def test_array_to_img_scales_to_the_full_range():
    img = keras.utils.array_to_img(np.array([[[-1.0], [0.0], [3.0]]]))
    assert img.mode == "L" and np.asarray(img).tolist() == [[0, 63, 255]]
    rgba = keras.utils.array_to_img(np.zeros((2, 2, 4)), scale=False)
    assert rgba.mode == "RGBA"
    wide = keras.utils.array_to_img(np.full((1, 1, 1), 1000.0), scale=False)
    assert wide.mode == "I"


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: keras.utils.array_to_img(np.zeros((2, 2))), ValueError, "rank 3"),
    (lambda: keras.utils.array_to_img(np.zeros((2, 2, 2))), ValueError, "channel number: 2"),
    (lambda: keras.utils.load_img(3), TypeError, "path-like or io.BytesIO"),
    (lambda: keras.utils.load_img(io.BytesIO(), color_mode="cmyk"), ValueError, "color_mode"),
    (lambda: keras.utils.img_to_array(np.zeros((2, 2)), data_format="nchw"), ValueError,
     "data_format"),
])
def test_bad_arguments_say_what_was_expected(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_save_img_as_jpeg_drops_the_alpha_channel_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        keras.utils.save_img(tmp_path / "a.jpg", RNG.random((4, 4, 4)))
    assert keras.utils.load_img(tmp_path / "a.jpg", color_mode="rgba").size == (4, 4)


def test_without_pillow_the_error_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"needs Pillow.*minikeras\[image\]"):
        image_utils.load_img("anything.png")


def test_image_dataset_reads_classes_from_subfolders(tmp_path):
    written = write_folder(tmp_path, {"cats": 3, "dogs": 2})
    dataset = keras.utils.image_dataset_from_directory(
        tmp_path, batch_size=2, image_size=(6, 8), shuffle=False, verbose=False)
    assert dataset.class_names == ["cats", "dogs"] and len(dataset) == 3
    images, labels = dataset[0]
    assert images.shape == (2, 6, 8, 3) and images.dtype == np.float32
    assert labels.dtype == np.int32
    all_labels = np.concatenate([dataset[i][1] for i in range(3)])
    assert all_labels.tolist() == [0, 0, 0, 1, 1]
    np.testing.assert_array_equal(images[1], written[dataset.file_paths[1]])


def test_image_dataset_label_modes_and_formats(tmp_path):
    write_folder(tmp_path, {"a": 2, "b": 2}, mode="L")
    common = {"image_size": (3, 4), "shuffle": False, "verbose": False, "batch_size": 4}
    images, labels = keras.utils.image_dataset_from_directory(
        tmp_path, label_mode="categorical", color_mode="grayscale", **common)[0]
    assert images.shape == (4, 3, 4, 1) and labels.tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]
    _, binary = keras.utils.image_dataset_from_directory(tmp_path, label_mode="binary",
                                                         **common)[0]
    assert binary.shape == (4, 1) and binary.dtype == np.float32
    alone = keras.utils.image_dataset_from_directory(tmp_path, labels=None, **common)[0]
    assert isinstance(alone, np.ndarray) and alone.shape == (4, 3, 4, 3)
    keras.config.set_image_data_format("channels_first")
    first, _ = keras.utils.image_dataset_from_directory(tmp_path, **common)[0]
    assert first.shape == (4, 3, 3, 4)


def test_image_dataset_splits_without_overlap_and_trains(tmp_path):
    write_folder(tmp_path, {"a": 5, "b": 5}, size=(4, 4))
    train, validation = keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 4), batch_size=3, validation_split=0.3, subset="both",
        seed=1, verbose=False)
    assert len(train.file_paths) == 7 and len(validation.file_paths) == 3
    assert not set(train.file_paths) & set(validation.file_paths)
    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=validation, epochs=2, verbose=0)
    assert len(history.history["val_accuracy"]) == 2


def test_image_dataset_reshuffles_each_epoch_with_its_seed(tmp_path):
    write_folder(tmp_path, {"a": 4, "b": 4}, size=(2, 2))
    dataset = keras.utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), batch_size=8,
                                                       seed=3, verbose=False)
    first = dataset[0][0]
    dataset.on_epoch_end()
    second = dataset[0][0]
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(np.sort(first.ravel()), np.sort(second.ravel()))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"label_mode": "sparse"}, "`label_mode` argument must be one of"),
    ({"color_mode": "cmyk"}, "`color_mode` must be one of"),
    ({"image_size": (1, 2, 3)}, "Invalid `image_size`"),
    ({"interpolation": "bicubic"}, "'bilinear' or 'nearest'"),
    ({"validation_split": 0.2}, "If `subset` is set, `validation_split` must be set"),
    ({"validation_split": 0.2, "subset": "training"}, "you must provide a `seed`"),
    ({"label_mode": "binary", "class_names": ["a", "b", "c"]}, "exactly 2"),
    ({"class_names": ["a", "z"]}, "did not match the names of the subdirectories"),
    ({"labels": [0, 1]}, "Expected the lengths of `labels` to match"),
    ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "Only one of"),
])
def test_image_dataset_refuses_bad_arguments_as_keras(tmp_path, kwargs, message):
    write_folder(tmp_path, {"a": 1, "b": 1, "c": 1}, size=(2, 2))
    with pytest.raises(ValueError, match=message):
        keras.utils.image_dataset_from_directory(tmp_path, verbose=False, **kwargs)
