"""Matrix multiplication, the op that does nearly all the arithmetic of a network."""

from ..autograd.function import Function
from ..backend import get_array_module
from ..runtime.parallel import matmul as matmul_on_all_cores
from .activation import add_bias_and_relu, relu_gradient
from .reshaping import expand_dims, squeeze


class MatMul(Function):
    """Z = X @ Y for matrices (or stacks of them);  dL/dX = dL/dZ @ Y^T,  dL/dY = X^T @ dL/dZ.

    Each element z_ij = sum_k x_ik y_kj, so x_ik receives sum_j g_ij y_kj
    (row i of G times row k of Y) and y_kj receives sum_i x_ik g_ij.
    """

    def forward(self, x, y):
        self.x, self.y = x, y
        return matmul_on_all_cores(x, y)  # (.., n, k) @ (.., k, m) -> (.., n, m)

    def backward(self, gz):
        return matmul_gradients(self.x, self.y, gz, *self.needs_input_grad)


def matmul_gradients(x, y, gz, need_x=True, need_y=True):
    """(dL/dX, dL/dY) for Z = X @ Y from dL/dZ; None for a gradient not needed."""
    gx = matmul_on_all_cores(gz, y.swapaxes(-1, -2)) if need_x else None  # (.., n, k)
    gy = matmul_on_all_cores(x.swapaxes(-1, -2), gz) if need_y else None  # (.., k, m)
    return gx, gy


def sum_of_rows(matrix):
    """The sum of a matrix's rows, (N, M) -> (M,): a bias gradient. As a product with
    ones, which BLAS does about 3x faster than einsum over a tall matrix."""
    xp = get_array_module(matrix)
    return xp.ones(len(matrix), matrix.dtype) @ matrix


def matmul(x, y):
    """The matrix product x @ y; 1-D operands are treated as a row (x) or a column (y)."""
    if x.ndim == 1 and y.ndim == 1:
        return squeeze(MatMul()(expand_dims(x, 0), expand_dims(y, 1)))
    if x.ndim == 1:
        return squeeze(MatMul()(expand_dims(x, 0), y), -2)
    if y.ndim == 1:
        return squeeze(MatMul()(x, expand_dims(y, 1)), -1)
    return MatMul()(x, y)


class FusedDense(Function):
    """y = relu(x @ kernel + bias), where the bias (M,) and the ReLU are optional.

    x: (.., K), its leading axes flattened into N rows; kernel: (K, M). With
    g = dL/dy * (y > 0), the gradient that passes the ReLU (dL/dy without it):
        dL/dx = g @ kernel^T,  dL/dkernel = x^T @ g,  dL/dbias = sum of g's rows.
    One op instead of three: the bias and the ReLU are applied in place on
    the product, and the backward pass goes through them in one step.
    """

    def __init__(self, relu):
        self.relu = relu

    def forward(self, x, kernel, bias=None):
        self.rows = x.reshape(-1, x.shape[-1])  # (N, K)
        y = matmul_on_all_cores(self.rows, kernel)  # (N, M)
        add_bias_and_relu(y, bias, self.relu)
        self.x_shape, self.kernel = x.shape, kernel
        self.y = y if self.relu else None
        return y.reshape(*x.shape[:-1], kernel.shape[1])  # (.., M)

    def backward(self, gy):
        need_x, need_kernel, need_bias = self.needs_input_grad
        g = gy.reshape(-1, gy.shape[-1])  # (N, M)
        if self.relu:
            g = relu_gradient(g, self.y)
        gx, gkernel = matmul_gradients(self.rows, self.kernel, g, need_x, need_kernel)
        gx = None if gx is None else gx.reshape(self.x_shape)
        return gx, gkernel, sum_of_rows(g) if need_bias else None  # (.., K), (K, M), (M,)


def fused_dense(inputs, kernel, bias=None, relu=False):
    """relu(inputs @ kernel + bias): a Dense layer's three steps in one op.

    inputs: (batch, .., K); kernel: (K, M); bias: (M,) or None; relu: apply
    max(., 0). Returns (batch, .., M).
    """
    if not inputs.shape or len(kernel.shape) != 2 or inputs.shape[-1] != kernel.shape[0]:
        raise ValueError(f"fused_dense: inputs of shape {tuple(inputs.shape)} cannot be "
                         f"multiplied by a kernel of shape {tuple(kernel.shape)}; the kernel "
                         "must be (inputs.shape[-1], units).")
    return FusedDense(relu)(inputs, kernel, bias)
