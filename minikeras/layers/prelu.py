"""PReLU: a leaky ReLU whose negative slope is learned."""

from .. import activations, constraints, initializers, ops, regularizers
from .input_spec import InputSpec
from .layer import Layer


class PReLU(Layer):
    """x where x > 0, else alpha * x, with alpha a learned weight:
    y = relu(x) - alpha * relu(-x).

    The weight ``alpha`` has one slope per input element of a sample
    (input_shape[1:]), except along ``shared_axes`` (e.g. [1, 2] for one slope
    per channel of an image), where it has size 1 and is shared.
    alpha_initializer: "zeros" by default (the layer starts as a ReLU).
    """

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None:
            shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [
                shared_axes]
            if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1
                       for a in shared_axes):
                raise ValueError(f"PReLU: `shared_axes` must hold axes >= 1 (not the batch "
                                 f"axis). Received: shared_axes={shared_axes!r}")
        self.shared_axes = shared_axes
        self.input_spec = InputSpec(min_ndim=1)  # build fixes the rank and sizes

    def build(self, input_shape):
        shared = set(self.shared_axes or ())
        if any(a >= len(input_shape) for a in shared):
            raise ValueError(f'Layer "{self.name}": shared_axes={self.shared_axes} does not fit '
                             f"inputs of shape {tuple(input_shape)}.")
        shape = tuple(1 if axis in shared else n for axis, n in enumerate(input_shape) if axis)
        if None in shape:
            raise ValueError(f'Layer "{self.name}": inputs of shape {tuple(input_shape)} need '
                             "known sizes on the axes that are not shared.")
        self.alpha = self.add_weight(shape=shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint, name="alpha")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={
            axis: n for axis, n in enumerate(input_shape) if axis and axis not in shared})
        self.built = True

    def call(self, inputs):
        negative_part = ops.multiply(self.alpha, activations.relu(ops.negative(inputs)))
        return ops.subtract(activations.relu(inputs), negative_part)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
