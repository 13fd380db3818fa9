"""Hand-made hostile files: each is refused (or warned about) before it can do harm.

Every file is built here from a valid one: HDF5 features that read other
files (external storage, virtual datasets, external links), values that are
not real numbers, and numbers no training can produce. A refusal must be a
ValueError that changes nothing: every weight and optimizer variable keeps
its bytes.
"""

import contextlib
import io
import json
import os
import tracemalloc
import warnings
import zipfile

import h5py
import numpy as np
import pytest
from test_fuzz_files import archive, bounded, members_of

import minikeras as keras

KERNEL = "layers/dense/vars/0"  # the first Dense layer's kernel, shape (4, 3)


def trained_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, name="first"),
                              keras.layers.Dense(2, name="second")])
    model.compile(keras.optimizers.Adam(amsgrad=True, name="adam"), "mse")
    model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)
    return model


@pytest.fixture
def model():
    return trained_model()


def state_bytes(model):
    return [v.numpy().tobytes() for v in model.weights + model.optimizer.variables]


def edited(data, edit):
    """The HDF5 file ``data`` (bytes) after ``edit(store)``, as bytes."""
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as store:
        edit(store)
    return buffer.getvalue()


def hostile_files(model, tmp_path, edit):
    """The model's .weights.h5 and .keras files with ``edit(store)`` applied to the weights."""
    model.save(tmp_path / "valid.keras")
    members = members_of((tmp_path / "valid.keras").read_bytes())
    weights = edited(members["model.weights.h5"], edit)
    (tmp_path / "hostile.weights.h5").write_bytes(weights)
    (tmp_path / "hostile.keras").write_bytes(archive({**members, "model.weights.h5": weights}))
    return tmp_path / "hostile.weights.h5", tmp_path / "hostile.keras"


def assert_every_load_refuses(model, paths, message):
    before = state_bytes(model)
    weights_file, keras_file = paths
    for load in (lambda: model.load_weights(weights_file), lambda: model.load_weights(keras_file),
                 lambda: keras.models.load_model(keras_file)):
        with bounded(seconds=10), pytest.raises(ValueError, match=message):
            load()
    assert state_bytes(model) == before


def replace(path, create):
    def edit(store):
        del store[path]
        create(store, path)
    return edit


# -- 1. HDF5 features that read other files, or data that are not real numbers ---------


def test_external_storage_is_refused_before_the_other_file_is_read(model, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(12, dtype="float32").tobytes())
    paths = hostile_files(model, tmp_path, replace(KERNEL, lambda store, path: store.create_dataset(
        path, shape=(4, 3), dtype="float32", external=[(str(secret), 0, 48)])))
    assert_every_load_refuses(model, paths, r"'layers/dense/vars/0' keeps its data in external")


