"""The preprocessing and augmentation layers and ops.image.affine_transform against tf.keras.

Deterministic parts exactly: Rescaling, Normalization (adapt, given
statistics, invert), Resizing, CenterCrop, and every random layer's
``transform_images`` given the transformation tf.keras's own
``get_random_transformation`` drew. The random draws by their distribution
(tf.keras's generator is not ours), and the random layers by the identity in
inference. Then whole models: summary() and .keras files both ways.
"""

import json

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import (
    assert_close,
    compare_functions,
    compare_layers,
    compare_models,
    compare_saved_models,
    compare_weights,
    copy_weights,
    covers,
    keras_twin,
)

layers = mk.layers
keras_ops = tf.keras.ops
DATA_FORMATS = ["channels_last", "channels_first"]


def float32_arrays(shape, elements=None):
    return mst.arrays(shape, elements, "float32")


def images(max_side=6, max_channels=3, batched=True):
    sides = (st.integers(1, max_side), st.integers(1, max_side), st.integers(1, max_channels))
    return st.tuples(st.integers(1, 3), *sides) if batched else st.tuples(*sides)


def assert_config_round_trip(layer):
    """tf.keras rebuilds ``layer`` from our config, and we rebuild it from tf.keras's: the
    same config comes back."""
    theirs = keras_twin(layer)
    back = type(layer).from_config(theirs.get_config())
    assert back.get_config() == layer.get_config()


# -- ops.image.affine_transform -------------------------------------------------------

def dyadic(limit):
    """Multiples of 1/8 in [-limit, limit]: every product and sum of the sampling points is
    exact in float32, so "nearest" rounds the same points whatever order the sums take."""
    return st.integers(-8 * limit, 8 * limit).map(lambda n: n / 8)


@st.composite
def transforms(draw, count, exact):
    values = (lambda limit: dyadic(limit)) if exact else (lambda limit: mst.moderate(-limit,
                                                                                     limit))
    rows = [[draw(values(2)), draw(values(1)), draw(values(6)), draw(values(1)),
             draw(values(2)), draw(values(6)),
             *draw(st.sampled_from([(0.0, 0.0), (draw(values(0.25)), draw(values(0.25)))]))]
            for _ in range(count)]
    return np.array(rows, dtype="float32")


@covers("ops.image.affine_transform")
@given(data=st.data())
def test_affine_transform_forward(data):
    interpolation = data.draw(st.sampled_from(["nearest", "bilinear"]))
    fill_mode = data.draw(st.sampled_from(["constant", "nearest", "wrap", "reflect"]))
    data_format = data.draw(st.sampled_from(DATA_FORMATS))
    batched = data.draw(st.booleans())
    shape = data.draw(images(batched=batched))
    transform = data.draw(transforms(shape[0] if batched else 1, exact=interpolation ==
                                     "nearest"))
    if not batched or data.draw(st.booleans()):
        transform = transform[0]
    x = data.draw(float32_arrays(shape))
    kwargs = {"interpolation": interpolation, "fill_mode": fill_mode,
              "fill_value": data.draw(st.sampled_from([0.0, 0.5])), "data_format": data_format}
    ours = mk.ops.image.affine_transform(x, transform, **kwargs).numpy()
    theirs = keras_ops.image.affine_transform(x, transform, **kwargs)
    assert_close(ours, np.asarray(theirs), "linear", what=f"ops.image.affine_transform({kwargs})")


@covers("ops.image.affine_transform")
@given(data=st.data())
def test_affine_transform_gradient_where_tensorflow_computes_it_exactly(data):
    """TensorFlow's gradient is the upstream gradient moved back by the inverse transform: the
    true gradient for whole-pixel shifts and flips with constant fill, an approximation
    otherwise (minikeras's, checked by finite differences in tests/, is the true one)."""
    shape = data.draw(images())
    rows = [[data.draw(st.sampled_from([1.0, -1.0])), 0.0, float(data.draw(st.integers(-3, 3))),
             0.0, data.draw(st.sampled_from([1.0, -1.0])), float(data.draw(st.integers(-3, 3))),
             0.0, 0.0] for _ in range(shape[0])]
    transform = np.array(rows, dtype="float32")
    # A flip maps pixel x to -x: shift it by width - 1 so that it stays in the image.
    transform[:, 2] += np.where(transform[:, 0] < 0, shape[2] - 1, 0)
    transform[:, 5] += np.where(transform[:, 4] < 0, shape[1] - 1, 0)
    interpolation = data.draw(st.sampled_from(["nearest", "bilinear"]))
    compare_functions(
        lambda t: mk.ops.image.affine_transform(t, transform, interpolation),
        lambda t: keras_ops.image.affine_transform(t, transform, interpolation),
        [data.draw(float32_arrays(shape))], "linear",
        f"ops.image.affine_transform(whole-pixel moves, {interpolation})")


