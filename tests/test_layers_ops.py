"""The fused ops behind the layers: conv, pooling, batch normalization, dropout.

Each is checked against a direct NumPy definition (loops over output pixels,
written for clarity, not speed), its gradients against finite differences,
and its device path on the strict CuPy stand-in.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minikeras import backend, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.testing import strategies as mst


def same_padding(size, window, stride, dilation=1):
    """TensorFlow's "same": ceil(size / stride) outputs, the odd padding at the end."""
    span = (window - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def windows_reference(x, window, strides, padding, dilation=(1, 1), pad_value=0.0):
    """Yields (i, j, patch) for every output pixel, the patch of shape (N, KH, KW, C)."""
    if padding == "same":
        rows = same_padding(x.shape[1], window[0], strides[0], dilation[0])
        cols = same_padding(x.shape[2], window[1], strides[1], dilation[1])
        x = np.pad(x, ((0, 0), rows, cols, (0, 0)), constant_values=pad_value)
    span = [(w - 1) * d + 1 for w, d in zip(window, dilation, strict=True)]
    out_h = (x.shape[1] - span[0]) // strides[0] + 1
    out_w = (x.shape[2] - span[1]) // strides[1] + 1
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * strides[0], j * strides[1]
            yield i, j, x[:, top:top + span[0]:dilation[0], left:left + span[1]:dilation[1], :]


def output_grid(x, window, strides, padding, dilation=(1, 1)):
    cells = list(windows_reference(x, window, strides, padding, dilation))
    return max(i for i, _, _ in cells) + 1, max(j for _, j, _ in cells) + 1


def conv_reference(x, kernel, strides, padding, dilation):
    out_h, out_w = output_grid(x, kernel.shape[:2], strides, padding, dilation)
    y = np.zeros((x.shape[0], out_h, out_w, kernel.shape[3]))
    for i, j, patch in windows_reference(x, kernel.shape[:2], strides, padding, dilation):
        y[:, i, j, :] = np.tensordot(patch, kernel, axes=3)
    return y


def pool_reference(x, pool, strides, padding, reduce):
    pad_value = -np.inf if reduce == "max" else np.nan
    out_h, out_w = output_grid(x, pool, strides, padding)
    y = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i, j, patch in windows_reference(x, pool, strides, padding, pad_value=pad_value):
        y[:, i, j, :] = patch.max(axis=(1, 2)) if reduce == "max" else np.nanmean(
            patch, axis=(1, 2))  # padding (NaN) is not counted in the mean
    return y


@st.composite
def conv_cases(draw):
    """(x, kernel, strides, padding, dilation) with odd and even sizes, the window fitting."""
    x_shape, kernel_size, strides, padding, dilation = draw(mst.window_cases())
    x = draw(mst.arrays(x_shape))
    kernel = draw(mst.arrays((*kernel_size, x_shape[3], draw(st.integers(1, 3)))))
    return x, kernel, strides, padding, dilation


@given(case=conv_cases())
def test_conv_matches_its_definition_and_its_gradients_match_finite_differences(case):
    x, kernel, strides, padding, dilation = case
    def conv(a, k):
        return ops.conv(a, k, strides=strides, padding=padding, dilation_rate=dilation)
    np.testing.assert_allclose(conv(Tensor(x), Tensor(kernel)).numpy(),
                               conv_reference(x, kernel, strides, padding, dilation),
                               rtol=1e-10, atol=1e-12)
    gradcheck(conv, x, kernel)


def test_conv_uses_the_same_split_of_same_padding_as_tensorflow():
    # Width 4, window 2, stride 2: no padding needed; width 5: one column, at the end.
    x = np.arange(5, dtype="float64").reshape(1, 1, 5, 1)
    kernel = np.ones((1, 2, 1, 1))
    y = ops.conv(Tensor(x), Tensor(kernel), strides=2, padding="same").numpy()
    np.testing.assert_array_equal(y.ravel(), [0 + 1, 2 + 3, 4 + 0])


def test_conv_rejects_mismatched_channels_and_ranks():
    with pytest.raises(ValueError, match=r"3 channels.*\(2, 2, 4, 1\)"):
        ops.conv(Tensor(np.zeros((1, 4, 4, 3))), Tensor(np.zeros((2, 2, 4, 1))))
    with pytest.raises(ValueError, match=r"\(4, 4, 3\) \(1-D\).*rank 3.*\(2, 2, 3, 1\)"):
        ops.conv(Tensor(np.zeros((4, 4, 3))), Tensor(np.zeros((2, 2, 3, 1))))  # a 1-D conv
    with pytest.raises(ValueError, match=r"rank 3 .* or 4 .*\(4, 3\)"):
        ops.conv(Tensor(np.zeros((4, 3))), Tensor(np.zeros((2, 3, 1))))
    with pytest.raises(ValueError, match="zero or negative"):
        ops.conv(Tensor(np.zeros((1, 2, 2, 1))), Tensor(np.zeros((3, 3, 1, 1))))


def test_conv_computes_no_kernel_gradient_when_none_is_needed():
    x = Tensor(np.random.randn(1, 4, 4, 2), requires_grad=True)
    ops.sum(ops.conv(x, np.random.randn(3, 3, 2, 2))).backward()
    assert x.grad.shape == (1, 4, 4, 2)


@st.composite
def pool_cases(draw, distinct=False):
    pool = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    strides = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.sampled_from(["valid", "same"]))
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    if padding == "valid":
        assume(height >= pool[0] and width >= pool[1])
    shape = (draw(st.integers(1, 2)), height, width, draw(st.integers(1, 2)))
    x = draw(mst.distinct_values(shape) if distinct else mst.arrays(shape))
    return x, pool, strides, padding


