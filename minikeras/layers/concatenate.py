"""Concatenate: joins a list of inputs along an axis."""

from .. import ops
from ..utils import tree
from .base_merge import Merge


class Concatenate(Merge):
    """Joins inputs along ``axis`` (-1 by default); their other axes must match.

    (batch, 3) and (batch, 5) -> (batch, 8) with axis=-1.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        self._check_is_list(inputs)
        self._output_shape([tuple(x.shape) for x in inputs])
        return self.merge(inputs)

    def merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, previous_mask):
        """As Keras: each input's mask, widened to the input's shape (all True for an input
        without one), joined like the inputs, then True where any of the last axis is."""
        masks = tree.flatten(previous_mask)
        if all(m is None for m in masks):
            return None
        full = []
        for x, mask in zip(inputs, masks, strict=True):
            if mask is None:
                mask = ops.ones_like(x, dtype=bool)
            elif mask.ndim < x.ndim:
                mask = ops.broadcast_to(ops.expand_dims(mask, -1), x.shape)
            full.append(mask)
        return ops.any(ops.concatenate(full, axis=self.axis), axis=-1)

    def _output_shape(self, input_shapes):
        """The joined shape; ValueError naming the layer if the other axes differ."""
        self._check_is_list(input_shapes)
        ranks = {len(shape) for shape in input_shapes}
        rank = ranks.pop()
        if ranks or not -rank <= self.axis < rank:
            raise ValueError(f'Layer "{self.name}" needs inputs of one rank with axis '
                             f"{self.axis}. Received shapes {list(input_shapes)}")
        axis = self.axis % rank
        output = list(input_shapes[0])
        for shape in input_shapes[1:]:
            for i, (size, other) in enumerate(zip(output, shape, strict=True)):
                if i == axis:
                    output[i] = None if None in (size, other) else size + other
                elif size is None:
                    output[i] = other
                elif other is not None and other != size:
                    raise ValueError(
                        f'Layer "{self.name}" requires inputs with matching shapes except for '
                        f"the concatenation axis {self.axis}. Received shapes "
                        f"{list(input_shapes)}")
        return tuple(output)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """The inputs joined along ``axis`` (the functional form of ``Concatenate``)."""
    return Concatenate(axis=axis, **kwargs)(inputs)