# -- Rescaling, Normalization, Resizing, CenterCrop -------------------------------------

@covers("layers.Rescaling")
@given(data=st.data())
def test_rescaling(data):
    shape = data.draw(images())
    scale = data.draw(st.one_of(mst.moderate(-2, 2), float32_arrays((shape[-1],)).map(
        lambda a: a.astype("float64"))))
    layer = layers.Rescaling(scale, offset=data.draw(st.sampled_from([0.0, -1.0, 0.5])))
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(float32_arrays(shape)), "elementwise")


def normalization_axes(rank):
    return st.sampled_from([-1, None, (1,), (1, -1)] if rank > 2 else [-1, None, (1,)])


@covers("layers.Normalization")
@given(data=st.data())
def test_normalization_adapts_to_the_statistics_keras_finds(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, min_side=2, max_side=5))
    layer = layers.Normalization(axis=data.draw(normalization_axes(len(shape))),
                                 invert=data.draw(st.booleans()))
    twin = keras_twin(layer)
    sample = data.draw(float32_arrays((8, *shape[1:]), mst.moderate(-4, 4)))
    as_batches = data.draw(st.booleans())
    adapt_data = [sample[:3], sample[3:]] if as_batches else sample
    layer.adapt(adapt_data)
    twin.adapt(adapt_data)
    compare_weights(layer, twin, "normalization", "layers.Normalization adapt()")
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(float32_arrays(shape)), "normalization", twin=twin)


@covers("layers.Normalization")
@given(data=st.data())
def test_normalization_with_given_statistics(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
    axis = data.draw(normalization_axes(len(shape)))
    axes = () if axis is None else (axis,) if isinstance(axis, int) else axis
    kept = tuple(shape[a] for a in sorted(a % len(shape) for a in axes))
    statistics_shape = data.draw(st.sampled_from([(), kept[-1:], kept]))
    mean = data.draw(float32_arrays(statistics_shape))
    variance = data.draw(float32_arrays(statistics_shape, mst.moderate(0.1, 4)))
    layer = layers.Normalization(axis=axis, mean=mean.tolist(), variance=variance.tolist(),
                                 invert=data.draw(st.booleans()))
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(float32_arrays(shape)), "normalization")


@covers("layers.Resizing")
@given(data=st.data())
def test_resizing(data):
    aspect = data.draw(st.sampled_from([{}, {"crop_to_aspect_ratio": True},
                                        {"pad_to_aspect_ratio": True, "fill_value": 0.5}]))
    layer = layers.Resizing(data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8)),
                            interpolation=data.draw(st.sampled_from(["bilinear", "nearest"])),
                            data_format=data.draw(st.sampled_from(DATA_FORMATS)), **aspect)
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(float32_arrays(images(batched=data.draw(st.booleans())))),
                   "linear")


@covers("layers.CenterCrop")
@given(data=st.data())
def test_center_crop_cuts_or_resizes_as_keras(data):
    layer = layers.CenterCrop(data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7)),
                              data_format=data.draw(st.sampled_from(DATA_FORMATS)))
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(float32_arrays(images(batched=data.draw(st.booleans())))),
                   "linear")


# -- the random layers ------------------------------------------------------------------

def random_layers(data):
    """One of each random layer, with arguments drawn."""
    fill = {"fill_mode": data.draw(st.sampled_from(["constant", "nearest", "wrap", "reflect"])),
            "interpolation": data.draw(st.sampled_from(["bilinear", "nearest"])),
            "fill_value": data.draw(st.sampled_from([0.0, 0.5])),
            "data_format": data.draw(st.sampled_from(DATA_FORMATS)), "seed": 7}
    pair = st.tuples(mst.moderate(-0.5, 0.5), mst.moderate(-0.5, 0.5))
    factor = st.one_of(mst.moderate(0, 0.5), pair)
    value_range = data.draw(st.sampled_from([(0, 1), (-1.0, 2.0)]))
    return [
        layers.RandomFlip(data.draw(st.sampled_from(["horizontal", "vertical",
                                                     "horizontal_and_vertical"])), seed=7,
                          data_format=fill["data_format"]),
        layers.RandomTranslation(data.draw(factor), data.draw(factor), **fill),
        layers.RandomRotation(data.draw(factor), **fill),
        layers.RandomZoom(data.draw(factor), data.draw(st.one_of(st.none(), factor)), **fill),
        layers.RandomContrast(data.draw(st.one_of(mst.moderate(0, 1), st.tuples(
            mst.moderate(0, 1), mst.moderate(0, 1)))), value_range=value_range, seed=7),
        layers.RandomBrightness(data.draw(factor), value_range=value_range, seed=7),
    ]


