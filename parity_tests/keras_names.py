"""The public names of the installed Keras, module by module; writes minikeras/keras_names.py.

minikeras knows Keras's API without importing Keras from the list in
``minikeras/keras_names.py`` (``ops.nn`` holds the functions Keras files there, and a name
minikeras lacks is answered "Keras has `keras.layers.LSTM`; minikeras does not"). After
upgrading Keras, regenerate it (``parity_tests/test_refusals_parity.py`` fails until then):

    python -m parity_tests.keras_names
"""

import os
import pathlib
import tempfile
import textwrap
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGET = pathlib.Path(__file__).parent.parent / "minikeras" / "keras_names.py"
PRIVATE_MODULES = {"src"}  # keras.src holds the implementation, not the API


def keras_public_names():
    """{"keras.layers": frozenset({"Dense", ...}), ...}: each public module of the installed
    keras package and its public names (submodules included)."""
    import keras

    names = {}

    def walk(module, path):
        public = set()
        for name in dir(module):
            if name.startswith("_") or name in PRIVATE_MODULES:
                continue
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                if value.__name__ != f"{path}.{name}":
                    continue  # an import of another module (keras.utils.np), not a submodule
                walk(value, value.__name__)
            public.add(name)
        names[path] = frozenset(public)

    walk(keras, "keras")
    return names


def render(names, version):
    """The text of minikeras/keras_names.py for ``names`` (from ``keras_public_names``)."""
    blocks = []
    for module in sorted(names):
        body = textwrap.fill(" ".join(sorted(names[module])), width=92, initial_indent="    ",
                             subsequent_indent="    ", break_on_hyphens=False)
        blocks.append(f"{module}:\n{body}" if names[module] else f"{module}:")
    listing = "\n".join(blocks)
    return f'''"""The public names of Keras {version}'s modules, which ``keras_api.py`` reads.

Generated from the installed keras package by ``python -m parity_tests.keras_names``; do not
edit. ``parity_tests/test_refusals_parity.py`` checks it against the installed Keras.
"""

KERAS_VERSION = "{version}"

# Each module, then its public names (functions, classes, constants and submodules).
LISTING = """
{listing}
"""
'''


def main():
    import keras

    text = render(keras_public_names(), keras.__version__)
    with tempfile.NamedTemporaryFile("w", dir=TARGET.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, TARGET)
    print(f"wrote {TARGET} (Keras {keras.__version__})")


if __name__ == "__main__":
    main()
