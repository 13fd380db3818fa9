"""The grouped, depthwise and transposed convolution ops.

Each is checked against what it means in terms of the ordinary convolution
(``ops.conv``, tested on its own): a grouped convolution is one convolution
per group, a depthwise one a convolution per channel, and a transposed
convolution is the adjoint of a convolution, <conv(x), y> = <x, conv_transpose(y)>.
Their gradients are checked against finite differences, and their device
path on the strict CuPy stand-in.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minikeras import backend, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.ops.grouped_convolution import grouped_conv
from minikeras.ops.sliding_window import Geometry
from minikeras.ops.transposed_convolution import transposed_output_size
from minikeras.testing import strategies as mst


@st.composite
def windows(draw, strides_with_dilation=False):
    """(kernel_size, strides, padding, dilation) and an image (height, width) they fit."""
    kernel_size = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    strides = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    if max(dilation) > 1 and not strides_with_dilation:
        strides = (1, 1)
    padding = draw(st.sampled_from(["valid", "same"]))
    spans = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation, strict=True)]
    smallest = spans if padding == "valid" else [1, 1]
    size = tuple(draw(st.integers(low, 7)) for low in smallest)
    return kernel_size, strides, padding, dilation, size


def strided(y, strides):
    """The outputs of a stride-1 convolution that a strided one keeps."""
    return y[:, ::strides[0], ::strides[1]]


def conv_then_stride(x, kernel, strides, padding, dilation):
    """A convolution with strides and dilation both above 1, which ops.conv refuses, from its
    stride-1 outputs; "same" pads as the strided one (ceil(size / stride) outputs)."""
    if padding == "same":
        geometry = Geometry(x.shape, kernel.shape[:2], strides, dilation, "same")
        x = np.pad(x, ((0, 0), geometry.row_padding, geometry.col_padding, (0, 0)))
    y = ops.conv(Tensor(x), Tensor(kernel), dilation_rate=dilation).numpy()
    return strided(y, strides)


@given(case=windows(), groups=st.integers(1, 3), group_channels=st.integers(1, 2),
       group_filters=st.integers(1, 2), data=st.data())
def test_a_grouped_convolution_is_one_convolution_per_group(case, groups, group_channels,
                                                            group_filters, data):
    kernel_size, strides, padding, dilation, size = case
    x = data.draw(mst.arrays((2, *size, groups * group_channels)))
    kernel = data.draw(mst.arrays((*kernel_size, group_channels, groups * group_filters)))

    def grouped(a, k):
        return grouped_conv(a, k, groups, strides=strides, padding=padding,
                            dilation_rate=dilation)

    expected = np.concatenate([
        ops.conv(Tensor(x[..., g * group_channels:(g + 1) * group_channels]),
                 Tensor(kernel[..., g * group_filters:(g + 1) * group_filters]),
                 strides=strides, padding=padding, dilation_rate=dilation).numpy()
        for g in range(groups)], axis=-1)
    np.testing.assert_allclose(grouped(Tensor(x), Tensor(kernel)).numpy(), expected,
                               rtol=1e-10, atol=1e-12)
    gradcheck(grouped, x, kernel)


@given(case=windows(strides_with_dilation=True), channels=st.integers(1, 3),
       multiplier=st.integers(1, 2), data=st.data())
def test_a_depthwise_convolution_convolves_each_channel_with_its_own_filters(
        case, channels, multiplier, data):
    kernel_size, strides, padding, dilation, size = case
    x = data.draw(mst.arrays((2, *size, channels)))
    kernel = data.draw(mst.arrays((*kernel_size, channels, multiplier)))

    def depthwise(a, k):
        return ops.depthwise_conv(a, k, strides=strides, padding=padding,
                                  dilation_rate=dilation)

    y = depthwise(Tensor(x), Tensor(kernel)).numpy()
    assert y.shape[-1] == channels * multiplier
    for c in range(channels):
        for m in range(multiplier):
            expected = conv_then_stride(x[..., c:c + 1], kernel[:, :, c:c + 1, m:m + 1],
                                        strides, padding, dilation)
            np.testing.assert_allclose(y[..., c * multiplier + m:c * multiplier + m + 1],
                                       expected, rtol=1e-10, atol=1e-12)
    gradcheck(depthwise, x, kernel)


@st.composite
def transposed_cases(draw):
    """(kernel_size, strides, padding, dilation, output_padding, input size) that TensorFlow
    accepts: a convolution of the output gives back the input's size."""
    kernel_size, strides, padding, dilation, size = draw(windows())
    output_padding = draw(st.one_of(st.none(), st.tuples(
        *[st.integers(0, s - 1) for s in strides])))
    if output_padding is not None and padding == "same":
        spans = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation, strict=True)]
        assume(all(span % 2 + p >= 1 for span, p in zip(spans, output_padding, strict=True)))
    return kernel_size, strides, padding, dilation, output_padding, size