def test_external_storage_on_a_fifo_does_not_hang(model, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    paths = hostile_files(model, tmp_path, replace(KERNEL, lambda store, path: store.create_dataset(
        path, shape=(4, 3), dtype="float32", external=[(str(fifo), 0, 48)])))
    assert_every_load_refuses(model, paths, r"external file")


def test_a_virtual_dataset_is_refused_rather_than_read_as_its_fill_value(model, tmp_path):
    def virtual(store, path):
        store.create_virtual_dataset(path, h5py.VirtualLayout((4, 3), "float32"), fillvalue=7)

    paths = hostile_files(model, tmp_path, replace(KERNEL, virtual))
    assert_every_load_refuses(model, paths, r"'layers/dense/vars/0' is a virtual dataset")


@pytest.mark.parametrize("link", ["external dataset", "external group", "soft"])
def test_links_other_than_hard_links_are_refused(model, tmp_path, link):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as store:
        store["kernel"] = np.full((4, 3), 5.0, dtype="float32")
        store["layers/dense/vars/0"] = np.full((4, 3), 5.0, dtype="float32")
        store["layers/dense/vars/1"] = np.full((3,), 5.0, dtype="float32")

    def edit(store):
        if link == "external dataset":
            del store[KERNEL]
            store[KERNEL] = h5py.ExternalLink(str(other), "/kernel")
        elif link == "external group":
            del store["layers/dense"]
            store["layers/dense"] = h5py.ExternalLink(str(other), "/layers/dense")
        else:
            store["spare"] = store[KERNEL][()]
            del store[KERNEL]
            store[KERNEL] = h5py.SoftLink("/spare")

    kind = "SoftLink" if link == "soft" else "ExternalLink"
    assert_every_load_refuses(model, hostile_files(model, tmp_path, edit),
                              rf"is a {kind} .*hard links only")


def test_a_compact_dataset_is_refused(model, tmp_path):
    def compact(store, path):
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple((4, 3))
        h5py.h5d.create(store.id, path.encode(), h5py.h5t.IEEE_F32LE, space, dcpl=plist)

    assert_every_load_refuses(model, hostile_files(model, tmp_path, replace(KERNEL, compact)),
                              r"is a compact dataset")


def test_chunks_larger_than_the_array_are_refused(model, tmp_path):
    def big_chunks(store, path):
        store.create_dataset(path, shape=(4, 3), maxshape=(None, None), chunks=(2**12, 2**12),
                             dtype="float32")

    assert_every_load_refuses(model, hostile_files(model, tmp_path, replace(KERNEL, big_chunks)),
                              r"chunks of 67,108,864 bytes")


NOT_REAL_NUMBERS = {
    "complex": np.ones((4, 3), dtype="complex64"),
    "strings": np.full((4, 3), b"abc"),
    "variable-length strings": np.full((4, 3), "abc", dtype=h5py.string_dtype()),
    "datetimes": np.zeros((4, 3), dtype="datetime64[s]").astype(h5py.opaque_dtype("M8[s]")),
    "records": np.zeros((4, 3), dtype=[("a", "f4"), ("b", "f4")]),
    "long doubles": np.ones((4, 3), dtype=np.longdouble),
}


@pytest.mark.parametrize("kind", sorted(NOT_REAL_NUMBERS))
@pytest.mark.parametrize("where", [KERNEL, "optimizer/vars/2"])
def test_values_that_are_not_real_numbers_are_refused(model, tmp_path, kind, where):
    def edit(store):  # where: the kernel, or its first optimizer slot, both (4, 3)
        del store[where]
        store.create_dataset(where, data=NOT_REAL_NUMBERS[kind])

    assert_every_load_refuses(model, hostile_files(model, tmp_path, edit),
                              r"holds values of type .*real numbers")


# -- 8. numbers no training produces --------------------------------------------------


def with_values(store, path, change):
    value = store[path][()]
    del store[path]
    store[path] = change(value)


def test_non_finite_weights_load_with_a_warning_naming_them(model, tmp_path):
    def nan_kernel(store):
        with_values(store, KERNEL, lambda v: np.where(np.eye(4, 3) > 0, np.nan, v))

    weights_file, keras_file = hostile_files(model, tmp_path, nan_kernel)
    for load in (lambda: model.load_weights(weights_file),
                 lambda: keras.models.load_model(keras_file)):
        # The path starts with the Sequential's name where it built the layer (not after
        # load_model), as in Keras.
        with pytest.warns(RuntimeWarning,
                          match=r"non-finite .* '(\w+/)?first/kernel' \(3 of 12\)"):
            loaded = load() or model
        assert np.isnan(loaded.layers[0].kernel.numpy()).sum() == 3


@pytest.mark.parametrize("variable, value", [
    ("iteration", -3), ("first_kernel_velocity", -1e-3), ("second_bias_velocity_hat", -1.0)])
def test_impossible_optimizer_state_is_a_value_error_naming_the_variable(model, tmp_path,
                                                                        variable, value):
    # Keras names a slot after its weight's path: sequential_1_first_kernel_velocity.
    names = [v.name for v in model.optimizer.variables]
    index = next(i for i, name in enumerate(names)
                 if name == variable or name.endswith(f"_{variable}"))

    def edit(store):
        with_values(store, f"optimizer/vars/{index}",
                    lambda v: np.full_like(v, value) if v.ndim == 0 else np.where(
                        np.arange(v.size).reshape(v.shape) == 1, value, v))

    assert_every_load_refuses(model, hostile_files(model, tmp_path, edit),
                              rf"'adam/(\w+_)?{variable}' holds {value}.*cannot be "
                              "negative")


def test_the_checks_accept_what_minikeras_writes_without_a_warning(model, tmp_path):
    model.save(tmp_path / "model.keras")
    model.save_weights(tmp_path / "model.weights.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.models.load_model(tmp_path / "model.keras")
        model.load_weights(tmp_path / "model.weights.h5")


# -- 4. memory bombs -----------------------------------------------------------------


def rezipped(members, compression, extra=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression, compresslevel=9) as out:
        for name, data in {**members, **(extra or {})}.items():
            out.writestr(name, data)
    return buffer.getvalue()


def peak_bytes(function):
    """The most memory Python and NumPy held at once while ``function`` ran, above the start."""
    tracemalloc.start()
    try:
        with contextlib.suppress(ValueError):
            function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_config_bomb_is_refused_before_it_is_unpacked(model, tmp_path):
    model.save(tmp_path / "valid.keras")
    members = members_of((tmp_path / "valid.keras").read_bytes())
    bomb = '{"class_name": "Sequential", "config": {"layers": [' + "[]," * (3 * 2**20) + "[]]}}"
    path = tmp_path / "bomb.keras"
    path.write_bytes(rezipped({**members, "config.json": bomb}, zipfile.ZIP_BZIP2))
    assert path.stat().st_size < 50_000
    with pytest.raises(ValueError, match=r"config.json declares 9,437,\d+ bytes, more than"):
        keras.models.load_model(path)
    assert peak_bytes(lambda: keras.models.load_model(path)) < 2**20


def test_a_padding_member_does_not_raise_what_the_weights_may_unpack_to(tmp_path):
    model = keras.Sequential([keras.Input(shape=(1024,)), keras.layers.Dense(
        1024, kernel_initializer="zeros")])
    model.save(tmp_path / "valid.keras")
    members = members_of((tmp_path / "valid.keras").read_bytes())
    padding = {"padding.bin": np.random.default_rng(0).bytes(2**22)}  # incompressible
    path = tmp_path / "padded.keras"
    path.write_bytes(rezipped(members, zipfile.ZIP_DEFLATED, padding))
    with pytest.raises(ValueError, match=r"model.weights.h5 declares 4,\d+,\d+ bytes, more than "
                                         r"the \d+,\d+ allowed for it \(\d+,\d+ bytes in the"):
        keras.models.load_model(path)
    path.write_bytes(rezipped(members, zipfile.ZIP_STORED, padding))
    assert not keras.models.load_model(path).layers[0].kernel.numpy().any()


# -- 5. a functional config listing its layers in reverse order ------------------------


class CountingDict(dict):
    """A recorded layer call that counts how often it is read."""

    reads = 0

    def get(self, *args):
        CountingDict.reads += 1
        return super().get(*args)


@pytest.mark.parametrize("depth", [100, 400])
def test_replaying_a_functional_config_reads_each_call_a_bounded_number_of_times(depth):
    x = inputs = keras.Input(shape=(2,))
    for _ in range(depth):
        x = keras.layers.Dense(2)(x)
    y = keras.layers.Add()([x, keras.layers.Dense(2)(inputs)])
    config = keras.Model(inputs, y).get_config()
    config["layers"] = config["layers"][::-1]
    for layer in config["layers"]:
        layer["inbound_nodes"] = [CountingDict(node) for node in layer["inbound_nodes"]]
    CountingDict.reads = 0
    model = keras.Model.from_config(config)
    assert len(model.layers) == depth + 3
    assert CountingDict.reads <= 8 * (depth + 2)  # each call read a few times, not once a pass


def test_loading_a_model_holds_about_one_copy_of_its_weights_at_a_time(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(1024,)), keras.layers.Dense(1024),
                              keras.layers.Dense(1024)])
    model.compile("adam", "mse")
    model.fit(np.ones((2, 1024)), np.ones((2, 1024)), verbose=0)  # Adam's slots: 3 x 8 MiB
    model.save(tmp_path / "model.keras")
    stored = sum(v.numpy().nbytes for v in model.weights + model.optimizer.variables)
    peak = peak_bytes(lambda: keras.models.load_model(tmp_path / "model.keras"))
    assert peak < 1.5 * stored, f"{peak / stored:.2f} x the {stored:,} bytes of state"


