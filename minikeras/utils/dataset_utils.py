"""split_dataset: arrays cut in two (train / validation), as ``keras.utils.split_dataset``."""

import random

import numpy as np

from . import tree


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits samples into a left part and a right part, e.g. to train and to validate on.

    dataset: an array, or a tuple or list of arrays with as many samples each
        (``(x, y)``).
    left_size, right_size: a fraction in (0, 1) or a number of samples; either
        may be None for the rest. The left part takes the first samples, the
        right part the last ones (samples beyond both sizes are in neither).
    shuffle: mix the samples first, in the order Keras gives for the same ``seed``
        (Python's ``random.Random(seed).shuffle``); ``seed=None`` draws one from
        Python's generator, which ``keras.utils.set_random_seed`` seeds.
    preferred_backend: accepted for Keras's signature; the parts are always arrays.

    Returns ``(left, right)``, each of the dataset's structure: Keras returns two
    ``tf.data.Dataset`` objects here, minikeras the arrays themselves, which
    ``fit`` takes directly (``model.fit(*left)`` for ``(x, y)``).
    """
    del preferred_backend
    if not isinstance(dataset, (np.ndarray, list, tuple)):
        raise TypeError("The `dataset` argument must be either a NumPy array or a list/tuple "
                        f"of arrays. Received: dataset of type {type(dataset).__name__}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    arrays = [np.asarray(a) for a in tree.flatten(dataset)]
    if any(a.ndim == 0 for a in arrays):
        raise TypeError("Each part of `dataset` must be an array with a sample axis; got a "
                        "single number.")
    counts = {len(a) for a in arrays}
    if len(counts) != 1:
        raise ValueError("The arrays of `dataset` must hold as many samples each; their "
                         f"lengths are {[len(a) for a in arrays]}.")
    total = counts.pop()
    left_size, right_size = _split_sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(order)
    left_rows, right_rows = order[:left_size], order[total - right_size:]
    return tuple(_same_structure(dataset, [a[rows] for a in arrays])
                 for rows in (left_rows, right_rows))


def _same_structure(dataset, parts):
    """``parts`` (one array per leaf of ``dataset``) in ``dataset``'s nest."""
    leaves = iter(parts)
    return tree.map_structure(lambda _: next(leaves), dataset)


def _split_sizes(left_size, right_size, total):
    """(left, right) numbers of samples from sizes given as fractions, counts or None."""
    sizes = {}
    for side, size in (("left", left_size), ("right", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{side}_size` Type. Expected: int or float or None, "
                            f"Received: type({side}_size)={type(size)}.")
        if (type(size) is int and not 0 < size < total) or (
                type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{side}_size` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{side}_size={size}")
        sizes[side] = round(size * total) if type(size) is float else size
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = total - sizes["right"] if sizes["left"] is None else sizes["left"]
    right = total - left if sizes["right"] is None else sizes["right"]
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)
