"""Conv2D: 2-D convolution over images, y = activation(conv(x, kernel) + bias)."""

from .. import activations, initializers, ops, regularizers
from ..ops.sliding_window import output_size_and_padding
from .arguments import data_format_argument, int_tuple, padding_argument
from .input_spec import InputSpec
from .layer import Layer


class Conv2D(Layer):
    """A 2-D convolution layer: ``activation(conv(inputs, kernel) + bias)``.

    filters: the number of output channels.
    kernel_size, strides, dilation_rate: an int or a pair of ints.
    padding: "valid" (no padding) or "same" (ceil(size / stride) outputs,
        TensorFlow's split of the padding).
    Input (batch, height, width, channels), channels_last; kernel
    (kernel_height, kernel_width, channels, filters), bias (filters,);
    output (batch, out_height, out_width, filters).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"Conv2D expects filters to be a positive int. "
                             f"Received: filters={filters!r}")
        if groups != 1:
            raise ValueError(f"Conv2D in minikeras supports groups=1 only. "
                             f"Received: groups={groups}")
        self.filters = filters
        self.groups = groups
        self.kernel_size = int_tuple(kernel_size, 2, "kernel_size", "Conv2D")
        self.strides = int_tuple(strides, 2, "strides", "Conv2D")
        self.dilation_rate = int_tuple(dilation_rate, 2, "dilation_rate", "Conv2D")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Conv2D: strides > 1 is not supported together with "
                             f"dilation_rate > 1. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.padding = padding_argument(padding, "Conv2D")
        self.data_format = data_format_argument(data_format, "Conv2D", channels_first=False)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # raises if the kernel does not fit
        channels = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.filters), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="kernel")
        self.bias = self.add_weight(
            shape=(self.filters,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            name="bias") if self.use_bias else None
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})
        self.built = True

    def call(self, inputs):
        # One op for conv + bias (+ ReLU): each piece of the batch gets all three in cache.
        relu = self.activation is activations.relu
        outputs = ops.fused_conv(inputs, self.kernel, self.bias, relu=relu, strides=self.strides,
                                 padding=self.padding, dilation_rate=self.dilation_rate)
        return outputs if relu else self.activation(outputs)  # (batch, out_h, out_w, filters)

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        out_height, out_width = (
            None if size is None else output_size_and_padding(
                size, window, stride, dilation, self.padding)[0]
            for size, window, stride, dilation in zip(
                (height, width), self.kernel_size, self.strides, self.dilation_rate, strict=True))
        if any(size is not None and size <= 0 for size in (out_height, out_width)):
            raise ValueError(
                f'Layer "{self.name}": computed output size would be zero or negative. Received '
                f"input shape {tuple(input_shape)}, kernel_size={self.kernel_size}, "
                f"dilation_rate={self.dilation_rate}, strides={self.strides}, "
                f"padding={self.padding!r}.")
        return (batch, out_height, out_width, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": None,
            "bias_constraint": None,
        }
