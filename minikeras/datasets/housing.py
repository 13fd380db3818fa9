"""What the Boston and California housing datasets share: one .npz of ``x`` and ``y``,
shuffled with a seed and split into training and test samples, as Keras does."""

import numpy as np

from . import files, splitting


def load_split(file, specs, what, test_split, seed, num_samples=None):
    """``(x_train, y_train), (x_test, y_test)`` from the checked ``x`` and ``y`` of ``file``:
    its first ``num_samples`` samples (all when None), shuffled by
    ``RandomState(seed)``, the first ``int(n * (1 - test_split))`` for training."""
    arrays = files.read_npz(file, specs, what)
    x, y = arrays["x"][:num_samples], arrays["y"][:num_samples]
    x, y = splitting.shuffled(np.random.RandomState(seed), x, y)
    n = splitting.train_size(len(x), test_split)
    return (x[:n], y[:n]), (x[n:], y[n:])
