"""Input and InputLayer: where a functional graph starts."""

from ..ops.symbolic import KerasTensor, Node
from .layer import Layer


class InputLayer(Layer):
    """The entry point of a model: holds the symbolic input tensor of a given shape.

    shape: the shape of one sample (no batch axis), e.g. (28, 28, 1).
    batch_size: fixed batch size, or None (any).
    batch_shape: the full shape with the batch axis, instead of shape + batch_size.
    input_tensor: an existing KerasTensor to wrap instead of making a new one.
    sparse, ragged: accepted as Keras does; minikeras tensors are dense only.
    The older ``input_shape`` / ``batch_input_shape`` arguments are accepted too.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        shape = kwargs.pop("input_shape", shape)
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        if sparse or ragged:
            raise ValueError("InputLayer: minikeras supports dense tensors only "
                             f"(received sparse={sparse}, ragged={ragged}).")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(f"InputLayer: input_tensor must be a KerasTensor (from "
                                 f"keras.Input). Received: {input_tensor!r}")
            dtype = input_tensor.dtype
        super().__init__(name=name, dtype=dtype, **kwargs)
        if input_tensor is None:
            input_tensor = KerasTensor(_batch_shape(shape, batch_size, batch_shape),
                                       dtype=self.dtype, name=self.name)
        self.batch_shape = input_tensor.shape
        self.output_tensor = input_tensor
        Node(self, (), {}, [input_tensor])
        self.optional = optional
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": self.optional}


def _batch_shape(shape, batch_size, batch_shape):
    """(batch_size, *shape), or batch_shape; a ValueError when both or neither are given."""
    if shape is not None and batch_shape is not None:
        raise ValueError("InputLayer: pass shape= or batch_shape=, not both.")
    if batch_size is not None and batch_shape is not None:
        raise ValueError("InputLayer: pass batch_size= or batch_shape=, not both.")
    if shape is None and batch_shape is None:
        raise ValueError("InputLayer needs shape= (or batch_shape=), e.g. shape=(784,).")
    if batch_shape is None:
        batch_shape = (batch_size, *((shape,) if isinstance(shape, int) else _tuple(shape)))
    batch_shape = _tuple(batch_shape)
    if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
               for d in batch_shape):
        raise ValueError("InputLayer: each entry of the shape must be a non-negative int or "
                         f"None. Received: shape={shape!r}, batch_size={batch_size!r}, "
                         f"batch_shape={batch_shape!r}")
    return batch_shape


def _tuple(shape):
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise ValueError(f"InputLayer: a shape must be a tuple of ints, got {shape!r}.")
    return tuple(shape)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input tensor of shape (batch_size, *shape), to start a functional model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, input_tensor=tensor, name=name,
                       optional=optional)
    return layer.output_tensor
