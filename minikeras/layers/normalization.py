"""Normalization: shifts and scales features to mean 0 and variance 1, with statistics
learnt from the data by ``adapt()`` or given."""

import math

import numpy as np

from .. import backend, ops
from ..autograd import Tensor
from .input_spec import InputSpec
from .layer import Layer


class Normalization(Layer):
    """y = (x - mean) / max(sqrt(variance), epsilon), in training and inference alike;
    dy/dx = 1 / max(sqrt(variance), epsilon). With invert=True, y = mean + x * max(sqrt(
    variance), epsilon) turns normalized values back.

    axis: the axis (or axes) with a mean and variance per index: -1 (the
        default) normalizes each feature of the last axis on its own; None
        normalizes everything with one mean and one variance.
    mean, variance: the statistics, if known (numbers, or arrays that
        broadcast to the kept axes); otherwise ``adapt(data)`` computes them
        and stores them in the layer's non-trainable weights "mean",
        "variance" (and "count", kept at 0 as in Keras).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.input_spec = InputSpec()  # one tensor, of any shape
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: when setting values directly, both `mean` and "
                             f"`variance` must be set. Received: mean={mean} and "
                             f"variance={variance}")
        if mean is not None:
            self._given = [_statistic(value, name) for value, name in ((mean, "mean"),
                                                                        (variance, "variance"))]
            if self._given[0].shape != self._given[1].shape:
                raise ValueError(f"Normalization: `mean` and `variance` must have the same "
                                 f"shape. Received: mean shape {self._given[0].shape} and "
                                 f"variance shape {self._given[1].shape}")
            if self._given[0].ndim > len(self.axis):
                raise ValueError(f"Normalization: the rank of `mean` must be at most the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{self._given[0].shape} for axis {self.axis}")

    def build(self, input_shape):
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise ValueError(f'Layer "{self.name}": every `axis` must be in [-{rank}, {rank}) '
                             f"for inputs of rank {rank}. Received: axis={self.axis}")
        self._keep_axis = tuple(sorted(a % rank for a in self.axis))
        if any(input_shape[a] is None for a in self._keep_axis):
            raise ValueError(f'Layer "{self.name}": the axes kept (axis={self.axis}) must have '
                             f"known sizes. Received inputs of shape {tuple(input_shape)}.")
        self._reduce_axis = tuple(a for a in range(rank) if a not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1
                                      for a in range(rank))
        kept_shape = tuple(input_shape[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(kept_shape, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(kept_shape, "ones", trainable=False,
                                                  name="variance")
            self.count = self.add_weight((), "zeros", dtype="int64", trainable=False,
                                         name="count")
        else:
            self._statistics = [self._broadcast_given(value) for value in self._given]
        self.built = True

    def _broadcast_given(self, value):
        """A given mean or variance, its axes matched to the kept axes from the right, as a
        (broadcast shape) float32 array."""
        shape = [1] * len(self._broadcast_shape)
        for axis, size in zip(self._keep_axis[len(self._keep_axis) - value.ndim:], value.shape,
                              strict=True):
            shape[axis] = size
        try:
            return np.broadcast_to(value.reshape(shape), self._broadcast_shape).copy()
        except ValueError:
            raise ValueError(f'Layer "{self.name}": a `mean`/`variance` of shape {value.shape} '
                             f"does not broadcast to the kept axes' shape "
                             f"{self._broadcast_shape}.") from None

    def adapt(self, data):
        """Computes the mean and variance of ``data`` over every axis but the kept ones.

        data: an array or Tensor, or an iterable of batches (a list of arrays, a
            generator, a batched tf.data.Dataset, a PyDataset; (x, y) pairs use
            x), combined as one set of samples.
        """
        if self.input_mean is not None:
            raise ValueError(f'Layer "{self.name}" was given its mean and variance; adapt() '
                             "cannot change them.")
        if isinstance(data, (np.ndarray, Tensor)) or backend.is_array(data):
            batches = [backend.to_numpy(data)]
        elif hasattr(data, "__iter__"):
            batches = (_first_of_pair(batch) for batch in data)
        else:
            raise TypeError(f'Layer "{self.name}": adapt() takes an array, a Tensor or an '
                            f"iterable of batches. Received: {type(data).__name__}")
        mean, variance = self._statistics_of(batches)
        self.adapt_mean.assign(mean)
        self.adapt_variance.assign(variance)

    def _statistics_of(self, batches):
        """(mean, variance) over the reduced axes of all batches, combined batch by batch."""
        total_mean = total_variance = None
        total_count = 0
        for batch in batches:
            batch = np.asarray(batch)
            if batch.dtype.kind not in "biuf":
                raise TypeError(f'Layer "{self.name}": adapt() needs numbers; a batch has '
                                f"dtype {batch.dtype}.")
            self._check_adapt_shape(batch.shape)
            count = math.prod(batch.shape[a] for a in self._reduce_axis)
            mean, variance = batch.mean(self._reduce_axis), batch.var(self._reduce_axis)
            if total_mean is None:
                total_mean, total_variance, total_count = mean, variance, count
                continue
            total_count += count
            weight = count / total_count  # of the new batch
            new_mean = total_mean * (1 - weight) + mean * weight
            # Each part's variance about the new mean: its own plus its mean's shift, squared.
            total_variance = ((total_variance + (total_mean - new_mean) ** 2) * (1 - weight)
                              + (variance + (mean - new_mean) ** 2) * weight)
            total_mean = new_mean
        if total_mean is None:
            raise ValueError(f'Layer "{self.name}": adapt() received no data (an empty '
                             "iterable); give at least one batch.")
        return total_mean, total_variance

    def _check_adapt_shape(self, shape):
        if not self.built:
            self._maybe_build(tuple(shape))
        expected = self._build_input_shape
        if len(shape) != len(expected) or any(shape[a] != expected[a] for a in self._keep_axis):
            raise ValueError(f'Layer "{self.name}" was built for inputs of shape '
                             f"{tuple(expected)}, but adapt() received data of shape "
                             f"{tuple(shape)}.")

    def call(self, inputs):
        if self.input_mean is None:
            mean = ops.reshape(self.adapt_mean.value, self._broadcast_shape)
            variance = ops.reshape(self.adapt_variance.value, self._broadcast_shape)
        else:
            mean, variance = (backend.to_device(v) for v in self._statistics)
        scale = ops.maximum(ops.sqrt(variance), backend.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, scale))
        return ops.divide(ops.subtract(inputs, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}


def _axis_argument(axis):
    """``axis`` as a tuple of ints: None -> (), an int -> (axis,)."""
    if axis is None:
        return ()
    axes = (axis,) if isinstance(axis, int) else tuple(axis) if isinstance(
        axis, (tuple, list)) else None
    if axes is None or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"Normalization: `axis` must be an int, a tuple of ints or None. "
                        f"Received: axis={axis!r}")
    return axes


def _statistic(value, name):
    """A given mean or variance as a float32 NumPy array."""
    try:
        array = np.asarray(value, dtype="float32")
    except (TypeError, ValueError):
        raise ValueError(f"Normalization: `{name}` must be a number or an array of numbers. "
                         f"Received: {name}={value!r}") from None
    return array


def _first_of_pair(batch):
    """The inputs of a batch: x of an (x, y) or (x, y, sample_weight) tuple."""
    return backend.to_numpy(batch[0] if isinstance(batch, tuple) else batch)
