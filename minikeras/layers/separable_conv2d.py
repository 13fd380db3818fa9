"""SeparableConv2D: a depthwise convolution, then a 1x1 convolution that mixes the channels."""

from .. import constraints, initializers, ops, regularizers
from .base_conv import BaseConv, positive_int, weight_config


class SeparableConv2D(BaseConv):
    """A depthwise separable 2-D convolution: ``activation(conv(depthwise_conv(inputs,
    depthwise_kernel), pointwise_kernel) + bias)``.

    It splits a Conv2D into a spatial step per channel (DepthwiseConv2D, with
    ``depth_multiplier`` filters per channel) and a 1x1 convolution to ``filters``
    channels: far fewer weights for a similar receptive field.
    Input (batch, height, width, channels); depthwise_kernel (kernel_height,
    kernel_width, channels, depth_multiplier); pointwise_kernel (1, 1,
    channels * depth_multiplier, filters); bias (filters,);
    output (batch, out_height, out_width, filters).
    """

    allows_strides_with_dilation = True
    fuses_relu = True  # the 1x1 convolution goes through ops.fused_conv

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        layer = type(self).__name__
        self.filters = positive_int(filters, "filters", layer)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", layer)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build_kernels(self, channels):
        self.depthwise_kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")

    def output_channels(self, channels):
        return self.filters

    def convolve(self, images, relu):
        strides, padding, dilation = self.window_arguments
        depthwise = ops.depthwise_conv(images, self.image_kernel(self.depthwise_kernel),
                                       strides=strides, padding=padding, dilation_rate=dilation)
        return ops.fused_conv(depthwise, self.image_kernel(self.pointwise_kernel), self.bias,
                              relu=relu)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "depth_multiplier": self.depth_multiplier,
                **weight_config("depthwise", self.depthwise_initializer,
                                self.depthwise_regularizer, self.depthwise_constraint),
                **weight_config("pointwise", self.pointwise_initializer,
                                self.pointwise_regularizer, self.pointwise_constraint)}


SeparableConvolution2D = SeparableConv2D
