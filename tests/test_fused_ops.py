"""The fused ops of the layers: fused_conv (a Conv2D layer's convolution, bias and ReLU
in one op) and fused_dense (a Dense layer's product, bias and ReLU).

Their values are those of the three steps written with the separately tested
ops; their gradients are checked against finite differences, on the CPU (in
pieces and whole) and on the strict device stand-in.
"""

import numpy as np
import pytest

from minikeras import backend, ops
from minikeras.autograd import Tensor, gradcheck
from minikeras.runtime import parallel

CASES = [  # (input shape, kernel shape, strides, padding, dilation)
    ((2, 7, 6, 3), (3, 3, 3, 4), 2, "same", 1),
    ((3, 8, 8, 2), (6, 6, 2, 3), 2, "same", 1),
    ((2, 6, 7, 2), (2, 3, 2, 2), 1, "valid", 2),
    ((1, 5, 5, 1), (3, 3, 1, 2), 1, "valid", 1),
]


def _arrays(x_shape, kernel_shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape), rng.standard_normal(kernel_shape),
            rng.standard_normal(kernel_shape[-1]))


def _away_from_the_kink(x, kernel, bias, strides, padding, dilation):
    """True when no pre-activation is within 1e-3 of 0, where the ReLU has no derivative."""
    z = ops.conv(x, kernel, strides=strides, padding=padding, dilation_rate=dilation) + bias
    return np.abs(z.numpy()).min() > 1e-3


