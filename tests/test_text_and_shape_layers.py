"""What the text, normalization, shape and noise layers do beyond their gradients: masks from
Embedding to the loss, Lambda's safe mode, training versus inference, arguments and errors,
and a training step on the device."""

import threading
import warnings

import numpy as np
import pytest
from test_layers_behaviour import assert_training_step_on_device_equals_the_one_on_numpy

import minikeras as keras
from minikeras import backend, layers, ops
from minikeras.autograd import Tensor
from minikeras.serialization import safe_mode


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


PADDED = np.array([[3, 1, 0, 0], [2, 0, 0, 0], [4, 4, 2, 1]])


# -- masks ---------------------------------------------------------------------------------

def test_embedding_with_mask_zero_masks_padding_and_global_average_pooling_skips_it():
    embedding = layers.Embedding(5, 3, mask_zero=True)
    vectors = embedding(PADDED)
    np.testing.assert_array_equal(vectors._keras_mask.numpy(), PADDED != 0)
    table = embedding.embeddings.numpy()
    expected = [table[[3, 1]].mean(0), table[2], table[[4, 4, 2, 1]].mean(0)]
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(vectors).numpy(), expected,
                               rtol=1e-6)
    assert layers.Embedding(5, 3)(PADDED).__dict__.get("_keras_mask") is None


def test_a_mask_passes_through_the_layers_that_support_it_and_is_dropped_with_a_warning():
    vectors = layers.Embedding(5, 3, mask_zero=True)(PADDED)
    for layer in (layers.Dense(4), layers.Dropout(0.5), layers.LayerNormalization(),
                  layers.GaussianNoise(0.1), layers.PReLU(), layers.Identity()):
        vectors = layer(vectors, training=True)
        np.testing.assert_array_equal(vectors._keras_mask.numpy(), PADDED != 0)
    with pytest.warns(UserWarning, match='"flatten".*does not support masking'):
        flat = layers.Flatten()(vectors)
    assert flat.__dict__.get("_keras_mask") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the pooling consumes the mask: nothing to warn about
        assert layers.GlobalAveragePooling1D()(vectors).__dict__.get("_keras_mask") is None


def test_merged_inputs_keep_the_steps_every_mask_keeps():
    left = layers.Embedding(5, 2, mask_zero=True)(PADDED)
    right = layers.Embedding(5, 2, mask_zero=True)(PADDED[::-1].copy())
    both = (PADDED != 0) & (PADDED[::-1] != 0)
    np.testing.assert_array_equal(layers.Add()([left, right])._keras_mask.numpy(), both)
    either = (PADDED != 0) | (PADDED[::-1] != 0)
    joined = layers.Concatenate()([left, right])
    assert joined.shape == (3, 4, 4)
    np.testing.assert_array_equal(joined._keras_mask.numpy(), either)


