"""Conv2DTranspose: the transposed 2-D convolution, which upsamples images with learned weights."""

from .. import ops
from ..ops.transposed_convolution import transposed_output_size
from . import spatial
from .arguments import int_tuple
from .base_conv import Conv


class Conv2DTranspose(Conv):
    """A transposed convolution layer ("deconvolution"): ``activation(conv_transpose(inputs,
    kernel) + bias)``, the map a Conv2D's gradient takes from its outputs back to its inputs.
    With strides s the image grows about s times (see ops.conv_transpose).

    output_padding: None, or an int or a pair each below its stride: the extra
        rows and columns the output gets, to pick among the sizes a Conv2D maps
        to the same output size.
    Input (batch, height, width, channels); kernel (kernel_height, kernel_width,
    filters, channels) (filters before channels, as the convolution it transposes);
    bias (filters,); output (batch, out_height, out_width, filters).
    """

    fuses_relu = False

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
        self.output_padding = None if output_padding is None else int_tuple(
            output_padding, self.rank, "output_padding", type(self).__name__, allow_zero=True)
        if output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides, strict=True)):
            raise ValueError(f"{type(self).__name__}: `output_padding` must be below `strides` "
                             f"on every axis. Received: output_padding={self.output_padding}, "
                             f"strides={self.strides}")

    def build_kernels(self, channels):
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, self.filters, channels), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            name="kernel")

    def output_length(self, size, axis):
        extra = None if self.output_padding is None else self.output_padding[axis]
        return transposed_output_size(size, self.kernel_size[axis], self.strides[axis],
                                      self.dilation_rate[axis], self.padding, extra)

    def convolve(self, images, relu):
        strides, padding, dilation = self.window_arguments
        extra = None if self.output_padding is None else spatial.as_image_window(
            self.output_padding)
        outputs = ops.conv_transpose(images, self.image_kernel(self.kernel), strides=strides,
                                     padding=padding, output_padding=extra,
                                     dilation_rate=dilation)
        return self.add_bias(outputs)

    def get_config(self):
        config = {**super().get_config(), "output_padding": self.output_padding}
        del config["groups"]  # always 1
        return config


Convolution2DTranspose = Conv2DTranspose
