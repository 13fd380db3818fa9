"""Conv2D: 2-D convolution over images, y = activation(conv(x, kernel) + bias)."""

from .base_conv import Conv


class Conv2D(Conv):
    """A 2-D convolution layer: ``activation(conv(inputs, kernel) + bias)``.

    filters: the number of output channels.
    kernel_size, strides, dilation_rate: an int or a pair of ints.
    padding: "valid" (no padding) or "same" (ceil(size / stride) outputs,
        TensorFlow's split of the padding).
    groups: channels and filters cut into groups, each filter seeing its group's channels.
    Input (batch, height, width, channels) (or (batch, channels, height, width) with
    data_format="channels_first"); kernel (kernel_height, kernel_width, channels / groups,
    filters), bias (filters,); output (batch, out_height, out_width, filters).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


Convolution2D = Conv2D
