"""Softmax: turns scores into probabilities along an axis."""

from .. import activations, backend, ops
from ..autograd import Tensor
from .input_spec import InputSpec
from .layer import Layer


class Softmax(Layer):
    """exp(x) / sum(exp(x)) along ``axis`` (an int, or a tuple of axes normalized together).

    Called with ``mask`` (broadcastable to the inputs, True or > 0.5 to keep),
    masked positions get probability 0 and the rest share all of it.
    """

    supports_masking = True  # passes a sequence mask on, as in Keras

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs, mask=None):
        self._check_axis(inputs.shape)
        if mask is not None:
            mask = self._keep(inputs, mask)
            inputs = ops.where(mask, inputs, -1e9)
        axis = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        outputs = activations.softmax(inputs, axis=axis)
        return outputs if mask is None else ops.where(mask, outputs, 0.0)

    def _keep(self, inputs, mask):
        """The mask as booleans, after checking it broadcasts to the inputs."""
        mask = Tensor(mask.data if isinstance(mask, Tensor) else backend.to_device(mask))
        shapes = (tuple(mask.shape), tuple(inputs.shape))
        if len(shapes[0]) > len(shapes[1]) or any(
                m not in (1, i) for m, i in zip(shapes[0][::-1], shapes[1][::-1], strict=False)):
            raise ValueError(f'Layer "{self.name}": the mask of shape {shapes[0]} does not '
                             f"broadcast to the inputs of shape {shapes[1]}.")
        return mask if mask.dtype == bool else ops.greater(mask, 0.5)

    def _check_axis(self, shape):
        axes = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        if not all(isinstance(a, int) and -len(shape) <= a < len(shape) for a in axes):
            raise ValueError(f'Layer "{self.name}": axis={self.axis} does not fit inputs of '
                             f"shape {tuple(shape)}.")

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
