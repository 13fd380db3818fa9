"""Dot: the dot product of two tensors along an axis of each, sample by sample."""

from .. import ops
from .base_merge import Merge


class Dot(Merge):
    """Multiplies two inputs element by element along ``axes`` and sums, for each sample:
    (batch, n) . (batch, n) -> (batch, 1); (batch, m, n) . (batch, k, n) with axes=2 ->
    (batch, m, k). Ranks above 3 work as in Keras's ``batch_dot``.

    axes: one axis for both inputs, or (axis of the first, axis of the second);
        never 0, the batch axis.
    normalize: L2-normalize both inputs along their axes first, so the
        product is the cosine similarity.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, int) and not isinstance(a, bool)
                                         for a in axes):
                raise ValueError(f"Dot: `axes` must be an int or a list of 2 ints. Received: "
                                 f"axes={axes!r}")
            axes = list(axes)
        elif not isinstance(axes, int) or isinstance(axes, bool):
            raise TypeError(f"Dot: `axes` must be an int or a list of 2 ints. Received: "
                            f"axes={axes!r}")
        self.axes, self.normalize = axes, normalize

    def _axes_for(self, shapes):
        """(axis of the first input, axis of the second), non-negative; ValueError for two
        inputs that cannot be multiplied along them."""
        self._check_is_list(shapes)
        if len(shapes) != 2:
            raise ValueError(f'Layer "{self.name}" (Dot) should be called on exactly 2 inputs. '
                             f"Received {len(shapes)}.")
        if None not in (shapes[0][0], shapes[1][0]) and shapes[0][0] != shapes[1][0]:
            raise ValueError(f'Layer "{self.name}" cannot take the dot product of inputs with '
                             f"different batch sizes: shapes {list(shapes)}.")
        pair = self.axes if isinstance(self.axes, list) else [self.axes] * 2
        axes = []
        for axis, shape in zip(pair, shapes, strict=True):
            if len(shape) < 2 or not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
                raise ValueError(f'Layer "{self.name}" cannot take the dot product along axes '
                                 f"{self.axes} (never the batch axis) of inputs of shapes "
                                 f"{list(shapes)}.")
            axes.append(axis % len(shape))
        sizes = (shapes[0][axes[0]], shapes[1][axes[1]])
        if None not in sizes and sizes[0] != sizes[1]:
            raise ValueError(f'Layer "{self.name}": incompatible input shapes {list(shapes)}: '
                             f"axis {axes[0]} has size {sizes[0]} but axis {axes[1]} has size "
                             f"{sizes[1]}.")
        return axes

    def build(self, input_shape):
        self._axes_for(input_shape)
        self.built = True

    def call(self, inputs):
        self._check_is_list(inputs)
        axes = self._axes_for([tuple(x.shape) for x in inputs])
        x, y = inputs
        if self.normalize:
            x, y = ops.normalize(x, axis=axes[0]), ops.normalize(y, axis=axes[1])
        return batch_dot(x, y, axes)

    def compute_output_shape(self, input_shape):
        axes = self._axes_for(input_shape)
        first = [n for i, n in enumerate(input_shape[0]) if i != axes[0]]
        second = [n for i, n in enumerate(input_shape[1]) if i not in (0, axes[1])]
        shape = first + second
        return tuple(shape + [1] if len(shape) == 1 else shape)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def batch_dot(x, y, axes):
    """For each sample, the sum of x * y along axis axes[0] of x and axes[1] of y (Keras's
    batch_dot): the axes are moved next to each other and the samples multiplied as
    matrices, (b, .., n) @ (b, n, ..), with ops.matmul.
    """
    x_rank, y_rank = len(x.shape), len(y.shape)
    x_axis, y_axis = axes
    if x_rank == 2:
        x, x_axis = ops.expand_dims(x, 1), x_axis + 1  # (b, 1, n)
    if y_rank == 2:
        y = ops.expand_dims(y, 2)  # (b, n, 1)
    x = ops.transpose(x, [i for i in range(len(x.shape)) if i != x_axis] + [x_axis])  # (b, .., n)
    y = ops.transpose(y, [0, y_axis] + [i for i in range(1, len(y.shape)) if i != y_axis])
    batch, x_middle, y_trailing = x.shape[0], x.shape[1:-1], y.shape[2:]  # y: (b, n, ..)
    product = ops.matmul(ops.reshape(x, (batch, -1, x.shape[-1])),
                         ops.reshape(y, (batch, y.shape[1], -1)))  # (b, |x_middle|, |y_trailing|)
    product = ops.reshape(product, (batch, *x_middle, *y_trailing))
    if x_rank == 2:
        return ops.squeeze(product, 1)
    return ops.squeeze(product, -1) if y_rank == 2 else product


def dot(inputs, axes=-1, **kwargs):
    """The dot product of two inputs along ``axes`` (the functional form of ``Dot``)."""
    return Dot(axes=axes, **kwargs)(inputs)
