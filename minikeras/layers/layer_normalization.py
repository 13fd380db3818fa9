"""LayerNormalization: normalizes each sample over its features, the same in training and
inference."""

from .. import constraints, initializers, ops, regularizers
from ..utils import user_warnings
from .arguments import axes_argument, check_axes, number_argument
from .input_spec import InputSpec
from .layer import Layer


class LayerNormalization(Layer):
    """Normalizes each sample to mean 0 and variance 1 over ``axis``, then scales by gamma and
    shifts by beta: y = (x - mean) / sqrt(var + epsilon) * gamma + beta.

    Unlike BatchNormalization the statistics are each sample's own, so there
    are no moving averages and a batch of one works as well as a large one.
    axis: the axis or axes normalized (-1: the features), an int or a list.
    center, scale: whether to learn beta and gamma.
    rms_scaling: Keras's deprecated variant, x / sqrt(var + epsilon) * gamma.
    Weights, in Keras's order: gamma, beta, each of the shape of the normalized axes.
    """

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            user_warnings.warn("LayerNormalization: `rms_scaling=True` is deprecated (as in "
                               "Keras): it divides by the standard deviation, not by the root "
                               "mean square.")
        super().__init__(**kwargs)
        self.axis = axes_argument(axis, "LayerNormalization")
        self.epsilon = number_argument(epsilon, "epsilon", "LayerNormalization", minimum=0)
        self.center, self.scale, self.rms_scaling = center, scale, bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self.input_spec = InputSpec()  # one tensor; build fixes its rank and sizes

    def build(self, input_shape):
        axes = check_axes(self.axis, input_shape, self.name)
        # Keras's layout: the sizes of the axes in the order sorted() gives the axis list
        # (so [1, -1] gives (size of -1, size of 1)); ops.layer_normalization reshapes the
        # weights, in that memory order, to the normalized axes.
        listed = [self.axis] if isinstance(self.axis, int) else sorted(self.axis)
        shape = tuple(input_shape[a] for a in listed)
        if None in shape:
            raise ValueError(f'Layer "{self.name}": the normalized axes {self.axis} of inputs of '
                             f"shape {tuple(input_shape)} must have known sizes.")
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape=shape, initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                name="gamma")
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape=shape, initializer=self.beta_initializer, regularizer=self.beta_regularizer,
                constraint=self.beta_constraint, name="beta")
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in axes})
        self.built = True

    def call(self, inputs):
        axes = check_axes(self.axis, inputs.shape, self.name)
        return ops.layer_normalization(inputs, self.gamma, self.beta, axis=axes,
                                       epsilon=self.epsilon, rms_scaling=self.rms_scaling)

    def compute_output_shape(self, input_shape):
        check_axes(self.axis, input_shape, self.name)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
