"""Embedding, the per-sample normalizations, 1-D global pooling, Lambda, and the shape and
regularization layers against their tf.keras twins: forward values, input and weight
gradients, training-mode behaviour, configs both ways, masks."""

import contextlib

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import (
    assert_close,
    assert_config_round_trip,
    compare_functions,
    compare_layers,
    compare_models,
    compare_saved_models,
    copy_weights,
    covers,
    keras_twin,
)

layers = mk.layers


def randomize_weights(layer, data, elements=None):
    layer.set_weights([data.draw(mst.float32_arrays(w.shape, elements)) for w in layer.weights])


@covers("layers.Embedding")
@given(data=st.data())
def test_embedding(data):
    input_dim, output_dim = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 4))
    shape = data.draw(mst.shapes(min_dims=1, max_dims=3, max_side=4))
    indices = data.draw(mst.arrays(shape, st.integers(0, input_dim - 1), "int32"))
    layer = layers.Embedding(input_dim, output_dim, mask_zero=data.draw(st.booleans()))
    assert_config_round_trip(layer)
    twin = compare_layers(layer, indices, "elementwise")
    ours, theirs = layer(indices), twin(tf.constant(indices))
    if layer.mask_zero:
        np.testing.assert_array_equal(ours._keras_mask.numpy(), np.asarray(theirs._keras_mask))
    else:
        assert getattr(ours, "_keras_mask", None) is None


def _masked_text_model(lib, pooling):
    return lib.Sequential([lib.Input(shape=(6,), dtype="int32"),
                           lib.layers.Embedding(9, 3, mask_zero=True, name="embed"),
                           lib.layers.LayerNormalization(name="norm"),
                           pooling(lib)])


@covers("layers.Embedding", "layers.GlobalAveragePooling1D")
@given(data=st.data())
def test_a_mask_from_embedding_reaches_global_average_pooling_as_in_keras(data):
    """Padding (index 0) is left out of the average, and gets no gradient from it."""
    indices = data.draw(mst.arrays((3, 6), st.integers(0, 8), "int32"))
    assume((indices != 0).any(axis=1).all())  # an all-padding row averages nothing: NaN
    ours = _masked_text_model(mk, lambda lib: lib.layers.GlobalAveragePooling1D())
    theirs = _masked_text_model(tf.keras, lambda lib: lib.layers.GlobalAveragePooling1D())
    ours.set_weights([data.draw(mst.float32_arrays(w.shape)) for w in ours.weights])
    copy_weights(ours, theirs)
    compare_model_gradients(ours, theirs, indices, "normalization",
                            "layers.GlobalAveragePooling1D (masked)")


def compare_model_gradients(ours, theirs, x, kind, what):
    """The outputs of two twin models on ``x``, and the gradients of every weight."""
    upstream = np.random.default_rng(0).standard_normal(
        (len(x), *ours.output_shape[1:])).astype("float32")
    with tf.GradientTape() as tape:
        expected = theirs(tf.constant(x))
        objective = tf.reduce_sum(expected * upstream)
    expected_grads = tape.gradient(objective, theirs.trainable_weights)
    for w in ours.trainable_weights:
        w.grad = None
    actual = ours(x)
    actual.backward(mk.backend.to_device(upstream))
    assert_close(actual.numpy(), np.asarray(expected), kind, what=what)
    for w, e in zip(ours.trainable_weights, expected_grads, strict=True):
        assert_close(mk.backend.to_numpy(w.grad), np.asarray(tf.convert_to_tensor(e)), kind,
                     "gradient", what=f"{what}: d/d({w.name})")


