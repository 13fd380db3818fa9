"""Datasets with Keras's loaders: ``datasets.mnist.load_data()`` and the others below.

Each ``load_data`` returns what tf.keras's returns (the same arrays, shapes
and dtypes, in the same shuffled order for the same seed), from the same
files: looked for in ``$MINIKERAS_DATA``, then in Keras's cache
(``~/.keras/datasets``) and minikeras's (``~/.minikeras/datasets``), and
downloaded from Keras's address if in none (see ``utils.get_file``).
"""

from . import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