def test_a_masked_output_leaves_the_padded_steps_out_of_the_loss():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Embedding(5, 3, mask_zero=True),
                              layers.Dense(1)])
    model.compile(loss="mse")
    targets = np.random.default_rng(0).standard_normal((3, 4, 1)).astype("float32")
    predictions = model.predict(PADDED, verbose=0)
    keep = PADDED != 0
    expected = ((predictions - targets)[..., 0] ** 2)[keep].mean()
    assert model.evaluate(PADDED, targets, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_lambda_passes_the_mask_to_a_function_that_takes_one_and_can_set_its_own():
    seen = {}

    def remember(x, mask=None):
        seen["mask"] = mask
        return x

    vectors = layers.Embedding(5, 3, mask_zero=True)(PADDED)
    output = layers.Lambda(remember, mask=lambda inputs, mask: mask)(vectors)
    np.testing.assert_array_equal(seen["mask"].numpy(), PADDED != 0)
    np.testing.assert_array_equal(output._keras_mask.numpy(), PADDED != 0)


# -- Embedding ---------------------------------------------------------------------------

def test_embedding_looks_up_rows_and_adds_the_gradients_of_repeated_indices():
    layer = layers.Embedding(4, 2, weights=np.arange(8, dtype="float32").reshape(4, 2))
    np.testing.assert_array_equal(layer(np.array([[3, 0, 3]])).numpy(),
                                  [[[6, 7], [0, 1], [6, 7]]])
    ops.sum(layer(np.array([[3, 0, 3]]))).backward()
    np.testing.assert_array_equal(layer.embeddings.grad, [[1, 1], [0, 0], [0, 0], [2, 2]])


def test_embedding_refuses_indices_out_of_its_vocabulary_naming_it():
    with pytest.raises(ValueError, match=r'"embedding".*input_dim=4.*\[0, 4\).*\[0, 7\]'):
        layers.Embedding(4, 2)(np.array([[0, 7]]))


@pytest.mark.parametrize("kwargs, message", [
    ({"input_dim": 0, "output_dim": 2}, "input_dim"), ({"input_dim": 3, "output_dim": 2.5},
                                                       "output_dim"),
    ({"input_dim": 3, "output_dim": 2, "lora_rank": 2}, "LoRA"),
])
def test_embedding_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Embedding(**kwargs)


def test_embedding_accepts_and_ignores_keras_2s_input_length_with_a_warning():
    with pytest.warns(UserWarning, match="input_length"):
        layer = layers.Embedding(10, 4, input_length=6)
    assert layer.compute_output_shape((None, 6)) == (None, 6, 4)
    assert [w.path for w in layer.weights] == [] and not layer.built


# -- Lambda and safe mode --------------------------------------------------------------------

def test_lambda_passes_its_arguments_and_the_training_flag():
    layer = layers.Lambda(lambda x, scale, training=None: x * (scale if training else -scale),
                          arguments={"scale": 3.0})
    x = np.ones((2, 2), dtype="float32")
    np.testing.assert_array_equal(layer(x, training=True).numpy(), 3 * x)
    np.testing.assert_array_equal(layer(x).numpy(), -3 * x)
    assert layers.Lambda(lambda x: x, output_shape=(5,)).compute_output_shape((7, 2)) == (7, 5)


def test_a_lambda_config_holds_code_that_loads_only_outside_safe_mode():
    config = layers.Lambda(lambda x: x * 2.0 + 1.0, name="affine").get_config()
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match=r"function of Lambda layer 'affine'.*safe_mode=False"
                                         r".*register_keras_serializable"):
        layers.Lambda.from_config(config)
    with safe_mode.safe_mode_scope(False):
        rebuilt = layers.Lambda.from_config(config)
    np.testing.assert_array_equal(rebuilt(np.ones((1, 2))).numpy(), [[3.0, 3.0]])


def test_a_model_with_a_lambda_round_trips_with_safe_mode_off_and_a_registered_function(
        tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    def halve(x):
        return x * 0.5

    model = keras.Sequential([keras.Input(shape=(2,)), layers.Lambda(lambda x: x + 1.0),
                              layers.Lambda(halve)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2)), verbose=0), [[1.0, 1.0]])
    named_only = keras.Sequential([keras.Input(shape=(2,)), layers.Lambda(halve)])
    named_only.save(tmp_path / "named.keras")
    reloaded = keras.models.load_model(tmp_path / "named.keras")  # no code: safe mode is fine
    assert reloaded.layers[0].function is halve


def test_safe_mode_is_per_thread_and_the_outermost_load_decides():
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def unsafe_load():
        with safe_mode.safe_mode_scope(False):
            with safe_mode.safe_mode_scope(True):  # an inner call keeps the outer choice
                seen["inner"] = safe_mode.in_safe_mode()
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=unsafe_load)
    thread.start()
    inside.wait(5)
    seen["other thread"] = safe_mode.in_safe_mode()
    release.set()
    thread.join()
    assert seen == {"inner": False, "other thread": True}


