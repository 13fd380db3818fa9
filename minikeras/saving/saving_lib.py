"""The ``.keras`` file: a zip of ``metadata.json``, ``config.json`` and ``model.weights.h5``.

The layout is Keras 3's own (``keras/src/saving/saving_lib.py``), so files move
both ways between minikeras and Keras:

- ``config.json``: the model's config (``serialization.py``), with its
  ``build_config`` and ``compile_config``;
- ``model.weights.h5``: one HDF5 group per layer and optimizer, found by
  walking the model as Keras walks it. A Sequential or functional model's
  layers come first, under ``layers/<snake_case class name>[_<n>]`` (``dense``,
  ``dense_1``...: the position among the model's layers, not the layer's own
  name); then the model's attributes in sorted order (``optimizer``, and a
  subclassed model's layers under their attribute names). Each group holds
  ``vars/0``, ``vars/1``...: the object's own variables in Keras's order
  (trainable ones first), and the object's name as an attribute.

Files are written to a temporary file in the target folder and renamed over
the target at the end (``utils.file_utils.atomic_write``), so a crash mid-save
leaves the old file.

Loading reads JSON and numeric arrays only: no pickle, no code, no import of a
module a file names. A file is untrusted input (``untrusted.py``), so loading
never allocates more than the file can justify and never reads another file:
zip members' declared sizes and compression ratios are checked before they
are read (and their CRCs when they are), every link and dataset of the HDF5
file is checked before any array is read (hard links and real numbers stored
in the file itself only), the model the config describes may not hold more
variables than the file's arrays justify (``backend.allocation_budget``, from
the sizes the arrays declare, themselves checked against the bytes they
store), its initial values are not drawn where the file replaces them, an
uncompressed weights file is read in place, and each stored array's shape
is checked against its variable before it is read. Optimizer state that no
training can produce is refused, non-finite weights are loaded with a
warning. A damaged or malicious file is a ValueError, whatever breaks inside
(zip, JSON, HDF5, a config of the wrong types).
"""

import datetime
import io
import json
import os
import warnings
import zipfile

import numpy as np

from .. import backend
from ..layers.layer import Layer
from ..serialization import deserialize_keras_object, serialize_keras_object
from ..utils.file_utils import atomic_write
from ..utils.lazy import LazyModule
from ..utils.naming import to_snake_case
from ..variables import deferred_initial_values
from . import legacy_h5  # it reuses this module's checks, by attribute, at call time
from .untrusted import (
    MAX_CONFIG_BYTES,
    declared_bytes,
    file_errors_as_value_errors,
    open_hdf5,
    read_zip_member,
    zip_member_file,
)

h5py = LazyModule("h5py")  # imported when a weights file is first written or read

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose file layout this follows

