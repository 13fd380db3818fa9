"""Models: Sequential, the functional Model, subclassed Models, loading them (``keras.models``)."""

import json

from ..saving import load_model, save_model
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential


def model_from_json(json_string, custom_objects=None):
    """A new (uncompiled) model from ``model.to_json()``'s output."""
    from ..saving import deserialize_keras_object

    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
           "save_model"]
