"""Data in: arrays, lists, dicts or generators of batches, cut into batches for the trainer.

Data stays on the host as NumPy until a batch is taken: each batch is
sliced (or gathered, when shuffled) on the host, floats are cast to
``floatx()`` there, and the batch crosses to the device once, through
``backend.to_device``.

- ``ArrayData``: x, y and sample weights as NumPy arrays (or lists and dicts
  of them, for several inputs or outputs); shuffled each epoch from the
  seeded ``backend.host_rng()``.
- ``GeneratorData``: a Python generator or any iterable yielding
  ``(x, y)`` or ``(x, y, sample_weight)`` batches (or just ``x`` to predict),
  a ``tf.data`` pipeline included, however long (``.repeat()`` makes it endless).
- ``PyDatasetData``: a ``keras.utils.PyDataset``'s batches, in a new order each
  epoch when shuffled, made ahead by its worker threads.
- ``EpochIterator``: the steps of one epoch, Keras's rules included: with
  ``steps_per_epoch`` an epoch may stop mid-data and the next one continues.
"""

import itertools
import math
import warnings

import numpy as np

from .. import backend
from ..autograd import Tensor
from ..utils import tree
from ..utils.py_dataset import PyDataset, make_batches


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch given as ``x``, ``(x,)``, ``(x, y)`` or a triple."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(
            "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`,"
            f" found a tuple of {len(data)} elements."
        )
    return data, None, None


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``: the batch a train_step receives."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def is_array_data(x):
    """Whether ``x`` is data held in memory -- an array, a list/tuple/dict of arrays, a
    number, a string (refused later, clearly) or None -- rather than batches to iterate."""
    if isinstance(x, list) and x and all(isinstance(v, tuple) for v in x):
        return False  # a list of (x, y) batches
    if x is None or isinstance(x, (np.ndarray, Tensor, int, float, str, bytes, dict, list,
                                   tuple)) or backend.is_array(x):
        return True
    return hasattr(x, "__array__") or (hasattr(x, "shape") and hasattr(x, "dtype"))


