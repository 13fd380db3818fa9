"""What the convolution and pooling layers mean, beyond their gradients: a Conv1D is a
Conv2D over a height of one, "causal" padding never looks ahead, channels_first is
channels_last on transposed data, groups and depthwise kernels keep channels apart,
a separable convolution is a depthwise one then a 1x1 one; names and arguments.
(Their training step on the device: tests/test_layers_behaviour.py.)"""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, layers

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def random(*shape):
    return RNG.standard_normal(shape).astype("float32")


def test_conv1d_is_a_conv2d_over_a_height_of_one():
    x = random(2, 11, 3)
    conv1d = layers.Conv1D(4, 3, strides=2, padding="same", bias_initializer="random_normal")
    conv2d = layers.Conv2D(4, (1, 3), strides=(1, 2), padding="same")
    conv1d(x)
    conv2d(x[:, None])
    kernel, bias = conv1d.get_weights()
    assert kernel.shape == (3, 3, 4)
    conv2d.set_weights([kernel[None], bias])
    np.testing.assert_allclose(conv1d(x).numpy(), conv2d(x[:, None]).numpy()[:, 0], rtol=1e-6)


@pytest.mark.parametrize("dilation", [1, 2])
def test_causal_outputs_see_no_later_steps(dilation):
    layer = layers.Conv1D(2, 3, padding="causal", dilation_rate=dilation)
    x = random(1, 9, 2)
    y = layer(x).numpy()
    assert y.shape == (1, 9, 2)
    later = x.copy()
    later[:, 5:] += 1.0  # change steps 5 and after
    changed = np.abs(layer(later).numpy() - y).max(axis=(0, 2)) > 0
    np.testing.assert_array_equal(changed, np.arange(9) >= 5)


LAYERS = {
    "Conv1D": (lambda fmt: layers.Conv1D(3, 2, strides=2, groups=1, data_format=fmt), 1),
    "Conv1D causal": (lambda fmt: layers.Conv1D(2, 3, padding="causal", data_format=fmt), 1),
    "Conv2D": (lambda fmt: layers.Conv2D(4, 3, padding="same", activation="relu",
                                         data_format=fmt), 2),
    "Conv2D groups": (lambda fmt: layers.Conv2D(4, 2, groups=2, data_format=fmt), 2),
    "Conv2DTranspose": (lambda fmt: layers.Conv2DTranspose(3, 3, strides=2, data_format=fmt), 2),
    "DepthwiseConv2D": (lambda fmt: layers.DepthwiseConv2D(2, depth_multiplier=2,
                                                           data_format=fmt), 2),
    "SeparableConv2D": (lambda fmt: layers.SeparableConv2D(3, 2, activation="sigmoid",
                                                           data_format=fmt), 2),
    "MaxPooling1D": (lambda fmt: layers.MaxPooling1D(3, 2, padding="same", data_format=fmt), 1),
    "AveragePooling1D": (lambda fmt: layers.AveragePooling1D(2, data_format=fmt), 1),
    "MaxPooling2D": (lambda fmt: layers.MaxPooling2D(data_format=fmt), 2),
    "AveragePooling2D": (lambda fmt: layers.AveragePooling2D(3, 1, "same", data_format=fmt), 2),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_channels_first_is_channels_last_on_transposed_data(name):
    make, rank = LAYERS[name]
    x = random(2, *(7,) * rank, 4)  # channels_last
    last, first = make("channels_last"), make("channels_first")
    to_first, to_last = (0, rank + 1, *range(1, rank + 1)), (0, *range(2, rank + 2), 1)
    y = last(x).numpy()
    first(x.transpose(to_first))
    first.set_weights(last.get_weights())  # the same weight layout in both formats
    np.testing.assert_allclose(first(x.transpose(to_first)).numpy().transpose(to_last), y,
                               rtol=1e-5, atol=1e-6)
    assert first.compute_output_shape((None, 4, *(7,) * rank)) == (
        None, y.shape[-1], *y.shape[1:-1])


def test_each_group_of_filters_sees_only_its_group_of_channels():
    layer = layers.Conv2D(6, 3, groups=3, padding="same")
    x = random(1, 5, 5, 6)
    y = layer(x).numpy()
    assert layer.kernel.shape == (3, 3, 2, 6)
    changed = x.copy()
    changed[..., 2:4] += 1.0  # the channels of group 1
    moved = np.abs(layer(changed).numpy() - y).max(axis=(0, 1, 2)) > 0
    np.testing.assert_array_equal(moved, [False, False, True, True, False, False])


def test_a_depthwise_convolution_keeps_channels_apart():
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    x = random(1, 5, 5, 3)
    y = layer(x).numpy()
    assert y.shape == (1, 5, 5, 6) and layer.kernel.shape == (3, 3, 3, 2)
    changed = x.copy()
    changed[..., 1] += 1.0
    moved = np.abs(layer(changed).numpy() - y).max(axis=(0, 1, 2)) > 0
    np.testing.assert_array_equal(moved, [False, False, True, True, False, False])


def test_a_separable_convolution_is_a_depthwise_then_a_pointwise_one():
    separable = layers.SeparableConv2D(4, 3, strides=2, depth_multiplier=2, padding="same",
                                       bias_initializer="random_normal")
    depthwise = layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same",
                                       use_bias=False)
    pointwise = layers.Conv2D(4, 1)
    x = random(2, 7, 7, 3)
    separable(x)
    pointwise(depthwise(x))
    depthwise_kernel, pointwise_kernel, bias = separable.get_weights()
    assert pointwise_kernel.shape == (1, 1, 6, 4)
    depthwise.set_weights([depthwise_kernel])
    pointwise.set_weights([pointwise_kernel, bias])
    np.testing.assert_allclose(separable(x).numpy(), pointwise(depthwise(x)).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_a_strided_transposed_convolution_gives_back_the_size_a_conv2d_took():
    x = random(2, 9, 8, 3)
    down = layers.Conv2D(4, 3, strides=2, padding="same")(x)
    assert down.shape == (2, 5, 4, 4)
    up = layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=(0, 1))
    assert up(down).shape == (2, 9, 8, 3)
    assert up.kernel.shape == (3, 3, 3, 4)  # (height, width, filters, channels)


