"""Nadam: Adam with Nesterov momentum, Dozat's schedule of momentum coefficients."""

from .. import backend
from .optimizer import Optimizer


class Nadam(Optimizer):
    """Nadam (Dozat, 2016), as Keras computes it.

    The momentum coefficient of step t is ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``,
    and ``u_product`` (a variable, saved with the slots) is the product of
    u_1 ... u_t, updated once per step for all weights. For each weight:
        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w -= m_hat * learning_rate / (sqrt(v_hat) + epsilon)

    Slots: ``momentum`` and ``velocity`` per weight (interleaved), then the
    scalar ``u_product``.
    """

    _non_negative_slots = ("_velocities", "_u_product")

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
        variables = list(variables)
        dtype = variables[0].dtype if variables else None
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype,
                                            name="variable")

    def _momentum_coefficient(self, step, cast):
        """u_step = beta_1 * (1 - 0.5 * 0.96**step), in the weights' float type."""
        return cast(self.beta_1) * (1.0 - 0.5 * cast(0.96) ** cast(step))

    def _update_all(self, grads, variables, learning_rate):
        """Multiplies u_product by this step's u_t (once for all weights), then updates them.

        Written as (u_product * beta_1) * (1 - 0.5 * 0.96**t) to round as Keras does.
        """
        cast = self._u_product.dtype.type
        decay = 1.0 - 0.5 * cast(0.96) ** cast(self._completed_steps + 1)
        self._u_product_value = cast(float(self._u_product)) * cast(self.beta_1) * decay
        self._u_product.assign(self._u_product_value)
        super()._update_all(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        cast = variable.dtype.type
        index = self._get_variable_index(variable)
        step = self._completed_steps + 1
        lr, epsilon = cast(learning_rate), cast(self.epsilon)
        beta_1, beta_2 = cast(self.beta_1), cast(self.beta_2)
        u_t = self._momentum_coefficient(step, cast)
        u_next = self._momentum_coefficient(step + 1, cast)
        u_product = cast(self._u_product_value)
        u_product_next = u_product * u_next
        beta_2_power = beta_2 ** cast(step)
        slots = self._momentums[index].data, self._velocities[index].data
        for g, w, m, v, m_hat, work in self._blocks(gradient, variable.data, *slots, work=2):
            # m = beta_1 * m + (1 - beta_1) * g, computed as m += (g - m) * (1 - beta_1)
            xp.subtract(g, m, out=work)
            work *= 1 - beta_1
            m += work
            # v = beta_2 * v + (1 - beta_2) * g**2, computed as v += (g**2 - v) * (1 - beta_2)
            xp.multiply(g, g, out=work)
            work -= v
            work *= 1 - beta_2
            v += work
            # m_hat = u_next * m / (1 - u_product_next) + (1 - u_t) * g / (1 - u_product)
            xp.multiply(m, u_next, out=m_hat)
            m_hat /= 1 - u_product_next
            xp.multiply(g, 1 - u_t, out=work)
            work /= 1 - u_product
            m_hat += work
            # w -= lr * m_hat / (sqrt(v_hat) + epsilon), v_hat = v / (1 - beta_2**t)
            xp.divide(v, 1 - beta_2_power, out=work)
            xp.sqrt(work, out=work)
            work += epsilon
            m_hat *= lr
            m_hat /= work
            w -= m_hat

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
