"""Comparisons and other ops with no useful gradient: their outputs never require one.

They compute on the data directly and return plain Tensors, so a custom
metric can write ``ops.cast(ops.equal(y_true, ops.argmax(y_pred)), "float32")``.
"""

from .. import backend
from ..autograd.tensor import Tensor
from ..backend import floatx, get_array_module
from .math import as_tensor, cast


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _elementwise(name):
    def op(x1, x2):
        x1, x2 = _data(x1), _data(x2)
        return Tensor(getattr(get_array_module(x1, x2), name)(x1, x2))

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` of x1 and x2, a boolean tensor (no gradient)."
    return op


equal = _elementwise("equal")
not_equal = _elementwise("not_equal")
less = _elementwise("less")
less_equal = _elementwise("less_equal")
greater = _elementwise("greater")
greater_equal = _elementwise("greater_equal")
logical_and = _elementwise("logical_and")
logical_or = _elementwise("logical_or")
logical_xor = _elementwise("logical_xor")


def logical_not(x):
    """Elementwise not of a boolean tensor (no gradient)."""
    x = _data(x)
    return Tensor(get_array_module(x).logical_not(x))


def all(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.all)
    """Whether every element is true (nonzero) over ``axis`` (None: all axes); no gradient."""
    x = _data(x)
    return Tensor(get_array_module(x).all(x, axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.any)
    """Whether some element is true (nonzero) over ``axis`` (None: all axes); no gradient."""
    x = _data(x)
    return Tensor(get_array_module(x).any(x, axis=axis, keepdims=keepdims))


def count_nonzero(x, axis=None):
    """The number of nonzero elements over ``axis`` (None: all), an int32 tensor."""
    x = _data(x)
    return Tensor(get_array_module(x).count_nonzero(x, axis=axis).astype("int32"))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether |x1 - x2| <= atol + rtol * |x2|, elementwise (NaNs equal with ``equal_nan``)."""
    x1, x2 = _data(x1), _data(x2)
    return Tensor(get_array_module(x1, x2).isclose(x1, x2, rtol=rtol, atol=atol,
                                                   equal_nan=equal_nan))


def stop_gradient(variable):
    """The same values, cut from the graph: no gradient flows back through them."""
    return Tensor(as_tensor(variable).data)


def sign(x):
    """-1, 0 or 1 by the sign of each element (no gradient)."""
    x = _data(x)
    return Tensor(get_array_module(x).sign(x))


def floor(x):
    """The largest integer <= each element (no gradient)."""
    x = _data(x)
    return Tensor(get_array_module(x).floor(x))


def ceil(x):
    """The smallest integer >= each element (no gradient)."""
    x = _data(x)
    return Tensor(get_array_module(x).ceil(x))


def round(x, decimals=0):  # noqa: A001  (keras.ops.round)
    """Each element rounded to ``decimals`` decimals, halves to even (no gradient)."""
    x = _data(x)
    return Tensor(get_array_module(x).round(x, decimals))


def isnan(x):
    """Whether each element is NaN."""
    x = _data(x)
    return Tensor(get_array_module(x).isnan(x))


def isinf(x):
    """Whether each element is +inf or -inf."""
    x = _data(x)
    return Tensor(get_array_module(x).isinf(x))


def isfinite(x):
    """Whether each element is neither infinite nor NaN."""
    x = _data(x)
    return Tensor(get_array_module(x).isfinite(x))


def zeros_like(x, dtype=None):
    """A tensor of zeros with x's shape (and dtype unless given)."""
    x = _data(x)
    return Tensor(get_array_module(x).zeros_like(x, dtype=dtype))


def ones_like(x, dtype=None):
    """A tensor of ones with x's shape (and dtype unless given)."""
    x = _data(x)
    return Tensor(get_array_module(x).ones_like(x, dtype=dtype))


def full_like(x, fill_value, dtype=None):
    """A tensor of x's shape (and dtype unless given) filled with ``fill_value`` (no gradient)."""
    x, fill_value = _data(x), _data(fill_value)
    return Tensor(get_array_module(x).full_like(x, fill_value, dtype=dtype))


def one_hot(x, num_classes, axis=-1, dtype=None):
    """Integer labels ``x`` of shape (..) as one-hot rows of shape (.., num_classes)."""
    labels = _data(x)
    xp = get_array_module(labels)
    eye = xp.arange(num_classes) == labels[..., None]  # (.., num_classes)
    encoded = xp.moveaxis(eye, -1, axis).astype(dtype or floatx())
    return Tensor(encoded)


def convert_to_numpy(x):
    """x (a Tensor, a device array, a list...) as a NumPy array, off the device."""
    return backend.to_numpy(x)


def convert_to_tensor(x, dtype=None):
    """x as a Tensor on the active device. Unless ``dtype`` says otherwise, Python floats
    take floatx and Python ints int32, as in Keras; arrays keep their dtype."""
    tensor = as_tensor(x)
    if dtype is None and not hasattr(x, "dtype") and tensor.dtype.kind in "iu":
        dtype = "int32"
    if dtype is not None and tensor.dtype != dtype:
        tensor = cast(tensor, dtype)  # keeps the gradient between float types
    return tensor
