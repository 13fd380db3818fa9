"""Cross-entropy, fused: the loss of logits in one op, stable for any logits, with a short gradient.

Chained as separate ops, softmax then log would take log(0) = -inf as soon
as one logit leads the others by about 104 (float32's exp underflows), and
the gradient would pass through the softmax Jacobian. Fused, the loss comes
from log_softmax (x - max - log(sum(exp(x - max)))), which is finite for
logits of any size, and the gradient collapses to ``softmax - labels``.

The keras.ops functions below (``binary_crossentropy``,
``categorical_crossentropy``, ``sparse_categorical_crossentropy``) add what
Keras's TensorFlow backend does around these ops: shape checks, the
probability path (normalise, clip to [epsilon, 1 - epsilon], log), and the
switch to the logits when the output came straight from ``ops.softmax`` or
``ops.sigmoid`` (which attach them as ``_keras_logits``).
"""

import contextlib
import contextvars
import warnings

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..backend import get_array_module
from .activation import log_softmax_array, sigmoid_array, softplus_array
from .fast.softmax import (
    DeviceSoftmaxCrossEntropy,
    DeviceSparseSoftmaxCrossEntropy,
    rows_on_device,
)
from .logic import convert_to_tensor
from .math import clip, divide, log, multiply, negative, subtract
from .reduction import sum as reduce_sum

_labels_checked = contextvars.ContextVar("labels_checked", default=False)


@contextlib.contextmanager
def labels_checked():
    """Inside, ``sparse_categorical_crossentropy`` takes labels on a device as checked to
    lie in [0, classes) already. ``fit`` and ``evaluate`` check every label on the host
    before the first step; checking each batch again would read a value back from the
    device at every step, and on a GPU each read waits for all the work queued before
    it. NumPy labels are still checked (it costs no wait), so labels that a custom loss
    computes from the targets still get a clear error there."""
    token = _labels_checked.set(True)
    try:
        yield
    finally:
        _labels_checked.reset(token)


class SoftmaxCrossEntropy(Function):
    """L = -sum_i t_i log softmax(x)_i along ``axis``;
    dL/dx = softmax(x) * sum_i t_i - t,  dL/dt = -log softmax(x).

    (With labels that sum to one, as one-hot or smoothed labels do, dL/dx is
    the familiar softmax(x) - t.)
    """

    input_names = ("labels", "logits")

    def __init__(self, axis):
        self.axis = axis

    def forward(self, labels, logits):
        self.labels = labels
        self.log_probs = log_softmax_array(logits, self.axis)  # (.., C)
        return -(labels * self.log_probs).sum(axis=self.axis)  # (..)

    def backward(self, gy):
        xp = get_array_module(gy)
        gy = xp.expand_dims(gy, self.axis)  # (.., 1)
        g_labels = -gy * self.log_probs if self.needs_input_grad[0] else None
        g_logits = None
        if self.needs_input_grad[1]:
            label_mass = self.labels.sum(axis=self.axis, keepdims=True)  # (.., 1)
            g_logits = gy * (xp.exp(self.log_probs) * label_mass - self.labels)  # (.., C)
        return g_labels, g_logits


class SparseSoftmaxCrossEntropy(Function):
    """L = -log softmax(x)_label over the last axis, one integer label per row;
    dL/dx = softmax(x) - one_hot(label)."""

    input_names = ("logits", "labels")

    def forward(self, logits, labels):
        xp = get_array_module(logits)
        self.labels = labels
        self.log_probs = log_softmax_array(logits, -1)  # (.., C)
        picked = xp.take_along_axis(self.log_probs, labels[..., None], axis=-1)  # (.., 1)
        return -picked[..., 0]  # (..)

    def backward(self, gy):
        xp = get_array_module(gy)
        num_classes = self.log_probs.shape[-1]
        one_hot = xp.arange(num_classes) == self.labels[..., None]  # (.., C)
        return gy[..., None] * (xp.exp(self.log_probs) - one_hot), None


class SigmoidCrossEntropy(Function):
    """L = -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)) = softplus(x) - t x;
    dL/dx = sigmoid(x) - t,  dL/dt = -x.

    softplus is computed as max(x, 0) + log(1 + exp(-|x|)), so no exp ever overflows.
    """

    input_names = ("labels", "logits")

    def forward(self, labels, logits):
        self.labels, self.logits = labels, logits
        return softplus_array(logits) - labels * logits

    def backward(self, gy):
        g_labels = -gy * self.logits if self.needs_input_grad[0] else None
        g_logits = gy * (sigmoid_array(self.logits) - self.labels) if (
            self.needs_input_grad[1]) else None
        return g_labels, g_logits


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """-sum(labels * log_softmax(logits)) along ``axis``, as one fused op (labels: same shape).

    On a device, over the last axis and for labels that need no gradient,
    ``fast.softmax.DeviceSoftmaxCrossEntropy`` computes it in one kernel per pass.
    """
    if rows_on_device(logits, axis) and not getattr(
            labels, "requires_grad", False):
        return DeviceSoftmaxCrossEntropy()(labels, logits)
    return SoftmaxCrossEntropy(axis)(labels, logits)


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """-log_softmax(logits)[label] over the last axis; ``labels``: integer array of shape (..).

    On a device ``fast.softmax.DeviceSparseSoftmaxCrossEntropy`` computes it in one kernel
    per pass.
    """
    if rows_on_device(logits):
        return DeviceSparseSoftmaxCrossEntropy()(logits, labels)
    return SparseSoftmaxCrossEntropy()(logits, labels)


