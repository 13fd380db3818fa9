"""Input and InputLayer: where a functional graph starts."""

from .keras_tensor import KerasTensor, Node
from .layer import Layer


class InputLayer(Layer):
    """The entry point of a model: holds the symbolic input tensor of a given shape.

    shape: the shape of one sample (no batch axis), e.g. (28, 28, 1).
    batch_size: fixed batch size, or None (any).
    batch_shape: the full shape with the batch axis, instead of shape + batch_size.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs shape= (or batch_shape=), e.g. shape=(784,).")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size, *shape)
        self.batch_shape = tuple(batch_shape)
        self.optional = optional
        self.built = True
        tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
        Node(self, (), {}, [tensor])
        self.output_tensor = tensor

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input tensor of shape (batch_size, *shape), to start a functional model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name, optional=optional)
    return layer.output_tensor
