"""Seeding every source of randomness at once."""

import random

import numpy as np

from .. import backend


def set_random_seed(seed):
    """Seeds Python's ``random``, NumPy's global generator and minikeras's own generators.

    After it, initial weights, dropout masks and shuffling repeat exactly.
    """
    if not isinstance(seed, int):
        raise TypeError(f"set_random_seed expects an int seed, got {type(seed).__name__}.")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    backend.set_seed(seed)
