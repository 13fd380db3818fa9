"""Threads: what one thread does inside a call never changes a call running in another.

Per-call state -- whether ops record gradients, the training flag of the
layer call in progress, the allocation budget of a file being loaded, a
``floatx_scope``, the custom objects of a ``custom_object_scope`` -- is kept
per thread. The
first tests hold one thread inside such a block while another works; the
last ones run fit, evaluate and predict in several threads at once and
compare each result with the same call made alone.
"""

import functools
import sys
import threading

import numpy as np
import pytest

import minikeras as keras
from minikeras import autograd, backend
from minikeras.saving import custom_object_scope, get_registered_object

TIMEOUT_S = 60


def held_in_another_thread(enter):
    """Runs ``with enter():`` in a new thread and keeps it inside until the returned
    ``release()`` is called (which also waits for the thread to leave)."""
    inside, leave, errors = threading.Event(), threading.Event(), []

    def hold():
        try:
            with enter():
                inside.set()
                leave.wait(TIMEOUT_S)
        except BaseException as error:  # reported by release()
            errors.append(error)
            inside.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(TIMEOUT_S)

    def release():
        leave.set()
        thread.join(TIMEOUT_S)
        assert not errors, errors

    return release


def small_model(seed=0, batch_norm=False):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu")]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization())
    model = keras.Sequential([*layers, keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return model


def data(seed=0, samples=64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, 4)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def test_no_grad_in_one_thread_leaves_gradients_on_in_another():
    release = held_in_another_thread(autograd.no_grad)
    try:
        assert autograd.is_grad_enabled()
        model = small_model()
        before = model.get_weights()
        model.train_on_batch(*data())
        after = model.get_weights()
        assert all(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    finally:
        release()
    assert autograd.is_grad_enabled()


def test_gradients_come_back_on_after_overlapping_no_grad_blocks_in_two_threads():
    first = held_in_another_thread(autograd.no_grad)
    second = held_in_another_thread(autograd.no_grad)
    first()  # the first in leaves first: a shared flag would be restored to "off" last
    second()
    assert autograd.is_grad_enabled()
    threads_saw = []
    thread = threading.Thread(target=lambda: threads_saw.append(autograd.is_grad_enabled()))
    thread.start()
    thread.join(TIMEOUT_S)
    assert threads_saw == [True]


class Blocking(keras.layers.Layer):
    """A layer whose call waits in the middle for the test to let it go."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inside, self.leave = threading.Event(), threading.Event()

    def call(self, inputs, training=None):
        self.inside.set()
        self.leave.wait(TIMEOUT_S)
        return inputs


def test_a_training_call_in_one_thread_leaves_another_threads_calls_in_inference():
    blocking = Blocking()
    thread = threading.Thread(target=lambda: blocking(np.ones((1, 2)), training=True))
    thread.start()
    assert blocking.inside.wait(TIMEOUT_S)
    try:
        dropout = keras.layers.Dropout(0.5)
        x = np.ones((8, 16), dtype="float32")
        assert np.array_equal(dropout(x).numpy(), x)  # training=None: inference
        regularized = keras.layers.Dense(2, activity_regularizer="l2")
        regularized(x)
        assert len(regularized.losses) == 1  # a new outer call clears the layer's losses
        regularized(x)
        assert len(regularized.losses) == 1
    finally:
        blocking.leave.set()
        thread.join(TIMEOUT_S)


def test_the_allocation_budget_of_a_file_being_loaded_holds_only_in_its_thread():
    release = held_in_another_thread(lambda: backend.allocation_budget(16))
    try:
        layer = keras.layers.Dense(64)
        layer.build((None, 64))  # 16 KiB of weights: far over the other thread's budget
        assert layer.kernel.shape == (64, 64)
    finally:
        release()


def test_a_floatx_scope_in_one_thread_leaves_another_in_float32():
    release = held_in_another_thread(lambda: backend.floatx_scope("float64"))
    try:
        assert backend.floatx() == "float32"
        assert keras.layers.Dense(2)(np.ones((1, 3))).dtype == np.float32
    finally:
        release()


def test_custom_objects_of_a_scope_are_seen_only_in_its_thread():
    release = held_in_another_thread(lambda: custom_object_scope({"Special": Blocking}))
    try:
        assert get_registered_object("Special") is None
    finally:
        release()
    with custom_object_scope({"Special": Blocking}):
        assert get_registered_object("Special") is Blocking


def run_in_threads(functions):
    """Calls every function at once, each in its own thread; returns their results."""
    results, errors = [None] * len(functions), []
    start = threading.Barrier(len(functions))

    def run(index):
        try:
            start.wait(TIMEOUT_S)
            results[index] = functions[index]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_S * 4)
    assert not errors, errors
    return results


def fit_result(model, seed):
    history = model.fit(*data(seed), epochs=3, batch_size=8, shuffle=False, verbose=0)
    return model.get_weights() + [model.optimizer.iterations.numpy()], history.history


def evaluate_result(model, seed):
    return [model.evaluate(*data(seed + 10), batch_size=8, verbose=0) for _ in range(5)]


def predict_result(model, seed):
    return [model.predict(data(seed + 20)[0], batch_size=8, verbose=0) for _ in range(5)]


def calls_on_fresh_models(threads):
    """A fit, an evaluate and a predict per thread, on models built one after another (their
    initial weights come from the seeded generator); the predicting threads share a model."""
    predicted = small_model(200, batch_norm=True)
    calls = []
    for index in range(threads):
        fitted, evaluated = small_model(index, batch_norm=True), small_model(
            100 + index, batch_norm=True)
        calls += [functools.partial(fit_result, fitted, index),
                  functools.partial(evaluate_result, evaluated, index),
                  functools.partial(predict_result, predicted, index)]
    return calls


@pytest.fixture
def frequent_thread_switches():
    """Python switches threads every 10 us instead of every 5 ms, so the calls interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.parametrize("threads", [2, 4])
def test_fit_evaluate_and_predict_in_several_threads_give_what_they_give_alone(
        threads, frequent_thread_switches):
    alone = [call() for call in calls_on_fresh_models(threads)]
    together = run_in_threads(calls_on_fresh_models(threads))
    for expected, result in zip(alone, together, strict=True):
        np.testing.assert_equal(result, expected)
