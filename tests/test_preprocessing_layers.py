"""ops.image.affine_transform and the preprocessing layers, with NumPy only: known pictures,
gradients against finite differences, training versus inference, seeds, adapt(), argument
checks, and the device against NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minikeras as keras
from minikeras import backend, layers, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.testing import strategies as mst

FILL_MODES = ["constant", "nearest", "wrap", "reflect"]


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def picture(shape=(1, 4, 5, 1)):
    """Distinct pixel values 1, 2, 3... so every move is visible."""
    return np.arange(1, np.prod(shape) + 1, dtype="float32").reshape(shape)


def shift_matrix(right, down):
    return np.array([1, 0, -right, 0, 1, -down, 0, 0], dtype="float32")


# -- ops.image.affine_transform -----------------------------------------------------------

def test_the_identity_transform_gives_the_image_back():
    x = picture((2, 3, 4, 2))
    for interpolation in ("nearest", "bilinear"):
        np.testing.assert_array_equal(
            ops.image.affine_transform(x, shift_matrix(0, 0), interpolation).numpy(), x)


@pytest.mark.parametrize("fill_mode, expected_row", [
    ("constant", [9, 9, 1, 2, 3]), ("nearest", [1, 1, 1, 2, 3]),
    ("wrap", [4, 5, 1, 2, 3]), ("reflect", [2, 1, 1, 2, 3])])
def test_a_whole_pixel_shift_fills_the_uncovered_pixels_as_its_fill_mode_says(fill_mode,
                                                                               expected_row):
    x = picture((1, 1, 5, 1))
    moved = ops.image.affine_transform(x, shift_matrix(2, 0), "nearest", fill_mode, 9.0)
    np.testing.assert_array_equal(moved.numpy()[0, 0, :, 0], expected_row)


def test_a_half_pixel_shift_blends_neighbours_and_nearest_rounds_halves_away_from_zero():
    x = picture((1, 1, 4, 1))
    blended = ops.image.affine_transform(x, shift_matrix(0.5, 0), "bilinear", "constant")
    np.testing.assert_allclose(blended.numpy().ravel(), [0.5, 1.5, 2.5, 3.5])
    # Output pixel x reads the input at x - 0.5: -0.5 rounds to -1 (outside), 0.5 to 1...
    nearest = ops.image.affine_transform(x, shift_matrix(0.5, 0), "nearest", "constant")
    np.testing.assert_array_equal(nearest.numpy().ravel(), [0, 2, 3, 4])


def test_channels_first_and_one_image_move_the_same_pixels():
    x = picture((2, 4, 5, 3))
    matrix = np.array([0.9, 0.2, 0.4, -0.1, 1.1, -0.6, 0, 0], dtype="float32")
    last = ops.image.affine_transform(x, matrix).numpy()
    first = ops.image.affine_transform(x.transpose(0, 3, 1, 2), matrix,
                                       data_format="channels_first").numpy()
    np.testing.assert_array_equal(first.transpose(0, 2, 3, 1), last)
    np.testing.assert_array_equal(ops.image.affine_transform(x[1], matrix).numpy(), last[1])


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_the_gradient_with_respect_to_the_images_matches_finite_differences(interpolation,
                                                                            fill_mode):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 2))
    matrices = np.array([[0.8, 0.3, 0.7, -0.2, 1.2, -0.9, 0.0, 0.0],
                         [1.1, -0.4, -1.3, 0.5, 0.9, 0.6, 0.03, -0.02]], dtype="float32")
    gradcheck(lambda t: ops.image.affine_transform(t, matrices, interpolation, fill_mode, 0.5),
              x)


def test_a_transform_per_image_or_one_for_all_and_clear_errors():
    x = picture((2, 3, 3, 1))
    one = ops.image.affine_transform(x, shift_matrix(1, 0)).numpy()
    both = ops.image.affine_transform(x, np.stack([shift_matrix(1, 0)] * 2)).numpy()
    np.testing.assert_array_equal(one, both)
    with pytest.raises(ValueError, match="3 transforms for 2 images"):
        ops.image.affine_transform(x, np.stack([shift_matrix(1, 0)] * 3))
    with pytest.raises(ValueError, match=r"fill_mode must be one of.*'mirror'"):
        ops.image.affine_transform(x, shift_matrix(1, 0), fill_mode="mirror")
    with pytest.raises(ValueError, match=r"shape \(8,\) or \(batch, 8\)"):
        ops.image.affine_transform(x, np.ones(6))


def test_affine_transform_on_the_device_equals_numpy_forward_and_backward(device):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5, 2)).astype("float32")
    matrix = np.array([0.8, 0.3, 0.7, -0.2, 1.2, -0.9, 0.0, 0.0], dtype="float32")
    upstream = rng.standard_normal(x.shape).astype("float32")

    def run():
        t = Tensor(backend.to_device(x), requires_grad=True)
        y = ops.image.affine_transform(t, matrix, "bilinear", "reflect")
        y.backward(backend.to_device(upstream))
        assert isinstance(y.data, backend.array_module().ndarray)
        return y.numpy(), backend.to_numpy(t.grad)

    on_device = run()
    backend.set_backend("numpy")
    for a, b in zip(on_device, run(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# -- the random layers: what they do with a given transformation --------------------------

def test_random_flip_flips_the_chosen_images_and_both_axes_at_once():
    x = picture((2, 3, 4, 1))
    flips = np.array([True, False]).reshape(2, 1, 1, 1)
    horizontal = layers.RandomFlip("horizontal").transform_images(Tensor(x), {"flips": flips})
    np.testing.assert_array_equal(horizontal.numpy(), [x[0, :, ::-1], x[1]])
    both = layers.RandomFlip().transform_images(Tensor(x), {"flips": flips})
    np.testing.assert_array_equal(both.numpy(), [x[0, ::-1, ::-1], x[1]])


def test_random_rotation_by_a_quarter_turn_turns_a_square_image_counter_clockwise():
    x = picture((1, 3, 3, 1))
    turned = layers.RandomRotation(0.25, interpolation="nearest").transform_images(
        Tensor(x), {"angle": np.array([90.0], dtype="float32")})
    np.testing.assert_array_equal(turned.numpy()[0, :, :, 0], np.rot90(x[0, :, :, 0]))


def test_random_translation_and_zoom_move_pixels_as_their_draws_say():
    x = picture((1, 4, 4, 1))
    shifted = layers.RandomTranslation(0.5, 0.5, fill_mode="constant").transform_images(
        Tensor(x), {"translations": np.array([[1.0, 2.0]], dtype="float32")})  # right, down
    expected = np.zeros_like(x)
    expected[0, 2:, 1:] = x[0, :2, :3]
    np.testing.assert_array_equal(shifted.numpy(), expected)
    zoom = layers.RandomZoom(0.5, interpolation="nearest")
    same = zoom.transform_images(Tensor(x), {"height_zoom": np.ones((1, 1), "float32"),
                                             "width_zoom": np.ones((1, 1), "float32")})
    np.testing.assert_array_equal(same.numpy(), x)
    twice = zoom.transform_images(Tensor(picture((1, 5, 5, 1))), {
        "height_zoom": np.full((1, 1), 2.0, "float32"), "width_zoom": np.ones((1, 1), "float32")})
    # A zoom factor of 2 on the height reads rows 2 + 2 * (y - 2): 0 (reflected -2), 0, 2, 4, 4.
    np.testing.assert_array_equal(twice.numpy()[0, :, 0, 0], [6, 1, 11, 21, 16])


def test_random_contrast_and_brightness_scale_and_shift_each_image_within_its_range():
    x = np.array([[0.2, 0.4], [0.6, 0.8]], dtype="float32").reshape(1, 2, 2, 1)
    contrast = layers.RandomContrast(0.5, value_range=(0, 1)).transform_images(
        Tensor(x), {"contrast_factor": np.full((1, 1, 1, 1), 2.0, "float32")})
    np.testing.assert_allclose(contrast.numpy().ravel(), [0.0, 0.3, 0.7, 1.0], atol=1e-7)
    brighter = layers.RandomBrightness(0.5, value_range=(0, 1)).transform_images(
        Tensor(x), {"rgb_delta": np.full((1, 1, 1, 1), 0.3, "float32")})
    np.testing.assert_allclose(brighter.numpy().ravel(), [0.5, 0.7, 0.9, 1.0], atol=1e-7)


TRANSFORMATIONS = [
    (lambda: layers.RandomFlip(), {"flips": np.array([True, False]).reshape(2, 1, 1, 1)}),
    (lambda: layers.RandomTranslation(0.3, 0.3), {
        "translations": np.array([[0.4, -1.3], [-0.7, 0.2]], "float32")}),
    (lambda: layers.RandomRotation(0.2, fill_mode="wrap"), {
        "angle": np.array([17.0, -40.0], "float32")}),
    (lambda: layers.RandomZoom(0.3, fill_mode="constant", fill_value=0.5), {
        "height_zoom": np.array([[0.8], [1.25]], "float32"),
        "width_zoom": np.array([[1.1], [0.7]], "float32")}),
    (lambda: layers.RandomContrast(0.5, value_range=(-10, 10)), {
        "contrast_factor": np.array([1.3, 0.6], "float32").reshape(2, 1, 1, 1)}),
    (lambda: layers.RandomBrightness(0.5, value_range=(-10, 10)), {
        "rgb_delta": np.array([2.0, -1.5], "float32").reshape(2, 1, 1, 1)}),
]


@pytest.mark.parametrize("make_layer, transformation", TRANSFORMATIONS)
def test_gradients_through_each_random_transformation_match_finite_differences(
        make_layer, transformation):
    layer = make_layer()
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 2))
    gradcheck(lambda t: layer.transform_images(t, transformation), x)


@pytest.mark.parametrize("make_layer, transformation", TRANSFORMATIONS)
def test_each_random_transformation_on_the_device_equals_numpy(device, make_layer,
                                                               transformation):
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 2)).astype("float32")
    on_device = make_layer().transform_images(Tensor(backend.to_device(x)), transformation)
    assert isinstance(on_device.data, backend.array_module().ndarray)
    on_device = on_device.numpy()
    drawn = make_layer()(backend.to_device(x), training=True)  # the draws stay on the device
    assert isinstance(drawn.data, backend.array_module().ndarray)
    backend.set_backend("numpy")
    on_host = make_layer().transform_images(Tensor(x), transformation)
    np.testing.assert_allclose(on_device, on_host.numpy(), rtol=1e-6, atol=1e-6)


# -- training versus inference, seeds ------------------------------------------------------

RANDOM_LAYERS = [
    lambda seed=None: layers.RandomFlip(seed=seed),
    lambda seed=None: layers.RandomTranslation(0.3, 0.3, seed=seed),
    lambda seed=None: layers.RandomRotation(0.2, seed=seed),
    lambda seed=None: layers.RandomZoom(0.3, seed=seed),
    lambda seed=None: layers.RandomContrast(0.5, seed=seed),
    lambda seed=None: layers.RandomBrightness(0.2, seed=seed),
]


@pytest.mark.parametrize("make_layer", RANDOM_LAYERS)
def test_random_layers_change_images_in_training_only_and_a_direct_call_trains(make_layer):
    x = np.random.default_rng(0).uniform(0, 255, (8, 6, 7, 3)).astype("float32")
    layer = make_layer()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    assert not np.array_equal(layer(x, training=True).numpy(), x)
    assert not np.array_equal(layer(x).numpy(), x)  # call's default, as in Keras
    model = keras.Sequential([keras.Input(shape=(6, 7, 3)), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.array_equal(model(x, training=True).numpy(), x)
    one = layer(x[0], training=True)
    assert one.shape == x[0].shape


@pytest.mark.parametrize("make_layer", RANDOM_LAYERS)
def test_a_seeded_random_layer_repeats_its_draws_run_after_run_but_not_call_after_call(
        make_layer):
    x = np.random.default_rng(0).uniform(0, 255, (8, 6, 7, 3)).astype("float32")

    def two_calls():
        layer = make_layer(seed=42)
        return layer(x, training=True).numpy(), layer(x, training=True).numpy()

    first_run, second_run = two_calls(), two_calls()
    np.testing.assert_array_equal(first_run[0], second_run[0])
    np.testing.assert_array_equal(first_run[1], second_run[1])
    assert not np.array_equal(first_run[0], first_run[1])
    outputs = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        outputs.append(make_layer()(x, training=True).numpy())
    np.testing.assert_array_equal(*outputs)


def test_an_augmented_model_trains_and_its_random_layers_hold_no_weights():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (32, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("int64")
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)), layers.Rescaling(1 / 255),
        layers.RandomRotation(0.05, fill_mode="constant", seed=1),
        layers.RandomZoom(0.1, seed=2), layers.RandomTranslation(0.1, 0.1, seed=3),
        layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.count_params() == 64 * 2 + 2


# -- Normalization ------------------------------------------------------------------------

def test_normalization_adapts_to_batches_as_to_all_the_data_at_once():
    data = np.random.default_rng(0).normal(5.0, 3.0, (30, 4, 3)).astype("float32")
    whole, batched = layers.Normalization(axis=(1, 2)), layers.Normalization(axis=(1, 2))
    whole.adapt(data)
    batched.adapt((batch, None) for batch in np.split(data, [7, 19]))  # (x, y) pairs
    np.testing.assert_allclose(whole.adapt_mean.numpy(), data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(whole.adapt_variance.numpy(), data.var(axis=0), rtol=1e-5)
    for a, b in zip(whole.get_weights(), batched.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    normalized = whole(data).numpy()
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(normalized.std(axis=0), 1.0, rtol=1e-4)


def test_normalization_over_everything_and_its_inverse():
    data = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32")
    layer = layers.Normalization(axis=None)
    layer.adapt(data)
    np.testing.assert_allclose(layer(data[:3]).numpy(), [-1.4142135, -0.70710677, 0.0],
                               rtol=1e-6)
    back = layers.Normalization(axis=None, invert=True, mean=3.0, variance=2.0)
    np.testing.assert_allclose(back(layer(data)).numpy(), data, rtol=1e-6)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.count.dtype == np.int64 and layer.count.numpy() == 0
    assert not layer.trainable_weights and back.weights == []


@pytest.mark.parametrize("make_call, error, message", [
    (lambda: layers.Normalization(mean=1.0).adapt(np.ones((2, 3))), ValueError,
     "both `mean` and `variance`"),
    (lambda: layers.Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 3))), ValueError,
     "was given its mean and variance"),
    (lambda: layers.Normalization(mean=[1.0, 2.0], variance=[1.0])(np.ones((2, 2))),
     ValueError, "same shape"),
    (lambda: layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 2.0])(np.ones((2, 3))),
     ValueError, "does not broadcast"),
    (lambda: layers.Normalization(axis=2)(np.ones((2, 3))), ValueError, r"\[-2, 2\)"),
    (lambda: layers.Normalization().adapt([]), ValueError, "no data"),
    (lambda: layers.Normalization().adapt(3), TypeError, "iterable of batches"),
])
def test_normalization_errors_say_what_to_do(make_call, error, message):
    with pytest.raises(error, match=message):
        make_call()


def test_normalization_refuses_to_adapt_to_another_feature_count():
    layer = layers.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"built for inputs of shape \(4, 3\).*\(4, 5\)"):
        layer.adapt(np.ones((4, 5)))


# -- Rescaling, Resizing, CenterCrop --------------------------------------------------------

def test_rescaling_maps_uint8_pixels_to_floats_per_channel_if_asked():
    pixels = np.array([[[[0, 255]]]], dtype="uint8")
    y = layers.Rescaling(1 / 127.5, offset=-1)(pixels)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), [[[[-1.0, 1.0]]]])
    per_channel = layers.Rescaling(np.array([1.0, 0.5]))(pixels)
    np.testing.assert_allclose(per_channel.numpy(), [[[[0.0, 127.5]]]])
    config = layers.Rescaling(np.array([1.0, 0.5])).get_config()
    assert config["scale"]["class_name"] == "__numpy__"
    np.testing.assert_array_equal(layers.Rescaling.from_config(config).scale, [1.0, 0.5])


def test_center_crop_cuts_the_middle_and_resizes_an_image_too_small():
    x = picture((1, 5, 6, 1))
    np.testing.assert_array_equal(layers.CenterCrop(3, 2)(x).numpy(), x[:, 1:4, 2:4])
    assert layers.CenterCrop(8, 3)(x).shape == (1, 8, 3, 1)
    assert layers.CenterCrop(2, 2).compute_output_shape((None, 5, 6, 1)) == (None, 2, 2, 1)
    assert layers.CenterCrop(2, 2, data_format="channels_first").compute_output_shape(
        (1, 5, 6)) == (1, 2, 2)


@given(data=st.data())
def test_resizing_and_center_crop_output_shapes_match_compute_output_shape(data):
    shape = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 6), st.integers(1, 6),
                                st.integers(1, 3)))
    size = data.draw(st.tuples(st.integers(1, 7), st.integers(1, 7)))
    x = data.draw(mst.arrays(shape, dtype="float32"))
    for layer in (layers.Resizing(*size), layers.CenterCrop(*size)):
        for images in (x, x[0]):
            assert layer(images).shape == layer.compute_output_shape(images.shape)


@pytest.mark.parametrize("make_layer, message", [
    (lambda: layers.Resizing(2, 2, interpolation="bicubic"), "interpolation"),
    (lambda: layers.Resizing(2, 2, antialias=True), "antialias=False"),
    (lambda: layers.Resizing(0, 2), "height"),
    (lambda: layers.RandomRotation(1.5), r"factor.*\[-1.0, 1.0\]"),
    (lambda: layers.RandomZoom(-1.0), r"height_factor.*\(-1.0, 1.0\]"),
    (lambda: layers.RandomContrast(-0.2), r"factor.*\[0.0, 1.0\]"),
    (lambda: layers.RandomTranslation(0.1, (0.1, 0.2, 0.3)), "width_factor"),
    (lambda: layers.RandomTranslation(0.1, 0.1, fill_mode="mirror"), "fill_mode"),
    (lambda: layers.RandomFlip("diagonal"), "mode"),
    (lambda: layers.RandomBrightness(0.1, value_range=(0, 1, 2)), "value_range"),
    (lambda: layers.RandomFlip(bounding_box_format="xyxy"), "bounding boxes"),
    (lambda: layers.RandomFlip(seed="a"), "seed"),
])
def test_wrong_arguments_are_refused_with_the_argument_named(make_layer, message):
    with pytest.raises(ValueError, match=message):
        make_layer()
