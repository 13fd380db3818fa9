"""Input and InputLayer: where a functional graph starts."""

import numpy as np

from ..ops.symbolic import KerasTensor, Node, standardize_shape
from ..utils import user_warnings
from .layer import Layer


class InputLayer(Layer):
    """The entry point of a model: holds the symbolic input tensor of a given shape.

    shape: the shape of one sample (no batch axis), e.g. (28, 28, 1); NumPy
        integers are accepted (``shape=(np.prod(image_shape),)``).
    batch_size: fixed batch size, or None (any).
    batch_shape: the full shape with the batch axis, instead of shape + batch_size.
    input_tensor: an existing KerasTensor to wrap instead of making a new one;
        shape, batch_size, batch_shape and dtype, if given, must agree with it.
    optional: whether the model may be called with None for this input.
    sparse, ragged: accepted as Keras does; minikeras tensors are dense only.
    The older ``input_shape`` (deprecated, with Keras's warning) and
    ``batch_input_shape`` arguments are accepted too.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            user_warnings.warn("Argument `input_shape` is deprecated. Use `shape` instead.")
            shape = kwargs.pop("input_shape")
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        if sparse or ragged:
            raise ValueError("InputLayer: minikeras supports dense tensors only "
                             f"(received sparse={sparse}, ragged={ragged}).")
        if input_tensor is not None:
            _check_agrees_with_tensor(input_tensor, shape, batch_size, batch_shape, dtype)
            dtype = input_tensor.dtype
        super().__init__(name=name, dtype=dtype, **kwargs)
        if input_tensor is None:  # named as the Input is, or "keras_tensor_<n>", as in Keras
            input_tensor = KerasTensor(_batch_shape(shape, batch_size, batch_shape),
                                       dtype=self.dtype, name=name)
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


def _check_agrees_with_tensor(tensor, shape, batch_size, batch_shape, dtype):
    """ValueError, with Keras's words, for an argument that contradicts ``input_tensor``."""
    if not isinstance(tensor, KerasTensor):
        raise ValueError("Argument `input_tensor` must be a KerasTensor (from keras.Input). "
                         f"Received invalid type: input_tensor={tensor!r} (of type "
                         f"{type(tensor).__name__})")
    disagreements = {
        "batch_size": batch_size is not None and tensor.shape[:1] != (batch_size,),
        "shape": shape is not None and _sample_shape(shape) != tensor.shape[1:],
        "batch_shape": batch_shape is not None and standardize_shape(batch_shape) != tensor.shape,
        "dtype": dtype is not None and np.dtype(dtype).name != tensor.dtype,
    }
    given = {"batch_size": batch_size, "shape": shape, "batch_shape": batch_shape,
             "dtype": dtype}
    for argument, disagrees in disagreements.items():
        if disagrees:
            raise ValueError(
                "When providing the `input_tensor` argument, you cannot provide an "
                f"incompatible `{argument}` argument: {argument}={given[argument]!r}, but the "
                f"tensor has shape {tensor.shape} and dtype {tensor.dtype}.")


def _sample_shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else standardize_shape(shape)


def _batch_shape(shape, batch_size, batch_shape):
    """(batch_size, *shape), or batch_shape; a ValueError when both or neither are given."""
    if shape is not None and batch_shape is not None:
        raise ValueError("InputLayer: pass shape= or batch_shape=, not both.")
    if batch_size is not None and batch_shape is not None:
        raise ValueError("InputLayer: pass batch_size= or batch_shape=, not both.")
    if shape is None and batch_shape is None:
        raise ValueError("InputLayer needs shape= (or batch_shape=), e.g. shape=(784,).")
    if batch_shape is None:
        batch_shape = (batch_size, *_sample_shape(shape))
    return standardize_shape(batch_shape)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input tensor of shape (batch_size, *shape), to start a functional model."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, input_tensor=tensor, name=name,
                       optional=optional)
    return layer.output_tensor
