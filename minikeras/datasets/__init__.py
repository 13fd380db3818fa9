"""Datasets with Keras's loaders: ``datasets.mnist.load_data()``."""

from . import mnist

__all__ = ["mnist"]
