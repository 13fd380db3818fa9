"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""

from .. import backend
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as Keras computes it, with rms(x) = sqrt(x + epsilon).

        a = rho * a + (1 - rho) * g**2                       accumulated gradient
        delta = -rms(d) * g / rms(a)
        d = rho * d + (1 - rho) * delta**2                   accumulated update
        w += learning_rate * delta

    Slots: ``accumulated_grad`` and ``accumulated_delta_var`` per weight (interleaved).
    """

    _non_negative_slots = ("_accumulated_grads", "_accumulated_delta_vars")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        cast = variable.dtype.type
        index = self._get_variable_index(variable)
        lr, rho, one_minus_rho = cast(learning_rate), cast(self.rho), cast(1 - self.rho)
        epsilon = cast(self.epsilon)
        slots = self._accumulated_grads[index].data, self._accumulated_delta_vars[index].data
        for g, w, a, d, delta, work in self._blocks(gradient, variable.data, *slots, work=2):
            # a = rho * a + (1 - rho) * g**2
            a *= rho
            xp.multiply(g, g, out=work)
            work *= one_minus_rho
            a += work
            # delta = -sqrt(d + epsilon) * g / sqrt(a + epsilon)
            xp.add(d, epsilon, out=delta)
            xp.sqrt(delta, out=delta)
            delta *= g
            xp.add(a, epsilon, out=work)
            xp.sqrt(work, out=work)
            delta /= work
            xp.negative(delta, out=delta)
            # d = rho * d + (1 - rho) * delta**2
            d *= rho
            xp.multiply(delta, delta, out=work)
            work *= one_minus_rho
            d += work
            # w += lr * delta
            delta *= lr
            w += delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
