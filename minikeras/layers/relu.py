"""ReLU: the rectified linear unit as a layer, with Keras's optional slope, cap and threshold."""

from .. import activations
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer


class ReLU(Layer):
    """max(x, 0), or more generally (see ``activations.relu``):
    min(x, max_value) for x > threshold, negative_slope * (x - threshold) otherwise.

    max_value: None (no cap) or a float >= 0.
    negative_slope, threshold: floats >= 0 (default 0).
    """

    supports_masking = True  # passes a sequence mask on, as in Keras

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            number_argument(max_value, "max_value", "ReLU", minimum=0)
        for name, value in (("negative_slope", negative_slope), ("threshold", threshold)):
            number_argument(value, name, "ReLU", minimum=0)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}
