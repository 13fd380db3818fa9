"""Safe mode: code stored in a file is never run unless the user says they trust the file.

A ``Lambda`` layer wrapping a Python lambda (``Lambda(lambda x: x * 2)``) can
only be saved as the lambda's bytecode: the lambda has no name to look up
later. Keras writes that bytecode (marshalled, in base64) into the config, and
so does minikeras, so files move both ways. Loading it means running code
from the file, which a file from a stranger must never get to do: by default
(safe mode) loading refuses with a ValueError that says how to proceed. Pass
``safe_mode=False`` to ``load_model`` (or call ``enable_unsafe_deserialization()``)
for a file you trust -- or, better, give the function a name and register it
with ``@keras.saving.register_keras_serializable()``: the file then names it
and holds no code.

The setting is per thread (a context variable): one thread loading a trusted
file unsafely never lowers another thread's guard.
"""

import base64
import binascii
import builtins
import contextlib
import contextvars
import marshal
import types

_SCOPED_SAFE_MODE = contextvars.ContextVar("safe_mode", default=None)
_unsafe_everywhere = False  # set by enable_unsafe_deserialization(), for the process


def enable_unsafe_deserialization():
    """Lets every later load run the Python lambdas stored in files (as Keras's
    ``keras.config.enable_unsafe_deserialization``): only for files you trust."""
    global _unsafe_everywhere
    _unsafe_everywhere = True


def in_safe_mode():
    """Whether loading must refuse code from files: True unless the load in progress was
    given ``safe_mode=False`` or ``enable_unsafe_deserialization()`` was called."""
    scoped = _SCOPED_SAFE_MODE.get()
    if scoped is not None:
        return scoped
    return not _unsafe_everywhere


@contextlib.contextmanager
def safe_mode_scope(safe_mode):
    """Within the block, loading uses ``safe_mode`` -- unless an enclosing load already chose
    (the outermost call decides, as in Keras); ``enable_unsafe_deserialization()`` wins."""
    if _SCOPED_SAFE_MODE.get() is not None:
        yield
        return
    token = _SCOPED_SAFE_MODE.set(bool(safe_mode) and not _unsafe_everywhere)
    try:
        yield
    finally:
        _SCOPED_SAFE_MODE.reset(token)


def dump_lambda(fn):
    """Keras's config of a Python lambda: {"class_name": "__lambda__", "config": {"code":
    its marshalled bytecode in base64, "defaults", "closure": the captured values}}."""
    closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    return {"class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def is_lambda_config(config):
    """Whether ``config`` is a stored Python lambda (``dump_lambda``'s output)."""
    return isinstance(config, dict) and config.get("class_name") == "__lambda__"


def load_lambda(config, what="a Python lambda"):
    """The function ``dump_lambda`` stored; a ValueError, before any code is read, in safe mode.

    what: the function, for the error ("the function of Lambda layer 'scale'").
    """
    if in_safe_mode():
        raise ValueError(
            f"The config holds {what} as bytecode. Loading never runs code from a file unless "
            "told that the file is trusted: if it is, pass `safe_mode=False` to the loading "
            "function (or call `keras.saving.enable_unsafe_deserialization()`). Better, give "
            "the function a name and register it with "
            "@keras.saving.register_keras_serializable() (or pass it in `custom_objects`), so "
            "that files name it instead of holding its code.")
    inner = config.get("config") or {}
    try:
        code = marshal.loads(base64.decodebytes(str(inner["code"]).encode("ascii")))
        if not isinstance(code, types.CodeType):
            raise TypeError(f"it holds a {type(code).__name__}, not code")
        closure = inner.get("closure")
        cells = None if closure is None else tuple(types.CellType(v) for v in closure)
        defaults = inner.get("defaults")
        return types.FunctionType(code, _lambda_globals(), code.co_name,
                                  None if defaults is None else tuple(defaults), cells)
    except (KeyError, TypeError, ValueError, EOFError, binascii.Error) as error:
        raise ValueError(f"Could not load {what}: the stored code is damaged or was written "
                         f"by another version of Python ({error}). Re-create the layer with "
                         "its function instead.") from None


def _lambda_globals():
    """The names a loaded lambda sees: the builtins, and ``keras`` and ``ops`` as minikeras."""
    import minikeras

    return {"__builtins__": builtins, "keras": minikeras, "ops": minikeras.ops}
