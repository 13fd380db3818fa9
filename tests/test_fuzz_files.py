"""Loading an untrusted file: only ValueError, never a crash, a hang, a huge allocation or code.

Hypothesis mutates a valid ``.keras`` file and a valid ``.weights.h5`` file:

- bytes: flipped, overwritten, truncated (the zip's CRCs catch changes inside
  a member; changes to the headers and to a bare HDF5 file reach zipfile and
  HDF5 themselves);
- meaning: a valid archive whose config has a value replaced (huge or negative
  sizes, wrong types, unknown classes, deep nesting, unreadable JSON), or whose
  weights file declares a huge, wrongly shaped or non-numeric array.

Every load must either work or raise ValueError -- within a few seconds, and
with the address space capped at 1 GiB above what the process already uses,
so any multi-GB allocation fails the test with MemoryError.
"""

import builtins
import contextlib
import importlib
import io
import json
import pickle
import resource
import signal
import sys
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minikeras as keras

SECONDS_PER_LOAD = 20
EXTRA_ADDRESS_SPACE = 2**30


class Saved:
    """A trained model and its .keras and .weights.h5 files as bytes (short to print)."""

    def __init__(self, model, keras_file, weights_file):
        self.model, self.keras_file, self.weights_file = model, keras_file, weights_file

    def __repr__(self):
        return "Saved(...)"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained model's .keras file and .weights.h5 file, as bytes, and the model."""
    folder = tmp_path_factory.mktemp("valid")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(6, 6, 1)),
        keras.layers.Conv2D(2, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.ones((4, 6, 6, 1)), np.arange(4) % 3, verbose=0)
    model.save(folder / "model.keras")
    model.save_weights(folder / "model.weights.h5")
    return Saved(model, (folder / "model.keras").read_bytes(),
                 (folder / "model.weights.h5").read_bytes())


@contextlib.contextmanager
def bounded(seconds=SECONDS_PER_LOAD, extra_bytes=EXTRA_ADDRESS_SPACE):
    """Fails a load that takes longer than ``seconds`` or asks for ``extra_bytes`` more
    address space than the process holds now (it gets a MemoryError)."""
    def timeout(signum, frame):
        raise TimeoutError(f"loading took more than {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = address_space() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(
        cap, hard), hard))
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def address_space():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def load_or_value_error(load):
    """Runs ``load``; a ValueError is fine, any other exception fails the test."""
    with bounded(), contextlib.suppress(ValueError):
        load()


def byte_mutations(size):
    """(truncate at, [(position, new byte)...]) for a file of ``size`` bytes."""
    return st.tuples(
        st.one_of(st.none(), st.integers(0, size - 1)),
        st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, 255)), min_size=0,
                 max_size=8),
    )


def mutate(data, mutation):
    truncate_at, changes = mutation
    data = bytearray(data)
    for position, value in changes:
        data[position] = value
    return bytes(data[:truncate_at] if truncate_at is not None else data)


# A damaged byte may turn a stored number into NaN or Inf: loading says so, with a warning.
NON_FINITE_LOADS = pytest.mark.filterwarnings("ignore:The file holds non-finite values")


@NON_FINITE_LOADS
@given(data=st.data())
def test_a_keras_file_with_damaged_bytes_loads_or_is_a_value_error(saved, tmp_path_factory,
                                                                   data):
    valid = saved.keras_file
    path = tmp_path_factory.mktemp("bytes") / "damaged.keras"
    path.write_bytes(mutate(valid, data.draw(byte_mutations(len(valid)), label="mutation")))
    load_or_value_error(lambda: keras.models.load_model(path))


@NON_FINITE_LOADS
@given(data=st.data())
def test_a_weights_file_with_damaged_bytes_loads_or_is_a_value_error(saved, tmp_path_factory,
                                                                     data):
    valid, model = saved.weights_file, saved.model
    path = tmp_path_factory.mktemp("bytes") / "damaged.weights.h5"
    path.write_bytes(mutate(valid, data.draw(byte_mutations(len(valid)), label="mutation")))
    load_or_value_error(lambda: model.load_weights(path))


# -- meaningful damage: valid archives that say absurd things -------------------------

ABSURD_VALUES = st.sampled_from([
    None, True, -1, 0, 10**9, 10**18, 10**400, 1e308, float("nan"), "", "abc", "float1024",
    [], [None], [10**6, 10**6], [-3, 2], {}, {"class_name": "Nope", "config": {}},
    {"class_name": "__numpy__", "config": {"value": [1], "dtype": "V1000000000"}},
    {"class_name": "__lambda__", "config": {"value": "print('hi')"}},
    {"module": "os", "class_name": "system", "config": {}},
])


