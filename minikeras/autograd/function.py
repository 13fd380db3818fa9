"""Function: one differentiable operation, the unit the tape is made of.

A Function's ``forward`` maps input arrays to one output array and keeps
what ``backward`` will need; ``backward`` maps the gradient of the output to
one gradient per input. Calling a Function on Tensors runs ``forward`` and,
when a gradient will be wanted, links the output Tensor to the Function (and
the Function to its inputs): that chain of links is the graph that
``Tensor.backward()`` walks in reverse.
"""

import contextlib
import threading

from .tensor import Tensor


class _GradMode(threading.local):
    """Whether ops record the graph, per thread: a ``predict`` in one thread never turns
    off the gradients of a ``fit`` in another."""

    enabled = True


_grad_mode = _GradMode()


@contextlib.contextmanager
def no_grad():
    """Within the block (in this thread), ops record no graph: outputs never require
    gradients.

    Use it for inference and for updates that must not be differentiated.
    """
    previous = _grad_mode.enabled
    _grad_mode.enabled = False
    try:
        yield
    finally:
        _grad_mode.enabled = previous


def is_grad_enabled():
    """Whether ops currently record the graph in this thread (False inside ``no_grad()``)."""
    return _grad_mode.enabled


class Function:
    """Base class of every op: subclasses define ``forward`` and ``backward``.

    forward(*arrays) -> array: computes the output from input arrays (a
        non-Tensor argument such as a Python number arrives unchanged) and
        stores on ``self`` what backward needs.
    backward(grad_output) -> array or tuple of arrays: one gradient per
        input, each of that input's shape (or broadcastable to it: the engine
        sums a broadcast gradient back), or None where no gradient is needed.
        ``self.needs_input_grad[i]`` says whether input ``i`` wants one, so an
        expensive gradient can be skipped.
    input_names: what the inputs are, by position, where it tells a reader
        something ("inputs", "labels"); ``plot_graph`` labels unnamed inputs so.
    """

    input_names = ()

    def __call__(self, *inputs):
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        needs_input_grad = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        self.needs_input_grad = needs_input_grad
        output = Tensor(self.forward(*arrays))
        if _grad_mode.enabled and any(needs_input_grad):
            output.requires_grad = True
            output.creator = self
            self.inputs = inputs
        return output

    @property
    def label(self):
        """What the op computes, as a drawing of the graph names it (``plot_graph``): its class
        name, unless it says more (a fused op lists the steps it runs)."""
        return type(self).__name__

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad_output):
        raise NotImplementedError

    def release(self):
        """Forgets the inputs and everything forward saved, freeing their memory."""
        vars(self).clear()

    def __repr__(self):
        return f"<{type(self).__name__}>"
