"""What layers do beyond their gradients: training versus inference, freezing, moving
statistics, masks, argument checks, the functional form of the merging layers."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, layers, ops
from minikeras.autograd import Tensor


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def test_dropout_drops_only_in_training():
    x = np.ones((100, 50), dtype="float32")
    layer = layers.Dropout(0.5)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert 0.45 < (dropped == 0).mean() < 0.55


def test_dropout_gradient_is_the_mask_scaled_like_the_output():
    x = Tensor(np.full((20, 30), 3.0, dtype="float32"), requires_grad=True)
    y = layers.Dropout(0.25)(x, training=True)
    ops.sum(y).backward()
    np.testing.assert_allclose(x.grad, y.numpy() / 3.0)


def test_a_seeded_dropout_repeats_its_masks_run_after_run_but_not_call_after_call():
    x = np.ones((8, 16), dtype="float32")

    def two_masks():
        layer = layers.Dropout(0.5, seed=42)
        return layer(x, training=True).numpy(), layer(x, training=True).numpy()

    first_run, second_run = two_masks(), two_masks()
    np.testing.assert_array_equal(first_run[0], second_run[0])
    np.testing.assert_array_equal(first_run[1], second_run[1])
    assert not np.array_equal(first_run[0], first_run[1])


def test_unseeded_dropout_follows_set_random_seed():
    x = np.ones((8, 16), dtype="float32")
    masks = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        masks.append(layers.Dropout(0.5)(x, training=True).numpy())
    np.testing.assert_array_equal(*masks)


def test_dropout_noise_shape_drops_whole_feature_columns():
    y = layers.Dropout(0.5, noise_shape=(None, 1, 6))(np.ones((4, 10, 6)), training=True).numpy()
    assert (y == y[:, :1, :]).all() and 0 < (y == 0).mean() < 1


@pytest.mark.parametrize("kwargs, message", [
    ({"rate": 1.5}, "rate=1.5"), ({"rate": 0.5, "noise_shape": (2, 0)}, "noise_shape"),
])
def test_dropout_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Dropout(**kwargs)


def _batch(seed=0, shape=(16, 3), scale=2.0, shift=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale + shift).astype("float32")


def test_batch_normalization_uses_batch_statistics_in_training_and_moving_ones_in_inference():
    x = _batch()
    layer = layers.BatchNormalization()
    trained = layer(x, training=True).numpy()
    np.testing.assert_allclose(trained.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(trained.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-3),
                               rtol=1e-4)
    inferred = layer(x, training=False).numpy()
    mean, variance = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    np.testing.assert_allclose(inferred, (x - mean) / np.sqrt(variance + 1e-3), rtol=1e-5)
    assert not np.allclose(trained, inferred)


def test_batch_normalization_moving_statistics_follow_keras_formula_over_several_steps():
    layer = layers.BatchNormalization(momentum=0.9)
    mean, variance = np.zeros(3), np.ones(3)
    for step in range(4):
        x = _batch(seed=step, shift=step)
        layer(x, training=True)
        mean = mean * 0.9 + x.mean(axis=0) * (1 - 0.9)
        variance = variance * 0.9 + x.var(axis=0) * (1 - 0.9)  # the biased variance
    np.testing.assert_allclose(layer.moving_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), variance, rtol=1e-5)


def test_batch_statistics_of_a_convolution_sized_batch_keep_float32_accuracy():
    # 32 images of 26x26 positions: 21632 terms per channel, around a mean of 3.
    x = _batch(shape=(32, 26, 26, 8), shift=3.0)
    layer = layers.BatchNormalization(momentum=0.0)
    layer(x, training=True)
    exact = x.astype("float64")
    # A float32 running sum of 21632 terms would be off by ~1e-5; float32 rounding is 6e-8.
    np.testing.assert_allclose(layer.moving_mean.numpy(), exact.mean(axis=(0, 1, 2)), rtol=3e-7)
    np.testing.assert_allclose(layer.moving_variance.numpy(), exact.var(axis=(0, 1, 2)),
                               rtol=3e-7)


def test_inference_calls_leave_the_moving_statistics_alone():
    layer = layers.BatchNormalization()
    layer(_batch(), training=False)
    layer(_batch())
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(layer.moving_variance.numpy(), np.ones(3))


def test_a_frozen_batch_normalization_runs_in_inference_mode_even_when_training():
    x = _batch()
    layer = layers.BatchNormalization()
    layer(x, training=True)
    statistics = [w.numpy() for w in (layer.moving_mean, layer.moving_variance)]
    layer.trainable = False
    frozen = Tensor(x, requires_grad=True)
    output = layer(frozen, training=True)
    np.testing.assert_array_equal(output.numpy(), layer(x, training=False).numpy())
    ops.sum(output).backward()
    assert layer.gamma.grad is None and layer.beta.grad is None and frozen.grad is not None
    for w, before in zip((layer.moving_mean, layer.moving_variance), statistics, strict=True):
        np.testing.assert_array_equal(w.numpy(), before)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_normalization_weights_come_in_keras_order_and_shapes():
    layer = layers.BatchNormalization(axis=1)
    layer(np.zeros((2, 5, 4), dtype="float32"))
    assert [w.path for w in layer.weights] == [
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance"]
    assert all(w.shape == (5,) for w in layer.weights)
    bare = layers.BatchNormalization(center=False, scale=False)
    bare(np.zeros((2, 3), dtype="float32"))
    assert [w.name for w in bare.weights] == ["moving_mean", "moving_variance"]


def test_batch_normalization_rejects_an_axis_out_of_range():
    with pytest.raises(ValueError, match=r'"batch_normalization".*axis 3.*\(2, 3\)'):
        layers.BatchNormalization(axis=3)(np.zeros((2, 3), dtype="float32"))


def test_a_frozen_conv2d_gets_no_weight_gradients_but_passes_the_input_gradient():
    layer = layers.Conv2D(2, 3)
    x = Tensor(np.random.randn(1, 5, 5, 2).astype("float32"), requires_grad=True)
    layer(x)
    layer.trainable = False
    ops.sum(layer(x)).backward()
    assert layer.kernel.grad is None and layer.bias.grad is None
    assert x.grad.shape == (1, 5, 5, 2)


def test_conv2d_weights_and_regularizer_losses():
    layer = layers.Conv2D(4, (3, 2), kernel_regularizer=keras.regularizers.L2(0.1),
                          bias_regularizer="l1", bias_initializer="ones")
    layer(np.zeros((1, 6, 6, 3), dtype="float32"))
    assert [tuple(w.shape) for w in layer.get_weights()] == [(3, 2, 3, 4), (4,)]
    kernel = layer.kernel.numpy()
    expected = [0.1 * (kernel**2).sum(), 0.01 * 4.0]
    np.testing.assert_allclose([loss.item() for loss in layer.losses], expected, rtol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": 0, "kernel_size": 3}, "filters=0"),
    ({"filters": 2, "kernel_size": (3, 0)}, "kernel_size"),
    ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_middle"}, "data_format"),
    ({"filters": 2, "kernel_size": 3, "groups": 3}, "groups=3, filters=2"),
    ({"filters": 2, "kernel_size": 3, "groups": 0}, "groups=0"),
    ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding"),
])
def test_conv2d_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Conv2D(**kwargs)


def test_pooling_strides_default_to_the_pool_size():
    layer = layers.MaxPooling2D(pool_size=3)
    assert layer.strides == (3, 3)
    assert layer(np.zeros((1, 7, 7, 1), dtype="float32")).shape == (1, 2, 2, 1)
    assert layers.AveragePooling2D(2, padding="SAME").padding == "same"


def test_softmax_with_a_mask_gives_masked_positions_zero_probability():
    x = np.array([[1.0, 2.0, 3.0, 4.0]], dtype="float32")
    mask = np.array([[True, False, True, False]])
    y = layers.Softmax()(x, mask=mask).numpy()
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(y, [[e[0] / e.sum(), 0.0, e[1] / e.sum(), 0.0]], rtol=1e-6)
    with pytest.raises(ValueError, match=r'"softmax.*\(1, 3\).*\(1, 4\)'):
        layers.Softmax()(x, mask=np.ones((1, 3), dtype=bool))


def test_softmax_over_several_axes_normalizes_them_together():
    y = layers.Softmax(axis=(1, 2))(np.random.randn(2, 3, 4).astype("float32")).numpy()
    np.testing.assert_allclose(y.sum(axis=(1, 2)), 1.0, rtol=1e-6)


def test_flatten_channels_first_orders_features_as_channels_last():
    x = np.arange(24, dtype="float32").reshape(2, 3, 2, 2)  # (batch, channels, h, w)
    first = layers.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(first, x.transpose(0, 2, 3, 1).reshape(2, 12))
    assert layers.Flatten()(np.zeros((5,), dtype="float32")).shape == (5, 1)


def test_reshape_infers_its_unknown_axis():
    layer = layers.Reshape((2, -1))
    assert layer(np.zeros((3, 12), dtype="float32")).shape == (3, 2, 6)
    assert layer.compute_output_shape((None, 12)) == (None, 2, 6)
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape((-1, -1))


@pytest.mark.parametrize("kwargs", [{"max_value": -1.0}, {"negative_slope": -0.1},
                                    {"threshold": None}])
def test_relu_rejects_negative_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        layers.ReLU(**kwargs)


def test_leaky_relu_defaults_to_keras_3_slope_and_accepts_alpha():
    x = np.array([-10.0, 5.0], dtype="float32")
    np.testing.assert_allclose(layers.LeakyReLU()(x).numpy(), [-3.0, 5.0])
    np.testing.assert_allclose(layers.LeakyReLU(alpha=0.1)(x).numpy(), [-1.0, 5.0])


def test_merging_inputs_of_different_ranks_broadcasts_after_the_batch_axis():
    a = np.ones((2, 3), dtype="float32")
    b = np.arange(24, dtype="float32").reshape(2, 4, 3)
    np.testing.assert_array_equal(layers.Add()([a, b]).numpy(), b + 1)
    assert layers.Add().compute_output_shape([(None, 3), (None, 4, 3)]) == (None, 4, 3)


def test_the_functional_merge_forms_build_a_multi_input_graph():
    left, right = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    hidden = layers.Dense(4)(left)
    merged = layers.concatenate([layers.add([hidden, right]), layers.maximum([left, right])])
    assert merged.shape == (None, 8)
    parents = {node.operation.name for node in merged.node.parent_nodes}
    assert parents == {"add", "maximum"}
    assert layers.average([left, right], name="mean").node.operation.name == "mean"


def test_average_and_multiply_and_minimum():
    a = np.array([[1.0, 5.0]], dtype="float32")
    b = np.array([[3.0, -1.0]], dtype="float32")
    np.testing.assert_array_equal(layers.average([a, b]).numpy(), [[2.0, 2.0]])
    np.testing.assert_array_equal(layers.multiply([a, b, b]).numpy(), [[9.0, 5.0]])
    np.testing.assert_array_equal(layers.minimum([a, b]).numpy(), [[1.0, -1.0]])
    np.testing.assert_array_equal(layers.subtract([a, b]).numpy(), [[-2.0, 6.0]])


def test_input_layer_follows_keras_arguments_and_config():
    layer = layers.InputLayer(shape=(3,), name="features")
    assert layer.get_config() == {"batch_shape": (None, 3), "dtype": "float32", "sparse": False,
                                  "ragged": False, "name": "features", "optional": False}
    with pytest.warns(UserWarning, match=r"Argument `input_shape` is deprecated. Use `shape`"):
        assert layers.InputLayer(input_shape=(5,)).batch_shape == (None, 5)
    assert layers.Input(batch_shape=(8, 2)).shape == (8, 2)
    wrapped = layers.InputLayer(input_tensor=keras.Input(shape=(7,)))
    assert wrapped.batch_shape == (None, 7) and wrapped.output_tensor.node.operation is wrapped
    for kwargs in ({"shape": (3,), "batch_shape": (None, 3)}, {}, {"shape": (2,), "sparse": True}):
        with pytest.raises(ValueError):
            layers.InputLayer(**kwargs)


def test_dense_rejects_lora_and_quantization_it_does_not_implement():
    with pytest.raises(ValueError, match="LoRA"):
        layers.Dense(2, lora_rank=4)
    assert layers.Dense(2).get_config()["quantization_config"] is None


def _cnn(rng):
    return rng.standard_normal((4, 8, 8, 2)).astype("float32"), [
        layers.Conv2D(3, 3, padding="same", activation="relu"), layers.BatchNormalization(),
        layers.MaxPooling2D(), layers.Conv2D(2, 2, strides=2), layers.AveragePooling2D(1),
        layers.GlobalMaxPooling2D(), layers.Flatten(), layers.Dense(3)]


def _every_convolution(rng):
    first = "channels_first"
    return rng.standard_normal((2, 2, 8, 8)).astype("float32"), [
        layers.Conv2D(4, 3, groups=2, padding="same", data_format=first),
        layers.DepthwiseConv2D(2, strides=2, dilation_rate=2, activation="relu",
                               data_format=first),
        layers.SeparableConv2D(3, 2, activation="relu", data_format=first),
        layers.Conv2DTranspose(2, 3, strides=2, padding="same"), layers.Reshape((-1, 2)),
        layers.Conv1D(2, 3, padding="causal"), layers.MaxPooling1D(),
        layers.AveragePooling1D(2), layers.Flatten()]


def _training_step(seed, make_model):
    """Forward, backward and an SGD step of a small model; returns the new weights and the loss.

    make_model(rng): the inputs, drawn from ``rng``, and the list of layers to run in turn.
    """
    keras.utils.set_random_seed(seed)
    h, model = make_model(np.random.default_rng(seed))
    for layer in model:
        h = layer(h, training=True)
    loss = ops.mean(ops.square(h))
    loss.backward()
    weights = [w for layer in model for w in layer.weights]
    for w in weights:
        assert type(w.data) is backend.array_module().ndarray  # noqa: E721
        assert w.dtype == np.float32
        if w.trainable:
            w.assign_sub(0.1 * w.grad)
    return [w.numpy() for w in weights], loss.item()


def assert_training_step_on_device_equals_the_one_on_numpy(seed, make_model):
    """``_training_step`` on the device (the backend now), then on NumPy: the same loss and
    weights within float32 round-off."""
    on_device, device_loss = _training_step(seed, make_model)
    backend.set_backend("numpy")
    on_host, host_loss = _training_step(seed, make_model)
    assert device_loss == pytest.approx(host_loss, rel=1e-5)
    for a, b in zip(on_device, on_host, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("make_model", [_cnn, _every_convolution])
def test_a_cnn_training_step_on_the_device_equals_the_one_on_numpy(device, make_model):
    assert_training_step_on_device_equals_the_one_on_numpy(5, make_model)