def sigmoid_cross_entropy_with_logits(labels, logits):
    """The binary cross-entropy of sigmoid(logits) against ``labels``, elementwise, as one op."""
    return SigmoidCrossEntropy()(labels, logits)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy of ``output`` (probabilities, or logits) against ``target``.

    target, output: the same shape. Probabilities are clipped to
    [epsilon, 1 - epsilon] before the log, as Keras does; an ``output`` made
    by ``ops.sigmoid`` is replaced by its logits.
    """
    output = convert_to_tensor(output)
    target = convert_to_tensor(target, dtype=output.dtype)  # no copy if of that dtype
    _check_same_shape("binary_crossentropy", target, output)
    output, from_logits = _logits_of(output, from_logits, "sigmoid", "binary_crossentropy")
    if from_logits:
        return sigmoid_cross_entropy_with_logits(target, output)
    output = _clip_probabilities(output)
    log_likelihood = multiply(target, log(output)) + multiply(
        subtract(1.0, target), log(subtract(1.0, output)))
    return negative(log_likelihood)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of each distribution along ``axis`` of ``output`` against one-hot ``target``.

    target, output: the same shape (.., C, ..); returns the shape without ``axis``.
    Probabilities are first normalised to sum to one along ``axis``, then
    clipped to [epsilon, 1 - epsilon], as Keras does; an ``output`` made by
    ``ops.softmax`` is replaced by its logits.
    """
    output = convert_to_tensor(output)
    target = convert_to_tensor(target, dtype=output.dtype)  # no copy if of that dtype
    check_one_hot_shape("categorical_crossentropy", target, output)
    output, from_logits = _logits_of(output, from_logits, "softmax", "categorical_crossentropy")
    if from_logits:
        return softmax_cross_entropy_with_logits(target, output, axis=axis)
    output = divide(output, reduce_sum(output, axis=axis, keepdims=True))
    output = _clip_probabilities(output)
    return negative(reduce_sum(multiply(target, log(output)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of each row of ``output`` (.., C) against integer labels ``target`` (..).

    Labels must lie in [0, C); a trailing axis of size 1 on ``target`` is
    dropped. Probabilities are clipped to [epsilon, 1 - epsilon] before the
    log, as Keras does; an ``output`` made by ``ops.softmax`` is replaced by its logits.
    """
    output = convert_to_tensor(output)
    if axis not in (-1, output.ndim - 1):
        raise ValueError("sparse_categorical_crossentropy: only the last axis can hold the "
                         f"classes (axis=-1); got axis={axis}.")
    output, from_logits = _logits_of(output, from_logits, "softmax",
                                     "sparse_categorical_crossentropy")
    labels = _integer_labels(convert_to_tensor(target).data, output.shape)
    if not from_logits:
        output = log(_clip_probabilities(output))
    return sparse_softmax_cross_entropy_with_logits(labels, output)


def check_one_hot_shape(name, target, output):
    """A ValueError, saying what to do, unless one-hot ``target`` has ``output``'s shape."""
    if target.ndim < 1 or target.shape != output.shape:
        raise ValueError(
            f"{name}: the one-hot target must have the output's shape (batch, ..., "
            f"num_classes); got target.shape={target.shape}, output.shape={output.shape}. "
            "Integer class labels need sparse_categorical_crossentropy; one-hot labels need "
            "as many columns as the output has classes."
        )


def _integer_labels(labels, output_shape):
    """``labels`` as int64 of shape output_shape[:-1], each checked to be in [0, num_classes)
    (on a device, unless they were checked on the host before: see ``labels_checked``)."""
    labels = labels.astype("int64", copy=False)
    if labels.ndim == len(output_shape) and labels.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if len(output_shape) < 1 or labels.shape != tuple(output_shape[:-1]):
        raise ValueError(
            "sparse_categorical_crossentropy: expected one integer label per row of the "
            f"output, i.e. labels of shape {tuple(output_shape[:-1])} for an output of shape "
            f"{tuple(output_shape)}; got labels of shape {labels.shape}. One-hot labels need "
            "categorical_crossentropy."
        )
    num_classes = output_shape[-1]
    xp = get_array_module(labels)
    checked_on_host = _labels_checked.get() and xp is not np
    if labels.size and not checked_on_host and bool(
            xp.any((labels < 0) | (labels >= num_classes))):
        found = backend.to_numpy(labels)
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must be integers in [0, {num_classes}) "
            f"for an output with {num_classes} classes; got labels from {found.min()} to "
            f"{found.max()}."
        )
    return labels


def _clip_probabilities(output):
    epsilon = backend.epsilon()
    return clip(output, epsilon, 1.0 - epsilon)


def _check_same_shape(name, target, output):
    if target.shape != output.shape:
        raise ValueError(f"{name}: target and output must have the same shape; got "
                         f"target.shape={target.shape}, output.shape={output.shape}.")


def _logits_of(output, from_logits, activation, name):
    """(the tensor to use, whether it holds logits): the logits behind a softmax/sigmoid output."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f"`{name}` received `from_logits=True`, but the `output` argument was "
                      f"produced by a {activation} activation and thus does not represent "
                      "logits. Was this intended?", stacklevel=3)
    return logits, True
