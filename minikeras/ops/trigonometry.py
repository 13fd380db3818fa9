"""Trigonometric and hyperbolic functions, each with its derivative.

Positional encodings (sin and cos of positions), angles between vectors
(arccos of a cosine) and periodic features use them. Each derivative is the
textbook one, written with the output where that is cheaper (tan' = 1 + tan**2).
"""

from ..autograd.function import Function
from ..backend import get_array_module
from .math import to_float


class Sin(Function):
    """y = sin(x);  dy/dx = cos(x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * get_array_module(gy).cos(self.x)


class Cos(Function):
    """y = cos(x);  dy/dx = -sin(x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * get_array_module(gy).sin(self.x)


class Tan(Function):
    """y = tan(x);  dy/dx = 1 / cos(x)**2 = 1 + y**2."""

    def forward(self, x):
        self.y = get_array_module(x).tan(x)
        return self.y

    def backward(self, gy):
        return gy * (1 + self.y * self.y)


class Arcsin(Function):
    """y = arcsin(x), x in [-1, 1];  dy/dx = 1 / sqrt(1 - x**2)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).arcsin(x)

    def backward(self, gy):
        return gy / get_array_module(gy).sqrt(1 - self.x * self.x)


class Arccos(Function):
    """y = arccos(x), x in [-1, 1];  dy/dx = -1 / sqrt(1 - x**2)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).arccos(x)

    def backward(self, gy):
        return -gy / get_array_module(gy).sqrt(1 - self.x * self.x)


class Arctan(Function):
    """y = arctan(x);  dy/dx = 1 / (1 + x**2)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).arctan(x)

    def backward(self, gy):
        return gy / (1 + self.x * self.x)


class Arctan2(Function):
    """z = arctan2(y, x), the angle of the point (x, y);
    dz/dy = x / (x**2 + y**2),  dz/dx = -y / (x**2 + y**2)."""

    def forward(self, y, x):
        self.y, self.x = y, x
        return get_array_module(y, x).arctan2(y, x)

    def backward(self, gz):
        squared_radius = self.x * self.x + self.y * self.y
        return gz * self.x / squared_radius, -gz * self.y / squared_radius


class Sinh(Function):
    """y = sinh(x);  dy/dx = cosh(x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).sinh(x)

    def backward(self, gy):
        return gy * get_array_module(gy).cosh(self.x)


class Cosh(Function):
    """y = cosh(x);  dy/dx = sinh(x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).cosh(x)

    def backward(self, gy):
        return gy * get_array_module(gy).sinh(self.x)


class Arcsinh(Function):
    """y = arcsinh(x);  dy/dx = 1 / sqrt(x**2 + 1)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).arcsinh(x)

    def backward(self, gy):
        return gy / get_array_module(gy).sqrt(self.x * self.x + 1)


class Arccosh(Function):
    """y = arccosh(x), x >= 1;  dy/dx = 1 / sqrt(x**2 - 1)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).arccosh(x)

    def backward(self, gy):
        return gy / get_array_module(gy).sqrt(self.x * self.x - 1)


class Arctanh(Function):
    """y = arctanh(x), x in (-1, 1);  dy/dx = 1 / (1 - x**2)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).arctanh(x)

    def backward(self, gy):
        return gy / (1 - self.x * self.x)


def sin(x):
    """The sine of x (radians)."""
    return Sin()(to_float(x))


def cos(x):
    """The cosine of x (radians)."""
    return Cos()(to_float(x))


def tan(x):
    """The tangent of x (radians)."""
    return Tan()(to_float(x))


def arcsin(x):
    """The angle in [-pi/2, pi/2] whose sine is x."""
    return Arcsin()(to_float(x))


def arccos(x):
    """The angle in [0, pi] whose cosine is x."""
    return Arccos()(to_float(x))


def arctan(x):
    """The angle in (-pi/2, pi/2) whose tangent is x."""
    return Arctan()(to_float(x))


def arctan2(x1, x2):
    """The angle in (-pi, pi] of the point (x2, x1): arctan(x1 / x2) in the right quadrant."""
    return Arctan2()(to_float(x1), to_float(x2))


def sinh(x):
    """The hyperbolic sine of x."""
    return Sinh()(to_float(x))


def cosh(x):
    """The hyperbolic cosine of x."""
    return Cosh()(to_float(x))


def arcsinh(x):
    """The inverse hyperbolic sine of x."""
    return Arcsinh()(to_float(x))


def arccosh(x):
    """The inverse hyperbolic cosine of x (x >= 1)."""
    return Arccosh()(to_float(x))


def arctanh(x):
    """The inverse hyperbolic tangent of x (-1 < x < 1)."""
    return Arctanh()(to_float(x))