def to_host_arrays(x, argument):
    """``x`` as NumPy arrays in the same nest; a list of numbers becomes one array."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {key: to_host_arrays(value, f"{argument}[{key!r}]") for key, value in x.items()}
    if isinstance(x, (list, tuple)) and any(
            v is None or _is_array_like(v) or isinstance(v, dict) for v in x):
        for i, v in enumerate(x):
            if v is None:
                raise ValueError(f"`{argument}[{i}]` is None: every input (and target) needs "
                                 "an array.")
        return [to_host_arrays(v, f"{argument}[{i}]") for i, v in enumerate(x)]
    try:
        array = backend.to_numpy(x)
    except ValueError as error:  # NumPy's "inhomogeneous shape" for ragged lists
        raise ValueError(f"`{argument}` cannot be made into an array: {error} Nested lists "
                         "must be rectangular (the same length at each level).") from None
    if array.dtype.kind not in "fiub":
        raise TypeError(f"`{argument}` must hold numbers, but it has dtype {array.dtype}.")
    if array.ndim == 0:
        raise ValueError(f"`{argument}` must be an array with a batch axis, got a scalar.")
    return array


def _is_array_like(v):
    return isinstance(v, (np.ndarray, Tensor)) or backend.is_array(v) or (
        hasattr(v, "shape") and hasattr(v, "dtype"))


def class_weight_to_sample_weight(y, class_weight):
    """One weight per sample: ``class_weight[label]`` (1.0 for classes it does not name).

    y: integer labels (batch,) or (batch, 1), or one-hot/probabilities (batch, classes).
    """
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype("int64").reshape(len(labels))
    weights = np.ones(len(labels), dtype=backend.floatx())
    for label, weight in class_weight.items():
        weights[labels == int(label)] = weight
    return weights


def check_sample_counts(x, y, sample_weight, method):
    """Raises ValueError, listing the sizes, unless every array has the same number of samples."""
    if x is None:
        raise ValueError(f"{method}: no input data was given (`x` is None).")
    sizes = {name: [len(a) for a in tree.flatten(value)]
             for name, value in (("x", x), ("y", y), ("sample_weight", sample_weight))
             if value is not None}
    counts = {n for values in sizes.values() for n in values}
    if len(counts) > 1:
        detail = ", ".join(f"'{name}' sizes: {values}" for name, values in sizes.items())
        raise ValueError(f"{method}: data cardinality is ambiguous, all arrays must contain "
                         f"the same number of samples. {detail}.")
    if counts == {0}:
        raise ValueError(f"{method}: the data is empty (0 samples).")
    if not counts:
        raise ValueError(f"{method}: no data was given (x is None).")
    return counts.pop()


def split_off_validation(x, y, sample_weight, validation_split):
    """((x, y, sample_weight) to train on, the same to validate on): the last fraction held out.

    Only arrays can be split (Keras's rule): a generator is a ValueError.
    """
    if not is_array_data(x):
        raise ValueError("`validation_split` is only supported for arrays, not for "
                         "generators: pass `validation_data` instead.")
    arrays = (to_host_arrays(x, "x"), to_host_arrays(y, "y"),
              to_host_arrays(sample_weight, "sample_weight"))
    check_sample_counts(*arrays, "fit")
    return train_validation_split(*arrays, validation_split)


def train_validation_split(x, y, sample_weight, validation_split):
    """The first ``1 - validation_split`` of the samples to train on, the rest to validate on."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"`validation_split` must be between 0 and 1, got {validation_split}.")
    arrays = (x, y, sample_weight)
    count = len(tree.flatten(x)[0])
    split_at = int(math.floor(count * (1.0 - validation_split)))
    if split_at in (0, count):
        raise ValueError(
            f"Training data contains {count} samples, which is not sufficient to split it into "
            f"a validation and training set as specified by "
            f"`validation_split={validation_split}`. Provide more data or another split."
        )
    train = tree.map_structure(lambda a: None if a is None else a[:split_at], arrays)
    validation = tree.map_structure(lambda a: None if a is None else a[split_at:], arrays)
    return train, validation


def _spread_sample_weight(sample_weight, y):
    """One sample weight array for several outputs applies to each of them."""
    if sample_weight is None or not isinstance(y, (list, dict)) or isinstance(
            sample_weight, (list, dict)):
        return sample_weight
    if isinstance(y, dict):
        return dict.fromkeys(y, sample_weight)
    return [sample_weight for _ in y]


class BatchSource:
    """What the adapters share: hooks run around each epoch (a PyDataset's), none by default."""

    def on_epoch_begin(self):
        """Called before the first batch of each epoch."""

    def on_epoch_end(self):
        """Called after the last batch of each epoch."""


class ArrayData(BatchSource):
    """Batches of in-memory arrays.

    x, y, sample_weight: arrays, or lists/dicts of arrays (same number of samples).
    batch_size: samples per batch (the last batch may be smaller).
    shuffle: True (a new order each epoch), "batch" (batches in a new order)
        or False.
    class_weight: {class: weight}, turned into sample weights (single output).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 class_weight=None, method="fit"):
        self.x = to_host_arrays(x, "x")
        self.y = to_host_arrays(y, "y")
        self.sample_weight = to_host_arrays(sample_weight, "sample_weight")
        self.num_samples = check_sample_counts(self.x, self.y, self.sample_weight, method)
        if class_weight is not None:
            self.sample_weight = _class_weights(class_weight, self.y, self.sample_weight)
        self.sample_weight = _spread_sample_weight(self.sample_weight, self.y)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.num_batches = math.ceil(self.num_samples / batch_size)

    def first_rows(self, count):
        """(x, y, sample_weight) of the first ``count`` samples, on the host (for checks)."""
        return tree.map_structure(lambda a: None if a is None else a[:count],
                                  (self.x, self.y, self.sample_weight))

    def batches(self):
        """An iterator over this epoch's batches: ``(x, y, sample_weight)`` on the device."""
        starts = range(0, self.num_samples, self.batch_size)
        order = None
        if self.shuffle == "batch":
            starts = backend.host_rng().permutation(np.array(starts))
        elif self.shuffle:
            order = backend.host_rng().permutation(self.num_samples)
        for start in starts:
            stop = min(int(start) + self.batch_size, self.num_samples)
            rows = slice(int(start), stop) if order is None else order[start:stop]
            yield pack_x_y_sample_weight(*tree.map_structure(
                lambda a, rows=rows: None if a is None else to_device(a[rows]),
                (self.x, self.y, self.sample_weight)))


def _class_weights(class_weight, y, sample_weight):
    if sample_weight is not None:
        raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
    if not isinstance(class_weight, dict):
        raise TypeError(f"`class_weight` must be a dict {{class: weight}}, got "
                        f"{type(class_weight).__name__}.")
    if y is None or isinstance(y, (list, dict)):
        raise ValueError("`class_weight` is only supported for models with a single output "
                         "and a single target array `y`.")
    for label, weight in class_weight.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float, np.number)) or (
                isinstance(label, bool) or not isinstance(label, (int, np.integer))):
            raise ValueError("`class_weight` must map integer class labels to numbers, got "
                             f"{label!r}: {weight!r}.")
    return class_weight_to_sample_weight(y, class_weight)


