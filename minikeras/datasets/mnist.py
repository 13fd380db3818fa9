"""MNIST handwritten digits, in Keras's ``mnist.npz`` layout."""

import os

import numpy as np


def search_paths(path="mnist.npz"):
    """Where ``load_data`` looks for the file, in order."""
    places = []
    if os.environ.get("MINIKERAS_DATA"):
        places.append(os.path.join(os.environ["MINIKERAS_DATA"], path))
    places.append(os.path.join(os.path.expanduser("~"), ".keras", "datasets", path))
    return places


def load_data(path="mnist.npz"):
    """The MNIST digits as ``(x_train, y_train), (x_test, y_test)``.

    x: uint8 arrays of shape (60000, 28, 28) and (10000, 28, 28); y: uint8
    labels 0-9 of shape (60000,) and (10000,). The file is looked for in
    ``$MINIKERAS_DATA``, then in Keras's cache ``~/.keras/datasets``.
    """
    for candidate in search_paths(path):
        if os.path.exists(candidate):
            with np.load(candidate, allow_pickle=False) as data:
                return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
    raise FileNotFoundError(
        f"{path} was not found in {search_paths(path)}. Put Keras's mnist.npz in one of "
        "these folders, or point MINIKERAS_DATA at the folder that holds it."
    )