@covers("layers.LayerNormalization")
@given(data=st.data())
def test_layer_normalization(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
    axis = data.draw(st.sampled_from([-1, 1, [1, -1]] if len(shape) > 2 else [-1, [1]]))
    x = data.draw(mst.float32_arrays(shape, mst.moderate(-4, 4)))
    axes = tuple(sorted({a % len(shape) for a in ([axis] if isinstance(axis, int) else axis)}))
    assume(x.var(axis=axes).min() > 0.1)  # see _batch_normalization_case in test_layers_parity
    rms = data.draw(st.booleans())
    # Both frameworks warn that rms_scaling is deprecated, at every construction.
    with pytest.warns(UserWarning, match="deprecated") if rms else contextlib.nullcontext():
        layer = layers.LayerNormalization(axis=axis, epsilon=data.draw(st.sampled_from(
            [1e-3, 1e-5])), center=data.draw(st.booleans()), scale=data.draw(st.booleans()),
            rms_scaling=rms)
        assert_config_round_trip(layer)
        layer(x)
        randomize_weights(layer, data, mst.moderate(0.5, 2))
        compare_layers(layer, x, "normalization")


@covers("layers.GroupNormalization")
@given(data=st.data())
def test_group_normalization(data):
    groups = data.draw(st.sampled_from([1, 2, 3, -1]))
    channels = (abs(groups) if groups > 0 else data.draw(st.integers(1, 3))) * data.draw(
        st.integers(1, 3))
    axis = data.draw(st.sampled_from([-1, 1]))
    middle = data.draw(st.lists(st.integers(2, 4), min_size=0, max_size=2))
    shape = ((2, channels, *middle) if axis == 1 else (2, *middle, channels))
    layer = layers.GroupNormalization(groups=groups, axis=axis, center=data.draw(st.booleans()),
                                      scale=data.draw(st.booleans()))
    x = data.draw(mst.float32_arrays(shape, mst.moderate(-4, 4)))
    assert_config_round_trip(layer)
    layer(x)
    group_size = channels // layer.groups
    grouped = np.moveaxis(x, axis, -1).reshape(2, -1, layer.groups, group_size)
    assume(grouped.var(axis=(1, 3)).min() > 0.1)
    randomize_weights(layer, data, mst.moderate(0.5, 2))
    compare_layers(layer, x, "normalization")


@covers("layers.UnitNormalization")
@given(data=st.data())
def test_unit_normalization(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, max_side=4))
    axis = data.draw(st.sampled_from([-1, 1, [1, -1]] if len(shape) == 3 else [-1, [1]]))
    layer = layers.UnitNormalization(axis=axis)
    x = data.draw(mst.float32_arrays(shape, mst.away_from([0.0], 0.1, mst.moderate())))
    assert_config_round_trip(layer)
    # Divides by the norm: its gradient is a difference of terms of size 1 / norm.
    compare_layers(layer, x, "normalization")


@covers("layers.GlobalAveragePooling1D")
def test_global_average_pooling_1d_with_a_mask_given_by_hand():
    x = np.random.default_rng(0).standard_normal((3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 0, 1, 0, 1], [1, 1, 1, 1, 1]], dtype=bool)
    layer = layers.GlobalAveragePooling1D(keepdims=True)
    twin = keras_twin(layer)
    compare_functions(lambda t: layer(t, mask=mask), lambda t: twin(t, mask=tf.constant(mask)),
                      [x], "reduction", "layers.GlobalAveragePooling1D (mask argument)")


@covers("layers.ZeroPadding2D")
@given(data=st.data())
def test_zero_padding_2d(data):
    pair = st.tuples(st.integers(0, 2), st.integers(0, 2))
    padding = data.draw(st.one_of(st.integers(0, 2), pair, st.tuples(pair, pair)))
    layer = layers.ZeroPadding2D(padding, data_format=data.draw(st.sampled_from(
        ["channels_last", "channels_first"])))
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(mst.float32_arrays(mst.image_shapes())), "elementwise")


@covers("layers.Cropping2D")
@given(data=st.data())
def test_cropping_2d(data):
    cropping = data.draw(st.tuples(*[st.tuples(st.integers(0, 2), st.integers(0, 2))] * 2))
    data_format = data.draw(st.sampled_from(["channels_last", "channels_first"]))
    shape = data.draw(mst.image_shapes())
    spatial = shape[1:3] if data_format == "channels_last" else shape[2:]
    assume(all(sum(c) < n for c, n in zip(cropping, spatial, strict=True)))
    layer = layers.Cropping2D(cropping, data_format=data_format)
    assert_config_round_trip(layer)
    compare_layers(layer, data.draw(mst.float32_arrays(shape)), "elementwise")


