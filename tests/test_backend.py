"""The backend: choosing the array module, floatx, epsilon, device moves, seeding."""

import sys

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend


def test_defaults_are_keras_defaults():
    assert backend.backend() == "numpy"
    assert backend.floatx() == "float32"
    assert backend.epsilon() == 1e-7


def test_unknown_backend_names_the_choices():
    with pytest.raises(ValueError, match="numpy.*cupy"):
        backend.set_backend("torch")


def test_cupy_without_cupy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    with pytest.raises(ImportError, match=r"pip install 'minikeras\[gpu\]'"):
        backend.set_backend("cupy")
    assert backend.backend() == "numpy"


def test_set_floatx_rejects_non_float_types():
    with pytest.raises(ValueError, match="float32"):
        backend.set_floatx("int32")


def test_floatx_scope_restores_the_previous_value():
    with backend.floatx_scope("float64"):
        assert backend.floatx() == "float64"
        assert keras.Tensor([1.0]).dtype == np.float64
    assert backend.floatx() == "float32"


def test_python_floats_become_floatx_tensors_and_arrays_keep_their_dtype():
    assert keras.Tensor([1.0, 2.0]).dtype == np.float32
    assert keras.Tensor(np.array([1.0])).dtype == np.float64
    assert keras.Tensor([1, 2]).dtype.kind == "i"


def test_object_arrays_are_refused():
    with pytest.raises(TypeError, match="Cannot make a Tensor"):
        keras.Tensor(["a", None])


def test_set_random_seed_repeats_initial_weights_and_device_draws():
    def draw():
        keras.utils.set_random_seed(7)
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        return layer.kernel.numpy(), backend.device_rng().random(5)

    (kernel_a, noise_a), (kernel_b, noise_b) = draw(), draw()
    np.testing.assert_array_equal(kernel_a, kernel_b)
    np.testing.assert_array_equal(noise_a, noise_b)


@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.MT19937])
@pytest.mark.parametrize("probability", [0.1, 0.55, 0.9])
def test_random_mask_is_true_with_the_probability_and_its_elements_independent(
        bits, probability):
    count = 200_000
    mask = backend.random_mask(np.random.Generator(bits(3)), (count // 400, 400), probability)
    assert mask.shape == (count // 400, 400) and mask.dtype == bool
    sigma = np.sqrt(probability * (1 - probability) / count)
    assert abs(mask.mean() - probability) < 5 * sigma
    # Neighbours (PCG64: two halves of one 64-bit word) agree as independent draws do.
    agree = probability**2 + (1 - probability) ** 2
    pairs = mask.reshape(-1, 2)
    assert abs((pairs[:, 0] == pairs[:, 1]).mean() - agree) < 5 * np.sqrt(
        agree * (1 - agree) / len(pairs))
    assert not backend.random_mask(np.random.Generator(bits(3)), (1000,), 0.0).any()
    # The draws of float32 uniforms, which are the top 24 bits of the same 32-bit draws:
    # the masks differ only where a draw falls within 2**-24 below the probability.
    uniforms = np.random.Generator(bits(3)).random(mask.shape, dtype=np.float32)
    assert (mask != (uniforms < probability)).sum() <= 3


def test_set_random_seed_wants_an_int():
    with pytest.raises(TypeError, match="int seed"):
        keras.utils.set_random_seed("7")


def test_clear_session_restarts_layer_names():
    backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.layers.Dense(1).name == "dense_1"
    backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
