"""serialize_keras_object / deserialize_keras_object: what is written for each kind of object
(Keras's modules and forms, compared with tf.keras's in parity_tests/test_serialization_parity.py)
and that it reads back."""

import json

import numpy as np
import pytest

import minikeras as keras
from minikeras.saving import deserialize_keras_object, serialize_keras_object


def round_trip(obj):
    written = json.loads(json.dumps(serialize_keras_object(obj)))  # as a file holds it
    return written, deserialize_keras_object(written)


@pytest.mark.parametrize("make, module", [
    (lambda: keras.optimizers.schedules.CosineDecay(0.1, 100, alpha=0.1),
     "keras.optimizers.schedules"),
    (lambda: keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(
        0.1, 10, 0.5)), "keras.optimizers"),
    (lambda: keras.losses.Circle(gamma=4.0), "keras.losses"),
    (lambda: keras.metrics.AUC(num_thresholds=20), "keras.metrics"),
    (lambda: keras.initializers.Constant(np.ones(2)), "keras.initializers"),
    (lambda: keras.regularizers.OrthogonalRegularizer(0.1), "keras.regularizers"),
    (lambda: keras.constraints.MinMaxNorm(0.5, 2.0), "keras.constraints"),
    (lambda: keras.layers.Dense(2, kernel_constraint="max_norm"), "keras.layers"),
])
def test_built_in_objects_are_written_under_keras_s_modules_and_read_back(make, module):
    obj = make()
    written, again = round_trip(obj)
    assert written["module"] == module and written["registered_name"] is None
    assert type(again) is type(obj)
    assert serialize_keras_object(again) == written


def test_a_schedule_inside_an_optimizer_comes_back_as_a_schedule():
    _, optimizer = round_trip(keras.optimizers.SGD(
        learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay([5], [0.1, 0.01])))
    assert isinstance(optimizer._learning_rate, keras.optimizers.schedules.PiecewiseConstantDecay)


@pytest.mark.parametrize("fn", [keras.losses.mean_squared_error, keras.metrics.binary_accuracy,
                                keras.activations.sparsemax])
def test_built_in_functions_are_written_as_keras_writes_its_own(fn):
    written, again = round_trip(fn)
    assert written == {"module": "builtins", "class_name": "function", "config": fn.__name__,
                       "registered_name": "function"}
    assert again is fn


def test_a_loss_function_wrapper_is_where_keras_keeps_it():
    wrapper = keras.losses.LossFunctionWrapper(keras.losses.huber, name="h", delta=2.0)
    written, again = round_trip(wrapper)
    assert (written["module"], written["registered_name"]) == (
        "keras.src.losses.losses", "LossFunctionWrapper")
    assert again.fn is keras.losses.huber and again.get_config() == wrapper.get_config()


def test_tensors_are_written_as_keras_writes_backend_tensors():
    tensor = keras.ops.convert_to_tensor([[1.0, 2.0]])
    written, again = round_trip(tensor)
    assert written == {"class_name": "__tensor__",
                       "config": {"value": [[1.0, 2.0]], "dtype": "float32"}}
    np.testing.assert_array_equal(again, [[1.0, 2.0]])