@covers("layers.UpSampling2D")
@given(data=st.data())
def test_up_sampling_2d(data):
    interpolation = data.draw(st.sampled_from(["nearest", "bilinear"]))
    layer = layers.UpSampling2D(data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
                                data_format=data.draw(st.sampled_from(["channels_last",
                                                                       "channels_first"])),
                                interpolation=interpolation)
    assert_config_round_trip(layer)
    kind = "reduction" if interpolation == "nearest" else "linear"
    compare_layers(layer, data.draw(mst.float32_arrays(mst.image_shapes(max_side=5))), kind)


@covers("layers.RepeatVector", "layers.Permute", "layers.Identity")
@given(data=st.data())
def test_repeat_vector_permute_and_identity(data):
    vectors = data.draw(mst.float32_arrays(st.tuples(st.integers(1, 3), st.integers(1, 5))))
    repeat = layers.RepeatVector(data.draw(st.integers(1, 4)))
    assert_config_round_trip(repeat)
    compare_layers(repeat, vectors, "reduction")
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, max_side=4))
    permute = layers.Permute(data.draw(st.permutations(range(1, len(shape)))))
    assert_config_round_trip(permute)
    x = data.draw(mst.float32_arrays(shape))
    compare_layers(permute, x, "elementwise")
    identity = layers.Identity()
    assert_config_round_trip(identity)
    compare_layers(identity, x, "elementwise")


@covers("layers.SpatialDropout1D", "layers.SpatialDropout2D")
@pytest.mark.parametrize("rate, training", [(0.0, True), (0.5, False)])
@pytest.mark.parametrize("cls", [layers.SpatialDropout1D, layers.SpatialDropout2D])
def test_spatial_dropout_where_it_is_deterministic(cls, rate, training):
    shape = (3, 4, 5) if cls is layers.SpatialDropout1D else (3, 4, 5, 2)
    layer = cls(rate, seed=3)
    assert_config_round_trip(layer)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    compare_layers(layer, x, "elementwise", training=training)


@covers("layers.SpatialDropout1D", "layers.SpatialDropout2D")
@pytest.mark.parametrize("cls, shape, kwargs, channel_axes", [
    (layers.SpatialDropout1D, (400, 6, 5), {}, (0, 2)),
    (layers.SpatialDropout2D, (200, 3, 4, 5), {}, (0, 3)),
    (layers.SpatialDropout2D, (200, 5, 3, 4), {"data_format": "channels_first"}, (0, 1)),
])
def test_spatial_dropout_drops_whole_channels_at_keras_rate_and_scale(cls, shape, kwargs,
                                                                      channel_axes):
    x = np.ones(shape, dtype="float32")
    ours = cls(0.4, **kwargs)(x, training=True).numpy()
    theirs = np.asarray(getattr(tf.keras.layers, cls.__name__)(0.4, **kwargs)(x, training=True))
    for output in (ours, theirs):  # each channel of each sample: all kept or all dropped
        other_axes = tuple(a for a in range(len(shape)) if a not in channel_axes)
        assert (output.min(axis=other_axes) == output.max(axis=other_axes)).all()
    assert set(np.unique(ours)) == set(np.unique(theirs))
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.05


@covers("layers.GaussianNoise", "layers.GaussianDropout")
@pytest.mark.parametrize("cls, value", [(layers.GaussianNoise, 0.3),
                                        (layers.GaussianDropout, 0.3)])
def test_gaussian_layers_are_the_identity_in_inference(cls, value):
    layer = cls(value, seed=1)
    assert_config_round_trip(layer)
    x = np.random.default_rng(0).standard_normal((3, 4, 2)).astype("float32")
    compare_layers(layer, x, "elementwise", training=False)
    compare_layers(cls(0.0), x, "elementwise", training=True)


@covers("layers.GaussianNoise", "layers.GaussianDropout")
@pytest.mark.parametrize("cls, value", [(layers.GaussianNoise, 0.4),
                                        (layers.GaussianDropout, 0.4)])
def test_gaussian_layers_draw_keras_distribution_in_training(cls, value):
    """The noise's mean, standard deviation and deciles, in units of the standard deviation."""
    x = np.full((200, 500), 2.0, dtype="float32")
    ours = cls(value)(x, training=True).numpy()
    theirs = np.asarray(getattr(tf.keras.layers, cls.__name__)(value)(x, training=True))
    deciles = np.linspace(0.1, 0.9, 9)
    scale = theirs.std()
    statistics = [np.array([a.mean(), a.std(), *np.quantile(a, deciles)]) / scale
                  for a in (ours, theirs)]
    assert_close(*statistics, "distribution", what=f"layers.{cls.__name__} noise statistics")


