"""Dense: the fully connected layer, y = activation(x @ kernel + bias)."""

from .. import activations, constraints, initializers, ops, regularizers
from .input_spec import InputSpec
from .layer import Layer


class Dense(Layer):
    """A fully connected layer: ``activation(inputs @ kernel + bias)``.

    units: the size of the output's last axis.
    Input (batch, ..., input_dim) -> output (batch, ..., units); the kernel
    has shape (input_dim, units), the bias (units,).
    """

    supports_masking = True  # passes a sequence mask on, as in Keras

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense expects units to be a positive int, got {units!r}.")
        if lora_rank or quantization_config is not None:
            raise ValueError("Dense in minikeras supports neither LoRA (lora_rank) nor "
                             "quantization (quantization_config).")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            name="kernel")
        self.bias = self.add_weight(
            shape=(self.units,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            name="bias") if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        # One op for the product, the bias and a ReLU (see ops.fused_dense).
        relu = self.activation is activations.relu
        outputs = ops.fused_dense(inputs, self.kernel, self.bias, relu=relu)  # (batch, .., units)
        if relu or self.activation is None:  # None, set after construction, is linear
            return outputs
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
