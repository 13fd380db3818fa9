"""Keras 2's (and Keras 1's) names of layer arguments, accepted as the Keras 3 names they
became, with a DeprecationWarning: ``Dense(6, init="uniform")`` builds
``Dense(6, kernel_initializer="uniform")``.

A name is translated only for a layer whose constructor takes the Keras 3 name
and not the old one, so a user's layer keeps its own arguments.
"""

import functools
import inspect

from ..utils import keras2

# Keras 2 argument -> its Keras 3 name.
RENAMED = {
    "init": "kernel_initializer",
    "output_dim": "units",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
    "nb_filter": "filters",
    "filter_length": "kernel_size",
    "border_mode": "padding",
    "subsample": "strides",
    "subsample_length": "strides",
    "pool_length": "pool_size",
    "stride": "strides",
    "dim_ordering": "data_format",
    "p": "rate",
    "beta_init": "beta_initializer",
    "gamma_init": "gamma_initializer",
}

# Keras 2's values of dim_ordering, as Keras 3's data_format.
_DATA_FORMATS = {"tf": "channels_last", "th": "channels_first", "default": None}


class Keras2Arguments(type):
    """The metaclass of layers: renames Keras 2 arguments before the layer is constructed."""

    def __call__(cls, *args, **kwargs):
        if not RENAMED.keys() & kwargs.keys():
            return super().__call__(*args, **kwargs)
        return super().__call__(*args, **translate(cls, kwargs))


def translate(cls, kwargs):
    """``kwargs`` with the Keras 2 names ``cls`` does not take renamed to their Keras 3 names."""
    parameters = _parameters(cls)
    kwargs = dict(kwargs)
    for old in [name for name in kwargs if name in RENAMED]:
        new = RENAMED[old]
        if old in parameters or new not in parameters:
            continue
        if new in kwargs:
            raise TypeError(f"{cls.__name__} received both `{old}` (its Keras 2 name) and "
                            f"`{new}`: pass only `{new}`.")
        keras2.warn(f"{cls.__name__}({old}=...)", f"{cls.__name__}({new}=...)")
        value = kwargs.pop(old)
        if old == "dim_ordering" and isinstance(value, str):
            value = _DATA_FORMATS.get(value, value)
        kwargs[new] = value
    return kwargs


@functools.cache
def _parameters(cls):
    return frozenset(inspect.signature(cls.__init__).parameters)