WEIGHTS_BUDGET_FACTOR = 8  # bytes of variables (weights, optimizer slots) per byte of stored arrays
BUDGET_SLACK_BYTES = 16 * 2**20  # plus this, for metrics and dry runs


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves ``model`` (architecture, weights, optimizer state) as a ``.keras`` file, or, for
    a filepath ending in ``.h5``/``.hdf5``, as Keras's legacy HDF5 file (``legacy_h5``).

    include_optimizer: also save the optimizer's state (legacy files only; a ``.keras``
        file always holds it, as Keras's do).
    """
    filepath = os.fspath(filepath)
    include_optimizer = kwargs.pop("include_optimizer", True)
    _check_save_format(kwargs.pop("save_format", None), filepath)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {sorted(kwargs)}")
    if filepath.endswith(legacy_h5.EXTENSIONS):
        legacy_h5.save_model_to_hdf5(model, filepath, overwrite, include_optimizer)
        return
    if zipped is False:
        raise ValueError("minikeras saves models as zipped `.keras` files only (zipped=True).")
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         f"extension. Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not contain "
                      "any weights yet. Build it first by calling it on some data.",
                      stacklevel=3)
    config_json = json.dumps(serialize_keras_object(model))
    metadata_json = json.dumps({
        "keras_version": KERAS_FORMAT_VERSION,
        "minikeras_version": _minikeras_version(),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    })
    weights = _weights_file_bytes(model)

    def write(stream):
        with zipfile.ZipFile(stream, "w") as archive:
            archive.writestr(METADATA_FILENAME, metadata_json)
            archive.writestr(CONFIG_FILENAME, config_json)
            archive.writestr(WEIGHTS_FILENAME, weights)

    atomic_write(filepath, write)


def _check_save_format(save_format, filepath):
    """Keras 3 dropped ``save_format``: with a filepath that says the format, a warning."""
    if not save_format:
        return
    if not filepath.endswith((".keras", *legacy_h5.EXTENSIONS)):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please remove "
                         "this argument and pass a file path with either `.keras` or `.h5` "
                         f"extension. Received: save_format={save_format}")
    warnings.warn("The `save_format` argument is deprecated in Keras 3. We recommend removing "
                  "this argument as it can be inferred from the file path. Received: "
                  f"save_format={save_format}", DeprecationWarning, stacklevel=4)


def _minikeras_version():
    import minikeras

    return minikeras.__version__


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in a ``.keras`` file (by minikeras or by Keras).

    custom_objects: {name: class or function} for your own layers, losses, metrics.
    compile: also compile it as it was saved (optimizer state included).
    safe_mode: refuse to run the Python lambdas a file may hold (a ``Lambda`` layer's
        function); pass False only for a file you trust.
    A filepath ending in ``.h5``/``.hdf5`` is read as Keras's legacy HDF5 file.
    """
    filepath = os.fspath(filepath)
    if filepath.endswith(legacy_h5.EXTENSIONS):
        return legacy_h5.load_model_from_hdf5(filepath, custom_objects, compile, safe_mode)
    if not filepath.endswith(".keras"):
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only "
                         "supports V3 `.keras` files and legacy H5 format files (`.h5` "
                         "extension).")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file found at {filepath}.")
    with open(filepath, "rb") as file, file_errors_as_value_errors(filepath):
        if not zipfile.is_zipfile(file):
            raise ValueError(f"{filepath} is not a .keras file (a zip archive).")
        with zipfile.ZipFile(file, "r") as archive:
            names = archive.namelist()
            if CONFIG_FILENAME not in names or WEIGHTS_FILENAME not in names:
                raise ValueError(f"{filepath} is not a valid .keras file: it must hold "
                                 f"{CONFIG_FILENAME} and {WEIGHTS_FILENAME}, found {names}.")
            config = _read_json(archive, filepath)
            if not isinstance(config, dict):
                raise ValueError(f"{filepath}: {CONFIG_FILENAME} must hold a JSON object (the "
                                 f"model's config), found {type(config).__name__}.")
            if not compile:
                config.pop("compile_config", None)
            with zip_member_file(archive, file, WEIGHTS_FILENAME, filepath) as weights, \
                    open_hdf5(weights, filepath) as store:
                return _model_from_file(config, store, custom_objects, safe_mode, filepath)


def _model_from_file(config, store, custom_objects, safe_mode, filepath):
    """The model ``config`` describes, with the variables ``store`` holds.

    It is built within the memory the stored arrays justify (an allocation
    budget), without drawing the initial values the file replaces (only those
    of variables the file does not hold are drawn, at the end), and each
    array is assigned as soon as it is read, so loading holds the model and
    one array more.
    """
    budget = WEIGHTS_BUDGET_FACTOR * declared_bytes(store) + BUDGET_SLACK_BYTES
    with backend.allocation_budget(budget), deferred_initial_values() as created:
        model = deserialize_keras_object(config, custom_objects=custom_objects,
                                         safe_mode=safe_mode)
    if not isinstance(model, Layer) or not hasattr(model, "compile"):
        raise ValueError(f"{filepath}: the config describes {model!r}, not a model.")
    load_state(model, store, staged=False)
    for variable in created:
        variable.draw_initial_value()
    return model


def _read_json(archive, filepath):
    text = read_zip_member(archive, CONFIG_FILENAME, filepath, MAX_CONFIG_BYTES)
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{filepath}: {CONFIG_FILENAME} is nested too deeply.") from None


