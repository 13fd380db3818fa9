"""Keras 2's K.* functions against the ones Keras 3.15 still ships in keras.src.legacy.backend
(tf.keras 2's, on TensorFlow): the same values, and the same gradients where they have any."""

import warnings

import numpy as np
import pytest
import tensorflow as tf
from keras.src.legacy import backend as keras_K

from minikeras import backend as K
from minikeras import keras2_backend
from parity_tests.harness import assert_close, compare_functions

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 5)).astype("float32")
Y = RNG.normal(size=(4, 5)).astype("float32")
PROBS = RNG.uniform(0.05, 1.0, size=(4, 5)).astype("float32")
PROBS /= PROBS.sum(axis=-1, keepdims=True)
ONE_HOT = np.eye(5, dtype="float32")[[0, 3, 1, 4]]
BITS = (RNG.uniform(size=(4, 5)) > 0.5).astype("float32")
MASK = X > 0
LABELS = np.array([0, 3, 1, 4], dtype="int32")
INPUTS = {"x": X, "y": Y, "probs": PROBS, "one_hot": ONE_HOT, "bits": BITS, "mask": MASK,
          "columns": MASK[0], "labels": LABELS, "column": X[:, :1], "picks": LABELS[:3] % 4,
          "cube": np.stack([X, Y], axis=-1)}