def to_device(array):
    """A host batch on the device; floats cast to floatx on the host first (half the transfer)."""
    if array.dtype.kind == "f" and array.dtype != backend.floatx():
        array = array.astype(backend.floatx())
    return backend.to_device(array)


class GeneratorData(BatchSource):
    """Batches a Python generator or iterable yields.

    data: a generator/iterator (consumed across epochs) or an iterable (each
        epoch iterates it again) of ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.
    class_weight: as for ArrayData, applied to each batch.
    check_batch: None, or ``check_batch(x, y, sample_weight, where)`` called on each
        batch's host arrays before it goes to the device (the trainer's checks).
    """

    def __init__(self, data, class_weight=None):
        self.data = data
        self.class_weight = class_weight
        self.num_batches = batch_count(data)
        self.check_batch = None

    def batches(self):
        """This epoch's batches: a generator continues where it stopped, an iterable restarts."""
        source = self.data if hasattr(self.data, "__next__") else iter(self.data)
        for index, batch in enumerate(source):
            yield self._prepare(batch, f" (batch {index} of the generator)")

    def _prepare(self, batch, where):
        x, y, sample_weight = unpack_x_y_sample_weight(batch)
        x, y, sample_weight = (to_host_arrays(x, "x"), to_host_arrays(y, "y"),
                               to_host_arrays(sample_weight, "sample_weight"))
        try:
            check_sample_counts(x, y, sample_weight, f"batch{where}")
        except ValueError as error:
            if not is_tf_dataset(self.data):
                raise
            raise ValueError(f"{error} Is the tf.data pipeline batched? Its elements are the "
                             "batches: call `.batch(batch_size)` on it.") from None
        if self.class_weight is not None:
            sample_weight = _class_weights(self.class_weight, y, sample_weight)
        sample_weight = _spread_sample_weight(sample_weight, y)
        if self.check_batch is not None:
            self.check_batch(x, y, sample_weight, where)
        return pack_x_y_sample_weight(*tree.map_structure(
            lambda a: None if a is None else to_device(a), (x, y, sample_weight)))


def batch_count(data):
    """How many batches iterating ``data`` gives: a number, None when it cannot be known
    (a generator), or ``math.inf`` for a ``tf.data`` pipeline that repeats forever."""
    if is_tf_dataset(data):
        count = int(data.cardinality())  # -1 for infinite, -2 for unknown
        return math.inf if count == -1 else None if count < 0 else count
    try:
        return len(data)
    except TypeError:  # no length, or tf.data's "the dataset length is unknown"
        return None


def is_tf_dataset(data):
    """Whether ``data`` is a ``tf.data`` pipeline (without importing TensorFlow)."""
    return type(data).__module__.startswith("tensorflow") and callable(
        getattr(data, "cardinality", None))


