"""fused_dense: a Dense layer's product, bias and ReLU in one op.

Its values are those of the three steps written with the separately tested
ops; its gradients are checked against finite differences, on NumPy and on
the strict device stand-in.
"""

import numpy as np
import pytest

from minikeras import backend, ops
from minikeras.autograd import Tensor, gradcheck

SHAPES = [((4, 3), (3, 5)), ((2, 3, 4), (4, 2)), ((1, 6), (6, 1))]  # (inputs, kernel)


def _arrays(x_shape, kernel_shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape), rng.standard_normal(kernel_shape),
            rng.standard_normal(kernel_shape[-1]))


@pytest.mark.parametrize("x_shape, kernel_shape", SHAPES)
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


@pytest.mark.parametrize("x_shape, kernel_shape", SHAPES)
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


def test_an_empty_batch_gets_zero_weight_gradients():
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
    x, kernel, bias = (a.astype("float32") for a in _arrays((2, 3, 4), (4, 5)))
    upstream = np.random.default_rng(1).standard_normal((2, 3, 5)).astype("float32")

    def run():
        tensors = [Tensor(backend.to_device(a), requires_grad=True) for a in (x, kernel, bias)]
        y = ops.fused_dense(*tensors, relu=True)
        y.backward(backend.to_device(upstream))
        assert type(y.data) is backend.array_module().ndarray  # noqa: E721
        return [y.numpy(), *(backend.to_numpy(t.grad) for t in tensors)]

    on_device = run()
    backend.set_backend("numpy")
    for a, b in zip(on_device, run(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
