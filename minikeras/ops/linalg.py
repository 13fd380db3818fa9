"""Matrix multiplication, the op that does nearly all the arithmetic of a network."""

from ..autograd.function import Function
from .parallel import matmul as matmul_on_all_cores
from .shape import expand_dims, squeeze


class MatMul(Function):
    """Z = X @ Y for matrices (or stacks of them);  dL/dX = dL/dZ @ Y^T,  dL/dY = X^T @ dL/dZ.

    Each element z_ij = sum_k x_ik y_kj, so x_ik receives sum_j g_ij y_kj
    (row i of G times row k of Y) and y_kj receives sum_i x_ik g_ij.
    """

    def forward(self, x, y):
        self.x, self.y = x, y
        return matmul_on_all_cores(x, y)  # (.., n, k) @ (.., k, m) -> (.., n, m)

    def backward(self, gz):
        gx = gy = None
        if self.needs_input_grad[0]:
            gx = matmul_on_all_cores(gz, self.y.swapaxes(-1, -2))  # (.., n, k)
        if self.needs_input_grad[1]:
            gy = matmul_on_all_cores(self.x.swapaxes(-1, -2), gz)  # (.., k, m)
        return gx, gy


def matmul(x, y):
    """The matrix product x @ y; 1-D operands are treated as a row (x) or a column (y)."""
    if x.ndim == 1 and y.ndim == 1:
        return squeeze(MatMul()(expand_dims(x, 0), expand_dims(y, 1)))
    if x.ndim == 1:
        return squeeze(MatMul()(expand_dims(x, 0), y), -2)
    if y.ndim == 1:
        return squeeze(MatMul()(x, expand_dims(y, 1)), -1)
    return MatMul()(x, y)
