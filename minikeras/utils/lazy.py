"""Modules imported on first use, so that ``import minikeras`` does not pay for them."""

import importlib
import sys


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute read:
    ``h5py = LazyModule("h5py")`` at the top of a file, then ``h5py.File(...)`` as usual.
    A program that never writes or reads a weights file never imports h5py."""

    def __init__(self, name):
        self._name = name
        self._module = None

    def __getattr__(self, attribute):
        if self._module is None:
            self._module = sys.modules.get(self._name) or importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self):
        return f"<module {self._name!r}, imported on first use>"
