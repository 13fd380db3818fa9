"""Elementwise arithmetic and functions, each with its derivative.

Binary ops broadcast like NumPy. Their backward returns gradients of the
output's (broadcast) shape; the engine sums each back to its input's shape
(see ``autograd.sum_to``), so the ops themselves stay one line of calculus.
"""

import math

import numpy as np

from .. import backend
from ..autograd.function import Function
from ..autograd.tensor import Tensor
from ..backend import get_array_module


class Add(Function):
    """z = x + y;  dz/dx = 1,  dz/dy = 1."""

    def forward(self, x, y):
        return x + y

    def backward(self, gz):
        return gz, gz


class Subtract(Function):
    """z = x - y;  dz/dx = 1,  dz/dy = -1."""

    def forward(self, x, y):
        return x - y

    def backward(self, gz):
        return gz, -gz


class Multiply(Function):
    """z = x * y;  dz/dx = y,  dz/dy = x."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, gz):
        gx = gz * self.y if self.needs_input_grad[0] else None
        gy = gz * self.x if self.needs_input_grad[1] else None
        return gx, gy


class Divide(Function):
    """z = x / y;  dz/dx = 1 / y,  dz/dy = -x / y**2 = -z / y."""

    def forward(self, x, y):
        self.y = y
        self.z = x / y
        return self.z

    def backward(self, gz):
        gx = gz / self.y if self.needs_input_grad[0] else None
        gy = -gz * self.z / self.y if self.needs_input_grad[1] else None
        return gx, gy


class DivideNoNan(Function):
    """z = x / y, or 0 where y == 0;  dz/dx = 1 / y,  dz/dy = -z / y (both 0 where y == 0)."""

    def forward(self, x, y):
        xp = get_array_module(x, y)
        self.zero = xp.asarray(y) == 0
        self.y = xp.where(self.zero, 1, y).astype(xp.result_type(x, y))  # never divides by 0
        self.z = xp.where(self.zero, 0, x / self.y)
        return self.z

    def backward(self, gz):
        gx = gz / self.y * ~self.zero if self.needs_input_grad[0] else None
        gy = -gz * self.z / self.y if self.needs_input_grad[1] else None  # z is 0 where y == 0
        return gx, gy


class Negative(Function):
    """y = -x;  dy/dx = -1."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Power(Function):
    """z = x ** p;  dz/dx = p * x**(p - 1),  dz/dp = z * log(x) (taken as 0 where x <= 0)."""

    def forward(self, x, p):
        self.x, self.p = x, p
        self.z = x**p
        return self.z

    def backward(self, gz):
        x, p = self.x, self.p
        gx = gz * p * x ** (p - 1) if self.needs_input_grad[0] else None
        gp = None
        if self.needs_input_grad[1]:
            xp = get_array_module(x)
            positive = x > 0
            gp = gz * self.z * xp.log(xp.where(positive, x, 1)) * positive
        return gx, gp


class Square(Function):
    """y = x**2;  dy/dx = 2x."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return 2 * gy * self.x


class Sqrt(Function):
    """y = sqrt(x);  dy/dx = 1 / (2 sqrt(x)) = 1 / (2y)."""

    def forward(self, x):
        self.y = get_array_module(x).sqrt(x)
        return self.y

    def backward(self, gy):
        return gy / (2 * self.y)


class Rsqrt(Function):
    """y = 1 / sqrt(x);  dy/dx = -1 / (2 x sqrt(x)) = -y**3 / 2.

    A zero incoming gradient gives a zero gradient even where y is infinite
    (x = 0), as in TensorFlow, so a branch that was not taken (the other side
    of a ``minimum``) never turns into 0 * inf = NaN.
    """

    def forward(self, x):
        xp = get_array_module(x)
        zero = x == 0
        # 1 / sqrt(0) = inf, as in TensorFlow, without NumPy's divide-by-zero warning.
        self.y = xp.where(zero, math.inf, 1 / xp.sqrt(xp.where(zero, 1, x)))
        return self.y

    def backward(self, gy):
        y = get_array_module(gy).where(gy == 0, 0, self.y)  # no inf where nothing flows back
        return -0.5 * gy * y * y * y


class Exp(Function):
    """y = exp(x);  dy/dx = exp(x) = y."""

    def forward(self, x):
        self.y = get_array_module(x).exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.y


class Expm1(Function):
    """y = exp(x) - 1, accurate near 0;  dy/dx = exp(x) = y + 1."""

    def forward(self, x):
        self.y = get_array_module(x).expm1(x)
        return self.y

    def backward(self, gy):
        return gy * (self.y + 1)


class Log(Function):
    """y = log(x);  dy/dx = 1 / x."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.x


