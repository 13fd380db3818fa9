"""Optimizer: the base class that turns gradients into in-place weight updates.

One step of ``apply(grads, variables)``, in Keras's order:

1. drop the variables whose gradient is None (with a warning);
2. divide the gradients by ``loss_scale_factor``;
3. with ``gradient_accumulation_steps=n``: add them to accumulators and only
   every n-th call go on, with the mean of the n gradients;
4. clip them (``clipnorm`` per weight, or ``global_clipnorm``, or ``clipvalue``);
5. decay the weights: ``w -= w * weight_decay * learning_rate``;
6. ``update_step(gradient, variable, learning_rate)`` for each weight, the
   rule that makes SGD, Adam, RMSprop... what they are;
7. with ``use_ema``: update the moving averages of the weights;
8. apply each weight's constraint, and count the step in ``iterations``.

Updates run on the weights' own arrays (``variable.data``) with in-place
ufuncs of their array module, writing intermediate results into reusable
scratch arrays, so a step allocates almost nothing (see ``_blocks``).
Gradients are never written to: the engine may hand the same array to two
weights.

Scalars (learning rate, beta powers...) are computed as Keras computes them,
in the weight's float type (``dtype.type(value)`` is a host scalar of that
type), so the updates round as tf.keras's do.
"""

import math
import numbers
import re
import warnings

import numpy as np

from .. import backend, initializers
from ..autograd import Tensor, no_grad
from ..runtime import kernels
from ..runtime.denormals import flushing_denormals
from ..utils import keras2
from ..utils.naming import to_snake_case, unique_name
from ..variables import Variable
from . import schedules

_BLOCK_SIZE = 1 << 16  # elements of one piece of an update on the CPU (see Optimizer._blocks)


