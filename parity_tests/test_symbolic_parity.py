"""keras.ops and operators on KerasTensors against tf.keras: the same nodes, files, training."""

import importlib
import inspect
import json

import keras as keras3
import numpy as np
import pytest
import tensorflow as tf
from keras.src.ops.operation import Operation as KerasOperation

import minikeras as mk
from minikeras.ops.function_operations import KERAS_CLASSES, public_functions
from minikeras.ops.keras_op_table import ALIASES, NOT_OPERATIONS
from parity_tests.harness import assert_close
from parity_tests.test_models_parity import assert_outputs_close, summary_text


def ops_functions():
    """The public functions of minikeras.ops and ops.image ("add", "image.resize"), each
    with the name it has in keras.ops."""
    names = {name: ALIASES.get(name, name) for name in sorted(public_functions(vars(mk.ops)))}
    names.update({f"image.{name}": f"image.{name}" for name in sorted(
        public_functions(vars(mk.ops.image), defined_in=mk.ops.image.__name__))})
    return names


def lookup(ops, name):
    """``ops.<name>`` for a name such as "mean" or "image.resize"; None if there is none."""
    for part in name.split("."):
        ops = getattr(ops, part, None)
    return ops


def table_name(name):
    """The name a function has in the table: "image.resize" -> "resize"."""
    return name.rpartition(".")[2]


# -- the table of Keras's operation classes ------------------------------------------


@pytest.mark.parametrize("name", sorted(KERAS_CLASSES))
def test_the_table_names_the_class_keras_saves_and_its_tensor_arguments(name):
    module, class_name, tensors = KERAS_CLASSES[name]
    cls = getattr(importlib.import_module(module), class_name)
    assert issubclass(cls, KerasOperation)
    call = [("*" if p.kind is p.VAR_POSITIONAL else "") + p.name
            for p in list(inspect.signature(cls.call).parameters.values())[1:]
            if p.kind is not p.VAR_KEYWORD]
    function = lookup(keras3.ops, f"image.{name}" if module.endswith(".image") else name)
    parameters = inspect.signature(function).parameters
    # The call's tensors, by the function's names (extract_patches_3d's volumes are images).
    renamed = {"extract_patches_3d": {"volumes": "images"}}.get(name, {})
    assert tuple(renamed.get(t, t) for t in tensors) == tuple(call)
    assert {t.lstrip("*") for t in tensors} <= set(parameters)


def keras_ops_functions():
    """The public functions of minikeras.ops that keras.ops has too (not the fused kernels...)."""
    return {name: keras_name for name, keras_name in ops_functions().items()
            if lookup(keras3.ops, keras_name) is not None}


@pytest.mark.parametrize("name", sorted(keras_ops_functions()))
def test_ops_functions_take_keras_argument_names(name):
    # Keras files name a node's settings by these names, and users pass them by keyword.
    keras_name = ops_functions()[name]
    ours = list(inspect.signature(lookup(mk.ops, name)).parameters)
    theirs = list(inspect.signature(lookup(keras3.ops, keras_name)).parameters)
    if table_name(keras_name) in KERAS_CLASSES:  # (with the settings a **kwargs passes on)
        module, class_name, tensors = KERAS_CLASSES[table_name(keras_name)]
        cls = getattr(importlib.import_module(module), class_name)
        theirs += list(inspect.signature(cls.__init__).parameters)
        assert {t.lstrip("*") for t in tensors} <= set(ours)
    assert set(ours) <= set(theirs), f"ops.{name}{ours} vs keras.ops.{keras_name}{theirs}"


# -- each function of minikeras.ops as a node of a functional model -------------------


def _int(ops, x):
    return ops.cast(x[:, :, 0], "int32")