class Log1p(Function):
    """y = log(1 + x), accurate near 0;  dy/dx = 1 / (1 + x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.x)


class Exp2(Function):
    """y = 2 ** x;  dy/dx = y log(2)."""

    def forward(self, x):
        self.y = get_array_module(x).exp2(x)
        return self.y

    def backward(self, gy):
        return gy * self.y * math.log(2)


class LogBase(Function):
    """y = log(x) / log(base) (log2, log10);  dy/dx = 1 / (x log(base))."""

    def __init__(self, base):
        self.base = base

    def forward(self, x):
        self.x = x
        return get_array_module(x).log(x) / math.log(self.base)

    def backward(self, gy):
        return gy / (self.x * math.log(self.base))


class Reciprocal(Function):
    """y = 1 / x;  dy/dx = -1 / x**2 = -y**2."""

    def forward(self, x):
        self.y = 1 / x
        return self.y

    def backward(self, gy):
        return -gy * self.y * self.y


class Mod(Function):
    """z = x mod y = x - floor(x / y) * y (the sign of y, as Python's %);
    dz/dx = 1,  dz/dy = -floor(x / y)."""

    def forward(self, x, y):
        xp = get_array_module(x, y)
        self.quotient = xp.floor_divide(x, y)
        return xp.mod(x, y)

    def backward(self, gz):
        return gz, -gz * self.quotient


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at 0)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).abs(x)

    def backward(self, gy):
        return gy * get_array_module(gy).sign(self.x)


class Maximum(Function):
    """z = max(x, y);  the gradient goes to x where x >= y, else to y (ties to x, as TensorFlow)."""

    def forward(self, x, y):
        xp = get_array_module(x, y)
        self.x_wins = xp.greater_equal(x, y)
        return xp.maximum(x, y)

    def backward(self, gz):
        xp = get_array_module(gz)  # selected, not masked: inf * 0 would be NaN (see Where)
        return xp.where(self.x_wins, gz, 0), xp.where(self.x_wins, 0, gz)


class Minimum(Function):
    """z = min(x, y);  the gradient goes to x where x <= y, else to y (ties to x, as TensorFlow)."""

    def forward(self, x, y):
        xp = get_array_module(x, y)
        self.x_wins = xp.less_equal(x, y)
        return xp.minimum(x, y)

    def backward(self, gz):
        xp = get_array_module(gz)  # selected, not masked: inf * 0 would be NaN (see Where)
        return xp.where(self.x_wins, gz, 0), xp.where(self.x_wins, 0, gz)


class Clip(Function):
    """y = min(max(x, low), high);  dy/dx = 1 where low <= x <= high, else 0."""

    def forward(self, x, low, high):
        self.inside = (x >= low) & (x <= high)
        return get_array_module(x).clip(x, low, high)

    def backward(self, gy):
        return gy * self.inside, None, None


class Where(Function):
    """z = x where condition else y;  dz/dx = condition,  dz/dy = not condition."""

    def forward(self, condition, x, y):
        xp = get_array_module(condition, x, y)
        self.condition = xp.asarray(condition, dtype=bool)
        return xp.where(self.condition, x, y)

    def backward(self, gz):
        # Selected, not multiplied: a NaN or inf gradient arriving for the branch not taken
        # (log of a -inf filler, say) must not leak into the other (NaN * 0 is NaN).
        xp = get_array_module(gz)
        return None, xp.where(self.condition, gz, 0), xp.where(self.condition, 0, gz)


class Cast(Function):
    """y = x as another float type;  dy/dx = 1 (the gradient is cast back)."""

    def forward(self, x, dtype):
        self.input_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, gy):
        return gy.astype(self.input_dtype), None


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * (integral of exp(-t**2) dt from 0 to x);
    dy/dx = 2/sqrt(pi) * exp(-x**2)."""

    def forward(self, x):
        self.x = x
        return erf_array(x)

    def backward(self, gy):
        xp = get_array_module(gy)
        return gy * (2 / math.sqrt(math.pi)) * xp.exp(-self.x * self.x)


# NumPy has no erf. These are the rational approximations of the Cephes
# library (ndtr.c), accurate to float64's last bit: erf(x) = x T(x^2) / U(x^2)
# for |x| < 1, and erf(x) = 1 - exp(-x^2) P(|x|) / Q(|x|) beyond (R / S past 8).
_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)
_ERFC_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
           6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_ERFC_S = (1.0, 2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
           1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)