class Optimizer:
    """Base class of optimizers; subclasses implement ``build`` and ``update_step``.

    learning_rate: a float, a ``schedules.LearningRateSchedule`` (called with
        ``iterations``) or a callable of no arguments returning the rate.
    weight_decay: if set, each step first shrinks every weight by
        ``weight * weight_decay * learning_rate`` (see ``exclude_from_weight_decay``).
    clipnorm: clip each gradient so its L2 norm is at most this.
    clipvalue: clip each gradient element to [-clipvalue, clipvalue].
    global_clipnorm: scale all gradients together so their joint L2 norm is at
        most this. At most one of the three clipping arguments may be set.
    use_ema: keep an exponential moving average of the weights,
        ``average = ema_momentum * average + (1 - ema_momentum) * weight``;
        every ``ema_overwrite_frequency`` steps (if set) the weights are
        overwritten by their averages, and ``finalize_variable_values`` does it
        at the end of training.
    loss_scale_factor: gradients are divided by it (``scale_loss`` multiplies
        the loss by it), for mixed precision.
    gradient_accumulation_steps: update the weights every n calls, with the
        mean of the n gradients. ``iterations`` then counts updates.
    name: the prefix of the optimizer's variables' paths ("adam/iteration").
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        decay = kwargs.pop("decay", None)
        if "lr" in kwargs:
            keras2.warn(f"{type(self).__name__}(lr=...)",
                        f"{type(self).__name__}(learning_rate=...)")
            learning_rate = kwargs.pop("lr")
        if decay is not None:
            learning_rate = _keras2_decayed(type(self).__name__, learning_rate, decay)
        if kwargs:
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}")
        _check_arguments(clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                         ema_overwrite_frequency, gradient_accumulation_steps)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._indices = {}
        self._scratch_buffers = {}
        self._excluded_from_weight_decay = set()
        self._excluded_names_pattern = None
        self._completed_steps = 0
        self._iterations = self.add_variable((), initializer="zeros", dtype="int64",
                                             name="iteration")
        self._host_values = {}  # id(variable): (its _assignments, its value), see _host_value
        self._learning_rate = self._learning_rate_from(learning_rate)

    def _learning_rate_from(self, learning_rate):
        """A schedule or callable as given; a number becomes a tracked float Variable."""
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            return learning_rate
        if not _is_real_number(learning_rate):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` should be a float, a "
                "LearningRateSchedule, or a callable returning the learning rate. "
                f"Received: learning_rate={learning_rate!r}"
            )
        return self.add_variable((), initializer=initializers.Constant(float(learning_rate)),
                                 name="learning_rate")

    # -- state ---------------------------------------------------------------

    @property
    def variables(self):
        """Every optimizer variable, in Keras 3's order (how a .keras file stores them).

        ``iteration``, ``learning_rate`` (unless it is a schedule or a
        callable), the EMA averages and gradient accumulators if configured,
        then the slots each subclass's ``build`` adds.
        """
        return list(self._variables)

    @property
    def iterations(self):
        """The number of updates applied: an int64 Variable (a Tensor with accumulation)."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.data // self.gradient_accumulation_steps)
        return self._iterations

    def updates_done(self):
        """``iterations`` as a Python int, read from the device only if something outside the
        optimizer assigned it since the last read (see ``_host_value``)."""
        return self._host_value(self._iterations, int) // (self.gradient_accumulation_steps or 1)

    @property
    def learning_rate(self):
        """The learning rate, as Keras gives it: the float32 Variable an optimizer created
        with a number holds (``.assign(0.01)``, ``.numpy()``, ``float(...)``), the rate a
        schedule gives at the current step (a Tensor), or what a callable returns."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self._iterations)
        return self._learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        """A number (or a scalar Tensor) sets the rate, as callbacks do between epochs; a
        schedule or a callable replaces it."""
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
        elif not isinstance(self._learning_rate, Variable):
            given = ("`LearningRateSchedule` object" if isinstance(
                self._learning_rate, schedules.LearningRateSchedule) else "callable")
            # Keras's words first: what a user searches for.
            raise TypeError(
                f"This optimizer was created with a {given} as its `learning_rate` constructor "
                "argument, hence its learning rate is not settable. If you need the learning "
                f"rate to be settable, create {type(self).__name__} with a float "
                f"`learning_rate` (it has a {type(self._learning_rate).__name__}).")
        elif _is_real_number(learning_rate) or getattr(learning_rate, "shape", None) == ():
            self._learning_rate.assign(learning_rate)
        else:
            raise ValueError(
                f"{type(self).__name__}: a learning rate is set to a number, a scalar tensor, a "
                f"LearningRateSchedule or a callable. Received: learning_rate={learning_rate!r}")

    @property
    def epsilon(self):
        """The small constant of the optimizers that divide by a root (Adam, RMSprop, ...)."""
        return self._epsilon

    @epsilon.setter
    def epsilon(self, epsilon):
        if epsilon is None:  # Keras 2's default, which meant the backend's epsilon
            epsilon = backend.epsilon()
            keras2.warn(f"{type(self).__name__}(epsilon=None)",
                        f"{type(self).__name__}(epsilon={epsilon}) (the backend's epsilon)")
        if not _is_real_number(epsilon) or not epsilon >= 0:
            raise ValueError(f"{type(self).__name__}: `epsilon` must be a number >= 0. "
                             f"Received: epsilon={epsilon!r}")
        self._epsilon = epsilon

    @property
    def lr(self):
        """Keras 2's name of ``learning_rate`` (with a DeprecationWarning)."""
        keras2.warn("optimizer.lr", "optimizer.learning_rate")
        return self.learning_rate

    @lr.setter
    def lr(self, learning_rate):
        keras2.warn("optimizer.lr", "optimizer.learning_rate")
        self.learning_rate = learning_rate

    def _current_learning_rate(self):
        """The learning rate of the next step as a Python float, read from the device only
        when the Variable was assigned since the last read (see ``_host_value``)."""
        if isinstance(self._learning_rate, Variable):
            return self._host_value(self._learning_rate, float)
        return float(self.learning_rate)

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Creates and tracks an optimizer Variable (not trainable) at ``<optimizer>/<name>``."""
        variable = Variable(initializers.get(initializer), shape=tuple(shape), dtype=dtype,
                            trainable=False, name=name)
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A Variable shaped like a weight, named "<weight path with _>_<name>" as Keras does."""
        prefix = getattr(reference_variable, "path", reference_variable.name)
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype,
                                 name=f"{prefix.replace('/', '_')}_{name or 'var'}")

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per weight for each of ``name`` (a string or a list of strings).

        With several names, the slots of one weight are created together
        (kernel_momentum, kernel_velocity, bias_momentum, ...), which is the
        order Keras saves them in. Returns a list, or a tuple of lists.
        """
        names = [name] if isinstance(name, str) else list(name)
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for slot_list, slot_name in zip(slots, names, strict=True):
                slot_list.append(self.add_variable_from_reference(
                    variable, name=slot_name, initializer=initializer))
        return slots[0] if isinstance(name, str) else slots

    def build(self, variables):
        """Creates the variables this optimizer keeps for ``variables`` (the trainable weights).

        Subclasses call ``super().build(variables)`` first, then add their slots.
        """
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._indices = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = variables
        self.built = True

    def _get_variable_index(self, variable):
        return self._indices[id(variable)]

    def set_weights(self, weights):
        """Sets every optimizer variable from arrays given in the order of ``variables``."""
        if not self.built:
            raise ValueError(
                f"{type(self).__name__}.set_weights() was called before the optimizer was "
                "built: call optimizer.build(trainable_variables) first.")
        if len(weights) != len(self._variables):
            raise ValueError(
                f"{type(self).__name__} has {len(self._variables)} variables, but "
                f"set_weights() received {len(weights)} arrays.")
        for variable, weight in zip(self._variables, weights, strict=True):
            if tuple(variable.shape) != tuple(weight.shape):
                raise ValueError(
                    f"Optimizer variable {variable.path!r} has shape {variable.shape}, "
                    f"but set_weights() received shape {tuple(weight.shape)}.")
        for variable, weight in zip(self._variables, weights, strict=True):
            variable.assign(weight)

    # The attributes holding slots (a Variable or a list of them) that no update can make
    # negative: sums or averages of squares, of magnitudes, products of positive factors.
    _non_negative_slots = ()

    def check_state_value(self, variable, value):
        """Raises ValueError naming ``variable`` (one of ``variables``) if ``value`` (a NumPy
        array, from a file) is a state no training can reach: a negative ``iterations``, or
        a negative entry in a slot that cannot be negative (a second moment...). Loading
        calls it before it assigns anything, so such a file changes nothing."""
        if variable is self._iterations:
            what = "a number of iterations"
        elif any(variable is slot for slot in self._non_negative_variables()):
            what = "a sum or average of squares or magnitudes"
        else:
            return
        if np.any(value < 0):
            raise ValueError(
                f"Optimizer variable {variable.path!r} holds {value.min()}, but it is {what} and "
                "cannot be negative: the file is damaged or was not written by training.")

    def _non_negative_variables(self):
        found = []
        for attribute in self._non_negative_slots:
            slots = getattr(self, attribute, [])
            found.extend(slots if isinstance(slots, list) else [slots])
        return found

    def save_own_variables(self, store):
        """Writes the variables to ``store`` under "0", "1", ... (the .keras layout)."""
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy().copy()  # a NumPy variable's numpy() is its data

    def load_own_variables(self, store):
        """Reads the variables written by ``save_own_variables`` (or by tf.keras)."""
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self._variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables.", stacklevel=2)
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    # -- a step ----------------------------------------------------------------

    def apply_gradients(self, grads_and_vars):
        """Applies ``[(gradient, variable), ...]``; returns ``iterations`` (as tf.keras)."""
        grads, variables = zip(*grads_and_vars, strict=True)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates ``trainable_variables`` in place from ``grads`` (arrays or Tensors).

        The first call builds the optimizer on ``trainable_variables``; later
        calls may leave them out, and then ``grads`` follows the order of the
        variables it was built with. A None gradient leaves its variable as it is.
        The update writes zero where a result would be denormal, as TensorFlow's
        kernels do (see ``minikeras.runtime.denormals``).
        """
        grads = list(grads)
        if not grads:
            return
        variables = self._variables_for(grads, trainable_variables)
        grads, variables = self._drop_empty_gradients(grads, variables)
        grads = [self._gradient_array(g, v) for g, v in zip(grads, variables, strict=True)]
        iterations = self._host_value(self._iterations, int)
        self._completed_steps = iterations // (self.gradient_accumulation_steps or 1)
        with no_grad(), flushing_denormals():  # decaying slots would turn denormal and slow
            if self.loss_scale_factor is not None:
                grads = [g / self.loss_scale_factor for g in grads]
            if self.gradient_accumulation_steps:
                self._accumulate_or_update(grads, variables)
            else:
                self._update(grads, variables)
            if self.use_ema:
                self._update_model_variables_moving_average(self._trainable_variables)
            for variable in variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
        self._iterations.assign_add(1)
        self._host_values[id(self._iterations)] = (self._iterations._assignments,
                                                   iterations + 1)

    def _host_value(self, variable, cast):
        """``cast(variable)``, read from the device only if the variable was assigned since
        the last read (by a callback, by loading, by the user): on a GPU a read waits for
        all the work queued before it, which would keep the host from running ahead."""
        assignments, value = self._host_values.get(id(variable), (None, None))
        if assignments != variable._assignments:
            value = cast(variable)
            self._host_values[id(variable)] = (variable._assignments, value)
        return value

    def _variables_for(self, grads, trainable_variables):
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}.apply() was given gradients without variables "
                    "before it was built: pass the variables, or call "
                    "optimizer.build(trainable_variables) first.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
            unknown = [v for v in variables if id(v) not in self._indices]
            if unknown:
                raise ValueError(
                    f"Unknown variable {getattr(unknown[0], 'path', unknown[0])!r}: "
                    f"{type(self).__name__} '{self.name}' can only update the variables it "
                    "was built with. Create a new optimizer for new variables.")
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply() received {len(grads)} gradients for "
                f"{len(variables)} variables.")
        return variables

    def _drop_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables, strict=True) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(grads):
            missing = [v.path for g, v in zip(grads, variables, strict=True) if g is None]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3)
        return [g for g, _ in kept], [v for _, v in kept]

    def _gradient_array(self, grad, variable):
        """``grad`` as an array of ``variable``'s device, dtype and shape (a copy if it moves)."""
        if isinstance(grad, Tensor):
            grad = grad.data
        xp = backend.get_array_module(variable.data)
        if not isinstance(grad, xp.ndarray):
            grad = backend.to_numpy(grad)  # lists, scalars, arrays of the other device
            if not isinstance(grad, xp.ndarray):  # the variable lives on the device
                grad = backend.to_device(grad)
        if tuple(grad.shape) != tuple(variable.shape):
            raise ValueError(
                f"{type(self).__name__}: the gradient of variable {variable.path!r} has shape "
                f"{tuple(grad.shape)}, but the variable has shape {tuple(variable.shape)}.")
        return grad if grad.dtype == variable.dtype else grad.astype(variable.dtype)

    def _accumulate_or_update(self, grads, variables):
        """Adds to the accumulators; every n-th call, updates with the mean and resets them."""
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)]
                        for v in variables]
        if (int(self._iterations) + 1) % steps == 0:
            means = [(g + a.data) / steps for g, a in zip(grads, accumulators, strict=True)]
            self._update(means, variables)
            for accumulator in self._accumulated_gradients:
                accumulator.data.fill(0)
        else:
            for g, accumulator in zip(grads, accumulators, strict=True):
                accumulator.data += g

    def _update(self, grads, variables):
        """Clipping, weight decay, then the optimizer's rule, with the current learning rate."""
        grads = self._clip_gradients(grads)
        learning_rate = self._current_learning_rate()
        self._apply_weight_decay(variables, learning_rate)
        self._update_all(grads, variables, learning_rate)

    def _update_all(self, grads, variables, learning_rate):
        """Calls ``update_step`` on each (gradient, variable) pair; Nadam adds a shared scalar."""
        for grad, variable in zip(grads, variables, strict=True):
            self.update_step(grad, variable, learning_rate)

    def _update_with_kernel(self, kernel, grads, variables, scalars, slots):
        """Updates every weight with ``kernel`` (a ``kernels.ForEachWeight``), one launch per
        float type, when the gradients and weights are on a device; returns whether it did.

        scalars(cast): the kernel's scalar values for weights of the float type ``cast``;
        slots(index): the slot arrays of the weight at that index, in the kernel's order.
        On a GPU one launch costs the host more than a small weight's update costs the
        device, so the whole step's update is one kernel, not one (or a dozen) per weight.
        """
        xp = backend.get_array_module(*grads)
        if not kernels.on_device(xp) or not all(
                isinstance(v.data, xp.ndarray) for v in variables):
            return False
        by_dtype = {}
        for grad, variable in zip(grads, variables, strict=True):
            by_dtype.setdefault(variable.dtype, []).append((grad, variable))
        for dtype, group in by_dtype.items():
            kernel(scalars(dtype.type), [g for g, _ in group], [v.data for _, v in group],
                   [slots(self._get_variable_index(v)) for _, v in group])
        return True

    def update_step(self, gradient, variable, learning_rate):
        """Updates ``variable.data`` (and its slots) in place from ``gradient``, an array.

        ``learning_rate`` is a Python float; ``self._completed_steps`` is the
        number of updates before this one (Keras's ``iterations``).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    def _blocks(self, *arrays, work=0):
        """Matching pieces of the same-shaped ``arrays``, each followed by ``work`` scratch arrays.

        An update rule is a dozen elementwise passes over a weight and its
        slots. On the CPU they run piece by piece, 64K elements at a time, so
        the pieces stay in the L2 cache from one pass to the next (about 1.5x
        faster than passes over whole arrays); on a GPU, or when an array is
        not contiguous, the one piece is the whole array. The scratch arrays
        are views into one buffer per array module and dtype, reused by every
        step, so a step allocates almost nothing. Yields tuples of arrays.
        """
        xp = backend.get_array_module(*arrays)
        size = arrays[0].size
        if xp is not np or size <= _BLOCK_SIZE or not all(
                a.flags.c_contiguous for a in arrays):
            yield (*arrays, *self._scratch(xp, arrays[0].dtype, arrays[0].shape, work))
            return
        flat = [a.reshape(-1) for a in arrays]  # views: the arrays are contiguous
        for start in range(0, size, _BLOCK_SIZE):
            pieces = [a[start:start + _BLOCK_SIZE] for a in flat]
            yield (*pieces, *self._scratch(xp, flat[0].dtype, pieces[0].shape, work))

    def _scratch(self, xp, dtype, shape, count):
        """``count`` arrays of ``shape`` viewing the reusable buffer of ``xp`` and ``dtype``."""
        size = math.prod(shape)
        key = (xp.__name__, dtype.str)
        buffer = self._scratch_buffers.get(key)
        if buffer is None or buffer.size < count * size:
            buffer = xp.empty(count * size, dtype=dtype)
            self._scratch_buffers[key] = buffer
        return [buffer[i * size:(i + 1) * size].reshape(shape) for i in range(count)]

    # -- gradient clipping ---------------------------------------------------

    def _clip_gradients(self, grads):
        """New, clipped gradient arrays (the given ones when no clipping is configured)."""
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            xp = backend.get_array_module(*grads)
            return [xp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, grad):
        """``grad * clipnorm / max(||grad||, clipnorm)``, as tf.clip_by_norm computes it."""
        xp = backend.get_array_module(grad)
        norm = xp.sqrt(_squared_norm(grad))
        return grad * self.clipnorm / xp.maximum(norm, self.clipnorm)

    # -- weight decay ----------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempts variables from weight decay: those in ``var_list``, and those whose
        name contains one of the strings in ``var_names`` (e.g. ``["bias"]``).

        Call it before the optimizer is built.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer "
                "is built.")
        self._excluded_from_weight_decay = {id(v) for v in var_list or ()}
        self._excluded_names_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._excluded_from_weight_decay:
            return False
        pattern = self._excluded_names_pattern
        return pattern is None or pattern.search(variable.name) is None

    def _apply_weight_decay(self, variables, learning_rate):
        """``w -= w * weight_decay * learning_rate`` for each weight not excluded."""
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                xp = backend.get_array_module(variable.data)
                cast = variable.dtype.type
                for w, decay in self._blocks(variable.data, work=1):
                    # w -= w * weight_decay * learning_rate
                    xp.multiply(w, cast(self.weight_decay), out=decay)
                    decay *= cast(learning_rate)
                    w -= decay

    # -- moving averages of the weights ------------------------------------

    def _update_model_variables_moving_average(self, variables):
        """``average = m * average + (1 - m) * weight``, with m = 0 at the first step."""
        for variable, average in zip(variables, self._model_variables_moving_average,
                                     strict=True):
            xp = backend.get_array_module(variable.data)
            cast = variable.dtype.type
            momentum = cast(self.ema_momentum if self._completed_steps != 0 else 0.0)
            for w, a, weighted in self._blocks(variable.data, average.data, work=1):
                # a = momentum * a + (1 - momentum) * w
                a *= momentum
                xp.multiply(w, 1 - momentum, out=weighted)
                a += weighted
        frequency = self.ema_overwrite_frequency
        if frequency and (self._completed_steps + 1) % frequency == 0:
            self._overwrite_model_variables_with_average_value(variables)

    def _overwrite_model_variables_with_average_value(self, variables):
        if len(variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"{type(self).__name__} keeps averages of "
                f"{len(self._model_variables_moving_average)} variables, but "
                f"{len(variables)} were given to overwrite.")
        for variable, average in zip(variables, self._model_variables_moving_average,
                                     strict=True):
            variable.assign(average)

    def finalize_variable_values(self, var_list):
        """At the end of training: with ``use_ema``, replaces the weights by their averages."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(list(var_list))

    def scale_loss(self, loss):
        """The loss times ``loss_scale_factor`` (unchanged if it is None)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- configuration -------------------------------------------------------

    def get_config(self):
        """The constructor arguments, with Keras's keys (a schedule is serialized)."""
        if isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate)
        else:
            learning_rate = schedules.serialize(self._learning_rate)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The optimizer ``get_config`` describes (a serialized schedule is rebuilt)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, learning_rate={self._learning_rate!r}>"


