"""Checks of the constructor arguments layers share: numbers, int tuples, padding, data_format."""

import numbers

from .. import backend


def int_tuple(value, n, name, layer, allow_zero=False):
    """``value`` (an int or n ints) as a tuple of n ints, e.g. kernel_size=3 -> (3, 3)."""
    if isinstance(value, int):
        values = (value,) * n
    else:
        values = tuple(value) if isinstance(value, (tuple, list)) else ()
    smallest = 0 if allow_zero else 1
    if len(values) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= smallest for v in values):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{layer}: the `{name}` argument must be an int or a tuple of {n} "
                         f"ints {bound}. Received: {name}={value!r}")
    return values


def padding_argument(value, layer):
    """``padding`` lower-cased, checked to be "valid" or "same"."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        raise ValueError(f"{layer}: the `padding` argument must be 'valid' or 'same'. "
                         f"Received: padding={value!r}")
    return padding


def data_format_argument(value, layer, channels_first=True):
    """``data_format``: None means ``backend.image_data_format()`` ("channels_last" unless set).

    channels_first: whether the layer accepts "channels_first"; minikeras's
    convolution and pooling ops compute channels_last only.
    """
    data_format = backend.image_data_format() if value is None else str(value).lower()
    allowed = ("channels_last", "channels_first") if channels_first else ("channels_last",)
    if data_format not in allowed:
        raise ValueError(f"{layer}: the `data_format` argument must be one of {allowed}. "
                         f"Received: data_format={value!r}")
    return data_format


def number_argument(value, name, layer, kind=float, minimum=None):
    """``value`` as ``kind`` (int or float), at least ``minimum``; a ValueError naming the
    argument otherwise (a string, None, NaN...)."""
    allowed = numbers.Integral if kind is int else numbers.Real
    if isinstance(value, bool) or not isinstance(value, allowed) or value != value or (
            minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ValueError(f"{layer}: `{name}` must be a {kind.__name__}{bound}. "
                         f"Received: {name}={value!r}")
    return kind(value)


def axes_argument(value, layer):
    """``axis`` as Keras's per-sample normalizations take it: an int, or a list of ints (a
    tuple becomes a list); a TypeError naming the layer otherwise."""
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(a, int) and not isinstance(a, bool) for a in value):
        return list(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"{layer}: the `axis` argument must be an int or a list/tuple of ints. "
                    f"Received: axis={value!r}")


def check_axes(axes, input_shape, layer_name):
    """Raises ValueError, naming the layer, unless every axis in ``axes`` (an int or a list)
    exists in ``input_shape``; returns them as a sorted tuple of non-negative axes."""
    rank = len(input_shape)
    listed = [axes] if isinstance(axes, int) else list(axes)
    if not all(-rank <= a < rank for a in listed) or len({a % rank for a in listed}) < len(
            listed):
        raise ValueError(f'Layer "{layer_name}": axis={axes} does not name distinct axes of '
                         f"inputs of shape {tuple(input_shape)}.")
    return tuple(sorted(a % rank for a in listed))


def side_pairs_argument(value, name, layer):
    """ZeroPadding2D's ``padding`` or Cropping2D's ``cropping`` as ((top, bottom), (left,
    right)): one int for all four sides, (height, width) for symmetric ones, or two pairs."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return ((value, value), (value, value))
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return tuple(int_tuple(side, 2, f"{name}", layer, allow_zero=True) for side in value)
    raise ValueError(f"{layer}: `{name}` must be an int >= 0, a tuple of 2 ints (symmetric "
                     f"height and width amounts), or a tuple of 2 tuples of 2 ints ((top, "
                     f"bottom), (left, right)). Received: {name}={value!r}")


def spatial_axes(data_format, rank):
    """The axes of the ``rank`` spatial dimensions (steps, or height and width) of a batch in
    ``data_format``: (1, 2) for channels_last images, (2, 3) for channels_first."""
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + rank))
