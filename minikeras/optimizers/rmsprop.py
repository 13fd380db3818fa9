"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from .. import backend
from ..runtime import kernels
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton), as Keras computes it (epsilon inside the square root).

        v = rho * v + (1 - rho) * g**2
        step = learning_rate * g / sqrt(v + epsilon)
    centered=True also tracks the mean gradient a and uses the variance:
        a = rho * a + (1 - rho) * g
        step = learning_rate * g / sqrt(v - a**2 + epsilon)
    momentum > 0 accumulates the steps: ``m = momentum * m + step; w -= m``;
    otherwise ``w -= step``.

    Slots: ``velocity`` per weight, then ``momentum`` per weight (momentum > 0),
    then ``average_gradient`` per weight (centered).
    """

    _non_negative_slots = ("_velocities",)

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(
                variables, "average_gradient")

    def _update_all(self, grads, variables, learning_rate):
        def slots(index):
            return (self._velocities[index].data,
                    *((self._momentums[index].data,) if self.momentum > 0 else ()),
                    *((self._average_gradients[index].data,) if self.centered else ()))

        if not self._update_with_kernel(
                _RMSPROP[self.centered, self.momentum > 0], grads, variables,
                lambda cast: (cast(learning_rate), cast(self.rho), cast(1 - self.rho),
                              cast(self.epsilon), cast(self.momentum)), slots):
            super()._update_all(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        cast = variable.dtype.type
        index = self._get_variable_index(variable)
        lr, rho, one_minus_rho = cast(learning_rate), cast(self.rho), cast(1 - self.rho)
        epsilon, momentum = cast(self.epsilon), cast(self.momentum)
        slots = [self._velocities[index].data]
        if self.momentum > 0:
            slots.append(self._momentums[index].data)
        if self.centered:
            slots.append(self._average_gradients[index].data)
        for g, w, velocity, *rest, denominator, step in self._blocks(
                gradient, variable.data, *slots, work=2):
            # v = rho * v + (1 - rho) * g**2
            velocity *= rho
            xp.multiply(g, g, out=step)
            step *= one_minus_rho
            velocity += step
            if self.centered:
                # a = rho * a + (1 - rho) * g;  denominator = v - a**2 + epsilon
                average = rest[-1]
                average *= rho
                xp.multiply(g, one_minus_rho, out=step)
                average += step
                xp.multiply(average, average, out=denominator)
                xp.subtract(velocity, denominator, out=denominator)
                denominator += epsilon
            else:  # denominator = v + epsilon
                xp.add(velocity, epsilon, out=denominator)
            # step = lr * g / sqrt(denominator)
            xp.sqrt(denominator, out=denominator)
            xp.multiply(g, lr, out=step)
            step /= denominator
            if self.momentum > 0:
                # m = momentum * m + step;  w -= m
                m = rest[0]
                m *= momentum
                m += step
                w -= m
            else:  # w -= step
                w -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


def _rmsprop_kernel(centered, with_momentum):
    """The update above for every weight of a step in one launch, on a GPU (the operations
    of the NumPy code in their order, so the results round alike)."""
    slots = ("v", *(("m",) if with_momentum else ()), *(("a",) if centered else ()))
    operation = "v = v * rho + g * g * one_minus_rho;"
    if centered:
        operation += """
        a = a * rho + g * one_minus_rho;
        const T denominator = sqrt(v - a * a + epsilon);"""
    else:
        operation += "const T denominator = sqrt(v + epsilon);"
    operation += "const T step = g * learning_rate / denominator;"
    operation += "m = m * momentum + step; w -= m;" if with_momentum else "w -= step;"
    return kernels.ForEachWeight(
        f"minikeras_rmsprop{'_centered' * centered}{'_momentum' * with_momentum}",
        "T learning_rate, T rho, T one_minus_rho, T epsilon, T momentum", slots, operation)


_RMSPROP = {(centered, with_momentum): _rmsprop_kernel(centered, with_momentum)
            for centered in (False, True) for with_momentum in (False, True)}
