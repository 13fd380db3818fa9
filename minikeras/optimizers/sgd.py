"""SGD: gradient descent, with optional (Nesterov) momentum."""

from .. import backend
from ..runtime import kernels
from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, Keras's formulation of momentum.

    Without momentum: ``w -= learning_rate * g``.
    With momentum, the velocity ``m`` holds the (negative) step:
        m = momentum * m - learning_rate * g
        w += m                                            (plain)
        w += momentum * m - learning_rate * g             (nesterov=True)

    Slots: one ``momentum`` per weight, only when momentum != 0.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if isinstance(momentum, bool) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be a float between [0, 1]. "
                             f"Received: momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _update_all(self, grads, variables, learning_rate):
        kernel = (_SGD if self.momentum == 0 else
                  _SGD_NESTEROV if self.nesterov else _SGD_MOMENTUM)
        if not self._update_with_kernel(
                kernel, grads, variables,
                lambda cast: (cast(learning_rate), cast(self.momentum)),
                lambda i: (self.momentums[i].data,) if self.momentums else ()):
            super()._update_all(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        xp = backend.get_array_module(variable.data)
        cast = variable.dtype.type
        lr = cast(learning_rate)
        if self.momentum == 0:
            for g, w, step in self._blocks(gradient, variable.data, work=1):
                # w -= lr * g
                xp.multiply(g, lr, out=step)
                w -= step
            return
        momentum = cast(self.momentum)
        velocity = self.momentums[self._get_variable_index(variable)].data
        for g, w, m, scaled_gradient, step in self._blocks(gradient, variable.data, velocity,
                                                           work=2):
            # m = momentum * m - lr * g
            xp.multiply(g, lr, out=scaled_gradient)
            m *= momentum
            m -= scaled_gradient
            if self.nesterov:
                # w += momentum * m - lr * g
                xp.multiply(m, momentum, out=step)
                step -= scaled_gradient
                w += step
            else:  # w += m
                w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


# The updates above for every weight of a step in one launch, on a GPU (the operations of
# the NumPy code in their order, so the results round alike).
_SGD = kernels.ForEachWeight("minikeras_sgd", "T learning_rate, T momentum", (),
                             "w -= g * learning_rate;")
_SGD_MOMENTUM = kernels.ForEachWeight(
    "minikeras_sgd_momentum", "T learning_rate, T momentum", ("m",),
    "const T scaled = g * learning_rate; m = m * momentum - scaled; w += m;")
_SGD_NESTEROV = kernels.ForEachWeight(
    "minikeras_sgd_nesterov", "T learning_rate, T momentum", ("m",),
    "const T scaled = g * learning_rate; m = m * momentum - scaled; w += m * momentum - scaled;")
