"""ActivityRegularization: adds a penalty on the values passing through, to the loss."""

from .. import regularizers
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer


class ActivityRegularization(Layer):
    """Passes its inputs through unchanged and adds l1 * sum(|x|) + l2 * sum(x**2), divided
    by the batch size, to the model's losses (``layer.losses``), as Keras does.
    """

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        l1 = number_argument(l1, "l1", "ActivityRegularization", minimum=0)
        l2 = number_argument(l2, "l2", "ActivityRegularization", minimum=0)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config
