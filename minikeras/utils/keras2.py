"""Keras 2's spellings, which most tutorials on the web still use: accepted, with a
DeprecationWarning that names the Keras 3 spelling, and behaving exactly as that one.

The README lists them all. Each place that accepts one calls ``warn``;
``alias_module`` makes Keras 2's module paths (``keras.layers.core``,
``keras.utils.np_utils``) whose names are the Keras 3 objects, and
``renamed_attributes`` a module's Keras 2 names (``keras.constraints.maxnorm``).
"""

import sys
import types

from . import user_warnings


def warn(old, new):
    """A DeprecationWarning, on the user's line: ``old`` is Keras 2's spelling of what
    Keras 3 spells ``new``."""
    user_warnings.warn(f"{old} is Keras 2's spelling; Keras 3 (and minikeras) spell it {new}. "
                       "It works the same, but write the Keras 3 spelling.", DeprecationWarning)


class _AliasModule(types.ModuleType):
    """A Keras 2 module path whose attributes are objects Keras 3 keeps elsewhere."""

    def __init__(self, name, names, modern_module, modern_path):
        super().__init__(name, f"Keras 2's {name}: use {modern_path} instead.")
        self._names = tuple(names)
        self._modern_module = modern_module
        self._modern_path = modern_path

    def __getattr__(self, name):
        if name.startswith("__") or name not in self._names:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}: Keras 2's "
                                 f"path holds {', '.join(self._names)}.")
        keras2_path = self.__name__.replace("minikeras", "keras", 1)
        warn(f"{keras2_path}.{name}", f"{self._modern_path}.{name}")
        return getattr(self._modern_module, name)

    def __dir__(self):
        return list(self._names)


def alias_module(package, name, names, modern_path):
    """Makes ``<package>.<name>`` (e.g. minikeras.layers.core) a module whose ``names`` are
    the package's own objects, each fetched with a DeprecationWarning naming
    ``<modern_path>.<name>``. Only the names the package has are kept."""
    module = sys.modules[package]
    kept = [n for n in names if hasattr(module, n)]
    alias = _AliasModule(f"{package}.{name}", kept, module, modern_path)
    sys.modules[alias.__name__] = alias
    setattr(module, name, alias)
    return alias


def renamed_attributes(module_name, renamed):
    """A module ``__getattr__`` that answers Keras 2's names of the module's objects
    (``renamed``: Keras 2 name -> Keras 3 name), each with a DeprecationWarning."""
    public = module_name.replace("minikeras", "keras", 1)

    def __getattr__(name):
        if name not in renamed:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        warn(f"{public}.{name}", f"{public}.{renamed[name]}")
        return getattr(sys.modules[module_name], renamed[name])

    return __getattr__