@given(case=transposed_cases(), channels=st.integers(1, 3), filters=st.integers(1, 3),
       data=st.data())
def test_a_transposed_convolution_is_the_adjoint_of_a_convolution(case, channels, filters,
                                                                  data):
    kernel_size, strides, padding, dilation, output_padding, size = case
    x = data.draw(mst.arrays((2, *size, channels)))
    kernel = data.draw(mst.arrays((*kernel_size, filters, channels)))

    def transposed(a, k):
        return ops.conv_transpose(a, k, strides=strides, padding=padding,
                                  output_padding=output_padding, dilation_rate=dilation)

    y = transposed(Tensor(x), Tensor(kernel)).numpy()
    extra = output_padding or (None, None)
    assert y.shape == (2, *(transposed_output_size(n, k, s, d, padding, p) for n, k, s, d, p in zip(
        size, kernel_size, strides, dilation, extra, strict=True)), filters)
    # <conv(z, k), x> = <z, conv_transpose(x, k)> for any z of the output's shape.
    z = np.random.default_rng(0).standard_normal(y.shape)
    convolved = ops.conv(Tensor(z), Tensor(kernel), strides=strides, padding=padding,
                         dilation_rate=dilation).numpy()
    np.testing.assert_allclose((convolved * x).sum(), (z * y).sum(), rtol=1e-10, atol=1e-10)
    gradcheck(transposed, x, kernel)


def test_a_transposed_convolution_spreads_each_pixel_over_its_window():
    # One pixel of value 1 at stride 2: the kernel itself, placed at twice its position.
    x = np.zeros((1, 2, 2, 1))
    x[0, 1, 0, 0] = 1.0
    kernel = np.arange(9.0).reshape(3, 3, 1, 1)
    y = ops.conv_transpose(Tensor(x), Tensor(kernel), strides=2).numpy()[0, :, :, 0]
    expected = np.zeros((5, 5))
    expected[2:5, 0:3] = kernel[:, :, 0, 0]
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("call, message", [
    (lambda: grouped_conv(np.zeros((1, 4, 4, 4)), np.zeros((3, 3, 2, 3)), 2),
     r"groups must be a positive int dividing.*3 filters"),
    (lambda: grouped_conv(np.zeros((1, 4, 4, 4)), np.zeros((3, 3, 4, 4)), 2),
     r"shape \(height, width, 2, filters\)"),
    (lambda: ops.depthwise_conv(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 2, 1))),
     r"3 channels.*expects 2"),
    (lambda: ops.depthwise_conv(np.zeros((4, 4, 3)), np.zeros((3, 3, 3, 1))), r"rank 4"),
    (lambda: ops.conv_transpose(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 2, 2))),
     r"3 channels.*expects 2"),
    (lambda: ops.conv_transpose(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 2, 3)), strides=2,
                                output_padding=2), r"output_padding"),
    (lambda: ops.conv_transpose(np.zeros((1, 3, 3, 1)), np.zeros((2, 2, 1, 1)), strides=2,
                                padding="same", output_padding=0), r"choose another"),
    (lambda: ops.conv_transpose(np.zeros((1, 3, 3, 1)), np.zeros((2, 2, 1, 1)),
                                data_format="channels_first"), r"channels_last"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


DEVICE_CASES = {
    "grouped_conv": (lambda x, k: grouped_conv(x, k, 2, strides=2, padding="same"),
                     [(2, 7, 6, 4), (3, 3, 2, 4)]),
    "depthwise_conv": (lambda x, k: ops.depthwise_conv(x, k, strides=2, dilation_rate=2),
                       [(2, 7, 6, 3), (2, 2, 3, 2)]),
    "conv_transpose": (lambda x, k: ops.conv_transpose(x, k, strides=2, padding="same"),
                       [(2, 4, 3, 3), (3, 3, 2, 3)]),
}


@pytest.mark.parametrize("name", sorted(DEVICE_CASES))
def test_the_ops_run_on_the_device_as_on_numpy(device, name):
    fn, shapes = DEVICE_CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype("float32") for shape in shapes]

    def run():
        tensors = [Tensor(backend.to_device(a), requires_grad=True) for a in arrays]
        output = fn(*tensors)
        upstream = np.random.default_rng(1).standard_normal(output.shape).astype("float32")
        output.backward(backend.to_device(upstream))
        for t in (output, *tensors):
            assert type(t.data) is backend.array_module().ndarray  # noqa: E721
            assert t.data.dtype == np.float32
        return [output.numpy(), *(backend.to_numpy(t.grad) for t in tensors)]

    on_device = run()
    backend.set_backend("numpy")
    for a, b in zip(on_device, run(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
