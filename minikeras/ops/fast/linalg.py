"""Matrix products on every core, and a Dense layer's three steps as one op."""

from ...autograd.function import Function
from ...backend import get_array_module
from ...runtime import kernels
from ...runtime.parallel import matmul as matmul_on_all_cores
from .activation import add_bias_and_relu, relu_gradient


class FastMatMul(Function):
    """Same mathematics as ``linalg.MatMul``; faster because a large product is shared among
    the cores, by bands of rows or columns."""

    label = "MatMul"

    def forward(self, x, y):
        self.x, self.y = x, y
        return matmul_on_all_cores(x, y)  # (.., n, k) @ (.., k, m) -> (.., n, m)

    def backward(self, gz):
        return matmul_gradients(self.x, self.y, gz, *self.needs_input_grad)


def matmul_gradients(x, y, gz, need_x=True, need_y=True):
    """(dL/dX, dL/dY) for Z = X @ Y from dL/dZ, on all cores; None for a gradient not needed."""
    gx = matmul_on_all_cores(gz, y.swapaxes(-1, -2)) if need_x else None  # (.., n, k)
    gy = matmul_on_all_cores(x.swapaxes(-1, -2), gz) if need_y else None  # (.., k, m)
    return gx, gy


def sum_of_rows(matrix):
    """The sum of a matrix's rows, (N, M) -> (M,): a bias gradient. As a product with
    ones, which BLAS does about 3x faster than einsum over a tall matrix; on a GPU as a
    reduction, one kernel instead of a fill and a product."""
    xp = get_array_module(matrix)
    if kernels.on_device(xp):
        return matrix.sum(axis=0)
    return xp.ones(len(matrix), matrix.dtype) @ matrix


class FusedDense(Function):
    """y = relu(x @ kernel + bias), where the bias (M,) and the ReLU are optional.

    Same mathematics as ``linalg.MatMul`` followed by adding the bias and
    ``activation.ReLU``; faster because it is one op instead of three: the
    bias and the ReLU are applied in place on the product, the products run
    on all cores, and the backward pass goes through the three in one step.

    x: (.., K), its leading axes flattened into N rows; kernel: (K, M). With
    g = dL/dy * (y > 0), the gradient that passes the ReLU (dL/dy without it):
        dL/dx = g @ kernel^T,  dL/dkernel = x^T @ g,  dL/dbias = sum of g's rows.
    """

    input_names = ("inputs", "kernel", "bias")

    def __init__(self, relu):
        self.relu = relu

    @property
    def label(self):
        """"Dense + ReLU": what the op computes (MatMul when it adds no bias)."""
        return " + ".join(["Dense" if self.with_bias else "MatMul"] + ["ReLU"] * self.relu)

    def forward(self, x, kernel, bias=None):
        self.with_bias = bias is not None
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
