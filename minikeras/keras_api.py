"""Keras's public API, module by module, as minikeras knows it without importing Keras, and
minikeras's answer for the parts of it that minikeras lacks.

``NAMES["keras.ops.nn"]`` is the set of public names of ``keras.ops.nn`` in the Keras
release ``keras_names.py`` was generated from (``python -m parity_tests.keras_names``).

Every public module of minikeras answers a name its namesake in Keras has and it lacks
with an AttributeError that says so (``minikeras.layers.LSTM``: "Keras has
`keras.layers.LSTM`; minikeras does not. ..."); ``from minikeras.layers import LSTM`` and
``import minikeras.applications`` say the same as an ImportError. Only names minikeras lacks
reach this: one added later to a module is simply found.
"""

import dis
import importlib.abc
import sys

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

# Keras's modules of the parts of a model: tf.keras has them, and the bridge leads there.
_MODEL_PARTS = ("keras.layers", "keras.models", "keras.optimizers", "keras.losses",
                "keras.metrics", "keras.callbacks", "keras.activations", "keras.initializers",
                "keras.regularizers", "keras.constraints", "keras.applications",
                "keras.mixed_precision", "keras.distribution", "keras.quantizers")


def refusal(keras_path, remedy=None):
    """The answer for ``keras_path`` ("keras.layers.LSTM"), a part of Keras minikeras lacks,
    followed by ``remedy``; by default, for a part of a model, the way to tf.keras."""
    if remedy is None and keras_path.startswith(_MODEL_PARTS):
        remedy = ("tf.keras has it: minikeras.keras_bridge moves models between minikeras "
                  "and tf.keras (to_keras, from_keras, and fit_keras to train in tf.keras).")
    return f"Keras has `{keras_path}`; minikeras does not." + (f" {remedy}" if remedy else "")


def keras_path_of(module_name):
    """The Keras module a minikeras module stands for: "minikeras.ops.nn" -> "keras.ops.nn"."""
    return "keras" + module_name[len("minikeras"):]


def keras_component(module, name):
    """The Keras path ("keras.layers.LSTM") of what a saved config names by ``module``
    (Keras's module for it: "keras.layers", "keras.src.layers.rnn.lstm", or None in Keras 2
    files) and ``name``, if it is a public part of Keras; otherwise None."""
    if module is not None and not (module == "keras" or module.startswith("keras.")):
        return None
    parts = (module or "keras.layers").split(".")
    candidates = [module, *(f"keras.{part}" for part in parts[1:])]
    return next((f"{path}.{name}" for path in candidates if name in NAMES.get(path, ())),
                None)


def answer_missing_names(module):
    """Gives ``module`` (one of minikeras's) a module ``__getattr__`` that answers a name of
    its Keras namesake it lacks with ``refusal``; a ``__getattr__`` of its own is asked
    first."""
    own = vars(module).get("__getattr__")
    if getattr(own, "answers_keras_names", False):
        return
    keras_path = keras_path_of(module.__name__)

    def __getattr__(name):
        if own is not None:
            try:
                return own(name)
            except AttributeError:
                pass
        if name.startswith("__") or name not in NAMES.get(keras_path, ()):
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}",
                                 name=name, obj=module)
        message = refusal(f"{keras_path}.{name}")
        if _running_from_import(sys._getframe(1)):
            raise ImportError(message, name=module.__name__)
        raise AttributeError(message, name=name, obj=module)

    __getattr__.answers_keras_names = True
    module.__getattr__ = __getattr__


def _running_from_import(frame):
    """Whether ``frame`` is running ``from module import name``: Python turns an
    AttributeError there into "cannot import name", losing its words, but lets an
    ImportError through."""
    return frame.f_code.co_code[frame.f_lasti] == dis.opmap["IMPORT_FROM"]


class _KerasModulesMinikerasLacks(importlib.abc.MetaPathFinder):
    """Last on ``sys.meta_path``: ``import minikeras.applications``, which no other finder
    found, is a ModuleNotFoundError saying that Keras has `keras.applications`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("minikeras.") and keras_path_of(fullname) in NAMES:
            raise ModuleNotFoundError(refusal(keras_path_of(fullname)), name=fullname)
        return None


def answer_missing_names_everywhere():
    """Each module of minikeras loaded so far with a namesake in Keras answers Keras's names
    it lacks, and ``import`` of a Keras module minikeras lacks says so."""
    for keras_path in NAMES:
        module = sys.modules.get("mini" + keras_path)  # "keras.ops" -> "minikeras.ops"
        if module is not None:
            answer_missing_names(module)
    if not any(isinstance(finder, _KerasModulesMinikerasLacks) for finder in sys.meta_path):
        sys.meta_path.append(_KerasModulesMinikerasLacks())


__all__ = ["KERAS_VERSION", "NAMES", "keras_component", "refusal"]
