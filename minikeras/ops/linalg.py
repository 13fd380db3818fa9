"""Matrix multiplication, the op that does nearly all the arithmetic of a network, and the
linear algebra built on it: dot and tensordot products, diagonals, norms."""

import builtins
import math

from ..autograd.function import Function
from ..backend import get_array_module
from .fast.linalg import FastMatMul, FusedDense
from .gather import take
from .logic import convert_to_tensor, not_equal
from .math import abs, cast, multiply, power, sqrt, square, to_float, where
from .reduction import max, min, sum
from .reshaping import expand_dims, getitem, moveaxis, reshape, squeeze, transpose


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


class SingularValues(Function):
    """s = the singular values of each matrix x (.., m, n), largest first;
    dL/dx = U diag(dL/ds) V^T, with x = U diag(s) V^T (for distinct singular values:
    ds_i = u_i^T dx v_i)."""

    def forward(self, x):
        u, s, vh = get_array_module(x).linalg.svd(x, full_matrices=False)
        self.u, self.vh = u, vh  # (.., m, k), (.., k, n), k = min(m, n)
        return s  # (.., k)

    def backward(self, gs):
        return (self.u * gs[..., None, :]) @ self.vh  # (.., m, n)


def tensordot(x1, x2, axes=2):
    """The sum of x1 * x2 over the axis pairs ``axes`` (an int n: x1's last n with x2's
    first n; or two lists of axes): x1's other axes, then x2's. A matrix product after
    moving the summed axes together."""
    if isinstance(axes, int):
        axes = (list(range(len(x1.shape) - axes, len(x1.shape))), list(range(axes)))
    first, second = ([a] if isinstance(a, int) else list(a) for a in axes)
    first = [a % len(x1.shape) for a in first]
    second = [a % len(x2.shape) for a in second]
    kept1 = [a for a in range(len(x1.shape)) if a not in first]
    kept2 = [a for a in range(len(x2.shape)) if a not in second]
    size = math.prod(x1.shape[a] for a in first)
    rows = reshape(transpose(x1, kept1 + first), (-1, size))  # (x1's other axes, summed)
    columns = reshape(transpose(x2, second + kept2), (size, -1))  # (summed, x2's other axes)
    return reshape(matmul(rows, columns), [x1.shape[a] for a in kept1] +
                   [x2.shape[a] for a in kept2])


def dot(x1, x2):
    """NumPy's dot: the product of numbers, the inner product of vectors, the matrix
    product of matrices, and for more axes the sum over x1's last axis and x2's second to
    last (x2's only one if it is a vector)."""
    if len(x1.shape) == 0 or len(x2.shape) == 0:
        return multiply(x1, x2)
    if len(x2.shape) <= 2 and len(x1.shape) <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, ([-1], [-1 if len(x2.shape) == 1 else -2]))


def outer(x1, x2):
    """The outer product of the flattened x1 and x2: (n1, n2)."""
    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))


def inner(x1, x2):
    """The sum of x1 * x2 over their last axes (a product for a number)."""
    if len(x1.shape) == 0 or len(x2.shape) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, ([-1], [-1]))


