"""Keras's public API, module by module, as minikeras knows it without importing Keras.

``NAMES["keras.ops.nn"]`` is the set of public names of ``keras.ops.nn`` in the Keras
release ``keras_names.py`` was generated from (``python -m parity_tests.keras_names``).
"""

from .keras_names import KERAS_VERSION, LISTING


def _parse(listing):
    """{"keras.layers": frozenset({"Dense", ...}), ...} from the lines of ``LISTING``: a
    module's path followed by a colon, then its names separated by spaces."""
    names, module = {}, None
    for line in listing.splitlines():
        if line.endswith(":"):
            module = line[:-1]
            names[module] = frozenset()
        elif line.strip():
            names[module] |= frozenset(line.split())
    return names


NAMES = _parse(LISTING)
__all__ = ["KERAS_VERSION", "NAMES"]
