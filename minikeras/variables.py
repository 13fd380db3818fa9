"""Variable: a named, mutable tensor — a layer's weight or a metric's state.

``UndoLog`` keeps the values a training step overwrote, so that a step that
turns out not finite can be taken back (TerminateOnNaN).
``deferred_initial_values`` lets a loader build a model without drawing the
initial values its file will overwrite.
"""

import contextlib
import numbers
import threading

import numpy as np

from . import backend, initializers
from .autograd import Tensor


class Variable(Tensor):
    """A Tensor that persists across steps and is changed in place.

    initializer: the initial value (an array, a number or a Tensor), or an
        initializer (a name such as "zeros", an Initializer, or a function
        ``(shape, dtype) -> values``) called with ``shape``.
    shape: needed with an initializer; must match an initial value if given.
    dtype: defaults to the value's float type or ``floatx()``.
    trainable: whether gradients are computed for it and optimizers update it.
    name: the short name ("kernel"); ``path`` adds the owner ("dense/kernel").
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None):
        dtype = dtype or backend.floatx()
        pending = None  # the initializer whose value waits (see deferred_initial_values)
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(
                initializer, Tensor)):
            if shape is None:
                raise ValueError(f"Variable {name!r}: an initializer needs a shape.")
            backend.check_allocation(tuple(shape), dtype, f"Variable {name!r}")
            initializer = initializers.get(initializer)
            if _deferral.created is None:
                data = _to_device_array(initializer(tuple(shape), dtype=dtype), dtype).copy()
            else:
                data = backend.array_module().zeros(tuple(shape), dtype=dtype)
                pending = initializer
        else:
            data = _to_device_array(initializer, dtype).copy()  # never share the caller's memory
        if shape is not None and tuple(shape) != data.shape:
            raise ValueError(
                f"Variable {name!r}: the initial value has shape {data.shape}, "
                f"but shape={tuple(shape)} was given."
            )
        super().__init__(data, requires_grad=trainable, name=name or "variable")
        self.path = self.name
        self.regularizer = None
        self.constraint = None
        self._assignments = 0  # counts assign, assign_add and assign_sub
        self._pending_initializer = pending
        if pending is not None:
            _deferral.created.append(self)

    @property
    def trainable(self):
        """Whether gradients are computed for this variable (settable)."""
        return self.requires_grad

    @trainable.setter
    def trainable(self, value):
        self.requires_grad = bool(value)

    @property
    def value(self):
        """The current value as a Tensor that carries no gradient."""
        return Tensor(self.data)

    def assign(self, value):
        """Overwrites the value in place; ``value`` must have this variable's shape."""
        _record(self)
        self._pending_initializer = None
        new = _operand(value, self.dtype) if self.shape == () else _to_device_array(
            value, self.dtype)
        if new.shape != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {new.shape} to variable {self.path!r} "
                f"of shape {self.shape}."
            )
        self.data[...] = new
        self._assignments += 1
        return self

    def assign_add(self, delta):
        """Adds ``delta`` (broadcastable to the shape) in place."""
        _record(self)
        self.draw_initial_value()
        self.data += _operand(delta, self.dtype)
        self._assignments += 1
        return self

    def assign_sub(self, delta):
        """Subtracts ``delta`` (broadcastable to the shape) in place."""
        _record(self)
        self.draw_initial_value()
        self.data -= _operand(delta, self.dtype)
        self._assignments += 1
        return self

    def draw_initial_value(self):
        """Draws the initial value that ``deferred_initial_values`` put off, unless an
        ``assign`` has replaced it since (then, and for other variables, does nothing)."""
        initializer, self._pending_initializer = self._pending_initializer, None
        if initializer is not None:
            self.data[...] = _to_device_array(initializer(self.shape, dtype=self.dtype),
                                              self.dtype)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self.numpy()}>")


def _operand(value, dtype):
    """``value`` ready to update an array of ``dtype`` in place: a number stays on the host,
    as a scalar of that dtype (an array operation takes it as an argument, where copying it
    to a GPU first would cost a transfer); anything else becomes a device array."""
    if isinstance(value, (numbers.Number, np.generic)):
        return np.dtype(dtype).type(value)
    return _to_device_array(value, dtype)


class _Deferral(threading.local):
    created = None  # the list of Variables whose initial values wait, or None


_deferral = _Deferral()


@contextlib.contextmanager
def deferred_initial_values():
    """Inside (in this thread), a Variable made with an initializer starts as zeros and
    keeps the initializer instead of calling it; yields the list of those Variables.

    A loader builds the model inside, assigns the values its file holds, then
    calls ``draw_initial_value()`` on every Variable of the list: only those
    the file did not fill draw a value, so loading never draws what the file
    overwrites (an Orthogonal 4096 x 4096 kernel takes a minute to draw).
    """
    outer = _deferral.created
    _deferral.created = created = []
    try:
        yield created
    finally:
        _deferral.created = outer


class _Recording(threading.local):
    log = None  # the UndoLog that saves what this thread assigns, or None


_recording = _Recording()


def _record(variable):
    if _recording.log is not None:
        _recording.log.save([variable])


def written_in_place(*variables):
    """To call before writing ``variables``' arrays other than through ``assign`` (by a device
    kernel, say): counts the writes as assignments, and an UndoLog recording this thread
    saves the values first, as ``assign`` has it do."""
    for variable in variables:
        _record(variable)
        variable._assignments += 1


class UndoLog:
    """The values variables had before a training step wrote them, to put back if the step
    turns out not finite.

    Inside ``with log.recording():`` every Variable this thread assigns (as
    BatchNormalization's moving statistics are, in the forward pass) has its
    value saved first, once per step; ``save(variables)`` saves others up front
    (an optimizer updates its variables' arrays in place, not through
    ``assign``). ``undo()`` puts back every saved value and ``clear()`` starts
    the next step. The copies live in buffers kept from one step to the next,
    so a step allocates nothing.
    """

    def __init__(self):
        self._buffers = {}  # id(variable): a buffer of its shape, dtype and device
        self.saved = []  # the variables saved since the last clear(), in order
        self._saved_ids = set()

    def clear(self):
        self.saved, self._saved_ids = [], set()

    def save(self, variables):
        """Copies the values of those ``variables`` not saved since the last ``clear()``."""
        for variable in variables:
            if id(variable) in self._saved_ids:
                continue
            buffer = self._buffers.get(id(variable))
            if buffer is None or buffer.shape != variable.data.shape or (
                    buffer.dtype != variable.data.dtype or type(buffer) is not type(
                        variable.data)):
                self._buffers[id(variable)] = variable.data.copy()
            else:
                buffer[...] = variable.data
            self._saved_ids.add(id(variable))
            self.saved.append(variable)

    def undo(self):
        """Puts back the values saved since the last ``clear()``, then clears."""
        for variable in self.saved:
            variable.assign(self._buffers[id(variable)])
        self.clear()

    @contextlib.contextmanager
    def recording(self):
        """Within the block, this thread's assignments save the old values first."""
        outer = _recording.log
        _recording.log = self
        try:
            yield
        finally:
            _recording.log = outer


def _to_device_array(value, dtype):
    if isinstance(value, Tensor):
        value = value.data
    if not backend.is_array(value):
        value = np.asarray(value)
    return backend.to_device(value, dtype=dtype)
