"""take, repeat, pad, image.resize and standardize (the ops of Embedding, UpSampling2D,
ZeroPadding2D and the per-sample normalizations): forward against NumPy, backward against
finite differences, the device against NumPy."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minikeras import backend, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.ops.standardization import standardize
from minikeras.testing import strategies as mst


@st.composite
def take_cases(draw):
    shape, axis, size = draw(mst.axis_cases())
    index_shape = draw(mst.shapes(min_dims=0, max_dims=2, max_side=4))
    indices = draw(mst.arrays(index_shape, st.integers(-size, size - 1), "int64"))
    return draw(mst.arrays(shape)), indices, axis


@given(case=take_cases())
def test_take_picks_slices_and_adds_the_gradients_of_repeated_picks(case):
    x, indices, axis = case
    size = x.size if axis is None else x.shape[axis]
    expected = np.take(x, np.where(indices < 0, indices + size, indices), axis=axis)
    np.testing.assert_array_equal(ops.take(Tensor(x), indices, axis=axis).numpy(), expected)
    gradcheck(lambda t: ops.take(t, indices, axis=axis), x)


def test_take_gives_every_pick_of_a_row_its_gradient():
    x = Tensor(np.zeros((4, 2)), requires_grad=True)
    ops.take(x, np.array([[3, 0], [3, 3]]), axis=0).backward(np.ones((2, 2, 2)))
    np.testing.assert_array_equal(x.grad, [[1, 1], [0, 0], [0, 0], [3, 3]])


@pytest.mark.parametrize("indices, error, message", [
    ([0, 4], ValueError, r"\[-4, 4\).*\[0, 4\]"), ([-5], ValueError, r"range over \[-5, -5\]"),
    (["a"], TypeError, "integers"),
])
def test_take_rejects_indices_out_of_range_or_not_numbers(indices, error, message):
    with pytest.raises(error, match=message):
        ops.take(Tensor(np.zeros((4, 2))), indices, axis=0)


def test_take_truncates_float_indices_as_keras_casts_them():
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(ops.take(Tensor(x), np.array([2.0, 0.9]), 0).numpy(),
                                  x[[2, 0]])


@given(data=st.data())
def test_repeat_by_a_count_or_a_count_per_slice(data):
    shape, axis, repeats = data.draw(mst.repeat_cases())
    x = data.draw(mst.arrays(shape))
    np.testing.assert_array_equal(ops.repeat(Tensor(x), repeats, axis=axis).numpy(),
                                  np.repeat(x, repeats, axis=axis))
    gradcheck(lambda t: ops.repeat(t, repeats, axis=axis), x)


@pytest.mark.parametrize("repeats", [-1, [1, 2], 1.5])
def test_repeat_rejects_bad_counts(repeats):
    with pytest.raises(ValueError, match="repeats"):
        ops.repeat(Tensor(np.zeros((3, 2))), repeats, axis=0)


@given(data=st.data())
def test_pad_in_each_mode(data):
    shape, mode, widths = data.draw(mst.pad_cases())
    x = data.draw(mst.arrays(shape))
    np.testing.assert_array_equal(ops.pad(Tensor(x), widths, mode=mode).numpy(),
                                  np.pad(x, widths, mode=mode))
    gradcheck(lambda t: ops.pad(t, widths, mode=mode), x)


def test_pad_accepts_numpy_shorthands_and_a_constant():
    x = np.ones((2, 2), dtype="float32")
    np.testing.assert_array_equal(ops.pad(Tensor(x), 1, constant_values=5.0).numpy(),
                                  np.pad(x, 1, constant_values=5.0))
    assert ops.pad(Tensor(x), (0, 2)).shape == (4, 4)  # (before, after) for every axis


@pytest.mark.parametrize("kwargs, message", [
    ({"pad_width": ((1, 1),) * 3}, "pad_width"), ({"pad_width": -1}, "pad_width"),
    ({"pad_width": 1, "mode": "edge"}, "mode"), ({"pad_width": 2, "mode": "reflect"}, "reflect"),
    ({"pad_width": 1, "mode": "reflect", "constant_values": 1.0}, "constant_values"),
])
def test_pad_rejects_what_it_cannot_do(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.pad(Tensor(np.zeros((2, 2))), **kwargs)


@given(data=st.data())
def test_resize_interpolates_and_its_gradient_is_the_transposed_interpolation(data):
    shape = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 4), st.integers(1, 4),
                                st.integers(1, 2)))
    size = data.draw(st.tuples(st.integers(1, 6), st.integers(1, 6)))
    interpolation = data.draw(st.sampled_from(["bilinear", "nearest"]))
    data_format = data.draw(st.sampled_from(["channels_last", "channels_first"]))
    x = data.draw(mst.arrays(shape))
    gradcheck(lambda t: ops.image.resize(t, size, interpolation=interpolation,
                                         data_format=data_format), x)
    resized = ops.image.resize(Tensor(x), size, interpolation=interpolation).numpy()
    if interpolation == "bilinear":  # each output is a weighted mean of inputs
        assert resized.min() >= x.min() - 1e-12 and resized.max() <= x.max() + 1e-12
    else:  # each output is one of the inputs of its channel
        assert np.isin(resized, x).all()


def test_resize_by_whole_factors_repeats_nearest_pixels_and_keeps_same_size_images():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    np.testing.assert_array_equal(ops.image.resize(Tensor(x), (6, 12), "nearest").numpy(),
                                  x.repeat(2, axis=1).repeat(3, axis=2))
    np.testing.assert_allclose(ops.image.resize(Tensor(x), (3, 4)).numpy(), x, rtol=1e-12)
    np.testing.assert_allclose(ops.image.resize(Tensor(x[0]), (3, 4)).numpy(), x[0],
                               rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"size": (2, 2), "interpolation": "bicubic"}, "interpolation"),
    ({"size": (2, 0)}, "size"), ({"size": (2, 2), "antialias": True}, "antialias"),
])
def test_resize_refuses_what_it_cannot_do(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.image.resize(Tensor(np.zeros((1, 3, 3, 1))), **kwargs)


@given(data=st.data())
def test_standardize_and_layer_normalization(data):
    shape = data.draw(mst.shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=2,
                              unique_by=lambda a: a % len(shape)))
    x = data.draw(mst.arrays(shape))
    axes = tuple(sorted(a % len(shape) for a in axes))
    mean, variance = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-3)
    np.testing.assert_allclose(standardize(Tensor(x), axes, 1e-3).numpy(), expected, rtol=1e-6,
                               atol=1e-9)
    gradcheck(lambda t: standardize(t, axes, 1e-3), x)
    parameter_shape = tuple(shape[a] for a in axes)
    gamma, beta = (data.draw(mst.arrays(parameter_shape)) for _ in range(2))
    rms = data.draw(st.booleans())
    gradcheck(lambda t, g, b: ops.layer_normalization(t, g, None if rms else b, axis=list(axes),
                                                      epsilon=1e-3, rms_scaling=rms),
              x, gamma, beta)


def test_layer_normalization_centres_and_scales_each_sample():
    x = np.array([[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 4.0, 4.0]])
    y = ops.layer_normalization(Tensor(x), gamma=np.full(4, 2.0), beta=np.ones(4)).numpy()
    np.testing.assert_allclose(y.mean(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=1), 2.0 * np.sqrt(x.var(axis=1) / (x.var(axis=1)
                                                                            + 1e-7)))


def _device_results(x):
    values = Tensor(backend.to_device(x), requires_grad=True)
    outputs = [ops.take(values, backend.to_device(np.array([[2, 0], [2, 1]])), axis=0),
               ops.repeat(values, 2, axis=1), ops.pad(values, ((1, 0), (2, 1))),
               ops.pad(values, ((1, 2), (0, 1)), mode="reflect"),
               ops.image.resize(ops.reshape(values, (1, 3, 4, 1)), (5, 7)),
               ops.layer_normalization(values, axis=-1, epsilon=1e-3)]
    total = ops.sum(ops.concatenate([ops.reshape(y, (-1,)) for y in outputs]) * 1.5)
    total.backward()
    return [backend.to_numpy(y.data) for y in outputs], backend.to_numpy(values.grad)


def test_the_ops_run_on_the_device_as_on_numpy(device):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    on_device, device_gradient = _device_results(x)
    backend.set_backend("numpy")
    on_host, host_gradient = _device_results(x)
    for a, b in zip(on_device, on_host, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(device_gradient, host_gradient, rtol=1e-5, atol=1e-6)
