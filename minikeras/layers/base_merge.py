"""Merge: the base of the layers that combine a list of tensors elementwise (Add, Maximum...)."""

from .. import ops
from ..utils import tree
from .layer import Layer


class Merge(Layer):
    """Combines a list of inputs into one with ``merge(inputs)``, which subclasses define.

    The inputs must share the batch size; the other axes broadcast as in
    NumPy, and an input of lower rank first gets size-1 axes after its batch
    axis, so (batch, 3) merges with (batch, 4, 3).
    """

    def build(self, input_shape):
        self._output_shape(input_shape)  # checks the shapes
        self.built = True

    def call(self, inputs):
        self._check_is_list(inputs)
        self._output_shape([tuple(x.shape) for x in inputs])  # a clear error if they do not fit
        rank = max(len(x.shape) for x in inputs)
        inputs = [_expand_after_batch(x, rank - len(x.shape)) for x in inputs]
        return self.merge(inputs)

    def merge(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, previous_mask):
        """Where every input's mask is True (None when no input has one), as in Keras."""
        masks = [m for m in tree.flatten(previous_mask) if m is not None]
        if not masks:
            return None
        combined = masks[0]
        for mask in masks[1:]:
            combined = ops.logical_and(combined, mask)
        return combined

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def _check_is_list(self, inputs):
        """A ValueError unless ``inputs`` is a non-empty list of tensors (or of shapes),
        each with a batch axis."""
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError(f'Layer "{self.name}" should be called on a list of inputs. '
                             f"Received: {inputs!r}")
        for item in inputs:
            shape = item if tree.is_shape(item) else getattr(item, "shape", None)
            if shape is None or not tree.is_shape(shape) or len(shape) < 1:
                raise ValueError(f'Layer "{self.name}" should be called on a list of tensors, '
                                 f"each with a batch axis. Received: {inputs!r}")

    def _output_shape(self, input_shapes):
        """The broadcast shape of the inputs; ValueError naming the layer if there is none."""
        self._check_is_list(input_shapes)
        batch_sizes = {shape[0] for shape in input_shapes} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f'Layer "{self.name}" cannot merge tensors with different batch '
                             f"sizes. Received shapes {list(input_shapes)}")
        output = ()
        for shape in input_shapes:
            output = self._broadcast(output, tuple(shape[1:]), input_shapes)
        return (next(iter(batch_sizes), None), *output)

    def _broadcast(self, a, b, input_shapes):
        if len(a) < len(b):
            a, b = b, a
        b = (1,) * (len(a) - len(b)) + b
        shape = []
        for i, j in zip(a, b, strict=True):
            if i is None or j is None:
                shape.append(None)
            elif i == j or 1 in (i, j):
                shape.append(max(i, j))
            else:
                raise ValueError(f'Layer "{self.name}" received inputs with incompatible '
                                 f"shapes {list(input_shapes)}: axes of sizes {i} and {j} "
                                 "cannot be combined.")
        return tuple(shape)


def _expand_after_batch(x, count):
    """x with ``count`` size-1 axes inserted after the batch axis."""
    for _ in range(count):
        x = ops.expand_dims(x, 1)
    return x