# name: (the call, given a backend module and the inputs; the inputs' names; kind)
CALLS = {
    "abs": (lambda K, x: K.abs(x), "x", "elementwise"),
    "square": (lambda K, x: K.square(x), "x", "elementwise"),
    "sqrt": (lambda K, p: K.sqrt(p), "probs", "elementwise"),
    "exp": (lambda K, x: K.exp(x), "x", "elementwise"),
    "log": (lambda K, p: K.log(p), "probs", "elementwise"),
    "pow": (lambda K, p: K.pow(p, 1.5), "probs", "elementwise"),
    "round": (lambda K, x: K.round(x * 3), "x", "elementwise"),
    "sign": (lambda K, x: K.sign(x), "x", "elementwise"),
    "clip": (lambda K, x: K.clip(x, -0.5, None), "x", "elementwise"),
    "maximum": (lambda K, x, y: K.maximum(x, y), "x y", "elementwise"),
    "minimum": (lambda K, x, y: K.minimum(x, y), "x y", "elementwise"),
    "cast": (lambda K, m: K.cast(m, "float32"), "mask", "elementwise"),
    "sigmoid": (lambda K, x: K.sigmoid(x), "x", "elementwise"),
    "tanh": (lambda K, x: K.tanh(x), "x", "elementwise"),
    "softplus": (lambda K, x: K.softplus(x), "x", "elementwise"),
    "softmax": (lambda K, x: K.softmax(x), "x", "reduction"),
    "equal": (lambda K, x, y: K.equal(x, K.maximum(x, y)), "x y", "elementwise"),
    "not_equal": (lambda K, x, y: K.not_equal(x, K.maximum(x, y)), "x y", "elementwise"),
    "greater": (lambda K, x, y: K.greater(x, y), "x y", "elementwise"),
    "greater_equal": (lambda K, x: K.greater_equal(x, 0.0), "x", "elementwise"),
    "less": (lambda K, x, y: K.less(x, y), "x y", "elementwise"),
    "less_equal": (lambda K, x: K.less_equal(x, 0.0), "x", "elementwise"),
    "switch": (lambda K, m, c, x, y: K.concatenate([K.flatten(K.switch(m, c, -c)),
                                                   K.flatten(K.switch(m[0], x, y))]),
               "mask cube x y", "elementwise"),
    "sum": (lambda K, x: K.sum(x, axis=1), "x", "reduction"),
    "mean": (lambda K, x: K.mean(x, axis=-1, keepdims=True), "x", "reduction"),
    "std": (lambda K, x: K.std(x, axis=0), "x", "reduction"),
    "var": (lambda K, x: K.var(x), "x", "reduction"),
    "max": (lambda K, x: K.max(x, axis=1), "x", "reduction"),
    "min": (lambda K, x: K.min(x, axis=0, keepdims=True), "x", "reduction"),
    "prod": (lambda K, p: K.prod(p, axis=1), "probs", "reduction"),
    "cumsum": (lambda K, x: K.cumsum(x), "x", "reduction"),
    "cumprod": (lambda K, p: K.cumprod(p, axis=1), "probs", "reduction"),
    "arange": (lambda K: K.concatenate([K.arange(4), K.arange(-2), K.arange(1, 9, 3)]), "",
               "elementwise"),
    "any": (lambda K, m: K.any(m, axis=1), "mask", "reduction"),
    "all": (lambda K, m: K.all(m, axis=0), "mask", "reduction"),
    "argmax": (lambda K, x: K.argmax(x), "x", "reduction"),
    "argmin": (lambda K, x: K.argmin(x, axis=0), "x", "reduction"),
    "categorical_crossentropy": (lambda K, t, p: K.categorical_crossentropy(t, p),
                                 "one_hot probs", "reduction"),
    "binary_crossentropy": (lambda K, t, x: K.binary_crossentropy(t, x, from_logits=True),
                            "bits x", "elementwise"),
    "shape": (lambda K, x: K.shape(x), "x", "elementwise"),
    "int_shape": (lambda K, x: K.int_shape(x), "x", "elementwise"),
    "reshape": (lambda K, x: K.reshape(x, (2, -1)), "x", "elementwise"),
    "flatten": (lambda K, x: K.flatten(x), "x", "elementwise"),
    "expand_dims": (lambda K, x: K.expand_dims(x), "x", "elementwise"),
    "squeeze": (lambda K, c: K.squeeze(c, 1), "column", "elementwise"),
    "transpose": (lambda K, x: K.transpose(x), "x", "elementwise"),
    "stack": (lambda K, x, y: K.stack([x, y], axis=1), "x y", "elementwise"),
    "concatenate": (lambda K, x, y: K.concatenate([x, y]), "x y", "elementwise"),
    "tile": (lambda K, x: K.tile(x, (2, 3)), "x", "elementwise"),
    "stop_gradient": (lambda K, x: K.stop_gradient(x) * x, "x", "elementwise"),
    "ones_like": (lambda K, x: K.ones_like(x), "x", "elementwise"),
    "zeros_like": (lambda K, x: K.zeros_like(x), "x", "elementwise"),
    "one_hot": (lambda K, i: K.one_hot(i, 5), "labels", "elementwise"),
    "gather": (lambda K, x, i: K.gather(x, i), "x picks", "elementwise"),
    "dot": (lambda K, x, y, c: K.concatenate([K.flatten(K.dot(x, K.transpose(y))),
                                              K.flatten(K.dot(x, c))]),
            "x y cube", "linear"),
    "batch_dot": (lambda K, x, y, c: K.concatenate([
        K.flatten(K.batch_dot(x, y)), K.flatten(K.batch_dot(x, c, axes=(1, 1))),
        K.flatten(K.batch_dot(c, y, axes=1)), K.flatten(K.batch_dot(c, c, axes=2))]),
        "x y cube", "linear"),
    "in_top_k": (lambda K, p, i: K.in_top_k(p, i, 2), "probs labels", "elementwise"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_keras2_function_computes_what_tf_keras_2s_does(name):
    call, inputs, kind = CALLS[name]
    arrays = [INPUTS[key] for key in inputs.split()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = np.asarray(call(keras_K, *[tf.constant(a) for a in arrays]))
        if expected.dtype.kind == "f" and expected.ndim:
            compare_functions(lambda *t: call(K, *t), lambda *t: call(keras_K, *t), arrays,
                              kind, f"backend.{name}")
        else:
            actual = np.asarray(call(K, *arrays))
            assert actual.shape == expected.shape
            assert_close(actual.astype("float32"), expected.astype("float32"), kind,
                         what=f"backend.{name}")


def test_every_keras2_function_is_compared():
    assert set(keras2_backend.__all__) - set(CALLS) == {"variable", "constant", "set_value",
                                                                 "get_value"}


def test_variables_and_constants_hold_what_tf_keras_2s_do():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ours, theirs = K.variable(X), keras_K.variable(X)
        K.set_value(ours, Y)
        keras_K.set_value(theirs, Y)
        assert ours.dtype == theirs.dtype.name
        np.testing.assert_array_equal(K.get_value(ours), keras_K.get_value(theirs))
        ours, theirs = K.constant(3, shape=(2, 2)), keras_K.constant(3, shape=(2, 2))
        assert ours.dtype == theirs.dtype.name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