@given(case=pool_cases(distinct=True))
def test_max_pool(case):
    x, pool, strides, padding = case
    def pool_fn(a):
        return ops.max_pool(a, pool, strides=strides, padding=padding)
    np.testing.assert_array_equal(pool_fn(Tensor(x)).numpy(),
                                  pool_reference(x, pool, strides or pool, padding, "max"))
    gradcheck(pool_fn, x)


@given(case=pool_cases())
def test_average_pool_averages_only_pixels_inside_the_image(case):
    x, pool, strides, padding = case
    def pool_fn(a):
        return ops.average_pool(a, pool, strides=strides, padding=padding)
    np.testing.assert_allclose(pool_fn(Tensor(x)).numpy(),
                               pool_reference(x, pool, strides or pool, padding, "average"),
                               rtol=1e-12)
    gradcheck(pool_fn, x)


@pytest.mark.parametrize("layer", [
    lambda x: ops.conv(x, np.ones((2, 2, 8, 1)), strides=2),
    lambda x: ops.max_pool(x, 2),
    lambda x: ops.average_pool(x, 2)], ids=["conv", "max_pool", "average_pool"])
def test_pixels_no_window_reads_get_a_zero_gradient_in_reused_memory(layer):
    # 29 rows and columns: the windows at stride 2 read 28 of them. The backward passes
    # zero their gradient piece by piece; a freed array of NaNs the size of the gradient
    # makes memory that is not zeroed show.
    x = Tensor(np.random.default_rng(0).random((64, 29, 29, 8)), requires_grad=True)
    total = ops.sum(layer(x))
    dirty = np.full(x.shape, np.nan)
    del dirty
    total.backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_array_equal(x.grad[:, 28], 0)
    np.testing.assert_array_equal(x.grad[:, :, 28], 0)


def test_max_pool_gives_a_tied_window_gradient_to_its_first_max_as_tensorflow():
    x = Tensor(np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1), requires_grad=True)
    ops.sum(ops.max_pool(x, 2)).backward()
    np.testing.assert_array_equal(x.grad.ravel(), [0.0, 1.0, 0.0, 0.0])