@covers("layers.GaussianNoise", "layers.GaussianDropout")
def test_gaussian_layers_gradients_in_training_are_the_identity_and_the_noise():
    x = mk.Tensor(np.full((20, 30), 3.0, dtype="float32"), requires_grad=True)
    mk.ops.sum(layers.GaussianNoise(0.5)(x, training=True)).backward()
    np.testing.assert_array_equal(x.grad, np.ones((20, 30)))
    x.grad = None
    y = layers.GaussianDropout(0.5)(x, training=True)
    mk.ops.sum(y).backward()
    np.testing.assert_allclose(x.grad, y.numpy() / 3.0, rtol=1e-6)


@covers("layers.ActivityRegularization")
@given(data=st.data())
def test_activity_regularization(data):
    l1, l2 = data.draw(st.sampled_from([0.0, 0.01, 0.5])), data.draw(st.sampled_from(
        [0.0, 0.1, 2.0]))
    layer = layers.ActivityRegularization(l1, l2)
    assert_config_round_trip(layer)
    x = data.draw(mst.float32_arrays(mst.shapes(min_dims=2, max_dims=3, max_side=4)))
    twin = compare_layers(layer, x, "elementwise")
    ours, theirs = layer.losses, twin.losses
    assert len(ours) == len(theirs) == 1
    assert_close(ours[0].numpy(), np.asarray(theirs[0]), "reduction",
                 what="layers.ActivityRegularization loss")


@covers("layers.ELU")
@given(data=st.data())
def test_elu(data):
    layer = layers.ELU(alpha=data.draw(st.sampled_from([1.0, 0.5, 2.0])))
    assert_config_round_trip(layer)
    x = data.draw(mst.float32_arrays(mst.shapes(min_dims=2, max_dims=3),
                                 mst.away_from([0.0], 1e-3, mst.moderate(-6, 6))))
    compare_layers(layer, x, "elementwise")


@covers("layers.PReLU")
@given(data=st.data())
def test_prelu(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, max_side=4))
    shared = data.draw(st.lists(st.integers(1, len(shape) - 1), unique=True)) if len(
        shape) > 2 else []
    layer = layers.PReLU(shared_axes=shared or None,
                         alpha_initializer=data.draw(st.sampled_from(["zeros",
                                                                      "random_uniform"])))
    assert_config_round_trip(layer)
    x = data.draw(mst.float32_arrays(shape, mst.away_from([0.0], 1e-3, mst.moderate())))
    layer(x)
    randomize_weights(layer, data)
    compare_layers(layer, x, "elementwise")


@covers("layers.Dot", "layers.dot")
@given(data=st.data())
def test_dot(data):
    batch, n = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    x_rest, y_rest = (data.draw(st.lists(st.integers(1, 3), max_size=2)) for _ in range(2))
    x_axis = data.draw(st.integers(1, len(x_rest) + 1))
    y_axis = data.draw(st.integers(1, len(y_rest) + 1))
    x_shape = (batch, *x_rest[:x_axis - 1], n, *x_rest[x_axis - 1:])
    y_shape = (batch, *y_rest[:y_axis - 1], n, *y_rest[y_axis - 1:])
    axes = data.draw(st.sampled_from([[x_axis, y_axis], [x_axis - len(x_shape), y_axis]]))
    if x_axis == y_axis and len(x_shape) == len(y_shape) and data.draw(st.booleans()):
        axes = x_axis
    normalize = data.draw(st.booleans())
    elements = mst.away_from([0.0], 0.1, mst.moderate()) if normalize else None
    inputs = [data.draw(mst.float32_arrays(x_shape, elements)),
              data.draw(mst.float32_arrays(y_shape, elements))]
    layer = layers.Dot(axes=axes, normalize=normalize)
    assert_config_round_trip(layer)
    twin = keras_twin(layer)
    compare_functions(lambda *ts: layer(list(ts)), lambda *ts: twin(list(ts)), inputs, "linear",
                      f"layers.Dot(axes={axes}, normalize={normalize})")
    assert layer.compute_output_shape([x_shape, y_shape]) == tuple(
        twin.compute_output_shape([x_shape, y_shape]))
    functional = layers.dot([mk.Input(shape=x_shape[1:]), mk.Input(shape=y_shape[1:])],
                            axes=axes)
    expected = tf.keras.layers.dot([tf.keras.Input(shape=x_shape[1:]),
                                    tf.keras.Input(shape=y_shape[1:])], axes=axes)
    assert functional.shape == tuple(expected.shape)


