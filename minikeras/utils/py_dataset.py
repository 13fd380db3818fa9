"""PyDataset (and its old name, Sequence): batches made by Python code, indexed by number.

A subclass says how many batches there are (``__len__``) and makes batch
``i`` (``__getitem__``): reading files, decoding pictures, augmenting. Unlike
a generator, it can be shuffled batch by batch, and ``fit`` sees each batch
exactly once per epoch, even with several workers.
"""

import collections
import itertools
import warnings
from concurrent.futures import ThreadPoolExecutor

# The settings a PyDataset takes in its constructor, and their defaults.
_DEFAULTS = {"workers": 1, "use_multiprocessing": False, "max_queue_size": 10}


def _setting(name):
    """The property ``name`` of a PyDataset, stored as ``_<name>``; reading it when a
    subclass's ``__init__`` skipped ``super().__init__()`` warns and gives the default."""
    attribute = "_" + name

    def read(self):
        self._warn_if_super_not_called()
        return getattr(self, attribute)

    def write(self, value):
        setattr(self, attribute, value)

    return property(read, write)


class PyDataset:
    """Base class of a dataset whose batches Python code makes, as ``keras.utils.PyDataset``.

    Subclasses implement ``__getitem__(index)`` (batch ``index``: ``x``,
    ``(x, y)`` or ``(x, y, sample_weight)``, each holding a whole batch) and
    ``__len__()`` (the number of batches), or a ``num_batches`` property that
    may be None for an endless dataset; ``on_epoch_begin``/``on_epoch_end``
    run around each epoch of ``fit``, ``evaluate`` and ``predict``.

    workers: how many threads make batches ahead of the training step (1: batches
        are made one at a time, when the step needs them).
    use_multiprocessing: Keras makes the batches in worker processes then;
        minikeras always uses threads, and warns (threads help when
        ``__getitem__`` waits on files or releases the GIL in NumPy or Pillow).
    max_queue_size: how many batches the workers may make ahead.
    ``fit`` uses these three; a dataset read in a ``for`` loop makes its batches
    one at a time.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = [name for name in _DEFAULTS if not hasattr(self, "_" + name)]
        if missing:
            for name in missing:
                setattr(self, "_" + name, _DEFAULTS[name])
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`. Do not pass these arguments to `fit()`, as they will be "
                "ignored.", stacklevel=3)

    workers = _setting("workers")
    use_multiprocessing = _setting("use_multiprocessing")
    max_queue_size = _setting("max_queue_size")

    def __getitem__(self, index):
        """Batch number ``index``."""
        raise NotImplementedError

    @property
    def num_batches(self):
        """The number of batches (``len(self)``), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n"
            "@property\ndef num_batches(self):\n  return ...")

    def __iter__(self):
        count = self.num_batches
        for index in (range(count) if count is not None else itertools.count()):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (to reshuffle the samples, for instance)."""


Sequence = PyDataset  # its Keras 2 name


def make_batches(dataset, indices, workers, max_queue_size):
    """``dataset[i]`` for each i of ``indices``, in order; with ``workers`` > 1, made by
    that many threads, at most ``max_queue_size`` batches ahead of the consumer."""
    if workers <= 1:
        for index in indices:
            yield dataset[index]
        return
    indices = iter(indices)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="PyDataset")
    try:
        pending = collections.deque(pool.submit(dataset.__getitem__, index)
                                    for index in itertools.islice(indices, max(1, max_queue_size)))
        while pending:
            batch = pending.popleft().result()
            for index in itertools.islice(indices, 1):
                pending.append(pool.submit(dataset.__getitem__, index))
            yield batch
    finally:  # the consumer may stop early: drop what is queued, let running calls end
        pool.shutdown(wait=True, cancel_futures=True)