def vdot(x1, x2):
    """The inner product of the flattened x1 and x2."""
    return sum(multiply(reshape(x1, (-1,)), reshape(x2, (-1,))))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` (above 0: above the main one) of the matrices on axes
    ``axis1`` and ``axis2`` of x, as a new last axis; the gradient goes back onto it."""
    x = convert_to_tensor(x)
    matrices = moveaxis(x, (axis1, axis2), (-2, -1))  # (.., m, n)
    m, n = matrices.shape[-2:]
    first_row, first_column = builtins.max(-offset, 0), builtins.max(offset, 0)
    length = builtins.max(0, builtins.min(m - first_row, n - first_column))
    steps = get_array_module(getattr(x, "data", x)).arange(length)
    return getitem(matrices, (Ellipsis, steps + first_row, steps + first_column))


def diag(x, k=0):
    """For a vector, the square matrix with x on diagonal ``k`` (zeros elsewhere); for a
    matrix, its diagonal ``k``."""
    x = convert_to_tensor(x)
    if len(x.shape) == 2:
        return diagonal(x, k)
    if len(x.shape) != 1:
        raise ValueError(f"diag: x must be a vector or a matrix; received shape "
                         f"{tuple(x.shape)}.")
    xp = get_array_module(getattr(x, "data", x))
    size = x.shape[0] + builtins.abs(k)
    on_diagonal = xp.eye(size, k=k, dtype=bool)  # (size, size)
    position = xp.arange(size) - builtins.max(-k, 0)  # row i holds x[i - max(-k, 0)]
    rows = xp.broadcast_to(xp.clip(position, 0, x.shape[0] - 1)[:, None], (size, size))
    picked = take(x, rows, axis=0)  # (size, size): row r all x[r - max(-k, 0)]
    return where(on_diagonal, picked, 0)


def tril(x, k=0):
    """x's matrices (its last two axes) with the elements above diagonal ``k`` set to 0."""
    x = convert_to_tensor(x)
    xp = get_array_module(getattr(x, "data", x))
    return where(xp.tri(*x.shape[-2:], k=k, dtype=bool), x, 0)


def triu(x, k=0):
    """x's matrices (its last two axes) with the elements below diagonal ``k`` set to 0."""
    x = convert_to_tensor(x)
    xp = get_array_module(getattr(x, "data", x))
    return where(xp.tri(*x.shape[-2:], k=k - 1, dtype=bool), 0, x)


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal ``offset`` of the matrices on axes ``axis1`` and ``axis2``."""
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (keras.ops.norm's argument)
    """The norm of x over ``axis``, as ``keras.ops.norm`` (and NumPy's).

    axis None and ord None: the Euclidean norm of all of x's elements.
    One axis (or x a vector, axis None): ord None or 2 (Euclidean), inf, -inf (largest and
    smallest |x|), 0 (the count of nonzero elements, no gradient) or any p, sum(|x|**p)**(1/p).
    Two axes (or x a matrix, axis None): ord None or "fro" (Frobenius), 1, -1 (largest and
    smallest column sum of |x|), inf, -inf (the same for rows), 2, -2 (largest and smallest
    singular value) or "nuc" (their sum).
    """
    x = to_float(x)
    ndim = len(x.shape)
    if axis is None and ord is None:  # the Euclidean norm of all the elements, any rank
        return sqrt(sum(square(x), keepdims=keepdims))
    axes = tuple(range(ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(
        axis)
    if not all(-ndim <= a < ndim for a in axes) or len(axes) not in (1, 2):
        raise ValueError(f"norm: axis must name one axis (a vector norm) or two (a matrix "
                         f"norm) of a tensor of rank {ndim}. Received: axis={axis}")
    axes = tuple(a % ndim for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    return _matrix_norm(x, ord, axes, keepdims)


def _vector_norm(x, ord, axis, keepdims):  # noqa: A002
    if ord is None or ord == 2:
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord == math.inf:
        return max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord}")
    return power(sum(power(abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002
    rows, columns = axes
    if ord is None or ord == "fro":
        return sqrt(sum(square(x), axis=axes, keepdims=keepdims))
    if ord in (1, -1, math.inf, -math.inf):
        summed, extreme = (rows, columns) if ord in (1, -1) else (columns, rows)
        totals = sum(abs(x), axis=summed, keepdims=True)  # (.., 1, ..) at the summed axis
        result = (max if ord > 0 else min)(totals, axis=extreme, keepdims=True)
        return result if keepdims else squeeze(result, axes)
    if ord in (2, -2, "nuc"):
        values = SingularValues()(moveaxis(x, axes, (-2, -1)))  # (.., k)
        result = {2: max, -2: min, "nuc": sum}[ord](values, axis=-1)
        low, high = sorted(axes)
        return expand_dims(expand_dims(result, low), high) if keepdims else result
    raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={ord}")
