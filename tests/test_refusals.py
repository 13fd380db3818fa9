"""A Keras name minikeras lacks is answered "Keras has `keras.x.Name`; minikeras does not",
however it is reached, without importing Keras or TensorFlow (the parity test checks every
name of every module against the installed Keras)."""

import subprocess
import sys
import types

import pytest

import minikeras as mk
from minikeras import keras_api


def test_attribute_access_says_keras_has_it_and_points_to_the_bridge():
    with pytest.raises(AttributeError, match=r"^Keras has `keras.layers.LSTM`; minikeras does "
                                             r"not\. tf.keras has it: minikeras.keras_bridge"):
        mk.layers.LSTM  # noqa: B018
    with pytest.raises(AttributeError, match=r"^Keras has `keras.ops.fft`; minikeras does not\.$"):
        mk.ops.fft  # noqa: B018


def test_imports_say_so_too():
    with pytest.raises(ImportError, match=r"^Keras has `keras.layers.LSTM`; minikeras does not"):
        from minikeras.layers import LSTM  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match=r"^Keras has `keras.applications`; minikeras"):
        import minikeras.applications  # noqa: F401
    with pytest.raises(ImportError, match=r"^Keras has `keras.applications`; minikeras"):
        from minikeras import applications  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match=r"^Keras has `keras.utils.legacy`; minikeras"):
        from minikeras.utils.legacy import serialize_keras_object  # noqa: F401


def test_other_names_and_dunders_are_plain_attribute_errors():
    with pytest.raises(AttributeError, match=r"^module 'minikeras.ops' has no attribute 'foo'$"):
        mk.ops.foo  # noqa: B018
    assert not hasattr(mk.layers, "__wrapped__") and getattr(mk.losses, "LSTM", None) is None
    with pytest.raises(ModuleNotFoundError, match="No module named 'minikeras.not_keras'"):
        import minikeras.not_keras  # noqa: F401


def test_a_name_added_later_is_found(monkeypatch):
    monkeypatch.setattr(mk.layers, "LSTM", "a layer added later", raising=False)
    assert mk.layers.LSTM == "a layer added later"
    from minikeras.layers import LSTM
    assert LSTM == "a layer added later"


def test_a_module_s_own_getattr_is_asked_first():
    module = types.ModuleType("minikeras.layers")  # a stand-in for the real one

    def own_getattr(name):
        if name == "GRU":
            return "made on first use"
        raise AttributeError(name)

    module.__getattr__ = own_getattr
    keras_api.answer_missing_names(module)
    assert module.GRU == "made on first use"
    with pytest.raises(AttributeError, match=r"^Keras has `keras.layers.LSTM`"):
        module.LSTM  # noqa: B018


def test_the_answers_import_neither_keras_nor_tensorflow():
    code = ("import sys, minikeras\n"
            "try:\n    minikeras.layers.LSTM\nexcept AttributeError as error:\n"
            "    assert 'Keras has' in str(error)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "[]"
