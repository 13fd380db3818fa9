"""Mini-batches: aligned slices of inputs and targets, optionally in a shuffled order."""

import numpy as np

from .. import backend
from . import tree


def batches(arrays, batch_size=32, shuffle=False, seed=None):
    """Mini-batches of ``arrays``, an iterator: the same rows of every array at once.

    arrays: one array, or a tuple, list or dict of arrays (nested as deep as
        you like) that all have the same first dimension n, e.g. ``(x, y)``.
    batch_size: rows per batch; the last batch holds what is left (n % batch_size).
    shuffle: visit the rows in a random order (a new one for each call).
    seed: seeds that order; by default it comes from minikeras's generator,
        which ``utils.set_random_seed`` seeds.
    Returns an iterator over ceil(n / batch_size) batches, each the structure
    of ``arrays`` with every array replaced by its rows for that batch:

    >>> for x_batch, y_batch in batches((x_train, y_train), batch_size=128, shuffle=True):
    ...     loss = train_step(x_batch, y_batch)
    """
    num_rows = _common_length(arrays)
    is_int = isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool)
    if not is_int or batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive int, got {batch_size!r}.")
    return _generate(arrays, num_rows, batch_size, _row_order(num_rows, shuffle, seed))


def _generate(arrays, num_rows, batch_size, order):
    # A generator apart from batches(), so bad arguments raise at the call, not at first use.
    for start in range(0, num_rows, batch_size):
        if order is None:
            rows = slice(start, start + batch_size)
        else:
            rows = order[start:start + batch_size]
        yield tree.map_structure(lambda array, rows=rows: array[rows], arrays)


def _common_length(arrays):
    """The first dimension every array in the nest shares."""
    leaves = tree.flatten(arrays)
    if not leaves:
        raise ValueError("batches: got no arrays to batch.")
    lengths = []
    for leaf in leaves:
        shape = getattr(leaf, "shape", None)
        if not shape:
            raise TypeError("batches expects arrays with a first (batch) dimension, "
                            f"got {type(leaf).__name__} of shape {shape}.")
        lengths.append(shape[0])
    if len(set(lengths)) > 1:
        raise ValueError(f"batches: the arrays have different numbers of rows {lengths}; "
                         "every array must have one row per sample.")
    return lengths[0]


def _row_order(num_rows, shuffle, seed):
    """A permutation of the rows if shuffling, else None (plain slices, no copies)."""
    if not shuffle:
        return None
    rng = backend.host_rng() if seed is None else np.random.default_rng(seed)
    return rng.permutation(num_rows)
