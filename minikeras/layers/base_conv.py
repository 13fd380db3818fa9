"""What every convolution layer shares, for any rank: BaseConv, and Conv for Conv1D and Conv2D.

A convolution layer slides a window of weights over its input's spatial axes
(1: sequences, 2: images). BaseConv holds what does not depend on the weights:
the window's arguments (kernel_size, strides, padding, dilation_rate), the
data_format, the bias, the activation, the output shape and the config. It
calls the ops on channels_last images (see ``spatial``). A subclass says
which kernels it holds (``build_kernels``), how many channels come out
(``output_channels``) and how it convolves (``convolve``).
"""

from .. import activations, constraints, initializers, ops, regularizers
from ..ops.grouped_convolution import grouped_conv
from ..ops.sliding_window import output_size_and_padding
from . import spatial
from .arguments import data_format_argument, int_tuple, padding_argument
from .input_spec import InputSpec
from .layer import Layer


class BaseConv(Layer):
    """The shared part of the convolution layers, of rank 1 or 2.

    kernel_size, strides, dilation_rate: an int or ``rank`` ints (strides above 1
        with dilation_rate above 1 only where ``allows_strides_with_dilation``).
    padding: "valid", "same" (TensorFlow's split: the odd padding at the end),
        or for rank 1 "causal" (the padding all before, so output t sees inputs <= t).
    data_format: "channels_last" (batch, *spatial, channels), the default, or
        "channels_first" (batch, channels, *spatial).
    activation, use_bias, bias_*: as Dense's.
    """

    allows_strides_with_dilation = False
    fuses_relu = False  # whether ``convolve`` can apply a ReLU itself (ops.fused_conv)

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, activity_regularizer=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        layer = type(self).__name__
        self.rank = rank
        self.kernel_size = int_tuple(kernel_size, rank, "kernel_size", layer)
        self.strides = int_tuple(strides, rank, "strides", layer)
        self.dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate", layer)
        if (max(self.strides) > 1 and max(self.dilation_rate) > 1
                and not self.allows_strides_with_dilation):
            raise ValueError(f"{layer}: strides > 1 is not supported together with "
                             f"dilation_rate > 1. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        causal = rank == 1 and isinstance(padding, str) and padding.lower() == "causal"
        self.padding = "causal" if causal else padding_argument(padding, layer)
        self.data_format = data_format_argument(data_format, layer)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    # -- what a subclass defines ---------------------------------------------------

    def build_kernels(self, channels):
        """Creates the kernel weights for inputs of ``channels`` channels."""
        raise NotImplementedError

    def output_channels(self, channels):
        """The number of channels of the output, for inputs of ``channels`` channels."""
        raise NotImplementedError

    def convolve(self, images, relu):
        """The convolution of ``images`` (batch, height, width, channels) plus the bias:
        (batch, out_height, out_width, output channels). With ``relu`` (only asked of
        layers that set ``fuses_relu``), the ReLU too."""
        raise NotImplementedError

    def output_length(self, size, axis):
        """The output's length along spatial ``axis`` for an input of length ``size``."""
        window, dilation, padding = self.kernel_size[axis], self.dilation_rate[axis], self.padding
        if padding == "causal":  # a "valid" convolution of the sequence padded before
            size, padding = size + dilation * (window - 1), "valid"
        return output_size_and_padding(size, window, self.strides[axis], dilation, padding)[0]

    # -- the shared part -----------------------------------------------------------

    def build(self, input_shape):
        channels = input_shape[spatial.channel_axis(self.data_format)]
        self.compute_output_shape(input_shape)  # raises if the window does not fit
        self.build_kernels(channels)
        self.bias = self.add_weight(
            shape=(self.output_channels(channels),), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            name="bias") if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={spatial.channel_axis(self.data_format): channels})
        self.built = True

    def call(self, inputs):
        relu = self.fuses_relu and self.activation is activations.relu
        if self.padding == "causal":
            inputs = self._pad_before(inputs)
        images = spatial.to_images(inputs, self.rank, self.data_format)
        outputs = spatial.from_images(self.convolve(images, relu), self.rank, self.data_format)
        if relu or self.activation is None:  # None, set after construction, is linear
            return outputs
        return self.activation(outputs)

    def add_bias(self, outputs):
        """outputs (batch, height, width, channels) + the bias, if the layer has one."""
        return outputs if self.bias is None else ops.add(outputs, self.bias)

    @property
    def window_arguments(self):
        """(strides, padding, dilation_rate) for the ops, on images of rank 2."""
        padding = "valid" if self.padding == "causal" else self.padding
        return (spatial.as_image_window(self.strides), padding,
                spatial.as_image_window(self.dilation_rate))

    def image_kernel(self, kernel):
        """A kernel (*kernel_size, in, out) as the images' (height, width, in, out)."""
        return ops.expand_dims(kernel, 0) if self.rank == 1 else kernel

    def _pad_before(self, inputs):
        """The causal padding: dilation_rate * (kernel_size - 1) zero steps before the
        sequence, which then goes through a "valid" convolution."""
        steps = 2 if self.data_format == "channels_first" else 1
        widths = [(0, 0)] * 3
        widths[steps] = (self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = spatial.split_shape(input_shape, self.data_format)
        lengths = tuple(None if size is None else self.output_length(size, axis)
                        for axis, size in enumerate(sizes))
        if any(length is not None and length <= 0 for length in lengths):
            raise ValueError(
                f'Layer "{self.name}": computed output size would be zero or negative. Received '
                f"input shape {tuple(input_shape)}, kernel_size={self.kernel_size}, "
                f"dilation_rate={self.dilation_rate}, strides={self.strides}, "
                f"padding={self.padding!r}.")
        return spatial.join_shape(batch, lengths, self.output_channels(channels),
                                  self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


def weight_config(prefix, initializer, regularizer, constraint):
    """A kernel's ``<prefix>_initializer``, ``_regularizer`` and ``_constraint`` config entries."""
    return {f"{prefix}_initializer": initializers.serialize(initializer),
            f"{prefix}_regularizer": regularizers.serialize(regularizer),
            f"{prefix}_constraint": constraints.serialize(constraint)}


def positive_int(value, name, layer):
    """``value`` checked to be a positive int (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{layer} expects {name} to be a positive int. "
                         f"Received: {name}={value!r}")
    return value


class Conv(BaseConv):
    """The ordinary convolution of any rank, which Conv1D and Conv2D are with rank 1 and 2.

    filters: the number of output channels.
    groups: the channels and filters are cut into this many groups, each group of
        filters seeing only its group of channels (both counts must divide by it).
    Kernel (*kernel_size, channels / groups, filters), bias (filters,).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        layer = type(self).__name__
        if lora_rank:
            raise ValueError(f"{layer} in minikeras does not support LoRA (lora_rank). "
                             f"Received: lora_rank={lora_rank!r}")
        self.filters = positive_int(filters, "filters", layer)
        self.groups = positive_int(groups, "groups", layer)
        if filters % groups:
            raise ValueError(f"{layer}: the number of filters must divide by the number of "
                             f"groups. Received: groups={groups}, filters={filters}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def build_kernels(self, channels):
        if channels % self.groups:
            raise ValueError(
                f'Layer "{self.name}": the number of input channels must divide by the number '
                f"of groups. Received groups={self.groups}, but the input has {channels} "
                f"channels.")
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")

    def output_channels(self, channels):
        return self.filters

    def convolve(self, images, relu):
        kernel = self.image_kernel(self.kernel)
        strides, padding, dilation = self.window_arguments
        if self.groups == 1:  # one op for conv + bias (+ ReLU), each piece of the batch in cache
            return ops.fused_conv(images, kernel, self.bias, relu=relu, strides=strides,
                                  padding=padding, dilation_rate=dilation)
        return self.add_bias(grouped_conv(images, kernel, self.groups, strides=strides,
                                          padding=padding, dilation_rate=dilation))

    @property
    def fuses_relu(self):
        return self.groups == 1

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                **weight_config("kernel", self.kernel_initializer, self.kernel_regularizer,
                                self.kernel_constraint)}