RANDOM_LAYERS = ("layers.RandomFlip", "layers.RandomTranslation", "layers.RandomRotation",
                 "layers.RandomZoom", "layers.RandomContrast", "layers.RandomBrightness")
AFFINE_LAYERS = (layers.RandomTranslation, layers.RandomRotation, layers.RandomZoom)


@covers(*RANDOM_LAYERS)
@given(data=st.data())
def test_random_layers_are_the_identity_in_inference(data):
    x = data.draw(float32_arrays(images(batched=data.draw(st.booleans()))))
    for layer in random_layers(data):
        assert_config_round_trip(layer)
        compare_layers(layer, x, "elementwise", training=False)


@covers(*RANDOM_LAYERS)
@given(data=st.data())
def test_random_layers_transform_as_keras_given_keras_draws(data):
    """tf.keras draws a transformation; both frameworks apply it to the same images. Its
    gradients too, but for the layers that move pixels (see affine_transform above)."""
    x = data.draw(float32_arrays(images(), mst.moderate(-0.5, 1.5)))
    for layer in random_layers(data):
        compare_transforms(layer, x)


def compare_transforms(layer, x):
    twin = keras_twin(layer)
    drawn = twin.get_random_transformation(tf.constant(x), training=True)
    given_draws = {key: np.asarray(value) for key, value in drawn.items() if key != "input_shape"}
    what = f"layers.{type(layer).__name__}({layer.get_config()}).transform_images"
    if isinstance(layer, AFFINE_LAYERS):
        ours = layer.transform_images(mk.Tensor(x), given_draws).numpy()
        theirs = np.asarray(twin.transform_images(tf.constant(x), drawn))
        assert_close(ours, theirs, "linear", what=what)
    else:
        compare_functions(lambda t: layer.transform_images(t, given_draws),
                          lambda t: twin.transform_images(t, drawn), [x], "reduction", what)


DRAWS = [  # (layer, the transformation's key, images' shape)
    (lambda: layers.RandomFlip(seed=3), "flips", (100_000, 1, 1, 1)),
    (lambda: layers.RandomTranslation((-0.2, 0.3), 0.1, seed=3), "translations",
     (100_000, 5, 3, 1)),
    (lambda: layers.RandomRotation((-0.1, 0.2), seed=3), "angle", (100_000, 1, 1, 1)),
    (lambda: layers.RandomZoom(0.3, seed=3), "height_zoom", (100_000, 1, 1, 1)),
    (lambda: layers.RandomZoom(0.3, (-0.5, -0.1), seed=3), "width_zoom", (100_000, 1, 1, 1)),
    (lambda: layers.RandomContrast(0.4, seed=3), "contrast_factor", (100_000, 1, 1, 1)),
    (lambda: layers.RandomBrightness((-0.1, 0.3), value_range=(0, 2), seed=3), "rgb_delta",
     (100_000, 1, 1, 1)),
]


@covers(*RANDOM_LAYERS)
@pytest.mark.parametrize("make_layer, key, shape", DRAWS, ids=[f"{d[1]}-{i}" for i, d in
                                                              enumerate(DRAWS)])
def test_random_layers_draw_from_keras_distributions(make_layer, key, shape):
    """The draws' mean, standard deviation and deciles, in units of the standard deviation
    (each column apart: a translation is (right, down)); of flips, the mean and deviation."""
    layer = make_layer()
    images = np.zeros(shape, dtype="float32")
    ours = mk.backend.to_numpy(layer.get_random_transformation(images)[key])
    theirs = np.asarray(keras_twin(layer).get_random_transformation(
        tf.constant(images), training=True)[key])
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    ours, theirs = ours.reshape(len(ours), -1).astype("float64"), theirs.reshape(
        len(theirs), -1).astype("float64")
    deciles = np.linspace(0.1, 0.9, 9) if key != "flips" else []
    for column in range(ours.shape[1]):
        scale = max(theirs[:, column].std(), 1e-12)
        statistics = [np.array([a[:, column].mean(), a[:, column].std(),
                                *np.quantile(a[:, column], deciles)]) / scale
                      for a in (ours, theirs)]
        assert_close(*statistics, "distribution",
                     what=f"layers.{type(layer).__name__} draws of {key!r}, column {column}")
    assert ours.min() >= theirs.min() - 1e-3 * max(1.0, abs(theirs.min()))
    assert ours.max() <= theirs.max() + 1e-3 * max(1.0, abs(theirs.max()))


