"""Adagrad: per-element learning rates that shrink with the sum of squared gradients."""

from .. import backend, initializers
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as Keras computes it (epsilon inside the square root).

        a = a + g**2                                 (a starts at initial_accumulator_value)
        w -= learning_rate * g / sqrt(a + epsilon)

    Slots: ``accumulator`` per weight.
    """

    _non_negative_slots = ("_accumulators",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        initializer = initializers.Constant(self.initial_accumulator_value)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=initializer)

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        cast = variable.dtype.type
        lr, epsilon = cast(learning_rate), cast(self.epsilon)
        accumulator = self._accumulators[self._get_variable_index(variable)].data
        for g, w, a, denominator, step in self._blocks(gradient, variable.data, accumulator,
                                                       work=2):
            # a += g**2
            xp.multiply(g, g, out=step)
            a += step
            # w -= lr * g / sqrt(a + epsilon)
            xp.add(a, epsilon, out=denominator)
            xp.sqrt(denominator, out=denominator)
            xp.multiply(g, lr, out=step)
            step /= denominator
            w -= step

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
