"""Matrix multiplication, the op that does nearly all the arithmetic of a network."""

from ..autograd.function import Function
from .fast.linalg import FastMatMul, FusedDense
from .reshaping import expand_dims, squeeze


class MatMul(Function):
    """Z = X @ Y for matrices (or stacks of them);  dL/dX = dL/dZ @ Y^T,  dL/dY = X^T @ dL/dZ.

    Each element z_ij = sum_k x_ik y_kj, so x_ik receives sum_j g_ij y_kj
    (row i of G times row k of Y) and y_kj receives sum_i x_ik g_ij.
    ``matmul`` runs ``fast.linalg.FastMatMul``: the same, shared among the cores.
    """

    def forward(self, x, y):
        self.x, self.y = x, y
        return x @ y  # (.., n, k) @ (.., k, m) -> (.., n, m)

    def backward(self, gz):
        gx = gz @ self.y.swapaxes(-1, -2)  # (.., n, m) @ (.., m, k) -> (.., n, k)
        gy = self.x.swapaxes(-1, -2) @ gz  # (.., k, n) @ (.., n, m) -> (.., k, m)
        return gx, gy


def matmul(x1, x2):
    """The matrix product x1 @ x2; 1-D operands are treated as a row (x1) or a column (x2)."""
    if x1.ndim == 1 and x2.ndim == 1:
        return squeeze(FastMatMul()(expand_dims(x1, 0), expand_dims(x2, 1)))
    if x1.ndim == 1:
        return squeeze(FastMatMul()(expand_dims(x1, 0), x2), -2)
    if x2.ndim == 1:
        return squeeze(FastMatMul()(x1, expand_dims(x2, 1)), -1)
    return FastMatMul()(x1, x2)


def fused_dense(inputs, kernel, bias=None, relu=False):
    """relu(inputs @ kernel + bias): a Dense layer's three steps in one op (``FusedDense``).

    inputs: (batch, .., K); kernel: (K, M); bias: (M,) or None; relu: apply
    max(., 0). Returns (batch, .., M).
    """
    if not inputs.shape or len(kernel.shape) != 2 or inputs.shape[-1] != kernel.shape[0]:
        raise ValueError(f"fused_dense: inputs of shape {tuple(inputs.shape)} cannot be "
                         f"multiplied by a kernel of shape {tuple(kernel.shape)}; the kernel "
                         "must be (inputs.shape[-1], units).")
    return FusedDense(relu)(inputs, kernel, bias)