def save_weights(model, filepath, overwrite=True, max_shard_size=None):
    """Saves the weights and optimizer state to a Keras ``.weights.h5`` file."""
    filepath = os.fspath(filepath)
    if max_shard_size is not None:
        raise ValueError("minikeras does not shard weight files (max_shard_size).")
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if not model.built:
        raise ValueError("You are saving a model that has not yet been built. Build it first by "
                         "calling it on some data.")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    weights = _weights_file_bytes(model)
    atomic_write(filepath, lambda stream: stream.write(weights))


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights from a ``.weights.h5`` or ``.keras`` file into ``model`` (already built),
    or from a legacy ``.h5`` file (``by_name=True``: into the layers of the saved names)."""
    filepath = os.fspath(filepath)
    if not model.built:
        raise ValueError("You are loading weights into a model that has not yet been built. "
                         "Build it first by calling it on some data.")
    legacy = filepath.endswith(legacy_h5.EXTENSIONS) and not filepath.endswith(".weights.h5")
    by_name = kwargs.pop("by_name", False) if legacy else False
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs} (`by_name` is for legacy `.h5` "
                         "files only).")
    if legacy:
        legacy_h5.load_weights_from_hdf5(model, filepath, skip_mismatch, by_name)
        return
    if not filepath.endswith((".keras", ".weights.h5")):
        raise ValueError("File format not supported: filepath must end in `.keras`, "
                         f"`.weights.h5`, or `.h5` (legacy). Received: filepath={filepath}")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file found at {filepath}.")
    with open(filepath, "rb") as file, file_errors_as_value_errors(filepath):
        if not filepath.endswith(".keras"):
            with open_hdf5(file, filepath) as store:
                load_state(model, store, skip_mismatch)
            return
        with zipfile.ZipFile(file, "r") as archive, zip_member_file(
                archive, file, WEIGHTS_FILENAME, filepath) as weights, open_hdf5(
                    weights, filepath) as store:
            load_state(model, store, skip_mismatch)


# -- the walk over layers and optimizers ---------------------------------------


def _weights_file_bytes(model):
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as store:
        save_state(model, store)
    return buffer.getvalue()


def save_state(root, store):
    """Writes the variables of ``root`` and everything it holds into the open HDF5 ``store``."""
    for path, obj in walk(root):
        group = store.create_group(f"{path}/vars" if path else "vars")
        if isinstance(getattr(obj, "name", None), str):
            group.attrs["name"] = obj.name
        for index, variable in enumerate(own_variables(obj)):
            group[str(index)] = backend.to_numpy(variable.data)


def load_state(root, store, skip_mismatch=False, staged=True):
    """Reads every variable of ``root`` from ``store``; checks them all before assigning any.

    A layer whose variables do not match the file (count or shapes) is an
    error (or skipped with ``skip_mismatch``); an optimizer that does not match
    is skipped with a warning, as Keras does. A model's optimizer not built yet
    is built (as its first update would build it) when the file holds its
    state, so training resumes where the file left it. Optimizer state no
    training can reach (a negative ``iterations``...) is a ValueError;
    non-finite values load, with a warning.

    staged: read and check every array before assigning any, so a refusal
    changes nothing; False (for a model just built from the file, which a
    refusal discards) assigns each array as it is read, holding one at a time.
    """
    assignments, errors, unbuilt = [], [], []
    for path, obj in walk(root):
        values = _stored_values(store, path)
        if _is_unbuilt_optimizer_of(root, obj) and len(values) > len(own_variables(obj)):
            unbuilt.append((path, obj, values))  # built once every layer is known to match
            continue
        problem = _match(obj, values, assignments)
        if problem is not None and not _is_optimizer(obj):
            errors.append(f"'{path or 'model'}' ({type(obj).__name__} "
                          f"'{getattr(obj, 'name', '')}'): {problem}")
    if errors and not skip_mismatch:
        raise ValueError(f"{len(errors)} object(s) could not be loaded, and no weight was "
                         "changed:\n" + "\n".join(errors))
    if errors:
        warnings.warn("Skipped mismatching objects:\n" + "\n".join(errors), stacklevel=3)
    for _, optimizer, values in unbuilt:
        optimizer.build(root.trainable_variables)
        _match(optimizer, values, assignments)
    _assign(assignments, staged)


def _is_unbuilt_optimizer_of(root, obj):
    return obj is getattr(root, "optimizer", None) and _is_optimizer(obj) and not obj.built


def _match(obj, values, assignments):
    """Adds (obj, variable, dataset) to ``assignments`` for each variable of ``obj`` if
    ``values`` match them; else returns the problem (an optimizer's is also a warning)."""
    variables = own_variables(obj)
    problem = _mismatch(obj, variables, values)
    if problem is None:
        assignments.extend((obj, variable, value)
                           for variable, value in zip(variables, values, strict=True))
    elif _is_optimizer(obj):
        warnings.warn(f"Skipping variable loading for optimizer '{obj.name}': {problem}",
                      stacklevel=4)
    return problem


def _assign(assignments, staged):
    """Reads each dataset, checks its value and assigns it to its variable: every read and
    check before any write if ``staged``. Optimizer state that no training can reach is a
    ValueError naming the variable; non-finite values are a warning."""
    non_finite = []

    def checked(obj, variable, value):
        if _is_optimizer(obj):
            obj.check_state_value(variable, value)
        count = value.size - np.count_nonzero(np.isfinite(value))
        if count:
            non_finite.append(f"{variable.path!r} ({count} of {value.size})")
        return value

    if staged:
        values = [checked(obj, variable, np.asarray(dataset))
                  for obj, variable, dataset in assignments]
        for (_, variable, _), value in zip(assignments, values, strict=True):
            variable.assign(value)
    else:
        for obj, variable, dataset in assignments:
            variable.assign(checked(obj, variable, np.asarray(dataset)))
    if non_finite:
        warnings.warn("The file holds non-finite values (NaN or Inf) in " +
                      ", ".join(non_finite) + "; they are loaded as they are, and a model "
                      "computing with them outputs NaN.", RuntimeWarning, stacklevel=4)


def _stored_values(store, path):
    """The datasets stored for the object at ``path`` (not read yet: their shapes are
    checked first)."""
    key = f"{path}/vars" if path else "vars"
    if key not in store:
        return []
    group = store[key]
    if not isinstance(group, h5py.Group):
        raise ValueError(f"The weights file holds {key!r}, but not as a group of arrays.")
    return [group[str(i)] for i in range(len(group))]


def _mismatch(obj, variables, values):
    if len(values) != len(variables):
        return (f"it has {len(variables)} variables, but the file holds {len(values)} "
                f"for it. Expected: {[v.name for v in variables]}")
    for variable, value in zip(variables, values, strict=True):
        if not isinstance(value, h5py.Dataset) or value.dtype.kind not in "biuf":
            return f"variable '{variable.name}' is not stored as an array of numbers"
        if tuple(value.shape) != tuple(variable.shape):
            return (f"variable '{variable.name}' has shape {tuple(variable.shape)}, but the file "
                    f"holds shape {tuple(value.shape)}")
    return None


def own_variables(obj):
    """The variables an object saves itself, in Keras's order."""
    if _is_optimizer(obj):
        return list(obj.variables)
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def _is_optimizer(obj):
    return hasattr(obj, "apply_gradients") and hasattr(obj, "variables") and not isinstance(
        obj, Layer)


def _is_saveable(obj):
    return isinstance(obj, Layer) or _is_optimizer(obj)


def walk(root):
    """(path, object) for every layer and optimizer reachable from ``root``, each once.

    The order and the paths are Keras's (see the module docstring).
    """
    visited = set()
    found = []

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj))
        for name, child in _children(obj):
            child_path = f"{path}/{name}" if path else name
            if _is_saveable(child):
                visit(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, child_path, set())

    def visit_container(container, path, seen):
        if id(container) in seen:
            return
        seen.add(id(container))
        used = {}
        items = container.values() if isinstance(container, dict) else container
        for item in items:
            if _is_saveable(item):
                visit(item, f"{path}/{_unique(to_snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, f"{path}/{_unique('container', used)}", seen)

    visit(root, "")
    return found


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _children(obj):
    """(name, value) pairs Keras visits: a graph model's layers first, then attributes."""
    from ..models.model import Model  # models import this module: no cycle here

    if isinstance(obj, Model) and obj._graph is not None:
        yield "layers", obj.layers
    for name in sorted(_attribute_names(obj), key=lambda n: f"~{n}" if n.startswith("_") else n):
        yield name, getattr(obj, name)


def _attribute_names(obj):
    skip = _internal_attributes(type(obj))
    return [name for name in vars(obj) if name not in skip and not name.startswith("__")]


_INTERNAL = {}


def _internal_attributes(cls):
    """Attributes every Layer (or Model, or optimizer) has: not part of the saved state."""
    from ..models.model import Model

    kind = Model if issubclass(cls, Model) else Layer if issubclass(cls, Layer) else object
    if kind not in _INTERNAL:
        if kind is object:
            # An optimizer saves its own variables; its attributes are not walked.
            return _AllNames()
        reference = kind.__new__(kind)
        kind.__init__(reference, name="reference")
        names = set(vars(reference))
        names.discard("optimizer")
        _INTERNAL[kind] = names | {"_graph", "output_names"}
    return _INTERNAL[kind]


class _AllNames:
    def __contains__(self, name):
        return True