def _polynomial(coefficients, x):
    """c0 x^n + c1 x^(n-1) + ... + cn, by Horner's rule."""
    result = coefficients[0] + 0 * x
    for c in coefficients[1:]:
        result = result * x + c
    return result


def erf_array(x):
    """erf of an array, in ``x``'s dtype."""
    xp = get_array_module(x)
    a = xp.abs(x)
    a2 = a * a
    near_zero = x * _polynomial(_ERF_T, a2) / _polynomial(_ERF_U, a2)
    tail_ratio = xp.where(a < 8, _polynomial(_ERFC_P, a) / _polynomial(_ERFC_Q, a),
                          _polynomial(_ERFC_R, a) / _polynomial(_ERFC_S, a))
    far_from_zero = xp.sign(x) * (1 - xp.exp(-a2) * tail_ratio)
    return xp.where(a < 1, near_zero, far_from_zero)


def add(x1, x2):
    """x1 + x2, elementwise with broadcasting."""
    return Add()(*lists_as_tensors(x1, x2))


def subtract(x1, x2):
    """x1 - x2, elementwise with broadcasting."""
    return Subtract()(*lists_as_tensors(x1, x2))


def multiply(x1, x2):
    """x1 * x2, elementwise with broadcasting."""
    return Multiply()(*lists_as_tensors(x1, x2))


def divide(x1, x2):
    """x1 / x2, elementwise with broadcasting."""
    return Divide()(*division_operands(x1, x2))