def test_kernel_regularizers_of_depthwise_and_separable_convolutions():
    layer = layers.SeparableConv2D(2, 3, depthwise_regularizer=keras.regularizers.L2(0.1),
                                   pointwise_regularizer="l2")
    layer(np.zeros((1, 5, 5, 2), "float32"))
    depthwise, pointwise = layer.depthwise_kernel.numpy(), layer.pointwise_kernel.numpy()
    expected = [0.1 * (depthwise ** 2).sum(), 0.01 * (pointwise ** 2).sum()]
    np.testing.assert_allclose([loss.item() for loss in layer.losses], expected, rtol=1e-5)


def test_new_layers_are_named_like_keras():
    made = [layers.Conv1D(1, 1), layers.Conv2DTranspose(1, 1), layers.DepthwiseConv2D(1),
            layers.SeparableConv2D(1, 1), layers.MaxPooling1D(), layers.AveragePooling1D(2),
            layers.Convolution1D(1, 1)]
    assert [layer.name for layer in made] == [
        "conv1d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d", "max_pooling1d",
        "average_pooling1d", "conv1d_1"]


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: layers.Conv2DTranspose(2, 3, output_padding=(0, -1)), "output_padding"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier=0"),
    (lambda: layers.SeparableConv2D(0, 3), "filters=0"),
    (lambda: layers.Conv1D(2, 3, groups=4), "groups=4, filters=2"),
    (lambda: layers.Conv1D(2, (3, 3)), "kernel_size"),
    (lambda: layers.Conv2D(2, 3, padding="causal"), "padding"),
    (lambda: layers.Conv1D(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: layers.MaxPooling1D(pool_size=(2, 2)), "pool_size"),
    (lambda: layers.AveragePooling1D(2, data_format="channels_middle"), "data_format"),
    (lambda: layers.Conv2D(2, 3, lora_rank=4), "LoRA"),
])
def test_bad_arguments_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, shape, message", [
    (lambda: layers.Conv1D(4, 3, groups=2), (1, 5, 3),
     r'"conv1d".*input channels must divide.*groups=2.*3 channels'),
    (lambda: layers.Conv1D(4, 3), (1, 5, 5, 3), r'"conv1d".*expected ndim=3'),
    (lambda: layers.MaxPooling1D(3), (1, 2, 4), r'"max_pooling1d".*zero or negative'),
    (lambda: layers.DepthwiseConv2D(3), (1, 2, 5, 1), r'"depthwise_conv2d".*zero or negative'),
    (lambda: layers.Conv2DTranspose(1, 2, strides=2, padding="same", output_padding=0),
     (1, 3, 3, 1), r"choose another output_padding"),
])
def test_bad_inputs_are_clear_errors(make, shape, message):
    with pytest.raises(ValueError, match=message):
        make()(np.zeros(shape, "float32"))
