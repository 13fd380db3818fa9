"""Objects to Keras's JSON config dicts and back, without ever running code from a file.

Every object is written as Keras writes it::

    {"module": "keras.layers", "class_name": "Dense", "config": {...},
     "registered_name": None, "build_config": {...}}

A built-in minikeras class is written under Keras's public module
("keras.layers", "keras.losses", ...), so Keras finds its own class of that
name when it reads the file, and minikeras finds its own when reading a
Keras file. A user's class is written under its Python module and its
registered name; reading it back needs ``custom_objects`` or
``register_keras_serializable`` — a module is never imported and code in a
file (a serialized lambda) is never run: an unknown name is a ValueError.
"""

import difflib
import importlib
import inspect
import types
import warnings

import numpy as np

from .. import backend, keras_api
from ..autograd import Tensor
from ..ops.function_operations import operation_class_named
from . import object_registration
from .safe_mode import load_lambda, safe_mode_scope

# minikeras packages whose public classes and functions Keras has under "keras.<name>".
_COMPONENTS = ("layers", "losses", "metrics", "optimizers", "initializers", "regularizers",
               "activations", "constraints", "models")
_SUBCOMPONENTS = ("optimizers.schedules",)  # the same, one level down


def _component(name):
    try:
        return importlib.import_module(f"minikeras.{name}")
    except ImportError:
        return None


def _public_module(obj):
    """Keras's module for a built-in minikeras class or function ("keras.layers"), or None."""
    module = getattr(obj, "__module__", "") or ""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "minikeras" or parts[1] not in _COMPONENTS:
        return None
    component = ".".join(parts[1:3]) if ".".join(parts[1:3]) in _SUBCOMPONENTS else parts[1]
    package = _component(component)
    if package is None or getattr(package, obj.__name__, None) is not obj:
        return None
    return "keras" if component == "models" else f"keras.{component}"


def serialize_keras_object(obj):
    """The JSON-ready config dict (or plain value) that describes ``obj``."""
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, Tensor):  # a constant in a keras.ops call of a functional model
        return {"class_name": "__tensor__",
                "config": {"value": backend.to_numpy(obj.data).tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, np.dtype):
        return obj.name
    if isinstance(obj, slice):  # x[1:3] in a functional model
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, types.FunctionType):
        return _serialize_function(obj)
    return _serialize_instance(obj)


def _serialize_function(fn):
    if fn.__name__ == "<lambda>":
        warnings.warn("A lambda cannot be saved: the saved file will need the function passed "
                      "in `custom_objects` when loading. Use a named, registered function.",
                      stacklevel=3)
        return {"class_name": "__lambda__", "config": {"value": None}}
    if _public_module(fn) is not None:  # written as Keras writes its own functions
        return {"module": "builtins", "class_name": "function", "config": fn.__name__,
                "registered_name": "function"}
    name = object_registration.get_registered_name(fn)
    return {"module": fn.__module__, "class_name": "function", "config": name,
            "registered_name": name}


def _serialize_instance(obj):
    cls = type(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r} of type {cls.__name__}: to be serializable, "
                        "a class must implement the `get_config()` method.")
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The get_config() method of {obj!r} should return a dict, got {config!r}.")
    module, registered_name = _class_location(cls)
    result = {"module": module, "class_name": cls.__name__,
              "config": serialize_keras_object(config), "registered_name": registered_name}
    build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build_config is not None:  # a layer: the input shape it was built for
        result["build_config"] = serialize_keras_object(build_config)
    compile_config = obj.get_compile_config() if hasattr(obj, "get_compile_config") else None
    if compile_config:  # a model: its compile() arguments
        result["compile_config"] = compile_config
    return result