def true_divide(x1, x2):
    """x1 / x2 (Keras's alias of ``divide``)."""
    return Divide()(*division_operands(x1, x2))


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 is 0 (gradients too), elementwise with broadcasting."""
    return DivideNoNan()(*division_operands(x1, x2))


def negative(x):
    """-x."""
    return Negative()(as_tensor(x))


def power(x1, x2):
    """x1 ** x2; ``x2`` may be a number or a tensor broadcastable with ``x1``."""
    return Power()(*lists_as_tensors(x1, x2))


def square(x):
    """x ** 2."""
    return Square()(as_tensor(x))


def sqrt(x):
    """The square root of x (its gradient is infinite at 0)."""
    return Sqrt()(to_float(x))


def rsqrt(x):
    """1 / sqrt(x)."""
    return Rsqrt()(to_float(x))


def exp(x):
    """e ** x."""
    return Exp()(to_float(x))


def expm1(x):
    """e ** x - 1, accurate for small x."""
    return Expm1()(to_float(x))


def log(x):
    """The natural logarithm of x."""
    return Log()(to_float(x))


def log1p(x):
    """log(1 + x), accurate for small x."""
    return Log1p()(to_float(x))


def exp2(x):
    """2 ** x."""
    return Exp2()(to_float(x))


def log2(x):
    """The base-2 logarithm of x."""
    return LogBase(2)(to_float(x))


def log10(x):
    """The base-10 logarithm of x."""
    return LogBase(10)(to_float(x))


def reciprocal(x):
    """1 / x."""
    return Reciprocal()(to_float(x))


def mod(x1, x2):
    """x1 mod x2, with the sign of x2 (Python's and NumPy's %); differentiable in both."""
    return Mod()(x1, x2)


def floor_divide(x1, x2):
    """The largest integer <= x1 / x2 (Python's //), in x1's and x2's dtype (no gradient)."""
    x1 = x1.data if isinstance(x1, Tensor) else x1
    x2 = x2.data if isinstance(x2, Tensor) else x2
    return Tensor(get_array_module(x1, x2).floor_divide(x1, x2))


def abs(x):  # noqa: A001  (keras.ops.abs)
    """|x|."""
    return Abs()(as_tensor(x))


def absolute(x):
    """|x| (Keras's alias of ``abs``)."""
    return Abs()(as_tensor(x))


def maximum(x1, x2):
    """The larger of x1 and x2, elementwise."""
    return Maximum()(*lists_as_tensors(x1, x2))


def minimum(x1, x2):
    """The smaller of x1 and x2, elementwise."""
    return Minimum()(*lists_as_tensors(x1, x2))


def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]."""
    return Clip()(x, x_min, x_max)


def where(condition, x1, x2):
    """x1 where ``condition`` is true, else x2 (all three broadcast together). A float result
    has Keras's dtype: Python floats are weak, so ``where(c, 1.0, 2.0)`` is floatx."""
    from .creation import result_dtype  # both build on this module
    from .logic import convert_to_tensor

    dtype = result_dtype(x1, x2)
    if np.dtype(dtype).kind == "f":
        x1, x2 = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    return Where()(condition, x1, x2)


def lists_as_tensors(*values):
    """Lists and tuples among ``values`` as tensors, as Keras converts them (a list plus a
    list would otherwise concatenate); numbers and arrays as they are."""
    from .logic import convert_to_tensor  # it builds on this module

    return [convert_to_tensor(x) if isinstance(x, (list, tuple)) else x for x in values]


def division_operands(x1, x2):
    """x1 and x2 for a true division: without a float array among them, they divide to
    floatx, as in Keras (NumPy would give float64)."""
    x1, x2 = lists_as_tensors(x1, x2)
    if any(hasattr(x, "dtype") and np.dtype(x.dtype).kind == "f" for x in (x1, x2)):
        return x1, x2
    return to_float(x1), to_float(x2)


def as_tensor(x):
    """x as a Tensor on the active device: a Tensor as is, an array moved, a list converted."""
    if isinstance(x, Tensor):
        return x
    if not backend.is_array(x):
        return Tensor(x)  # refuses what makes no array of numbers
    if x.dtype.kind == "O":
        raise TypeError(f"Expected numbers, but received an array of Python objects (dtype "
                        f"object, shape {x.shape}).")
    return Tensor(backend.to_device(x))


def to_float(x):
    """x as a Tensor of a float dtype: integers and booleans become floatx, as Keras computes
    functions such as sin(1) or log2(8)."""
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else Tensor(x.data.astype(backend.floatx()))


def cast(x, dtype):
    """x converted to ``dtype`` (a string or NumPy dtype); differentiable between float types."""
    x = as_tensor(x)
    if np.dtype(dtype).kind == "f":
        return Cast()(x, dtype)
    return Tensor(x.data.astype(dtype))  # integers and booleans carry no gradient


def erf(x):
    """The error function of x."""
    return Erf()(as_tensor(x))