class PyDatasetData(GeneratorData):
    """The batches of a ``keras.utils.PyDataset``: ``dataset[i]`` for each batch number i.

    shuffle: the batches in a new order each epoch (from the seeded host
        generator; as Keras, not for an endless dataset, which is expected to
        be shuffled already).
    The dataset's ``workers`` threads make up to ``max_queue_size`` batches ahead;
    ``use_multiprocessing`` is not honoured (threads are used, with a warning).
    """

    def __init__(self, dataset, shuffle=False, class_weight=None):
        super().__init__(dataset, class_weight)
        self.num_batches = dataset.num_batches
        if shuffle and self.num_batches is None:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` "
                          "was provided as an infinite PyDataset. The PyDataset is expected "
                          "to already be shuffled.", stacklevel=4)
        self.shuffle = bool(shuffle) and self.num_batches is not None
        if dataset.use_multiprocessing and dataset.workers > 0:
            warnings.warn(
                f"{type(dataset).__name__}: use_multiprocessing=True is not supported; "
                f"minikeras makes its batches in {max(1, dataset.workers)} thread(s) instead "
                "of processes (threads help when __getitem__ reads files or spends its time "
                "in NumPy or Pillow).", stacklevel=4)

    def batches(self):
        """This epoch's batches, each checked and put on the device as it comes."""
        if self.num_batches is None:
            indices = itertools.count()
        elif self.shuffle:
            indices = [int(i) for i in backend.host_rng().permutation(self.num_batches)]
        else:
            indices = range(self.num_batches)
        indices, wanted = itertools.tee(indices)
        made = make_batches(self.data, wanted, self.data.workers, self.data.max_queue_size)
        for index, batch in zip(indices, made, strict=True):
            yield self._prepare(_batch_tuple(batch, index), f" (batch {index} of the PyDataset)")

    def on_epoch_begin(self):
        self.data.on_epoch_begin()

    def on_epoch_end(self):
        self.data.on_epoch_end()


def _batch_tuple(batch, index):
    """A PyDataset's batch as ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``: a
    list is read as a tuple and a dict as the inputs, as Keras reads them."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple) and len(batch) not in (1, 2, 3):
        raise ValueError(
            "PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be "
            "ordered either (input,) or (inputs, targets) or (inputs, targets, "
            f"sample_weights). Received, for batch {index}: a tuple of {len(batch)} items.")
    return batch


def get_data(x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None,
             steps=None, method="fit"):
    """The right adapter for ``x``: ArrayData for arrays, PyDatasetData for a PyDataset,
    GeneratorData for other generators and iterables."""
    check_steps(steps, "steps_per_epoch" if method == "fit" else "steps")
    if not (isinstance(shuffle, (bool, np.bool_)) or (
            isinstance(shuffle, str) and shuffle == "batch")):
        raise ValueError(f"`shuffle` must be True, False or 'batch', got {shuffle!r}.")
    if is_array_data(x):
        if batch_size is not None:
            check_batch_size(batch_size)
        data = ArrayData(x, y, sample_weight, batch_size or 32, shuffle, class_weight, method)
        if batch_size is None and steps:  # the data in ``steps`` batches
            data.batch_size = math.ceil(data.num_samples / steps)
            data.num_batches = math.ceil(data.num_samples / data.batch_size)
        return data
    if y is not None or sample_weight is not None:
        raise ValueError(
            f"{method}: when `x` is a generator or an iterable of batches, `y` and "
            "`sample_weight` must not be given: the batches hold them (yield (x, y) tuples)."
        )
    if isinstance(x, PyDataset):
        return PyDatasetData(x, shuffle, class_weight)
    if not hasattr(x, "__iter__"):
        raise TypeError(f"{method}: unrecognized data type x={x!r} "
                        f"(of type {type(x).__name__}). Pass arrays or a generator of batches.")
    return GeneratorData(x, class_weight)


def check_steps(steps, argument):
    """Raises ValueError unless ``steps`` (the value of ``argument``) is None or a positive int."""
    if steps is not None and (isinstance(steps, bool) or not isinstance(
            steps, (int, np.integer)) or steps <= 0):
        raise ValueError(f"`{argument}` must be a positive integer or None, got {steps!r}.")


def check_batch_size(batch_size):
    """Raises ValueError unless ``batch_size`` is a positive int."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
            batch_size <= 0):
        raise ValueError(f"`batch_size` must be a positive integer, got {batch_size!r}.")


class EpochIterator:
    """The ``(step, batch)`` pairs of successive epochs over ``data``.

    steps_per_epoch: None runs each epoch to the end of the data; a number runs
        that many steps, continuing through the data from one epoch to the next
        and starting it again (reshuffled) when it runs out, as Keras does.
    """

    def __init__(self, data, steps_per_epoch=None):
        check_steps(steps_per_epoch, "steps_per_epoch")
        self.data = data
        self.steps_per_epoch = steps_per_epoch
        self._iterator = None
        self._seen = 0

    @property
    def num_batches(self):
        """Steps in one epoch, or None when unknown (a generator of unknown length)."""
        count = self.steps_per_epoch or self.data.num_batches
        return None if count == math.inf else count

    def reset(self):
        """The next epoch starts the data again (a generator continues where it is)."""
        self._iterator = None

    def enumerate_epoch(self):
        """Yields ``(step, batch)`` for one epoch."""
        limit = self.data.num_batches
        if self._iterator is None or self.steps_per_epoch is None:
            self._iterator, self._seen = self.data.batches(), 0
        self.data.on_epoch_begin()
        step = 0
        while self.steps_per_epoch is None or step < self.steps_per_epoch:
            if limit is not None and self._seen >= limit:
                if self.steps_per_epoch is not None:
                    _ran_out_warning()
                break
            try:
                batch = next(self._iterator)
            except StopIteration:
                if self.steps_per_epoch is not None or (limit is not None and step < limit):
                    _ran_out_warning()
                self._iterator = None
                break
            self._seen += 1
            yield step, batch
            step += 1
        if limit is not None and self._seen >= limit:
            self._iterator = None
        self.data.on_epoch_end()


def _ran_out_warning():
    warnings.warn(
        "Your input ran out of data; interrupting training. Make sure that your dataset or "
        "generator can generate at least `steps_per_epoch * epochs` batches. You may need "
        "to use the `.repeat()` function when building your dataset.",
        stacklevel=4,
    )
