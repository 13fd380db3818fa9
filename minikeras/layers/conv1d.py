"""Conv1D: 1-D convolution over sequences, y = activation(conv(x, kernel) + bias)."""

from .base_conv import Conv


class Conv1D(Conv):
    """A 1-D convolution layer (temporal convolution): ``activation(conv(inputs, kernel) + bias)``.

    filters: the number of output channels.
    kernel_size, strides, dilation_rate: an int or a tuple of one int.
    padding: "valid", "same" or "causal" (zeros before the sequence only, so
        output t depends on inputs up to t: for models of time series).
    groups: channels and filters cut into groups, each filter seeing its group's channels.
    Input (batch, steps, channels) (or (batch, channels, steps) with
    data_format="channels_first"); kernel (kernel_size, channels / groups, filters),
    bias (filters,); output (batch, out_steps, filters).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


Convolution1D = Conv1D
