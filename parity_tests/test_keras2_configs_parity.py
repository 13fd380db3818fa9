"""Keras 2 architectures (model.to_json() of tf_keras) load in minikeras, as Keras 3 loads them.

``data/keras2_models.json`` holds what tf_keras 2.21 wrote for three models
(see ``data/make_keras2_models.py``) with their weights and predictions.
Older Keras 2 wrote the same without the "module", "registered_name" and
"build_config" keys; both layouts are loaded here. Keras 3's own
``model_from_json`` refuses them; its loader of legacy .h5 files reads them,
and is the reference.
"""

import json
import pathlib

import numpy as np
import pytest
from keras.src.legacy.saving import saving_utils

import minikeras as mk
from parity_tests.harness import assert_close

MODELS = json.loads((pathlib.Path(__file__).parent / "data" / "keras2_models.json").read_text())


def older_layout(value):
    """The config as Keras 2 wrote it before 2.13: no module, registered name, build config."""
    if isinstance(value, dict):
        return {key: older_layout(item) for key, item in value.items()
                if key not in ("module", "registered_name", "build_config")}
    if isinstance(value, list):
        return [older_layout(item) for item in value]
    return value


LAYOUTS = {"tf_keras 2.21": lambda text: text,
           "Keras 2 before 2.13": lambda text: json.dumps(older_layout(json.loads(text)))}
# Keras 3's legacy loader fails on this one ("Dense could not be deserialized properly"):
# there the predictions are compared with tf_keras's only.
KERAS3_CANNOT_READ = {("k2sequential", "tf_keras 2.21")}

# Keras 3 warns about the input_shape= that Keras 2's Sequential configs hold.
pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`:UserWarning")


def batch(entry):
    inputs = [np.array(x, dtype="float32") for x in entry["inputs"]]
    return inputs if len(inputs) > 1 else inputs[0]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_from_json_reads_keras2_architectures(name, layout):
    entry = MODELS[name]
    text = LAYOUTS[layout](entry["json"])
    ours = mk.models.model_from_json(text)
    ours.set_weights([np.array(w, dtype="float32") for w in entry["weights"]])
    predictions = ours.predict(batch(entry), verbose=0)
    assert_close(predictions, np.array(entry["outputs"]), "linear",
                 what=f"models.model_from_json ({name}, {layout}, against tf_keras)")
    if (name, layout) in KERAS3_CANNOT_READ:
        return
    theirs = saving_utils.model_from_config(json.loads(text))
    theirs.set_weights(ours.get_weights())
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert_close(predictions, theirs.predict(batch(entry), verbose=0), "linear",
                 what=f"models.model_from_json ({name}, {layout}, against Keras 3)")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_from_config_reads_keras2_configs(name):
    entry = MODELS[name]
    config = json.loads(LAYOUTS["Keras 2 before 2.13"](entry["json"]))
    cls = mk.Sequential if config["class_name"] == "Sequential" else mk.Model
    model = cls.from_config(config["config"])
    model.set_weights([np.array(w, dtype="float32") for w in entry["weights"]])
    assert_close(model.predict(batch(entry), verbose=0), np.array(entry["outputs"]), "linear",
                 what=f"models.Model.from_config ({name}, Keras 2 layout)")