def test_overlapping_pool_windows_add_their_gradients():
    x = Tensor(np.arange(9.0).reshape(1, 3, 3, 1), requires_grad=True)
    ops.sum(ops.average_pool(x, 2, strides=1)).backward()
    np.testing.assert_allclose(x.grad.ravel(), np.array([1, 2, 1, 2, 4, 2, 1, 2, 1]) / 4)


def batch_norm_reference(x, gamma, beta, axis, epsilon):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    mean, variance = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean) / np.sqrt(variance + epsilon) * gamma.reshape(shape) + beta.reshape(
        shape), mean.ravel(), variance.ravel()


@given(data=st.data())
def test_fused_batch_normalization(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(mst.arrays(shape))
    gamma = data.draw(mst.arrays(shape[axis], mst.moderate(0.5, 2.0)))
    beta = data.draw(mst.arrays(shape[axis]))
    assume(np.var(x, axis=tuple(i for i in range(x.ndim) if i != axis % x.ndim)).min() > 0.01)
    y, mean, variance = ops.fused_batch_normalization(Tensor(x), Tensor(gamma), Tensor(beta),
                                                      axis=axis, epsilon=1e-3)
    for actual, expected in zip((y, mean, variance),
                                batch_norm_reference(x, gamma, beta, axis, 1e-3), strict=True):
        np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert not mean.requires_grad and not variance.requires_grad
    gradcheck(lambda a, g, b: ops.fused_batch_normalization(a, g, b, axis=axis)[0],
              x, gamma, beta)


def test_fused_batch_normalization_without_scale_and_offset():
    x = np.random.default_rng(0).standard_normal((6, 3))
    y, _, _ = ops.fused_batch_normalization(Tensor(x))
    expected, _, _ = batch_norm_reference(x, np.ones(3), np.zeros(3), -1, 1e-3)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    gradcheck(lambda a: ops.fused_batch_normalization(a)[0], x)


def test_float32_batch_statistics_keep_the_precision_of_a_float64_sum():
    # 2^18 values per channel around 1000: a float32 running sum of them is off by
    # about 1e-5 (NumPy's own x.sum over the three axes here too); the two-stage sum
    # keeps the mean within 1e-6 of the float64 one, and the variance with it.
    x = (np.random.default_rng(2).standard_normal((64, 64, 64, 3)) * 3 + 1000).astype("float32")
    wide = x.astype("float64")
    _, mean, variance = ops.fused_batch_normalization(Tensor(x))
    assert mean.numpy().dtype == variance.numpy().dtype == np.float32
    np.testing.assert_allclose(mean.numpy(), wide.mean(axis=(0, 1, 2)), rtol=1e-6)
    np.testing.assert_allclose(variance.numpy(), wide.var(axis=(0, 1, 2)), rtol=1e-5)
    naive = x.sum(axis=(0, 1, 2)) / (64 ** 3)
    assert np.abs(naive / wide.mean(axis=(0, 1, 2)) - 1).max() > 1e-6  # what the bound rules out


def test_inference_batch_normalization_uses_the_given_statistics():
    rng = np.random.default_rng(1)
    x, mean, variance = rng.standard_normal((2, 3, 4)), rng.standard_normal(3), rng.random(3) + .5
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    y = ops.batch_normalization(Tensor(x), mean, variance, axis=1, offset=Tensor(beta),
                                scale=Tensor(gamma), epsilon=1e-3).numpy()
    column = (slice(None), None)
    expected = (x - mean[column]) / np.sqrt(variance[column] + 1e-3) * gamma[column] + beta[column]
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    gradcheck(lambda a, m, v, b, g: ops.batch_normalization(a, m, v, 1, b, g),
              x, mean, variance, beta, gamma)


def test_dropout_zeros_about_rate_and_scales_the_rest_to_keep_the_mean():
    x = Tensor(np.ones((200, 100), dtype="float32"))
    y = ops.dropout(x, 0.3).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    assert abs(y.mean() - 1.0) < 0.03 and y.dtype == np.float32


def test_dropout_with_an_int_seed_repeats_its_mask_and_its_gradient_is_the_mask():
    x = np.random.default_rng(0).standard_normal((4, 5))
    first, second = (ops.dropout(Tensor(x), 0.5, seed=7).numpy() for _ in range(2))
    np.testing.assert_array_equal(first, second)
    gradcheck(lambda a: ops.dropout(a, 0.5, seed=7), x)


def test_dropout_noise_shape_shares_the_mask_along_its_size_one_axes():
    y = ops.dropout(Tensor(np.ones((3, 50, 4))), 0.5, noise_shape=(None, 1, 4)).numpy()
    assert (y == y[:, :1, :]).all()
    assert 0 < (y == 0).mean() < 1


def test_dropout_rates_zero_and_one_and_bad_rates():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    assert ops.dropout(x, 0.0) is x
    dropped = ops.dropout(x, 1.0)
    np.testing.assert_array_equal(dropped.numpy(), np.zeros((2, 3)))
    ops.sum(dropped).backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="rate=1.5"):
        ops.dropout(x, 1.5)


