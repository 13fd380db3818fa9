"""Fixtures for the engine tests: a clean backend for each test, and the device modules."""

import numpy as np
import pytest

from minikeras import backend
from minikeras.testing import dataset_files, strict_cupy
from minikeras.utils import io_utils


def _real_cupy_with_gpu():
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # no CuPy, or no driver: the strict stand-in is the device
        return None


# The device modules the device tests run on: always the strict stand-in,
# and real CuPy too when a GPU is present.
DEVICE_MODULES = [pytest.param(strict_cupy, id="strict_cupy")]
if _real_cupy_with_gpu() is not None:
    DEVICE_MODULES.append(pytest.param(_real_cupy_with_gpu(), id="cupy"))


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """No test downloads anything, module fixtures included (tests of downloads serve bytes
    from memory or file://)."""
    with pytest.MonkeyPatch.context() as patch:
        dataset_files.refuse_downloads(patch)
        yield


@pytest.fixture(autouse=True)
def numpy_backend():
    """Every test starts on NumPy with float32, channels_last images and logging to stdout,
    seeded, and leaves it that way."""
    backend.set_backend("numpy")
    backend.set_floatx("float32")
    backend.set_seed(1234)
    np.random.seed(1234)
    yield
    backend.set_backend("numpy")
    backend.set_floatx("float32")
    backend.set_epsilon(1e-7)
    backend.set_image_data_format("channels_last")
    io_utils.enable_interactive_logging()


@pytest.fixture(params=DEVICE_MODULES)
def device(request):
    """The backend switched to a device module ("cupy" name), for the duration of a test."""
    backend.set_backend("cupy", module=request.param)
    backend.set_seed(1234)
    yield request.param
    backend.set_backend("numpy")