# Calls of the functions whose arguments are not just one or two float tensors.
SPECIAL_CALLS = {
    "matmul": lambda ops, x, y: ops.matmul(x, np.linspace(-1, 1, 6, dtype="float32").reshape(3, 2)),
    "cast": lambda ops, x, y: ops.cast(x, "int32"),
    "clip": lambda ops, x, y: ops.clip(x, -0.5, 0.5),
    "where": lambda ops, x, y: ops.where(x > 0, x, y),
    "one_hot": lambda ops, x, y: ops.one_hot(_int(ops, x), 5),
    "top_k": lambda ops, x, y: ops.top_k(x, 2)[0],
    "in_top_k": lambda ops, x, y: ops.in_top_k(_int(ops, x)[:, 0], x[:, :, 0], 2),
    "argmax": lambda ops, x, y: ops.argmax(x, axis=1),
    "argmin": lambda ops, x, y: ops.argmin(x, axis=-1),
    "batch_normalization": lambda ops, x, y: ops.batch_normalization(
        x, np.zeros(3, "float32"), np.ones(3, "float32"), axis=-1, epsilon=0.01),
    "average_pool": lambda ops, x, y: ops.average_pool(ops.reshape(x, (-1, 2, 2, 3)), 2),
    "max_pool": lambda ops, x, y: ops.max_pool(ops.reshape(x, (-1, 2, 2, 3)), 2, padding="same"),
    "conv": lambda ops, x, y: ops.conv(ops.reshape(x, (-1, 2, 2, 3)),
                                       np.ones((2, 2, 3, 2), "float32")),
    "conv_transpose": lambda ops, x, y: ops.conv_transpose(ops.reshape(x, (-1, 2, 2, 3)),
                                                           np.ones((2, 2, 2, 3), "float32")),
    "broadcast_to": lambda ops, x, y: ops.broadcast_to(x[0], (2, 4, 3)),
    "reshape": lambda ops, x, y: ops.reshape(x, (-1, 12)),
    "expand_dims": lambda ops, x, y: ops.expand_dims(x, 1),
    "squeeze": lambda ops, x, y: ops.squeeze(x[:, :1], axis=1),
    "transpose": lambda ops, x, y: ops.transpose(x, (0, 2, 1)),
    "getitem": lambda ops, x, y: x[:, 1:3],
    "get_item": lambda ops, x, y: x[:, 1:3],
    "concatenate": lambda ops, x, y: ops.concatenate([x, y], axis=1),
    "stack": lambda ops, x, y: ops.stack([x, y], axis=1),
    "hstack": lambda ops, x, y: ops.hstack([x, y]),
    "vstack": lambda ops, x, y: ops.vstack([x, y]),
    "tensordot": lambda ops, x, y: ops.tensordot(x, y, axes=([2], [2])),
    "sparse_categorical_crossentropy": lambda ops, x, y: ops.sparse_categorical_crossentropy(
        _int(ops, x), ops.softmax(y)),
    "categorical_crossentropy": lambda ops, x, y: ops.categorical_crossentropy(
        ops.softmax(x), ops.softmax(y)),
    "binary_crossentropy": lambda ops, x, y: ops.binary_crossentropy(
        ops.sigmoid(x), ops.sigmoid(y)),
    "power": lambda ops, x, y: ops.power(x, 3),
    "image.resize": lambda ops, x, y: ops.image.resize(ops.reshape(x, (-1, 2, 2, 3)), (4, 6)),
}


def _tensor_parameters(keras_name):
    entry = KERAS_CLASSES.get(table_name(keras_name))
    return entry[2] if entry else ()


def callable_ops():
    """The functions of minikeras.ops a node test can call: special calls, and the rest that
    take one or two float tensors and nothing else they need."""
    names = []
    for name, keras_name in keras_ops_functions().items():
        if name in NOT_OPERATIONS:
            continue
        parameters = inspect.signature(lookup(mk.ops, name)).parameters.values()
        required = [p.name for p in parameters if p.default is p.empty]
        if name in SPECIAL_CALLS or (required and set(required) <= set(
                _tensor_parameters(keras_name)) and len(required) <= 2):
            names.append(name)
    return names


def op_model(lib, name):
    """keras.Model([x, y], ops.<name>(...)): x and y are two (None, 4, 3) float inputs."""
    x, y = lib.Input((4, 3), name="x"), lib.Input((4, 3), name="y")
    if name in SPECIAL_CALLS:
        out = SPECIAL_CALLS[name](lib.ops, x, y)
    else:
        required = [p for p in inspect.signature(lookup(mk.ops, name)).parameters.values()
                    if p.default is p.empty]
        out = lookup(lib.ops, ops_functions()[name])(*[x, y][:len(required)])
    return lib.Model([x, y], out)


def twins(build, *args):
    """The model in both frameworks, each numbering its automatic names from scratch."""
    mk.backend.clear_session()
    tf.keras.backend.clear_session(free_memory=False)  # (freeing memory takes 0.5 s)
    return build(mk, *args), build(tf.keras, *args)


def operation_entries(model):
    """The config entries of the model's operations that are not layers."""
    return [json.loads(json.dumps(entry)) for entry in model.get_config()["layers"]
            if entry["module"].startswith(("keras.src.ops", "minikeras.ops"))]