def test_initial_values_a_file_overwrites_are_never_drawn(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(
        64, kernel_initializer="orthogonal", bias_initializer="random_normal")])
    model.compile(keras.optimizers.Adagrad(initial_accumulator_value=0.25), "mse")
    model.fit(np.ones((2, 64)), np.ones((2, 64)), verbose=0)
    model.save(tmp_path / "model.keras")

    def refuse(self, shape, dtype=None):
        raise AssertionError(f"{type(self).__name__} drew {shape}")

    for initializer in (keras.initializers.Orthogonal, keras.initializers.RandomNormal):
        monkeypatch.setattr(initializer, "__call__", refuse)
    loaded = keras.models.load_model(tmp_path / "model.keras")
    for ours, theirs in zip(loaded.weights + loaded.optimizer.variables,
                            model.weights + model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    # Variables the file does not hold still get their initial values (here, the optimizer's).
    fresh = keras.models.load_model(tmp_path / "model.keras", compile=False)
    fresh.compile(keras.optimizers.Adagrad(initial_accumulator_value=0.25), "mse")
    fresh.optimizer.build(fresh.trainable_variables)
    assert np.all(fresh.optimizer.variables[-1].numpy() == 0.25)


def test_a_huge_layer_the_file_cannot_fill_is_refused_without_drawing_it(tmp_path, monkeypatch):
    small = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(4)])
    small.save(tmp_path / "small.keras")
    members = members_of((tmp_path / "small.keras").read_bytes())
    config = json.loads(members["config.json"])
    input_layer, dense = config["config"]["layers"]
    input_layer["config"]["batch_shape"] = dense["build_config"]["input_shape"] = [None, 4096]
    dense["config"].update(units=4096, kernel_initializer={
        "module": "keras.initializers", "class_name": "Orthogonal", "config": {},
        "registered_name": None})
    config["config"]["build_input_shape"] = config["build_config"]["input_shape"] = [None, 4096]
    (tmp_path / "huge.keras").write_bytes(archive({**members, "config.json": json.dumps(config)}))
    monkeypatch.setattr(keras.initializers.Orthogonal, "__call__",
                        lambda *args, **kwargs: pytest.fail("Orthogonal drew a kernel"))
    with pytest.raises(ValueError, match=r"more than the file being loaded can justify"):
        keras.models.load_model(tmp_path / "huge.keras")
