"""Custom objects: names under which users' own classes and functions are saved and found.

``@keras.saving.register_keras_serializable(package="my")`` registers a class
or function as ``"my>ClassName"``; a file that names it can then be loaded
without passing it again. ``custom_objects={"Name": obj}`` (to ``load_model``
or inside ``custom_object_scope``) does the same for one load.
"""

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}


class _Scopes(threading.local):
    """The dicts of the ``custom_object_scope`` blocks this thread is inside, innermost last."""

    def __init__(self):
        self.stack = []


_scopes = _Scopes()


def register_keras_serializable(package="Custom", name=None):
    """Decorator: registers a class or function as ``"{package}>{name}"`` (name: its own)."""

    def decorator(obj):
        registered_name = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """The name ``obj`` was registered under, or its own ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def is_registered(obj):
    """Whether ``obj`` was registered with ``register_keras_serializable``."""
    return obj in _GLOBAL_CUSTOM_NAMES


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or passed in ``custom_objects``) under ``name``, or None."""
    for scope in reversed(_scopes.stack):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects():
    """The live dict of registered objects (``"package>name"`` -> object)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Within ``with CustomObjectScope({"Name": obj}):``, loading (in this thread) finds ``obj``
    by that name."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scopes.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope
