"""UnitNormalization: scales each sample to unit L2 norm."""

from .. import ops
from .arguments import axes_argument, check_axes
from .input_spec import InputSpec
from .layer import Layer


class UnitNormalization(Layer):
    """x / ||x|| over ``axis`` (an int or a list of ints), so each sample has L2 norm 1.

    Computed as Keras does, x * min(1 / sqrt(sum(x**2)), 1e12): a zero vector stays zero.
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axes_argument(axis, "UnitNormalization")
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        axes = check_axes(self.axis, inputs.shape, self.name)
        return ops.normalize(inputs, axis=axes, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        check_axes(self.axis, input_shape, self.name)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