@covers("layers.Lambda")
@pytest.mark.parametrize("function, twin_function", [
    (lambda x: x * 2.0 + 1.0, lambda x: x * 2.0 + 1.0),
    (lambda x: mk.ops.tanh(x) * x, lambda x: tf.keras.ops.tanh(x) * x),
])
def test_lambda_computes_its_function_with_gradients(function, twin_function):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    compare_layers(layers.Lambda(function), x, "elementwise",
                   twin=tf.keras.layers.Lambda(twin_function))


@covers("layers.Lambda")
def test_lambda_configs_name_a_named_function_for_the_other_framework_to_find():
    ours = layers.Lambda(mk.activations.relu, output_shape=(4,), arguments={})
    theirs = tf.keras.layers.Lambda(tf.keras.activations.relu, output_shape=(4,), arguments={})
    assert keras_twin(ours).function is tf.keras.activations.relu
    back = layers.Lambda.from_config(theirs.get_config())
    assert back.function is mk.activations.relu and back.compute_output_shape((2, 7)) == (2, 4)
    assert back.get_config()["output_shape"] == theirs.get_config()["output_shape"]


# -- whole models: summary() counts and .keras files both ways --------------------------

def build_text_model(lib):
    return lib.Sequential([
        lib.Input(shape=(7,), dtype="int32"),
        lib.layers.Embedding(20, 6, mask_zero=True, name="embed"),
        lib.layers.SpatialDropout1D(0.2, name="channel_drop"),
        lib.layers.LayerNormalization(name="norm"),
        lib.layers.GaussianNoise(0.1, name="noise"),
        lib.layers.UnitNormalization(name="unit"),
        lib.layers.Identity(name="pass"),
        lib.layers.GlobalAveragePooling1D(name="average"),
        lib.layers.Dense(5, name="hidden"),
        lib.layers.PReLU(name="prelu"),
        lib.layers.ELU(name="elu"),
        lib.layers.RepeatVector(3, name="repeat"),
        lib.layers.Permute((2, 1), name="swap"),
        lib.layers.GlobalMaxPooling1D(name="largest"),
        lib.layers.ActivityRegularization(0.01, name="penalty"),
        lib.layers.Dense(3, activation="softmax", name="classes"),
    ])


def build_pairs_model(lib):
    """Two sequences compared step by step (Dot), as a functional model."""
    left, right = lib.Input(shape=(4, 3), name="left"), lib.Input(shape=(5, 3), name="right")
    scores = lib.layers.Dot(axes=2, normalize=True, name="cosine")([left, right])
    pooled = lib.layers.GlobalMaxPooling1D(name="best")(scores)
    return lib.Model([left, right], lib.layers.Dense(2, name="out")(pooled))


def build_image_model(lib):
    return lib.Sequential([
        lib.Input(shape=(6, 6, 2)),
        lib.layers.ZeroPadding2D(((1, 0), (2, 1)), name="pad"),
        lib.layers.Cropping2D(1, name="crop"),
        lib.layers.UpSampling2D((2, 1), interpolation="bilinear", name="up"),
        lib.layers.GroupNormalization(2, name="groups"),
        lib.layers.SpatialDropout2D(0.3, name="map_drop"),
        lib.layers.GaussianDropout(0.2, name="gauss_drop"),
        lib.layers.UpSampling2D(name="up_nearest"),
        lib.layers.GlobalAveragePooling2D(name="average"),
        lib.layers.Dense(2, name="out"),
    ])


