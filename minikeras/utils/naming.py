"""Default names of layers, losses, metrics and optimizers, as Keras makes them."""

import re

from .. import backend


def to_snake_case(name):
    """Keras's layer names: "BatchNormalization" -> "batch_normalization", "Conv2D" -> "conv2d"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix):
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ... (reset by clear_session)."""
    uid = backend.get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"
