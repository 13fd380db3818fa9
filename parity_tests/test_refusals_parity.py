"""minikeras's knowledge of Keras's API (``minikeras/keras_names.py``) against the installed
Keras: the names each public module of Keras has."""

import keras

from minikeras import keras_api
from parity_tests import keras_names


def test_the_list_of_keras_names_is_the_installed_keras_s():
    generated = keras_names.render(keras_names.keras_public_names(), keras.__version__)
    assert keras_names.TARGET.read_text() == generated, (
        f"minikeras/keras_names.py lists Keras {keras_api.KERAS_VERSION}'s names, not those of "
        f"the installed Keras {keras.__version__}: run `python -m parity_tests.keras_names`.")
    assert keras_api.NAMES["keras.ops.nn"] == {
        name for name in dir(keras.ops.nn) if not name.startswith("_")}