def test_damaged_lambda_code_is_a_value_error():
    config = layers.Lambda(lambda x: x).get_config()
    config["function"]["config"]["code"] = "bm90IGNvZGU=\n"  # base64 of b"not code"
    with safe_mode.safe_mode_scope(False), pytest.raises(ValueError, match="damaged"):
        layers.Lambda.from_config(config)


# -- normalizations --------------------------------------------------------------------------

def test_layer_normalization_normalizes_each_sample_the_same_in_training_and_inference():
    x = (np.random.default_rng(0).standard_normal((3, 8)) * 5 + 2).astype("float32")
    layer = layers.LayerNormalization(epsilon=1e-6)
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=1), 1, rtol=1e-4)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), y)
    assert [w.name for w in layer.weights] == ["gamma", "beta"]
    with pytest.warns(UserWarning, match="deprecated"):
        rms = layers.LayerNormalization(rms_scaling=True)
    rms(x)
    assert [w.name for w in rms.weights] == ["gamma"]


def test_group_normalization_normalizes_each_group_and_minus_one_each_channel():
    x = (np.random.default_rng(1).standard_normal((2, 5, 6)) * 3 + 1).astype("float32")
    grouped = layers.GroupNormalization(groups=2, epsilon=1e-6)(x).numpy()
    for group in (slice(0, 3), slice(3, 6)):
        np.testing.assert_allclose(grouped[..., group].mean(axis=(1, 2)), 0, atol=1e-5)
        np.testing.assert_allclose(grouped[..., group].std(axis=(1, 2)), 1, rtol=1e-4)
    instance = layers.GroupNormalization(groups=-1, epsilon=1e-6)
    np.testing.assert_allclose(instance(x).numpy().std(axis=1), 1, rtol=1e-4)
    assert instance.groups == 6  # as Keras: -1 becomes the channel count when built


def test_group_normalization_needs_groups_that_divide_the_channels():
    with pytest.raises(ValueError, match=r'"group_normalization".*6 channels.*groups=4'):
        layers.GroupNormalization(groups=4)(np.zeros((1, 2, 6), dtype="float32"))
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)


def test_unit_normalization_gives_unit_norms_and_keeps_zero_vectors():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype="float32")
    np.testing.assert_allclose(layers.UnitNormalization()(x).numpy(), [[0.6, 0.8], [0, 0]])


# -- shapes ------------------------------------------------------------------------------

def test_up_sampling_repeats_rows_and_columns_in_either_format():
    x = np.arange(8, dtype="float32").reshape(1, 2, 2, 2)
    last = layers.UpSampling2D((2, 3))(x).numpy()
    np.testing.assert_array_equal(last, x.repeat(2, axis=1).repeat(3, axis=2))
    first = layers.UpSampling2D((2, 3), data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(first, x.repeat(2, axis=2).repeat(3, axis=3))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="bicubic")


def test_padding_and_cropping_are_inverses_in_either_format():
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 5)).astype("float32")
    for data_format in ("channels_last", "channels_first"):
        padded = layers.ZeroPadding2D(((1, 2), (0, 3)), data_format=data_format)(x)
        cropped = layers.Cropping2D(((1, 2), (0, 3)), data_format=data_format)(padded)
        np.testing.assert_array_equal(cropped.numpy(), x)
        assert float(ops.sum(ops.abs(padded)).item()) == pytest.approx(np.abs(x).sum(),
                                                                       rel=1e-6)
    with pytest.raises(ValueError, match=r'"cropping2d.*must leave something'):
        layers.Cropping2D((2, 0))(np.zeros((1, 4, 4, 1), dtype="float32"))


