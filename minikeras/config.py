"""Global settings, as ``keras.config``: float type, fuzz factor, image layout, backend, logging.

Each is read when something is built or loaded, so set them first, before
building a model: ``keras.config.set_floatx("float64")`` makes later weights
float64, ``keras.config.set_image_data_format("channels_first")`` makes later
convolution and pooling layers (and the CIFAR loaders) put channels first.
"""

from .backend import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_backend,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from .serialization.safe_mode import enable_unsafe_deserialization
from .utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)

__all__ = [
    "backend",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "is_interactive_logging_enabled",
    "set_backend",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
