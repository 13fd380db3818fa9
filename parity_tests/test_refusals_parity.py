"""minikeras's knowledge of Keras's API (``minikeras/keras_names.py``) against the installed
Keras: every public name of every public module of Keras is in minikeras's namesake module,
or that module says "Keras has `keras.x.Name`; minikeras does not"."""

import importlib

import keras
import pytest

import minikeras as mk
from minikeras import keras_api
from parity_tests import keras_names

INSTALLED = keras_names.keras_public_names()  # read from the installed keras, now


def test_the_list_of_keras_names_is_the_installed_keras_s():
    generated = keras_names.render(INSTALLED, keras.__version__)
    assert keras_names.TARGET.read_text() == generated, (
        f"minikeras/keras_names.py lists Keras {keras_api.KERAS_VERSION}'s names, not those of "
        f"the installed Keras {keras.__version__}: run `python -m parity_tests.keras_names`.")
    assert keras_api.NAMES["keras.ops.nn"] == {
        name for name in dir(keras.ops.nn) if not name.startswith("_")}


def refused(error, keras_path):
    """Whether ``error`` says that Keras has ``keras_path`` and minikeras does not."""
    return str(error).startswith(f"Keras has `{keras_path}`; minikeras does not.")


@pytest.mark.parametrize("keras_path", sorted(INSTALLED))
def test_every_keras_name_is_there_or_refused(keras_path):
    module_name = "minikeras" + keras_path[len("keras"):]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:  # it, or the first module above it minikeras lacks
        parts = keras_path.split(".")
        assert any(refused(error, ".".join(parts[:n])) for n in range(2, len(parts) + 1)), error
        return
    unanswered = []
    for name in sorted(INSTALLED[keras_path]):
        try:
            getattr(module, name)
        except AttributeError as error:
            if not refused(error, f"{keras_path}.{name}"):
                unanswered.append(f"{name}: {error}")
    assert not unanswered, f"{module_name} answers Keras's names badly: {unanswered}"


def test_a_name_keras_lacks_too_is_python_s_attribute_error():
    with pytest.raises(AttributeError, match="^module 'minikeras.layers' has no attribute "
                                             "'Dense2'$"):
        mk.layers.Dense2  # noqa: B018
    assert not hasattr(mk.layers, "LSTM") and not hasattr(mk.ops, "not_a_keras_op")


def test_a_keras_file_with_a_layer_minikeras_lacks_says_so(tmp_path):
    missing = next(name for name in ("LSTM", "GRU", "MultiHeadAttention")
                   if not hasattr(mk.layers, name))
    path = tmp_path / "model.keras"
    layer = getattr(keras.layers, missing)
    arguments = {"num_heads": 2, "key_dim": 2} if missing == "MultiHeadAttention" else {"units": 2}
    inputs = keras.Input((3, 4))
    outputs = layer(**arguments)(inputs, inputs) if missing == "MultiHeadAttention" else \
        layer(**arguments)(inputs)
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ValueError) as error:
        mk.saving.load_model(path)
    assert refused(error.value, f"keras.layers.{missing}"), error.value
    assert "custom_objects" not in str(error.value)