def paths(value, prefix=()):
    """Every path (a tuple of keys and indices) into a JSON value."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(value, path, new):
    if not path:
        return new
    value = dict(value) if isinstance(value, dict) else list(value)
    value[path[0]] = replaced(value[path[0]], path[1:], new)
    return value


def archive(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return buffer.getvalue()


def members_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return {name: source.read(name) for name in source.namelist()}


@given(data=st.data())
def test_a_config_saying_absurd_things_loads_or_is_a_value_error(saved, tmp_path_factory, data):
    members = members_of(saved.keras_file)
    config = json.loads(members["config.json"])
    how = data.draw(st.sampled_from(["replace", "truncate", "nest"]), label="how")
    if how == "replace":
        path = data.draw(st.sampled_from(paths(config)), label="path")
        members["config.json"] = json.dumps(replaced(config, path, data.draw(ABSURD_VALUES)))
    elif how == "truncate":
        text = members["config.json"]
        members["config.json"] = text[:data.draw(st.integers(0, len(text) - 1), label="at")]
    else:
        members["config.json"] = "[" * 100_000 + "]" * 100_000
    path = tmp_path_factory.mktemp("config") / "absurd.keras"
    path.write_bytes(archive(members))
    load_or_value_error(lambda: keras.models.load_model(path))


def rewritten_weights(valid_h5, dataset_path, replacement):
    """The weights file with one dataset replaced (h5py writes into memory)."""
    buffer = io.BytesIO(valid_h5)
    with h5py.File(buffer, "r+") as store:
        del store[dataset_path]
        replacement(store, dataset_path)
    return buffer.getvalue()


REPLACEMENTS = {
    "huge declared shape": lambda store, path: store.create_dataset(
        path, shape=(10**6, 10**6), dtype="float32", chunks=(1, 1)),
    "huge flat shape": lambda store, path: store.create_dataset(
        path, shape=(10**12,), dtype="float64", chunks=(1,)),
    "wrong rank": lambda store, path: store.create_dataset(path, data=np.ones((2, 2, 2))),
    "strings": lambda store, path: store.create_dataset(path, data=np.array([b"a", b"b"])),
    "a group": lambda store, path: store.create_group(path),
}


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
@given(data=st.data())
def test_weights_declaring_absurd_arrays_are_value_errors(saved, tmp_path_factory, data):
    valid, valid_h5, model = saved.keras_file, saved.weights_file, saved.model
    datasets = []
    with h5py.File(io.BytesIO(valid_h5), "r") as store:
        store.visititems(lambda name, obj: datasets.append(name) if isinstance(
            obj, h5py.Dataset) else None)
    dataset = data.draw(st.sampled_from(sorted(datasets)), label="dataset")
    kind = data.draw(st.sampled_from(sorted(REPLACEMENTS)), label="replacement")
    weights = rewritten_weights(valid_h5, dataset, REPLACEMENTS[kind])
    folder = tmp_path_factory.mktemp("weights")
    (folder / "absurd.weights.h5").write_bytes(weights)
    members = {**members_of(valid), "model.weights.h5": weights}
    (folder / "absurd.keras").write_bytes(archive(members))
    before = [w.numpy().tobytes() for w in model.weights]
    for load in (lambda: model.load_weights(folder / "absurd.weights.h5"),
                 lambda: keras.models.load_model(folder / "absurd.keras")):
        if dataset.startswith("optimizer"):
            load_or_value_error(load)  # a mismatching optimizer is skipped with a warning
            continue
        with bounded(), pytest.raises(ValueError):
            load()
    assert [w.numpy().tobytes() for w in model.weights] == before


# -- no code from a file ----------------------------------------------------------------


def test_loading_runs_no_pickle_no_eval_and_imports_nothing_a_file_names(saved, tmp_path,
                                                                           monkeypatch):
    valid = saved.keras_file
    sentinel = tmp_path / "planted_module.py"
    sentinel.write_text("raise SystemExit('a module named in a file was imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def forbidden(name):
        def refuse(*args, **kwargs):
            raise AssertionError(f"loading called {name}")
        return refuse

    for module, name in [(pickle, "loads"), (pickle, "load"), (pickle, "Unpickler"),
                         (builtins, "eval"), (builtins, "exec"), (builtins, "compile")]:
        monkeypatch.setattr(module, name, forbidden(f"{module.__name__}.{name}"))
    real_import_module = importlib.import_module

    def import_minikeras_only(name, package=None):
        assert name.startswith("minikeras"), f"loading imported {name}"
        return real_import_module(name, package)

    monkeypatch.setattr(importlib, "import_module", import_minikeras_only)
    (tmp_path / "valid.keras").write_bytes(valid)
    keras.models.load_model(tmp_path / "valid.keras")

    members = members_of(valid)
    config = json.loads(members["config.json"])
    config["config"]["layers"][2].update(module="planted_module", class_name="Planted",
                                         registered_name="Planted")
    (tmp_path / "planted.keras").write_bytes(archive({**members,
                                                      "config.json": json.dumps(config)}))
    with pytest.raises(ValueError, match=r"Unknown class 'Planted'.*custom_objects"):
        keras.models.load_model(tmp_path / "planted.keras")
    assert "planted_module" not in sys.modules
