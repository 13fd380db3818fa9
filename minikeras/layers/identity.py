"""Identity: a layer that returns its inputs."""

from .layer import Layer


class Identity(Layer):
    """Returns its inputs (one tensor or a nest of them) unchanged: a placeholder."""

    supports_masking = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
