"""DepthwiseConv2D: each channel convolved with filters of its own."""

from .. import constraints, initializers, ops, regularizers
from .base_conv import BaseConv, positive_int, weight_config


class DepthwiseConv2D(BaseConv):
    """A depthwise 2-D convolution: ``activation(depthwise_conv(inputs, kernel) + bias)``.

    Unlike Conv2D, channels are not mixed: channel c is convolved with its own
    ``depth_multiplier`` filters, giving output channels c*M .. c*M + M - 1.
    strides above 1 may go with dilation_rate above 1.
    Input (batch, height, width, channels); kernel (kernel_height, kernel_width,
    channels, depth_multiplier); bias (channels * depth_multiplier,);
    output (batch, out_height, out_width, channels * depth_multiplier).
    """

    allows_strides_with_dilation = True

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier",
                                             type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build_kernels(self, channels):
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="kernel")

    def output_channels(self, channels):
        return channels * self.depth_multiplier

    def convolve(self, images, relu):
        strides, padding, dilation = self.window_arguments
        return self.add_bias(ops.depthwise_conv(images, self.image_kernel(self.kernel),
                                                strides=strides, padding=padding,
                                                dilation_rate=dilation))

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                **weight_config("depthwise", self.depthwise_initializer,
                                self.depthwise_regularizer, self.depthwise_constraint)}
