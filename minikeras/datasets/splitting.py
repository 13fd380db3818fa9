"""Shuffling and splitting a dataset the way Keras's loaders do, draw for draw."""

import numpy as np


def shuffled(rng, *arrays):
    """``arrays`` (same length) in one random order: ``rng.shuffle`` of ``arange(n)``,
    as Keras's loaders draw it from ``np.random.RandomState(seed)``."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [array[indices] for array in arrays]


def train_size(num_samples, test_split):
    """How many of ``num_samples`` go to training: ``int(n * (1 - test_split))``, as in Keras."""
    return int(num_samples * (1 - test_split))


def check_test_split(test_split):
    """ValueError unless 0 <= test_split < 1."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