def _squared_norm(array):
    """The sum of squares of ``array``'s elements, a 0-d array (vdot needs no temporary)."""
    xp = backend.get_array_module(array)
    return xp.vdot(array, array)


def global_norm(arrays):
    """The L2 norm of all ``arrays`` together, a 0-d array."""
    xp = backend.get_array_module(*arrays)
    return xp.sqrt(sum(_squared_norm(a) for a in arrays))


def clip_by_global_norm(arrays, clip_norm):
    """``arrays`` scaled by ``clip_norm / max(global_norm, clip_norm)``; NaN if the norm is not
    finite, as in Keras."""
    xp = backend.get_array_module(*arrays)
    norm = global_norm(arrays)
    scale = clip_norm / xp.maximum(norm, clip_norm) + (norm - norm)  # NaN for an inf norm
    return [a * scale for a in arrays]


def _keras2_decayed(name, learning_rate, decay):
    """Keras 2's ``decay=d``: the rate ``learning_rate / (1 + d * iterations)``, which
    Keras 3 spells as an InverseTimeDecay schedule (and ignores ``decay``)."""
    keras2.warn(f"{name}(decay=d)", f"{name}(learning_rate=keras.optimizers.schedules."
                "InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=d))")
    if not _is_real_number(decay) or decay < 0 or not _is_real_number(learning_rate):
        raise ValueError(f"{name}: Keras 2's `decay` is a number >= 0 that decays a number "
                         f"learning rate; with a schedule, decay in the schedule. Received: "
                         f"decay={decay!r}, learning_rate={learning_rate!r}")
    if decay == 0:
        return learning_rate
    return schedules.InverseTimeDecay(learning_rate, decay_steps=1, decay_rate=decay)


def _is_real_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_arguments(clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                     ema_overwrite_frequency, gradient_accumulation_steps):
    if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
        raise ValueError(
            "`gradient_accumulation_steps` must be an integer >= 2. "
            f"Received: gradient_accumulation_steps={gradient_accumulation_steps}")
    if use_ema:
        if not 0 <= ema_momentum <= 1:
            raise ValueError(
                f"`ema_momentum` must be in the range [0, 1]. Received: "
                f"ema_momentum={ema_momentum}")
        if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                        or ema_overwrite_frequency < 1):
            raise ValueError(
                "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                f"ema_overwrite_frequency={ema_overwrite_frequency}")
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError(
            "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
            f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
            f"global_clipnorm={global_clipnorm}")
