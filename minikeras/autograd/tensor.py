"""Tensor: an array that remembers the operation that made it.

Reverse-mode autodiff in three sentences. Every op on Tensors records its
Function on the output (``tensor.creator``), and the Function keeps its
inputs, so a loss ends up at the root of a graph of Functions. ``backward()``
visits that graph from the loss towards the inputs, in reverse topological
order, asking each Function for the gradients of its inputs given the
gradient of its output (the chain rule). Gradients meeting at a tensor used
more than once are added.
"""

import threading
import warnings

import numpy as np

from .. import backend


class Tensor:
    """An array (NumPy or CuPy) with the links gradients flow back through.

    data: the array, any shape.
    requires_grad: whether ``backward()`` computes a gradient for it.
    grad: after ``backward()``, the gradient of the differentiated output with
        respect to this tensor, an array of ``data``'s shape (leaf tensors only:
        intermediate gradients are dropped as soon as they are used).
    creator: the Function this tensor is the output of (None for a leaf).
    """

    # ndarray + Tensor must call Tensor.__radd__, not let NumPy take over.
    __array_priority__ = 100
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad=False, name=None):
        if not backend.is_array(data):
            data = _as_array(data)
        self.data = data
        self.requires_grad = requires_grad
        self.grad = None
        self.creator = None
        self.name = name

    # -- the array's face ------------------------------------------------------

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def T(self):
        return ops.transpose(self)

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """A NumPy copy of the data: changing it never changes the tensor."""
        array = backend.to_numpy(self.data)
        return array.copy() if array is self.data else array

    def item(self):
        return self.numpy().item()

    def __array__(self, dtype=None, copy=None):
        """The data as a NumPy array, for NumPy, TensorFlow and other array libraries.

        Such an array carries no gradient: if this tensor records one (a model's
        output, a loss in the making), whatever is computed from the array can
        train nothing, and a warning says so.
        """
        from .function import is_grad_enabled  # function.py is built on this module

        if self.requires_grad and is_grad_enabled():
            _CUT_OFF.count += 1
            warnings.warn(
                "A Tensor that records gradients was converted into an array of another "
                "library (NumPy, TensorFlow...): nothing computed from that array has a "
                "gradient, so it cannot train any weight. In a loss or metric, use the "
                "keras.ops functions (keras.ops.square, keras.ops.mean, ...) on tensors; to "
                "read values, call tensor.numpy() or compute them under "
                "minikeras.no_grad().", UserWarning, stacklevel=2)
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.item())

    def __format__(self, format_spec):
        """Formats the values as NumPy does, as TensorFlow's tensors do:
        ``f"{metric.result():.4f}"`` prints the number."""
        return format(self.numpy(), format_spec)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({self.numpy()!r}{grad})"

    # -- backpropagation -------------------------------------------------------

    def backward(self, grad=None, retain_graph=False):
        """Computes the gradient of this tensor with respect to every leaf it depends on.

        grad: the gradient arriving at this tensor, of its shape; defaults to
            ones, which for a scalar loss gives d(loss)/d(leaf).
        retain_graph: keep the graph so ``backward()`` can run through it
            again; by default each Function releases its saved arrays as soon
            as it has been visited, so memory does not grow step after step.
        Leaf gradients are added to ``leaf.grad`` (set it to None to restart).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() was called on a tensor that does not require a "
                "gradient: no input of the computation had requires_grad=True, "
                "or it ran inside no_grad()."
            )
        if grad is None:
            grad = backend.get_array_module(self.data).ones_like(self.data)
        if self.creator is None:
            _accumulate(self, grad)
            return
        # The gradient arriving at each Function's output, keyed by the Function.
        grads = {id(self.creator): grad}
        for function in _reverse_topological_order(self.creator):
            grad_output = grads.pop(id(function), None)
            if grad_output is not None:  # None: no consumer passed a gradient back
                _propagate(function, grad_output, grads)
            if not retain_graph:
                function.release()
        if not retain_graph:
            self.creator = None

    # -- operators (each is an op from minikeras.ops) ----------------------

    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.subtract(self, other)

    def __rsub__(self, other):
        return ops.subtract(other, self)

    def __mul__(self, other):
        return ops.multiply(self, other)

    def __rmul__(self, other):
        return ops.multiply(other, self)

    def __truediv__(self, other):
        return ops.divide(self, other)

    def __rtruediv__(self, other):
        return ops.divide(other, self)

    def __pow__(self, other):
        return ops.power(self, other)

    def __rpow__(self, other):
        return ops.power(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, key):
        return ops.getitem(self, key)

    def __eq__(self, other):
        return ops.equal(self, other)

    def __ne__(self, other):
        return ops.not_equal(self, other)

    def __lt__(self, other):
        return ops.less(self, other)

    def __le__(self, other):
        return ops.less_equal(self, other)

    def __gt__(self, other):
        return ops.greater(self, other)

    def __ge__(self, other):
        return ops.greater_equal(self, other)

    def __and__(self, other):
        return ops.logical_and(self, other)

    def __or__(self, other):
        return ops.logical_or(self, other)

    def __invert__(self):
        return ops.logical_not(self)

    def reshape(self, *shape):
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return ops.transpose(self, axes or None)

    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return ops.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return ops.min(self, axis=axis, keepdims=keepdims)

    def astype(self, dtype):
        return ops.cast(self, dtype)


def _as_array(value):
    """Lists and scalars become arrays on the active device; floats take floatx."""
    array = np.asarray(value)
    if array.dtype.kind == "O":
        raise TypeError(f"Cannot make a Tensor from {type(value).__name__} {value!r}.")
    if array.dtype.kind == "f" and not isinstance(value, np.generic):
        array = array.astype(backend.floatx())
    return backend.to_device(array)


def _reverse_topological_order(root):
    """Functions reachable from ``root``, each listed after every Function that uses its output."""
    order, visited = [], set()
    stack = [(root, False)] if root is not None else []
    while stack:
        function, inputs_done = stack.pop()
        if inputs_done:
            order.append(function)
            continue
        if id(function) in visited:
            continue
        visited.add(id(function))
        stack.append((function, True))
        if not hasattr(function, "inputs"):
            raise RuntimeError(
                f"The graph through {function!r} was freed by an earlier backward(). "
                "Pass retain_graph=True to that backward() to go through it twice."
            )
        for x in function.inputs:
            if isinstance(x, Tensor) and x.creator is not None:
                stack.append((x.creator, False))
    order.reverse()
    return order


def _propagate(function, grad_output, grads):
    """Chain rule at one Function: hands each input its share of the gradient."""
    input_grads = function.backward(grad_output)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    for x, grad, needed in zip(
        function.inputs, input_grads, function.needs_input_grad, strict=True
    ):
        if not needed or grad is None:
            continue
        if grad.shape != x.shape:
            grad = sum_to(grad, x.shape)
        if x.creator is None:
            _accumulate(x, grad)
        else:
            key = id(x.creator)
            # Not `+=`: the same gradient array may have been handed to two inputs.
            grads[key] = grad if key not in grads else grads[key] + grad


class _CutOff(threading.local):
    count = 0  # Tensors recording gradients this thread converted with __array__


_CUT_OFF = _CutOff()


def cut_off_count():
    """How many Tensors recording gradients this thread has converted into foreign arrays
    (``__array__``): a loss compares the count before and after it runs to know whether
    it lost its gradient that way."""
    return _CUT_OFF.count


def _accumulate(leaf, grad):
    leaf.grad = grad if leaf.grad is None else leaf.grad + grad


def sum_to(grad, shape):
    """Sums ``grad`` over the axes that broadcasting stretched, back to ``shape``.

    If ``x`` of shape (3, 1) met an array of shape (2, 3, 4), the output has
    shape (2, 3, 4) and each element of ``x`` was used 2 * 4 times, so its
    gradient is the sum over axis 0 (added in front) and axis 2 (stretched
    from 1 to 4).
    """
    extra = grad.ndim - len(shape)  # the axes broadcasting added in front
    stretched = tuple(extra + i for i, n in enumerate(shape)
                      if n == 1 and grad.shape[extra + i] != 1)  # the axes stretched from 1
    return grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True).reshape(shape)


from .. import ops  # noqa: E402  (operators are ops, and ops are built on Tensor)