def assert_same_operations(ours, theirs):
    """The operations' entries are Keras's, but for settings minikeras lacks that Keras leaves
    off (None, False), and a dtype or data_format some of Keras's classes fill in for None."""
    ours, theirs = operation_entries(ours), operation_entries(theirs)
    assert [{**e, "config": None} for e in ours] == [{**e, "config": None} for e in theirs]
    for mine, keras_entry in zip(ours, theirs, strict=True):
        mine, keras_config = mine["config"], keras_entry["config"]
        assert set(mine) <= set(keras_config), keras_entry["class_name"]
        for key, value in keras_config.items():
            if key not in mine:
                assert value in (None, False), (keras_entry["class_name"], key)
            elif not (key in ("dtype", "data_format") and mine[key] is None):
                assert mine[key] == value, (keras_entry["class_name"], key)


@pytest.mark.parametrize("name", callable_ops())
def test_an_ops_call_on_keras_tensors_makes_the_node_keras_makes(name):
    if name not in SPECIAL_CALLS:  # called on two (None, 4, 3) tensors: it may not apply
        try:
            op_model(tf.keras, name)
        except (ValueError, TypeError):
            with pytest.raises((ValueError, TypeError)):
                op_model(mk, name)
            return
    ours, theirs = twins(op_model, name)
    assert ours.output.shape == tuple(theirs.output.shape)
    assert ours.output.dtype == theirs.output.dtype
    assert_same_operations(ours, theirs)


# -- a model joined by operators and keras.ops calls ----------------------------------


def build_ops_model(lib):
    """Dense layers joined by each operator of the functional API and a few keras.ops calls."""
    ops = lib.ops
    a, b = lib.Input((4,), name="a"), lib.Input((4,), name="b")
    x = (lib.layers.Dense(4, name="hidden")(a) + b) * 0.5
    x = -x + x ** 2 - abs(x) / 4.0
    y = x @ np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    expanded = y[..., None]
    mask = ops.cast(y > 0.5, "float32")
    joined = ops.concatenate([ops.tanh(y), mask, ops.mean(expanded, axis=1), y[:, 0:1]], axis=-1)
    return lib.Model([a, b], lib.layers.Dense(2, name="head")(joined))


def ops_inputs(rows, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((rows, 4)).astype("float32") for _ in range(2)]


@pytest.fixture
def ops_twins():
    ours, theirs = twins(build_ops_model)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def test_the_graph_keras_records_for_operators_and_ops(ops_twins):
    ours, theirs = ops_twins
    assert operation_entries(ours) == operation_entries(theirs)  # all settings are Keras's
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert summary_text(ours) == summary_text(theirs)
    assert summary_text(ours, show_trainable=True) == summary_text(theirs, show_trainable=True)
    data = ops_inputs(9)
    assert_outputs_close(ours.predict(data, verbose=0), theirs.predict(data, verbose=0),
                         what="models.Functional (operators and keras.ops calls)")


@pytest.mark.parametrize("direction", ["minikeras to keras", "keras to minikeras"])
def test_a_file_with_operation_nodes_loads_in_the_other_framework(ops_twins, direction, tmp_path):
    ours, theirs = ops_twins
    source, reader = (ours, tf.keras) if direction == "minikeras to keras" else (theirs, mk)
    path = str(tmp_path / "ops.keras")
    source.save(path)
    loaded = reader.models.load_model(path)
    assert operation_entries(loaded) == operation_entries(source)
    data = ops_inputs(7)
    assert_outputs_close(loaded.predict(data, verbose=0), source.predict(data, verbose=0),
                         what=f"models.Functional (operation nodes, {direction})")


def test_training_through_operation_nodes_matches_keras_step_for_step(ops_twins):
    ours, theirs = ops_twins
    for model, lib in ((ours, mk), (theirs, tf.keras)):
        model.compile(lib.optimizers.SGD(0.05), loss="mse")
    x, y = ops_inputs(48), np.random.default_rng(2).standard_normal((48, 2)).astype("float32")
    arguments = {"batch_size": 16, "epochs": 3, "shuffle": False, "verbose": 0}
    expected = theirs.fit(x, y, **arguments).history["loss"]
    assert_close(np.array(ours.fit(x, y, **arguments).history["loss"]), np.array(expected),
                 "training", what="models.Model.fit (through operation nodes)")
    for a, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        assert_close(a, e, "training", what="models.Model.fit (through operation nodes): weights")
