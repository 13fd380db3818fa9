"""Default names of layers, losses, metrics and optimizers, as Keras makes them, and the
name scopes that make variables' paths ("sequential/dense/kernel")."""

import contextlib
import re
import threading

from .. import backend


def to_snake_case(name):
    """Keras's layer names: "BatchNormalization" -> "batch_normalization", "Conv2D" -> "conv2d"."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix):
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ... (reset by clear_session)."""
    uid = backend.get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


class _Scopes(threading.local):
    stack = ()  # (name, caller, parent path or None) for each scope open in this thread


_scopes = _Scopes()


@contextlib.contextmanager
def name_scope(name, caller=None, parent_path=None):
    """Opens ``name`` below the current scope, so variables created inside are at
    "<scopes>/<name>/<variable>" (Keras's ``variable.path``).

    caller: the object opening it (a layer); a scope its caller opens again directly
        inside its own is not repeated (a layer's build inside its call).
    parent_path: where the scope hangs, instead of the scopes open now (a layer's
        weights stay under the path it was first called in).
    """
    stack = _scopes.stack
    if caller is not None and stack and stack[-1][1] is caller and stack[-1][0] == name:
        yield
        return
    _scopes.stack = (*stack, (name, caller, parent_path))
    try:
        yield
    finally:
        _scopes.stack = stack


def current_path():
    """The open scopes joined by "/" ("" outside any), as Keras's ``current_path()``."""
    parts = []
    for name, _, parent_path in _scopes.stack:
        if parent_path is not None:
            parts = [part for part in parent_path.split("/") if part]
        parts.append(name)
    return "/".join(parts)