def _run_on_backend(fn, arrays):
    """fn(*Tensors) forward and backward; returns the output and the gradients as NumPy."""
    tensors = [Tensor(backend.to_device(a), requires_grad=True) for a in arrays]
    output = fn(*tensors)
    upstream = np.random.default_rng(0).standard_normal(output.shape).astype(output.dtype)
    output.backward(backend.to_device(upstream))
    for t in (output, *tensors):
        assert type(t.data) is backend.array_module().ndarray  # noqa: E721
        assert t.data.dtype == np.float32
    return [output.numpy(), *(backend.to_numpy(t.grad) for t in tensors)]


DEVICE_CASES = {
    "conv": (lambda x, k: ops.conv(x, k, strides=2, padding="same"), [(2, 7, 6, 3), (3, 3, 3, 4)]),
    "conv_dilated": (lambda x, k: ops.conv(x, k, dilation_rate=2), [(1, 6, 6, 2), (2, 2, 2, 3)]),
    "max_pool": (lambda x: ops.max_pool(x, 3, 2, padding="same"), [(2, 7, 6, 3)]),
    "average_pool": (lambda x: ops.average_pool(x, 2, 1, padding="same"), [(2, 5, 5, 2)]),
    "fused_batch_normalization": (
        lambda x, g, b: ops.fused_batch_normalization(x, g, b, axis=1)[0],
        [(4, 3, 5), (3,), (3,)]),
    "batch_normalization": (
        lambda x, m, v, b, g: ops.batch_normalization(x, m, ops.abs(v), -1, b, g),
        [(4, 3), (3,), (3,), (3,), (3,)]),
}


@pytest.mark.parametrize("name", sorted(DEVICE_CASES))
def test_the_fused_ops_run_on_the_device_as_on_numpy(device, name):
    fn, shapes = DEVICE_CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype("float32") for shape in shapes]
    on_device = _run_on_backend(fn, arrays)
    backend.set_backend("numpy")
    on_host = _run_on_backend(fn, arrays)
    for a, b in zip(on_device, on_host, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_dropout_on_the_device_keeps_or_scales_each_element_and_its_gradient_is_the_mask(device):
    """The device draws its own numbers (CuPy's generator is not NumPy's), so the
    mask is checked for what it must be, not against the host's."""
    x = np.random.default_rng(0).uniform(0.5, 1.5, (300, 100)).astype("float32")
    output, gradient = _run_on_backend(lambda t: ops.dropout(t, 0.4, seed=3), [x])
    kept = output != 0
    np.testing.assert_allclose(output[kept], x[kept] / 0.6, rtol=1e-6)
    assert abs(1 - kept.mean() - 0.4) < 0.02
    upstream = np.random.default_rng(0).standard_normal(x.shape).astype("float32")
    np.testing.assert_allclose(gradient, np.where(kept, upstream / 0.6, 0), rtol=1e-6)
    again, _ = _run_on_backend(lambda t: ops.dropout(t, 0.4, seed=3), [x])
    np.testing.assert_array_equal(again, output)