def test_repeat_vector_permute_and_dot_shapes():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    repeated = layers.RepeatVector(4)(x).numpy()
    assert repeated.shape == (2, 4, 3) and (repeated == x[:, None, :]).all()
    assert layers.Permute((2, 1))(repeated).shape == (2, 3, 4)
    np.testing.assert_allclose(layers.Dot(axes=1)([x, x]).numpy(), (x * x).sum(1, keepdims=True))
    cosine = layers.Dot(axes=1, normalize=True)([x, 2 * x]).numpy()
    np.testing.assert_allclose(cosine, np.ones((2, 1)), rtol=1e-6)
    with pytest.raises(ValueError, match=r'"dot_\d" \(Dot\).*exactly 2 inputs'):
        layers.Dot(axes=1)([x, x, x])
    with pytest.raises(ValueError, match=r'"dot_\d".*size 3.*size 4'):
        layers.Dot(axes=1)([x, np.zeros((2, 4), dtype="float32")])


# -- noise and regularization ----------------------------------------------------------------

@pytest.mark.parametrize("make_layer", [
    lambda seed: layers.GaussianNoise(0.5, seed=seed),
    lambda seed: layers.GaussianDropout(0.5, seed=seed),
    lambda seed: layers.SpatialDropout1D(0.5, seed=seed),
])
def test_noise_layers_act_only_in_training_and_a_seed_repeats_their_noise(make_layer):
    x = np.ones((8, 6, 4), dtype="float32")
    np.testing.assert_array_equal(make_layer(None)(x).numpy(), x)
    first, second = make_layer(7)(x, training=True).numpy(), make_layer(7)(x, training=True)
    np.testing.assert_array_equal(first, second.numpy())
    assert not np.array_equal(first, x)


def test_activity_regularization_adds_its_penalty_per_sample_to_the_model_loss():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.ActivityRegularization(l1=0.5)])
    model.compile(loss="mse")
    x = np.array([[1.0, -2.0, 0.0], [3.0, 0.0, 0.0]], dtype="float32")
    # The mse against the inputs themselves is 0: only the penalty, 0.5 * 6 / 2 samples.
    assert model.evaluate(x, x, verbose=0) == pytest.approx(1.5, rel=1e-6)
    assert "activity_regularizer" not in model.layers[0].get_config()


def test_new_layers_are_named_like_keras():
    made = [layers.PReLU(), layers.ELU(), layers.UpSampling2D(), layers.ZeroPadding2D(),
            layers.Cropping2D(), layers.SpatialDropout1D(0.1), layers.GlobalAveragePooling1D(),
            layers.LayerNormalization(), layers.GaussianNoise(0.1), layers.Embedding(2, 2)]
    assert [layer.name for layer in made] == [
        "p_re_lu", "elu", "up_sampling2d", "zero_padding2d", "cropping2d", "spatial_dropout1d",
        "global_average_pooling1d", "layer_normalization", "gaussian_noise", "embedding"]


# -- the device ----------------------------------------------------------------------------

def _text_model(rng):
    """Tokens, and the sequence and image layers that take them to two outputs."""
    return rng.integers(0, 9, size=(4, 6)), [
        layers.Embedding(9, 4, mask_zero=True), layers.LayerNormalization(),
        layers.PReLU(alpha_initializer="random_uniform"), layers.GlobalAveragePooling1D(),
        layers.RepeatVector(4), layers.Reshape((4, 4, 1)), layers.ZeroPadding2D(1),
        layers.UpSampling2D(interpolation="bilinear"), layers.Cropping2D(2),
        layers.GroupNormalization(1), layers.GlobalMaxPooling2D(), layers.Dense(2)]


def test_a_training_step_through_these_layers_on_the_device_equals_the_one_on_numpy(device):
    assert_training_step_on_device_equals_the_one_on_numpy(3, _text_model)


def test_gaussian_noise_has_the_asked_spread(device):
    noise = layers.GaussianNoise(0.5)(Tensor(backend.to_device(np.zeros((400, 250), "float32"))),
                                      training=True).numpy()
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.5) < 0.01