# -- whole models: summary() counts and .keras files both ways --------------------------

def build_augmentation_model(lib):
    return lib.Sequential([
        lib.Input(shape=(10, 12, 3)),
        lib.layers.Rescaling(1 / 255, name="scale"),
        lib.layers.Normalization(name="norm"),
        lib.layers.Resizing(9, 11, name="resize"),
        lib.layers.CenterCrop(8, 8, name="crop"),
        lib.layers.RandomFlip("horizontal", seed=1, name="flip"),
        lib.layers.RandomTranslation(0.1, 0.2, fill_mode="constant", seed=2, name="shift"),
        lib.layers.RandomRotation(0.05, seed=3, name="turn"),
        lib.layers.RandomZoom(0.1, 0.2, interpolation="nearest", seed=4, name="zoom"),
        lib.layers.RandomContrast(0.2, value_range=(-3, 3), name="contrast"),
        lib.layers.RandomBrightness(0.1, value_range=(-3, 3), name="brightness"),
        lib.layers.Conv2D(2, 3, name="conv"),
        lib.layers.GlobalAveragePooling2D(name="pool"),
        lib.layers.Dense(2, name="out"),
    ])


def build_channels_first_model(lib):
    """A functional model, channels first, with statistics given to Normalization."""
    image = lib.Input(shape=(2, 7, 6), name="image")
    x = lib.layers.Normalization(axis=1, mean=[0.5, -0.5], variance=[2.0, 0.5],
                                 name="norm")(image)
    x = lib.layers.Resizing(5, 5, pad_to_aspect_ratio=True, data_format="channels_first",
                            name="resize")(x)
    x = lib.layers.RandomRotation(0.1, data_format="channels_first", name="turn")(x)
    x = lib.layers.CenterCrop(4, 3, data_format="channels_first", name="crop")(x)
    x = lib.layers.Normalization(axis=None, invert=True, mean=1.0, variance=4.0,
                                 name="denorm")(x)
    return lib.Model(image, lib.layers.Dense(3, name="out")(lib.layers.Flatten()(x)))


MODELS = {"augmentation": (build_augmentation_model, (10, 12, 3)),
          "channels_first": (build_channels_first_model, (2, 7, 6))}


def twins(name):
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    build, _ = MODELS[name]
    ours, theirs = build(mk), build(tf.keras)
    rng = np.random.default_rng(1)
    ours.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in ours.weights])
    copy_weights(ours, theirs)
    for layer in theirs.layers:  # tf.keras's Normalization reads its weights when adapted or
        if isinstance(layer, tf.keras.layers.Normalization):  # loaded, not when set
            layer.finalize_state()
    return ours, theirs


def model_inputs(name, rows=4):
    return np.random.default_rng(0).uniform(0, 255, (rows, *MODELS[name][1])).astype("float32")


def as_json(config):
    """``config`` as a file holds it (tuples become lists)."""
    return json.loads(json.dumps(config))


@covers("layers.Normalization", *RANDOM_LAYERS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_of_these_layers_count_and_predict_as_keras(name):
    ours, theirs = twins(name)
    compare_models(ours, theirs, model_inputs(name), "linear",
                   f"layers.Normalization ({name} model) predict")


@covers("layers.Rescaling", "layers.Resizing", "layers.CenterCrop", *RANDOM_LAYERS)
@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_files_of_these_layers_move_both_ways(name, tmp_path):
    ours, theirs = twins(name)
    loaded_by_us = compare_saved_models(ours, theirs, model_inputs(name), tmp_path, "linear",
                                        f"saving.load_model ({name} model)")
    assert [as_json(layer.get_config()) for layer in loaded_by_us.layers] == [
        as_json(layer.get_config()) for layer in ours.layers]


@covers("layers.Normalization")
def test_an_adapted_normalization_saved_by_keras_keeps_its_statistics(tmp_path):
    sample = np.random.default_rng(0).normal(3.0, 2.0, (50, 4)).astype("float32")
    theirs = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Normalization()])
    theirs.layers[0].adapt(sample)
    theirs.save(tmp_path / "adapted.keras")
    ours = mk.models.load_model(tmp_path / "adapted.keras")
    compare_weights(ours, theirs, "normalization", "layers.Normalization loaded")
    assert_close(ours.predict(sample, verbose=0), theirs.predict(sample, verbose=0),
                 "normalization", what="layers.Normalization loaded predict")