@pytest.mark.parametrize("x_shape, kernel_shape, strides, padding, dilation", CASES)
@pytest.mark.parametrize("relu", [False, True])
def test_fused_conv_is_conv_then_bias_then_relu(x_shape, kernel_shape, strides, padding,
                                                dilation, relu):
    x, kernel, bias = _arrays(x_shape, kernel_shape)
    fused = ops.fused_conv(x, kernel, bias, relu=relu, strides=strides, padding=padding,
                           dilation_rate=dilation)
    steps = ops.conv(x, kernel, strides=strides, padding=padding, dilation_rate=dilation) + bias
    if relu:
        steps = ops.maximum(steps, 0.0)
    np.testing.assert_allclose(fused.numpy(), steps.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, kernel_shape, strides, padding, dilation", CASES)
@pytest.mark.parametrize("in_pieces", [False, True])
def test_fused_conv_gradients_match_finite_differences(monkeypatch, x_shape, kernel_shape,
                                                       strides, padding, dilation, in_pieces):
    if in_pieces:  # one image per piece, on several threads
        monkeypatch.setattr(parallel, "PIECE_BYTES", 1)
        monkeypatch.setattr(parallel._Pool, "threads", max(2, parallel._Pool.threads))
    seed = 0
    while not _away_from_the_kink(*_arrays(x_shape, kernel_shape, seed), strides, padding,
                                  dilation):
        seed += 1
    x, kernel, bias = _arrays(x_shape, kernel_shape, seed)
    gradcheck(lambda a, k, b: ops.fused_conv(a, k, b, relu=True, strides=strides,
                                             padding=padding, dilation_rate=dilation),
              x, kernel, bias)
    gradcheck(lambda a, k: ops.fused_conv(a, k, strides=strides, padding=padding,
                                          dilation_rate=dilation), x, kernel)


def test_fused_conv_skips_the_gradients_nobody_needs():
    x, kernel, bias = _arrays((2, 5, 5, 2), (3, 3, 2, 3))
    x, kernel, bias = Tensor(x), Tensor(kernel, requires_grad=True), Tensor(bias)
    ops.sum(ops.fused_conv(x, kernel, bias, relu=True)).backward()
    assert kernel.grad.shape == (3, 3, 2, 3) and x.grad is None and bias.grad is None


def assert_device_matches_numpy(op, arrays, upstream):
    """``op``'s output and input gradients on the device are NumPy's, within float32 error."""
    def run():
        tensors = [Tensor(backend.to_device(a), requires_grad=True) for a in arrays]
        y = op(*tensors)
        y.backward(backend.to_device(upstream))
        assert type(y.data) is backend.array_module().ndarray  # noqa: E721
        return [y.numpy(), *(backend.to_numpy(t.grad) for t in tensors)]

    on_device = run()
    backend.set_backend("numpy")
    for a, b in zip(on_device, run(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_fused_conv_runs_on_the_device_as_on_numpy(device):
    arrays = [a.astype("float32") for a in _arrays((2, 7, 6, 3), (3, 3, 3, 4))]
    upstream = np.random.default_rng(1).standard_normal((2, 4, 3, 4)).astype("float32")
    assert_device_matches_numpy(
        lambda *t: ops.fused_conv(*t, relu=True, strides=2, padding="same"), arrays, upstream)


def test_an_empty_batch_gets_zero_weight_gradients():
    x = Tensor(np.zeros((0, 5, 5, 2), "float32"), requires_grad=True)
    kernel = Tensor(np.ones((3, 3, 2, 4), "float32"), requires_grad=True)
    bias = Tensor(np.ones(4, "float32"), requires_grad=True)
    y = ops.fused_conv(x, kernel, bias, relu=True, strides=2, padding="same")
    ops.sum(ops.max_pool(y, 2, padding="same")).backward()
    assert y.shape == (0, 3, 3, 4) and x.grad.shape == (0, 5, 5, 2)
    np.testing.assert_array_equal(kernel.grad, np.zeros((3, 3, 2, 4)))
    np.testing.assert_array_equal(bias.grad, np.zeros(4))


# -- fused_dense --------------------------------------------------------------

DENSE_SHAPES = [((4, 3), (3, 5)), ((2, 3, 4), (4, 2)), ((1, 6), (6, 1))]  # (inputs, kernel)


@pytest.mark.parametrize("x_shape, kernel_shape", DENSE_SHAPES)
@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_fused_dense_is_matmul_then_bias_then_relu(x_shape, kernel_shape, relu, with_bias):
    x, kernel, bias = _arrays(x_shape, kernel_shape)
    bias = bias if with_bias else None
    steps = ops.matmul(x, kernel)
    if with_bias:
        steps = steps + bias
    if relu:
        steps = ops.maximum(steps, 0.0)
    fused = ops.fused_dense(x, kernel, bias, relu=relu)
    assert fused.shape == (*x_shape[:-1], kernel_shape[1])
    np.testing.assert_allclose(fused.numpy(), steps.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, kernel_shape", DENSE_SHAPES)
def test_fused_dense_gradients_match_finite_differences(x_shape, kernel_shape):
    seed = 0
    while True:  # a draw with no pre-activation within 1e-3 of the ReLU's kink
        x, kernel, bias = _arrays(x_shape, kernel_shape, seed)
        if np.abs(x @ kernel + bias).min() > 1e-3:
            break
        seed += 1
    gradcheck(lambda a, k, b: ops.fused_dense(a, k, b, relu=True), x, kernel, bias)
    gradcheck(lambda a, k: ops.fused_dense(a, k), x, kernel)


def test_fused_dense_skips_the_gradients_nobody_needs():
    x, kernel, bias = _arrays((4, 3), (3, 2))
    x, kernel, bias = Tensor(x), Tensor(kernel, requires_grad=True), Tensor(bias)
    ops.sum(ops.fused_dense(x, kernel, bias, relu=True)).backward()
    assert kernel.grad.shape == (3, 2) and x.grad is None and bias.grad is None


def test_an_empty_batch_gets_zero_dense_weight_gradients():
    x = Tensor(np.zeros((0, 3), "float32"), requires_grad=True)
    kernel = Tensor(np.ones((3, 2), "float32"), requires_grad=True)
    bias = Tensor(np.ones(2, "float32"), requires_grad=True)
    y = ops.fused_dense(x, kernel, bias, relu=True)
    ops.sum(y).backward()
    assert y.shape == (0, 2) and x.grad.shape == (0, 3)
    np.testing.assert_array_equal(kernel.grad, np.zeros((3, 2)))
    np.testing.assert_array_equal(bias.grad, np.zeros(2))


def test_a_kernel_that_does_not_fit_the_inputs_is_a_clear_error():
    with pytest.raises(ValueError, match=r"inputs of shape \(4, 3\).*kernel of shape \(2, 5\)"):
        ops.fused_dense(np.ones((4, 3)), np.ones((2, 5)))


def test_fused_dense_runs_on_the_device_as_on_numpy(device):
    arrays = [a.astype("float32") for a in _arrays((2, 3, 4), (4, 5))]
    upstream = np.random.default_rng(1).standard_normal((2, 3, 5)).astype("float32")
    assert_device_matches_numpy(lambda *t: ops.fused_dense(*t, relu=True), arrays, upstream)
