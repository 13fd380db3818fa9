"""Adam: adaptive moment estimation, as Keras computes it."""

import math

from .. import backend
from ..runtime import kernels
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba), with the bias corrections folded into the step size.

    At step t (1, 2, ...):
        m = m + (g - m) * (1 - beta_1)              first moment
        v = v + (g**2 - v) * (1 - beta_2)           second moment
        alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w -= m * alpha / (sqrt(v) + epsilon)
    Note that epsilon is added to sqrt(v) of the uncorrected v, so it weighs
    differently from the paper's "epsilon hat".
    amsgrad=True divides by the running maximum of v instead of v.

    Slots: ``momentum`` and ``velocity`` per weight (interleaved), then
    ``velocity_hat`` per weight with amsgrad.
    """

    _non_negative_slots = ("_velocities", "_velocity_hats")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _step_scalars(self, cast, learning_rate):
        """(alpha, 1 - beta_1, 1 - beta_2, epsilon) of this step, in the float type ``cast``."""
        step = cast(self._completed_steps + 1)
        beta_1_power = cast(self.beta_1) ** step
        beta_2_power = cast(self.beta_2) ** step
        alpha = cast(learning_rate) * cast(math.sqrt(1 - beta_2_power)) / (1 - beta_1_power)
        return alpha, cast(1 - self.beta_1), cast(1 - self.beta_2), cast(self.epsilon)

    def _update_all(self, grads, variables, learning_rate):
        if self.amsgrad or not self._update_with_kernel(
                _ADAM, grads, variables, lambda cast: self._step_scalars(cast, learning_rate),
                lambda i: (self._momentums[i].data, self._velocities[i].data)):
            super()._update_all(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        index = self._get_variable_index(variable)
        alpha, one_minus_beta_1, one_minus_beta_2, epsilon = self._step_scalars(
            variable.dtype.type, learning_rate)
        slots = [self._momentums[index].data, self._velocities[index].data]
        if self.amsgrad:
            slots.append(self._velocity_hats[index].data)
        for g, w, m, v, *v_hat, work in self._blocks(gradient, variable.data, *slots, work=1):
            # m = beta_1 * m + (1 - beta_1) * g, computed as m += (g - m) * (1 - beta_1)
            xp.subtract(g, m, out=work)
            work *= one_minus_beta_1
            m += work
            # v = beta_2 * v + (1 - beta_2) * g**2, computed as v += (g**2 - v) * (1 - beta_2)
            xp.multiply(g, g, out=work)
            work -= v
            work *= one_minus_beta_2
            v += work
            if v_hat:  # v_hat = max(v_hat, v), used in place of v
                xp.maximum(v_hat[0], v, out=v_hat[0])
                v = v_hat[0]
            # w -= m / (sqrt(v) + epsilon) * alpha
            xp.sqrt(v, out=work)
            work += epsilon
            xp.divide(m, work, out=work)
            work *= alpha
            w -= work

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


# The update above for every weight of a step in one launch, on a GPU (the operations of
# the NumPy code in their order, so the results round alike).
_ADAM = kernels.ForEachWeight(
    "minikeras_adam", "T alpha, T one_minus_beta_1, T one_minus_beta_2, T epsilon", ("m", "v"),
    """
    m += (g - m) * one_minus_beta_1;
    v += (g * g - v) * one_minus_beta_2;
    w -= m / (sqrt(v) + epsilon) * alpha;
    """)