def _class_location(cls):
    """(module, registered_name) as Keras writes them for ``cls``."""
    if "keras_location" in vars(cls):  # a class Keras keeps outside its public modules
        return cls.keras_location
    public = _public_module(cls)
    if public is not None:
        return public, None
    return cls.__module__, object_registration.get_registered_name(cls)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object ``config`` describes; classes are only looked up, never imported.

    custom_objects: {name: class or function} for users' own objects.
    safe_mode: refuse the Python lambdas a config may hold (see ``safe_mode.py``);
        False runs them, for a file you trust. A load in progress keeps its own choice.
    Raises ValueError for a name that is neither built in nor given/registered.
    """
    with safe_mode_scope(safe_mode):
        return _deserialize(config, custom_objects)


def _deserialize(config, custom_objects):
    custom_objects = dict(custom_objects or {})
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = object_registration.get_registered_object(config, custom_objects)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or "config" not in config:
        return {key: deserialize_keras_object(value, custom_objects)
                for key, value in config.items()}
    special = _deserialize_special(config)
    if special is not _NOT_SPECIAL:
        return special
    class_name = config["class_name"]
    inner = config["config"] if config["config"] is not None else {}
    if class_name == "function":
        return _retrieve(inner, config.get("registered_name"), config.get("module"),
                         custom_objects, kind="function")
    cls = _retrieve(class_name, config.get("registered_name"), config.get("module"),
                    custom_objects, kind="class")
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name}, got {inner!r}.")
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{class_name}' because the class "
                        "is missing a `from_config()` method.")
    with object_registration.CustomObjectScope(custom_objects):
        instance = _from_config(cls, inner, custom_objects)
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            instance.build_from_config(build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compile_config)
    return instance


def _from_config(cls, inner, custom_objects):
    """``cls.from_config(inner)``, handing on ``custom_objects`` where it takes them (models)."""
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(dict(inner), custom_objects=custom_objects)
    return cls.from_config(dict(inner))


_NOT_SPECIAL = object()


def _deserialize_special(config):
    class_name, inner = config["class_name"], config["config"]
    if class_name in ("__numpy__", "__tensor__"):
        dtype = np.dtype(inner["dtype"])
        if dtype.kind not in "biufc":  # no objects, no giant void or string items
            raise ValueError(f"A stored array must hold numbers; its dtype is {dtype}.")
        return np.array(inner["value"], dtype=dtype)
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(inner["start"], inner["stop"], inner["step"])
    if class_name == "__lambda__":
        code = inner.get("value") if isinstance(inner, dict) else None
        if not isinstance(code, (list, tuple)) or len(code) != 3:  # minikeras keeps no code
            raise ValueError(
                "The file holds a Python lambda without its code. Pass the function it stands "
                "for in `custom_objects`, or use a named function registered with "
                "@keras.saving.register_keras_serializable().")
        return load_lambda({"config": dict(zip(("code", "defaults", "closure"), code,
                                                strict=True))})
    return _NOT_SPECIAL


def _retrieve(name, registered_name, module, custom_objects, kind):
    """The class or function a config names: custom objects first, then minikeras's own."""
    if not isinstance(name, str) or not isinstance(module, (str, type(None))) or not isinstance(
            registered_name, (str, type(None))):
        raise ValueError(f"Invalid config: the {kind} name {name!r}, module {module!r} and "
                         f"registered name {registered_name!r} must be strings.")
    for key in (registered_name, name):
        if key:
            found = object_registration.get_registered_object(key, custom_objects)
            if found is not None:
                return found
    found = _builtin(name, module, kind)
    if found is not None:
        return found
    keras_part = keras_api.keras_component(module, name)
    if keras_part is not None:  # not the user's own: one of Keras's that minikeras lacks
        raise ValueError(keras_api.refusal(
            keras_part, f"The file uses it ({kind} '{name}'), so minikeras cannot load the "
            "file: load it with tf.keras (keras.saving.load_model), which has it."))
    close = difflib.get_close_matches(str(name), _builtin_names(module, kind), n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown {kind} '{name}' (module {module!r}, registered name {registered_name!r}).{hint}"
        " If it is your own, pass it in `custom_objects={'"
        f"{registered_name or name}': ...}}` or decorate it with "
        "@keras.saving.register_keras_serializable()."
    )


def _builtin(name, module, kind):
    """minikeras's own object for Keras's ``module`` and ``name``, or None."""
    if kind == "class" and (module == "minikeras.ops"
                            or (module or "").startswith("keras.src.ops.")):
        return operation_class_named(name)  # a keras.ops call in a functional model
    for package in _candidate_packages(module, kind):
        obj = getattr(package, name, None)
        if obj is None:
            continue
        if kind == "function" and callable(obj) and not isinstance(obj, type):
            return obj
        if kind == "class" and isinstance(obj, type):
            return obj
    return None


def _builtin_names(module, kind):
    """The names of minikeras's own classes (or functions) where ``module`` points."""
    packages = _candidate_packages(module, kind) or [
        p for p in map(_component, _COMPONENTS) if p is not None]
    return sorted({name for package in packages for name in dir(package)
                   if not name.startswith("_") and (kind == "class") == isinstance(
                       getattr(package, name), type)})


def _candidate_packages(module, kind):
    """The minikeras packages Keras's ``module`` corresponds to (none for other modules).

    A config without a module, as Keras 2 wrote them, may name any of them.
    """
    if module is None:
        module = "keras.*"
    if not (module == "keras" or module.startswith("keras.") or module == "builtins"):
        return []
    if kind == "function":
        candidates = [c for c in ("losses", "metrics", "activations") if c in module] or [
            "losses", "metrics", "activations"]
    elif module in ("keras", "keras.models") or module.startswith("keras.src.models"):
        candidates = ["models"]
    elif "schedules" in module.split("."):
        candidates = ["optimizers.schedules"]
    else:
        parts = module.split(".")
        candidates = [p for p in parts if p in _COMPONENTS] or list(_COMPONENTS)
    return [p for p in map(_component, candidates) if p is not None]
