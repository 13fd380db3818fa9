"""Denormal results are flushed to zero while an optimizer updates, and only then.

Why (``minikeras.runtime.denormals``): on x86 CPUs every operation on a denormal
float32 (below 2**-126) takes a slow microcode path, and Adam's first moment
of a weight whose gradient stopped decays into that range and stays there.
"""

import platform
import sys

import numpy as np
import pytest

import minikeras as keras
from minikeras.runtime import denormals

SMALLEST_NORMAL = np.finfo(np.float32).tiny  # 2**-126
ON_LINUX_X86_64 = sys.platform.startswith("linux") and platform.machine() == "x86_64"
needs_mode_functions = pytest.mark.skipif(
    denormals.MODE_FUNCTIONS is None, reason="denormals are flushed on Linux x86-64 only")


def denormal_count(array):
    array = np.asarray(array)
    return int(np.count_nonzero((array != 0) & (np.abs(array) < SMALLEST_NORMAL)))


def tiny_square():
    """(1e-20)**2 = 1e-40 in float32: a denormal result."""
    return np.square(np.array([1e-20], np.float32))


@pytest.mark.skipif(not ON_LINUX_X86_64, reason="the C library's functions are used there only")
def test_the_c_library_mode_functions_are_found_on_linux_x86_64():
    assert denormals.MODE_FUNCTIONS is not None


@needs_mode_functions
def test_denormal_results_are_zero_inside_the_block_only():
    assert denormal_count(tiny_square()) == 1
    with denormals.flushing_denormals():
        assert tiny_square()[0] == 0
        with denormals.flushing_denormals():
            assert tiny_square()[0] == 0
        assert tiny_square()[0] == 0  # leaving an inner block keeps the outer one's mode
    assert denormal_count(tiny_square()) == 1


@needs_mode_functions
def test_denormal_inputs_keep_their_value_in_comparisons_inside_the_block():
    # Python code runs in the block too (a schedule, a constraint, the optimizer's tests of
    # its hyperparameters): a denormal momentum must still be above zero.
    smallest = float(np.finfo(np.float64).smallest_subnormal)
    denormal = np.array([1e-39], np.float32)
    with denormals.flushing_denormals():
        assert smallest > 0
        assert denormal[0] > 0 and np.count_nonzero(denormal) == 1


@needs_mode_functions
def test_adam_moment_of_a_weight_whose_gradient_stopped_never_turns_denormal():
    weight = keras.Variable(np.ones(64, np.float32))
    optimizer = keras.optimizers.Adam()
    optimizer.apply([np.full(64, 1e-3, np.float32)], [weight])
    for _ in range(800):  # m = 1e-4 * 0.9**k would be below 2**-126 from k = 733 on
        optimizer.apply([np.zeros(64, np.float32)], [weight])
    momentum, velocity = (v.numpy() for v in optimizer.variables
                          if v.name.endswith(("momentum", "velocity")))
    # Once 0.1 m is below 2**-126 it is flushed to zero, so m stays at that normal number
    # (as in TensorFlow); without flushing, m would go on shrinking through the denormals.
    assert momentum.min() >= SMALLEST_NORMAL
    assert denormal_count(velocity) == 0 and velocity.min() > 0  # 1e-9 * 0.999**800
    assert denormal_count(tiny_square()) == 1  # the caller's mode is back after each update
