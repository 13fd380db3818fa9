"""GroupNormalization: normalizes groups of channels within each sample."""

from .. import constraints, initializers, ops, regularizers
from ..ops.standardization import standardize
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer


class GroupNormalization(Layer):
    """Splits the channels into ``groups`` and normalizes each group of each sample over its
    channels and all its positions, then scales by gamma and shifts by beta per channel.

    groups=1 normalizes each sample over everything, like LayerNormalization
    over all axes; groups=-1 (one channel per group) is instance normalization.
    The channel count must be a multiple of ``groups``.
    axis: the channel axis (-1 for channels_last).
    Weights, in Keras's order: gamma (C,), beta (C,).
    """

    supports_masking = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError("GroupNormalization: `groups` must be a positive integer (or -1 "
                             f"for instance normalization). Received: groups={groups!r}")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = number_argument(axis, "axis", "GroupNormalization", int)
        self.epsilon = number_argument(epsilon, "epsilon", "GroupNormalization", minimum=0)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self.input_spec = InputSpec()  # one tensor; build fixes its rank and channels

    def build(self, input_shape):
        channels = self._channels(input_shape)
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(f'Layer "{self.name}": the {channels} channels of inputs of shape '
                             f"{tuple(input_shape)} cannot be split into groups={self.groups} "
                             "equal groups: use a divisor of the channel count.")
        if self.scale:
            self.gamma = self.add_weight(
                shape=(channels,), initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                name="gamma")
        if self.center:
            self.beta = self.add_weight(
                shape=(channels,), initializer=self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint, name="beta")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.built = True

    def _channels(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f'Layer "{self.name}": axis {self.axis} is not a channel axis of '
                             f"inputs of shape {tuple(input_shape)} (the batch axis is 0).")
        if input_shape[self.axis] is None:
            raise ValueError(f'Layer "{self.name}": the channel axis {self.axis} of inputs of '
                             f"shape {tuple(input_shape)} must have a known size.")
        return input_shape[self.axis]

    def call(self, inputs):
        shape = tuple(inputs.shape)
        axis, channels = self.axis % len(shape), shape[self.axis]
        grouped = ops.reshape(inputs, (*shape[:axis], self.groups, channels // self.groups,
                                       *shape[axis + 1:]))  # (.., groups, channels/group, ..)
        within_group = tuple(i for i in range(1, grouped.ndim) if i != axis)
        outputs = ops.reshape(standardize(grouped, within_group, self.epsilon), shape)
        channel_shape = tuple(channels if i == axis else 1 for i in range(len(shape)))
        if self.gamma is not None:
            outputs = ops.multiply(outputs, ops.reshape(self.gamma, channel_shape))
        if self.beta is not None:
            outputs = ops.add(outputs, ops.reshape(self.beta, channel_shape))
        return outputs

    def compute_output_shape(self, input_shape):
        self._channels(input_shape)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
