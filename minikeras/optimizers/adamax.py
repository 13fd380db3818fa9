"""Adamax: Adam with the infinity norm in place of the second moment."""

from .. import backend
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, section 7), as Keras computes it.

    At step t (1, 2, ...):
        m = m + (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        w -= learning_rate * m / ((1 - beta_1**t) * (u + epsilon))

    Slots: ``momentum`` and ``norm`` per weight (interleaved).
    """

    _non_negative_slots = ("_u",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        cast = variable.dtype.type
        index = self._get_variable_index(variable)
        lr, beta_2, epsilon = cast(learning_rate), cast(self.beta_2), cast(self.epsilon)
        one_minus_beta_1 = cast(1 - self.beta_1)
        beta_1_power = cast(self.beta_1) ** cast(self._completed_steps + 1)
        slots = self._m[index].data, self._u[index].data
        for g, w, m, u, denominator, step in self._blocks(gradient, variable.data, *slots,
                                                          work=2):
            # m = beta_1 * m + (1 - beta_1) * g, computed as m += (g - m) * (1 - beta_1)
            xp.subtract(g, m, out=step)
            step *= one_minus_beta_1
            m += step
            # u = max(beta_2 * u, |g|)
            u *= beta_2
            xp.abs(g, out=step)
            xp.maximum(u, step, out=u)
            # w -= lr * m / ((1 - beta_1**t) * (u + epsilon))
            xp.add(u, epsilon, out=denominator)
            denominator *= 1 - beta_1_power
            xp.multiply(m, lr, out=step)
            step /= denominator
            w -= step

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
