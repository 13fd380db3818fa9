"""BatchNormalization: normalizes each channel, with batch statistics while training."""

from .. import constraints, initializers, ops, regularizers
from ..autograd import no_grad
from ..ops.fast.normalization import normalization_on_device, update_moving_averages
from ..variables import written_in_place
from .arguments import number_argument
from .input_spec import InputSpec
from .layer import Layer


class BatchNormalization(Layer):
    """Normalizes each channel to mean 0 and variance 1, then scales by gamma and shifts by beta.

    In training (``training=True`` on a trainable layer) each channel uses the
    mean and variance of the current batch, and the moving statistics follow
    them:  moving = moving * momentum + batch * (1 - momentum).
    In inference, and whenever the layer is frozen (trainable=False, as in
    Keras 3), it uses the moving statistics and updates nothing.

    axis: the channel axis (-1 for channels_last).
    momentum, epsilon: of the moving averages and of the variance (added
        before the square root).
    center, scale: whether to learn beta and gamma.
    Weights, in Keras's order: gamma (C,), beta (C,) trainable;
    moving_mean (C,), moving_variance (C,) non-trainable.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm or synchronized:
            raise ValueError("BatchNormalization in minikeras supports neither renorm=True "
                             "nor synchronized=True.")
        if isinstance(axis, (list, tuple)) and len(axis) == 1:  # as Keras 2's configs write it
            axis = axis[0]
        self.axis = number_argument(axis, "axis", "BatchNormalization", int)
        self.momentum = number_argument(momentum, "momentum", "BatchNormalization")
        self.epsilon = number_argument(epsilon, "epsilon", "BatchNormalization")
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm_clipping, self.renorm_momentum = renorm_clipping, renorm_momentum
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self.input_spec = InputSpec(min_ndim=1)  # the rank and channels are fixed by build

    def build(self, input_shape):
        self._check_axis(input_shape)
        shape = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape, initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                name="gamma")
        if self.center:
            self.beta = self.add_weight(
                shape=shape, initializer=self.beta_initializer, regularizer=self.beta_regularizer,
                constraint=self.beta_constraint, name="beta")
        self.moving_mean = self.add_weight(
            shape=shape, initializer=self.moving_mean_initializer, trainable=False,
            name="moving_mean")
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            name="moving_variance")
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={self.axis: input_shape[self.axis]})
        self.built = True

    def _check_axis(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f'Layer "{self.name}": axis {self.axis} is out of bounds for '
                             f"inputs of shape {tuple(input_shape)}.")

    def call(self, inputs, training=None):
        if training and self.trainable:
            if inputs.size == 0:
                raise ValueError(f'Layer "{self.name}" cannot compute batch statistics of an '
                                 f"empty batch (inputs of shape {tuple(inputs.shape)}).")
            outputs, mean, variance = ops.fused_batch_normalization(
                inputs, self.gamma, self.beta, axis=self.axis, epsilon=self.epsilon)
            self._update_moving_statistics(mean, variance)
            return outputs
        return ops.batch_normalization(
            inputs, self.moving_mean, self.moving_variance, axis=self.axis, offset=self.beta,
            scale=self.gamma, epsilon=self.epsilon)

    def _update_moving_statistics(self, mean, variance):
        if normalization_on_device(mean):  # both averages in one kernel
            written_in_place(self.moving_mean, self.moving_variance)
            update_moving_averages(self.moving_mean.data, self.moving_variance.data, mean.data,
                                   variance.data, self.momentum)
            return
        with no_grad():
            self.moving_mean.assign(
                self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(
                self.moving_variance * self.momentum + variance * (1.0 - self.momentum))

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": False,
            "renorm": False,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }

