"""Softmax and the softmax cross-entropies on a GPU: one kernel per pass, a thread per row.

The plain ops (``activation.Softmax``, ``cross_entropy.SparseSoftmaxCrossEntropy``
and ``SoftmaxCrossEntropy``) take five to nine array operations for a forward
pass and four or five for a backward one: on a GPU, a kernel launch each.
Their twins here compute the same, over the last axis, with one kernel per
pass: each thread takes a row of C values, finds its largest value and the
sum of the exponentials as ``log_softmax_array`` does, and writes the row's
results. The cross-entropies write dL/dlogits in the forward pass too, so
their backward pass only scales it. ``ops.softmax`` and the cross-entropy
functions run these when the logits are on a device (``rows_on_device``).
"""

from ...autograd.function import Function
from ...autograd.tensor import Tensor
from ...backend import get_array_module, is_array
from ...runtime import kernels

_LOG_SOFTMAX_OF_ROW = """
    const ptrdiff_t row = i * classes;
    T largest = logits[row];
    for (ptrdiff_t c = 1; c < classes; ++c) largest = max(largest, logits[row + c]);
    T total = 0;
    for (ptrdiff_t c = 0; c < classes; ++c) total += exp(logits[row + c] - largest);
"""
_SOFTMAX = kernels.Elementwise(
    "minikeras_softmax", "raw T logits, int64 classes", "raw T y", _LOG_SOFTMAX_OF_ROW + """
    for (ptrdiff_t c = 0; c < classes; ++c) y[row + c] = exp(logits[row + c] - largest) / total;
    """)
_SOFTMAX_GRADIENT = kernels.Elementwise(
    "minikeras_softmax_gradient", "raw T y, raw T gy, int64 classes", "raw T gx", """
    const ptrdiff_t row = i * classes;
    T dot = 0;
    for (ptrdiff_t c = 0; c < classes; ++c) dot += gy[row + c] * y[row + c];
    for (ptrdiff_t c = 0; c < classes; ++c) gx[row + c] = y[row + c] * (gy[row + c] - dot);
    """)
_LOG_PROBABILITY = "((logits[row + c] - largest) - log_total)"
_SPARSE_CROSS_ENTROPY = kernels.Elementwise(
    "minikeras_sparse_softmax_cross_entropy", "raw T logits, int64 label, int64 classes",
    "T loss, raw T g_logits", _LOG_SOFTMAX_OF_ROW + f"""
    const T log_total = log(total);
    loss = -((logits[row + label] - largest) - log_total);
    for (ptrdiff_t c = 0; c < classes; ++c) {{
        g_logits[row + c] = exp{_LOG_PROBABILITY} - (c == label ? (T)1 : (T)0);
    }}
    """)
_CROSS_ENTROPY = kernels.Elementwise(
    "minikeras_softmax_cross_entropy", "raw T logits, raw T labels, int64 classes",
    "T loss, raw T g_logits", _LOG_SOFTMAX_OF_ROW + f"""
    const T log_total = log(total);
    T weighted = 0;
    T mass = 0;
    for (ptrdiff_t c = 0; c < classes; ++c) {{
        weighted += labels[row + c] * {_LOG_PROBABILITY};
        mass += labels[row + c];
    }}
    loss = -weighted;
    for (ptrdiff_t c = 0; c < classes; ++c) {{
        g_logits[row + c] = exp{_LOG_PROBABILITY} * mass - labels[row + c];
    }}
    """)


def rows_on_device(x, axis=-1):
    """Whether the row kernels apply to ``x`` (a Tensor or an array) reduced over ``axis``:
    on a device, over its last axis, which is not empty."""
    data = x.data if isinstance(x, Tensor) else x
    return (is_array(data) and kernels.on_device(get_array_module(data)) and data.ndim >= 1
            and axis in (-1, data.ndim - 1) and data.shape[-1] > 0)


class DeviceSoftmax(Function):
    """Same mathematics as ``activation.Softmax`` over the last axis, in one kernel per pass."""

    label = "Softmax"

    def forward(self, x):
        self.y = get_array_module(x).empty(x.shape, x.dtype)  # (.., C)
        _SOFTMAX(x, x.shape[-1], self.y, size=x.size // x.shape[-1])
        return self.y

    def backward(self, gy):
        gx = get_array_module(gy).empty(gy.shape, gy.dtype)  # (.., C)
        _SOFTMAX_GRADIENT(self.y, gy, gy.shape[-1], gx, size=gy.size // gy.shape[-1])
        return gx


class DeviceSparseSoftmaxCrossEntropy(Function):
    """Same mathematics as ``cross_entropy.SparseSoftmaxCrossEntropy``: the loss (..) and
    dL/dlogits (.., C) in one kernel, then a scaling by the incoming gradient."""

    label = "SparseSoftmaxCrossEntropy"
    input_names = ("logits", "labels")

    def forward(self, logits, labels):
        labels = labels.reshape(-1).astype("int64", copy=False)
        loss, self.g_logits = _cross_entropy(_SPARSE_CROSS_ENTROPY, logits, labels)
        return loss  # (..)

    def backward(self, gy):
        return gy[..., None] * self.g_logits, None  # (.., C)


class DeviceSoftmaxCrossEntropy(Function):
    """Same mathematics as ``cross_entropy.SoftmaxCrossEntropy`` over the last axis, for
    labels that need no gradient: the loss (..) and dL/dlogits (.., C) in one kernel, then
    a scaling by the incoming gradient."""

    label = "SoftmaxCrossEntropy"
    input_names = ("labels", "logits")

    def forward(self, labels, logits):
        labels = labels.astype(logits.dtype, copy=False)
        loss, self.g_logits = _cross_entropy(_CROSS_ENTROPY, logits, labels)
        return loss  # (..)

    def backward(self, gy):
        return None, gy[..., None] * self.g_logits  # (.., C)


def _cross_entropy(kernel, logits, labels):
    """(the loss (..), dL/dlogits (.., C) for a gradient of 1) from ``kernel``."""
    xp = get_array_module(logits)
    loss = xp.empty(logits.shape[:-1], logits.dtype)
    g_logits = xp.empty(logits.shape, logits.dtype)
    kernel(logits, labels, logits.shape[-1], loss.reshape(-1), g_logits)
    return loss, g_logits
