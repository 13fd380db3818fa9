"""The device code path: everything runs on the strict CuPy stand-in (and real CuPy on a GPU).

The stand-in's arrays refuse to become NumPy arrays implicitly, as CuPy's
do, so these tests fail if any op or layer touches the host by accident.
"""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, ops
from minikeras.autograd import Tensor
from minikeras.testing import strict_cupy


def test_the_stand_in_refuses_implicit_conversion_like_cupy():
    x = strict_cupy.asarray(np.ones(3))
    for attempt in (lambda: np.asarray(x), lambda: np.array(x), lambda: np.exp(x),
                    lambda: np.sum(x), lambda: x + np.ones(3), lambda: np.ones(3) * x):
        with pytest.raises(TypeError):
            attempt()
    assert isinstance(strict_cupy.exp(x), strict_cupy.ndarray)
    assert isinstance(x.sum(), strict_cupy.ndarray)  # 0-d device array, as CuPy
    np.testing.assert_array_equal(strict_cupy.asnumpy(x * 2), [2, 2, 2])


def _mlp_training_step(seed):
    """Forward, backward and an SGD update of a 2-layer network; returns the new weights."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 8)).astype("float32")
    labels = rng.integers(0, 3, 16)
    hidden = keras.layers.Dense(5, activation="tanh")
    output = keras.layers.Dense(3)
    logits = output(hidden(x))
    picked = ops.log_softmax(logits)[np.arange(16), labels]
    loss = -ops.mean(picked)
    loss.backward()
    for w in hidden.weights + output.weights:
        assert type(w.data) is backend.array_module().ndarray  # noqa: E721
        assert w.grad.dtype == np.float32
        w.assign_sub(0.1 * w.grad)
    return [w.numpy() for w in hidden.weights + output.weights], loss.item()


def test_a_training_step_on_the_device_equals_the_one_on_numpy(device):
    on_device, device_loss = _mlp_training_step(seed=3)
    backend.set_backend("numpy")
    on_host, host_loss = _mlp_training_step(seed=3)
    assert device_loss == pytest.approx(host_loss, rel=1e-6)
    for a, b in zip(on_device, on_host, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "log_softmax",
                                  "softplus", "elu", "selu", "gelu", "silu", "leaky_relu",
                                  "hard_sigmoid", "softsign", "relu6", "erf", "exp",
                                  "sqrt", "abs", "square", "log1p", "sparsemax"])
def test_every_elementwise_op_runs_forward_and_backward_on_the_device(device, name):
    values = np.linspace(0.1, 2.0, 12, dtype="float32").reshape(3, 4)
    x = Tensor(backend.to_device(values), requires_grad=True)
    y = getattr(ops, name)(x)
    y.sum().backward()
    assert isinstance(y.data, device.ndarray) and isinstance(x.grad, device.ndarray)


def test_shape_and_reduction_ops_run_on_the_device(device):
    x = Tensor(backend.to_device(np.arange(24, dtype="float32").reshape(2, 3, 4)),
               requires_grad=True)
    y = ops.concatenate([ops.transpose(x, (0, 2, 1)), ops.reshape(x, (2, 4, 3))], axis=1)
    z = ops.max(y, axis=-1) + ops.mean(y) + ops.sum(x[:, [0, 0, 2], 1:], axis=(1, 2))[:, None]
    z = ops.where(ops.greater(z, 5.0), z, ops.minimum(z, 1.0))
    ops.sum(ops.clip(z, 0.0, 100.0)).backward()
    assert isinstance(x.grad, device.ndarray) and x.grad.shape == (2, 3, 4)
    assert int(ops.argmax(x).item()) == 23
