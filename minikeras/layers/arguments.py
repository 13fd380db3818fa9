"""Checks of the constructor arguments layers share: numbers, int tuples, padding, data_format."""

import numbers


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
    """``data_format``: None means "channels_last", Keras's default image format.

    channels_first: whether the layer accepts "channels_first"; minikeras's
    convolution and pooling ops compute channels_last only.
    """
    data_format = "channels_last" if value is None else str(value).lower()
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