def model_inputs(name, rows=5):
    rng = np.random.default_rng(0)
    if name == "text":  # about a third of the steps are padding
        return (rng.integers(1, 20, size=(rows, 7)) * (rng.random((rows, 7)) < 0.7)).astype(
            "int32")
    if name == "pairs":
        return [rng.standard_normal((rows, 4, 3)).astype("float32"),
                rng.standard_normal((rows, 5, 3)).astype("float32")]
    return rng.standard_normal((rows, 6, 6, 2)).astype("float32")


MODELS = {"text": build_text_model, "image": build_image_model, "pairs": build_pairs_model}


def twins(name):
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    ours, theirs = MODELS[name](mk), MODELS[name](tf.keras)
    rng = np.random.default_rng(1)
    ours.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in ours.weights])
    copy_weights(ours, theirs)
    return ours, theirs


@covers("layers.Embedding", "layers.GroupNormalization", "layers.Dot")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_of_these_layers_count_and_predict_as_keras(name):
    ours, theirs = twins(name)
    compare_models(ours, theirs, model_inputs(name), "normalization",
                   f"layers.Embedding ({name} model) predict")


@covers("layers.Embedding", "layers.LayerNormalization", "layers.UpSampling2D")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_files_of_these_layers_move_both_ways(name, tmp_path):
    ours, theirs = twins(name)
    loaded_by_us = compare_saved_models(ours, theirs, model_inputs(name), tmp_path,
                                        "normalization", f"saving.load_model ({name} model)")
    assert [layer.name for layer in loaded_by_us.layers] == [layer.name for layer in
                                                           theirs.layers]


def build_lambda_model(lib):
    return lib.Sequential([lib.Input(shape=(3,)), lib.layers.Dense(2, name="dense"),
                           lib.layers.Lambda(lambda x: x * 3.0 - 1.0, name="affine")])


@covers("layers.Lambda")
@pytest.mark.parametrize("writer", ["minikeras", "keras"])
def test_a_python_lambda_in_a_file_loads_only_with_safe_mode_off_in_both_frameworks(writer,
                                                                                  tmp_path):
    ours, theirs = build_lambda_model(mk), build_lambda_model(tf.keras)
    copy_weights(ours, theirs)
    path = tmp_path / "lambda.keras"
    (ours if writer == "minikeras" else theirs).save(path)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    expected = theirs.predict(x, verbose=0)
    with pytest.raises(ValueError, match="safe_mode=False"):
        mk.models.load_model(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        tf.keras.models.load_model(path)
    for loader in (mk.models.load_model, tf.keras.models.load_model):
        loaded = loader(path, safe_mode=False)
        assert_close(loaded.predict(x, verbose=0), expected, "linear",
                     what=f"layers.Lambda (saved by {writer}, loaded unsafely)")


def build_masked_functional_model(lib):
    tokens = lib.Input(shape=(6,), dtype="int32", name="tokens")
    vectors = lib.layers.Embedding(12, 4, mask_zero=True, name="embed")(tokens)
    average = lib.layers.GlobalAveragePooling1D(name="average")(vectors)
    return lib.Model(tokens, lib.layers.Dense(2, name="out")(average))


@covers("layers.Embedding", "layers.GlobalAveragePooling1D")
def test_a_keras_functional_file_that_records_its_masks_loads_and_masks_the_same(tmp_path):
    """Keras writes the mask an Embedding(mask_zero=True) hands to GlobalAveragePooling1D as a
    call of ops.not_equal in the graph; minikeras computes it at run time instead."""
    ours, theirs = build_masked_functional_model(mk), build_masked_functional_model(tf.keras)
    copy_weights(ours, theirs)
    x = model_inputs("text")[:, :6] % 12
    theirs.save(tmp_path / "theirs.keras")
    loaded = mk.models.load_model(tmp_path / "theirs.keras")
    assert [layer.name for layer in loaded.layers] == ["tokens", "embed", "average", "out"]
    expected = theirs.predict(x, verbose=0)
    for model, what in ((ours, "built"), (loaded, "loaded from Keras's file")):
        assert_close(model.predict(x, verbose=0), expected, "linear",
                     what=f"layers.GlobalAveragePooling1D (masked, {what})")
    ours.save(tmp_path / "ours.keras")
    assert_close(tf.keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0),
                 expected, "linear", what="layers.GlobalAveragePooling1D (masked, saved by us)")
