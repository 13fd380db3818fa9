"""The parity harness: run the same computation in minikeras and tf.keras and compare.

Every parity test goes through ``compare_functions`` (any function of arrays)
or ``compare_layers`` (a layer and its tf.keras twin): both compare the
forward values and the gradients of every input and weight, given the same
random upstream gradient, against the tolerances below. Each comparison is
also recorded, so ``python -m parity_tests.report`` can list the errors seen.
"""

import contextlib
import os
import re

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def _silent_stderr():
    """Discards what C++ code prints on file descriptor 2 (TensorFlow's start-up banner)."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


with _silent_stderr():
    import tensorflow as tf

import minikeras as mk  # noqa: E402
from minikeras.autograd import Tensor  # noqa: E402

tf.get_logger().setLevel("ERROR")

# (kind, quantity) -> (rtol, atol), for float32. Why each is what it is:
TOLERANCES = {
    # Elementwise functions: both sides round each result once, but may use
    # different formulas (e.g. log1p(exp(-|x|)) vs log(1 + exp(x))), a few ulps.
    ("elementwise", "forward"): (1e-5, 1e-6),
    # A derivative computed from the output (tanh' = 1 - y**2) turns one ulp of
    # y near 1 (6e-8) into up to 1.2e-7, times an upstream gradient of up to ~5.
    ("elementwise", "gradient"): (1e-5, 2e-6),
    # Reductions and losses: sums of n terms in another order differ by about
    # n * ulp; with n up to a few hundred, 1e-5 relative.
    ("reduction", "forward"): (1e-5, 1e-6),
    ("reduction", "gradient"): (1e-5, 1e-6),
    # Matmul and convolution: oneDNN and OpenBLAS accumulate dot products of
    # length up to ~1000 in different orders and with FMA; 1e-4 relative, and
    # an absolute floor for outputs that cancel to near zero.
    ("linear", "forward"): (1e-4, 1e-5),
    ("linear", "gradient"): (1e-4, 1e-5),
    # Convolution: a kernel gradient is a sum of N*OH*OW products (up to ~1000 in
    # these tests); float32 leaves up to ~1e-4 of absolute error in such sums of
    # unit-sized terms (TF's and ours both differ that much from float64), so
    # entries that cancel to near zero need an absolute floor of 1e-4.
    ("convolution", "forward"): (1e-4, 1e-5),
    ("convolution", "gradient"): (1e-4, 1e-4),
    # Normalization: divides by a standard deviation that may be small, which
    # amplifies the rounding of the centred sums.
    ("normalization", "forward"): (1e-4, 1e-4),
    ("normalization", "gradient"): (1e-3, 1e-4),
    # Initializers: statistics (mean, std, deciles, extremes) of 10^5 draws from two
    # different generators, in units of the standard deviation. Their sampling
    # errors are below 0.01 (the deciles' the largest, ~0.006 each), so 0.03 is
    # a safe margin that still catches a wrong fan, scale or truncation (>= 10%).
    ("distribution", "forward"): (0.0, 0.03),
    # Optimizers and training: rounding differences compound over 20-50 steps.
    ("optimizer", "forward"): (1e-4, 1e-6),
    ("training", "forward"): (1e-3, 1e-4),
}

# float64 components get a thousandth of the float32 tolerance, floored at 1e-9.
DTYPE_FACTOR = {"float32": 1.0, "float64": 1e-3}

RECORDS = []
COVERED = set()


def covers(*names):
    """Marks a parity test as covering public components, e.g. ``@covers("layers.Dense")``.

    A name is "<module>.<public name>" relative to minikeras ("losses.mse",
    "optimizers.Adam"); the coverage test fails for any public component that
    no parity test claims.
    """
    COVERED.update(names)

    def mark(test):
        return test

    return mark


def tolerance(kind, quantity="forward", dtype="float32"):
    """(rtol, atol) for a component kind ("elementwise", "linear"...) and quantity."""
    rtol, atol = TOLERANCES[(kind, quantity)]
    factor = DTYPE_FACTOR[dtype]
    return max(rtol * factor, 1e-9), max(atol * factor, 1e-9)


# A label starts with the component it checks, "module.Name" ("losses.mse", "layers.Dense",
# "models.Model.fit"), and may go on with details: "losses.mse({...})", "Dense: d/d(input)".
_COMPONENT = re.compile(r"[a-z_]+(\.[A-Za-z_][A-Za-z0-9_]*)+")
# Short prefixes tests use, and the module they stand for.
_MODULE_ALIASES = {"schedules": "optimizers.schedules"}


def component_name(what):
    """The component a comparison labelled ``what`` checks, as "module.Name".

    The label's first word, up to any detail ("(", "[", "{", ":" or a space);
    a bare layer class (as ``compare_layers`` labels) is "layers.<class>".
    Raises ValueError for a label that names no component, so that every row
    of the parity report is one.
    """
    head = re.split(r"[\s:(\[{]", what.strip(), maxsplit=1)[0]
    module, _, rest = head.partition(".")
    if not rest and hasattr(mk.layers, head):
        head = f"layers.{head}"
    elif module in _MODULE_ALIASES:
        head = f"{_MODULE_ALIASES[module]}.{rest}"
    if not _COMPONENT.fullmatch(head):
        raise ValueError(f"A parity comparison's label must start with the component it checks, "
                         f"as 'module.Name' (e.g. 'layers.Dense', 'losses.mse'); got {what!r}.")
    return head


def assert_close(actual, expected, kind, quantity="forward", dtype="float32", what=""):
    """Asserts ``actual`` (minikeras) matches ``expected`` (tf.keras) and records the errors.

    what: the label, starting with the component checked (see ``component_name``).
    Where tf.keras is finite, minikeras must be finite too; where both are
    NaN or the same infinity, they agree.
    """
    component = component_name(what)
    actual, expected = np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64")
    rtol, atol = tolerance(kind, quantity, dtype)
    abs_error, rel_error = errors(actual, expected, atol)
    passed = actual.shape == expected.shape and bool(
        np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True))
    RECORDS.append({"component": component, "label": what, "kind": kind, "quantity": quantity,
                    "dtype": dtype, "abs_error": abs_error, "rel_error": rel_error,
                    "rtol": rtol, "atol": atol, "passed": passed})
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    finite = np.isfinite(expected)
    assert np.isfinite(actual[finite]).all(), f"{what}: not finite where tf.keras is"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def errors(actual, expected, atol):
    """(max absolute error, max relative error) where tf.keras is finite.

    The relative error only counts elements larger than ``atol``: next to zero
    a ratio says nothing, and the absolute tolerance is what applies there.
    """
    finite = np.isfinite(expected) & np.isfinite(actual)
    if not finite.any():
        return 0.0, 0.0
    difference = np.abs(actual[finite] - expected[finite])
    magnitude = np.abs(expected[finite])
    large = magnitude > atol
    relative = (difference[large] / magnitude[large]).max() if large.any() else 0.0
    return float(difference.max()), float(relative)


def minikeras_value_and_gradients(fn, arrays, upstream):
    """fn(*Tensors) and the gradients of sum(fn * upstream) for each input, with minikeras."""
    tensors = [Tensor(mk.backend.to_device(a), requires_grad=np.asarray(a).dtype.kind == "f")
               for a in arrays]
    output = fn(*tensors)
    if output.requires_grad:
        output.backward(mk.backend.to_device(np.asarray(upstream, dtype=output.dtype)))
    grads = [None if t.grad is None else mk.backend.to_numpy(t.grad) for t in tensors]
    return output.numpy(), grads


def keras_value_and_gradients(fn, arrays, upstream):
    """fn(*tf.Tensors) and the gradients of sum(fn * upstream) for each input, with tf.keras."""
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape(persistent=True) as tape:
        for t in tensors:
            if t.dtype.is_floating:
                tape.watch(t)
        output = fn(*tensors)
        objective = tf.reduce_sum(output * tf.cast(upstream, output.dtype))
    grads = [tape.gradient(objective, t) if t.dtype.is_floating else None for t in tensors]
    return np.asarray(output), [None if g is None else _dense(g) for g in grads]


def _dense(gradient):
    """A tf.keras gradient as a NumPy array; a gather's (tf.IndexedSlices: the rows it
    touched) is scattered into a dense array first."""
    return np.asarray(tf.convert_to_tensor(gradient))


def compare_functions(mk_fn, keras_fn, arrays, kind, what, dtype="float32", seed=0):
    """Compares a minikeras function with its tf.keras counterpart on ``arrays``.

    Forward values, and the gradient with respect to every float input of
    sum(output * u) for one random u, must agree within the tolerance of ``kind``.
    """
    expected, _ = keras_value_and_gradients(keras_fn, arrays, 1.0)
    upstream = np.random.default_rng(seed).standard_normal(np.shape(expected)).astype(dtype)
    expected, expected_grads = keras_value_and_gradients(keras_fn, arrays, upstream)
    actual, actual_grads = minikeras_value_and_gradients(mk_fn, arrays, upstream)
    assert_close(actual, expected, kind, "forward", dtype, what)
    for i, (a, e) in enumerate(zip(actual_grads, expected_grads, strict=True)):
        if e is not None:
            a = np.zeros_like(e) if a is None else a
            assert_close(a, e, kind, "gradient", dtype, f"{what}: d/d(input {i})")


def keras_twin(layer):
    """The tf.keras layer of the same class built from ``layer.get_config()``."""
    config = dict(layer.get_config())
    return getattr(tf.keras.layers, type(layer).__name__).from_config(config)


def assert_config_round_trip(layer):
    """tf.keras rebuilds ``layer`` from our config, and we rebuild it from tf.keras's: the
    same config comes back."""
    theirs = keras_twin(layer)
    back = type(layer).from_config(theirs.get_config())
    assert back.get_config() == layer.get_config()


def real_mnist(count):
    """The first ``count`` training digits of real MNIST as (count, 28, 28) float32 pixels in
    [0, 1], and their labels; the test fails, saying where it looked, without mnist.npz."""
    found = [path for path in mk.datasets.mnist.search_paths() if os.path.isfile(path)]
    if not found:
        pytest.fail("This parity test trains on real MNIST and found no mnist.npz in "
                    f"{mk.datasets.mnist.search_paths()}: set MINIKERAS_DATA to the folder that "
                    "holds mnist.npz (`make test` sets it to ../shared/data when that exists).")
    (x_train, y_train), _ = mk.datasets.mnist.load_data(found[0])
    return (x_train[:count] / 255.0).astype("float32"), y_train[:count]


def copy_weights(source, target):
    """Copies weights between a minikeras and a tf.keras layer or model (either direction)."""
    target.set_weights([np.asarray(w) for w in source.get_weights()])


def compare_weights(ours, theirs, kind, what):
    """Asserts a minikeras layer or model holds the weights of its tf.keras twin.

    Compared in ``get_weights`` order (non-trainable ones, such as moving
    statistics, included); each is labelled with its path in tf.keras.
    """
    paths = [w.path for w in theirs.weights]
    ours, theirs = ours.get_weights(), theirs.get_weights()
    assert len(ours) == len(theirs), f"{what}: {len(ours)} weights, tf.keras has {len(theirs)}"
    for path, a, e in zip(paths, ours, theirs, strict=True):
        assert_close(a, e, kind, what=f"{what}: {path}")


def apply_gradient_steps(optimizer, weights, gradient_steps, constraint=None):
    """New variables holding ``weights``, after ``optimizer`` applied every step's gradients.

    optimizer: a minikeras or a tf.keras optimizer; the variables are of its framework.
    gradient_steps: for each step, one gradient per weight (None: no gradient this step).
    constraint: set on the first variable (a function of a Tensor, or a Keras constraint).
    """
    if isinstance(optimizer, mk.optimizers.Optimizer):
        variables = [mk.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
        steps = gradient_steps
    else:
        variables = [tf.keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
        steps = [[None if g is None else tf.constant(g) for g in step] for step in gradient_steps]
    if constraint is not None:
        variables[0].constraint = constraint
    for step in steps:
        optimizer.apply_gradients(list(zip(step, variables, strict=True)))
    return variables


def _generic_name(name):
    # tf.keras numbers unnamed variables ("variable_7", Nadam's u_product) by creation order.
    return re.sub(r"^variable(_\d+)?$", "variable", name)


def compare_optimizer_states(what, ours, our_variables, theirs, their_variables):
    """Asserts two optimizers left the same weights and hold the same variables after their steps.

    ours, theirs: a minikeras optimizer and its tf.keras twin; our_variables,
    their_variables: the weights each updated (see ``apply_gradient_steps``).
    The optimizers' own variables (iterations, slots...) must match in name,
    order and value.
    """
    for i, (a, e) in enumerate(zip(our_variables, their_variables, strict=True)):
        assert_close(a.numpy(), np.asarray(e.numpy()), "optimizer", what=f"{what}: weight {i}")
    assert ([_generic_name(v.name) for v in ours.variables]
            == [_generic_name(v.name) for v in theirs.variables]), what
    for a, e in zip(ours.variables, theirs.variables, strict=True):
        assert_close(a.numpy(), np.asarray(e), "optimizer", what=f"{what}: {a.name}")


def compare_layers(layer, x, kind, training=False, seed=0, twin=None):
    """Compares ``layer`` with its tf.keras twin on input ``x`` (weights copied to the twin).

    Checks the outputs, the gradient with respect to the input (unless ``x``
    holds integers, such as an Embedding's indices), and the gradient with
    respect to every trainable weight (in get_weights order).
    Returns the twin, so a test can compare its state (e.g. moving statistics).
    """
    if not layer.built:
        layer(x, training=training)
    twin = twin or keras_twin(layer)
    if not twin.built:
        twin(tf.constant(x), training=training)
    copy_weights(layer, twin)
    name = type(layer).__name__
    if not hasattr(mk.layers, name):  # a user's subclass checks the Layer API itself
        name = f"layers.Layer({name})"
    differentiable = np.asarray(x).dtype.kind == "f"

    with tf.GradientTape(persistent=True) as tape:
        x_tf = tf.constant(x)
        if differentiable:
            tape.watch(x_tf)
        expected = twin(x_tf, training=training)
    upstream = np.random.default_rng(seed).standard_normal(expected.shape).astype(
        expected.dtype.name)
    with tape:
        objective = tf.reduce_sum(expected * upstream)
    expected_grads = [None if g is None else _dense(g)
                      for g in tape.gradient(objective, [x_tf, *twin.trainable_weights])]

    x_mk = Tensor(mk.backend.to_device(x), requires_grad=differentiable)
    for w in layer.trainable_weights:
        w.grad = None
    actual = layer(x_mk, training=training)
    actual.backward(mk.backend.to_device(upstream))

    assert_close(actual.numpy(), np.asarray(expected), kind, "forward", what=name)
    if differentiable:
        assert_close(mk.backend.to_numpy(x_mk.grad), expected_grads[0], kind, "gradient",
                     what=f"{name}: d/d(input)")
    for w, e in zip(layer.trainable_weights, expected_grads[1:], strict=True):
        a = np.zeros(w.shape) if w.grad is None else mk.backend.to_numpy(w.grad)
        assert_close(a, np.asarray(e), kind, "gradient", what=f"{name}: d/d({w.name})")
    return twin


def compare_saved_models(ours, theirs, x, folder, kind, what):
    """Saves twin models as .keras files (``folder``: a pathlib.Path), loads each framework's
    file in the other, and asserts that both loaded models predict on ``x`` what the tf.keras
    model predicts. Returns the model minikeras loaded from tf.keras's file.
    """
    ours.save(folder / "ours.keras")
    theirs.save(folder / "theirs.keras")
    loaded_by_keras = tf.keras.models.load_model(folder / "ours.keras")
    loaded_by_us = mk.models.load_model(folder / "theirs.keras")
    expected = theirs.predict(x, verbose=0)
    for model, who in ((loaded_by_keras, "loaded by Keras"), (loaded_by_us, "saved by Keras")):
        assert_close(model.predict(x, verbose=0), expected, kind, what=f"{what}, {who}")
    return loaded_by_us


def summary_text(model, **kwargs):
    """What ``model.summary(**kwargs)`` prints, as one string (a minikeras or tf.keras model)."""
    printed = []
    model.summary(print_fn=lambda text, **_: printed.append(text), **kwargs)
    return "".join(printed)


def compare_models(ours, theirs, x, kind, what):
    """Asserts twin models print the same summary(), count the same parameters and predict
    the same on ``x``."""
    assert summary_text(ours) == summary_text(theirs)
    assert ours.count_params() == theirs.count_params()
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), kind, what=what)
