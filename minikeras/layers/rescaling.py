"""Rescaling: multiplies inputs by a scale and adds an offset, e.g. pixels 0-255 to 0-1."""

import numpy as np

from .. import backend, ops
from .. import serialization as serialization_lib
from .input_spec import InputSpec
from .layer import Layer


class Rescaling(Layer):
    """y = x * scale + offset, in training and inference alike; dy/dx = scale.

    scale, offset: numbers, or arrays broadcast against the inputs (one per
        channel, say). scale=1/255 maps pixels in [0, 255] to [0, 1];
        scale=1/127.5, offset=-1 maps them to [-1, 1].
    Integer inputs (uint8 pixels) become floatx, as every layer input does.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self._factors = [_numbers(value, name) for value, name in ((scale, "scale"),
                                                                    (offset, "offset"))]
        self.supports_masking = True
        self.input_spec = InputSpec()  # one tensor, of any shape
        self._build_at_init()

    def call(self, inputs):
        scale, offset = (float(v) if v.ndim == 0 else backend.to_device(v, dtype=inputs.dtype)
                         for v in self._factors)
        return ops.add(ops.multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(),
                "scale": serialization_lib.serialize_keras_object(self.scale),
                "offset": serialization_lib.serialize_keras_object(self.offset)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("scale", "offset"):  # an array is stored as a {"class_name": "__numpy__"}
            if key in config:
                config[key] = serialization_lib.deserialize_keras_object(config[key])
        return cls(**config)


def _numbers(value, name):
    """``value`` (a number, list or array of numbers) as a float32 NumPy array."""
    try:
        array = np.asarray(backend.to_numpy(value) if backend.is_array(value) else value)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.dtype.kind not in "biuf" or array.dtype.kind == "b":
        raise ValueError(f"Rescaling: `{name}` must be a number or an array of numbers. "
                         f"Received: {name}={value!r}")
    return array.astype("float32")
