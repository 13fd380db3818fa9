"""fit, evaluate and predict against tf.keras on what tutorials feed them: tf.data pipelines
that repeat forever and generators that never end, with steps; and a fit that diverges."""

import re

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close

# tf.keras warns that fit's default shuffle=True does not apply to a tf.data pipeline.
pytestmark = pytest.mark.filterwarnings("ignore:`shuffle=True` was passed:UserWarning")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 4)).astype("float32")
Y = X @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32") + 0.3


def linear(lib):
    lib.utils.set_random_seed(0)
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(lib.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return model


def pipelines():
    """A training pipeline that repeats forever, and a finite validation one (40 samples)."""
    train = tf.data.Dataset.from_tensor_slices((X, Y)).batch(16).repeat()
    validation = tf.data.Dataset.from_tensor_slices((X[:40], Y[:40])).batch(8)
    return train, validation


def endless_batches():
    start = 0
    while True:
        rows = np.arange(start, start + 8) % len(X)
        yield X[rows], Y[rows]
        start += 8


def _assert_same_history(ours, theirs, what):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert_close(ours[key], theirs[key], "training", what=f"{what}: {key}")


@pytest.mark.parametrize("lib", [mk, tf.keras], ids=["minikeras", "tf.keras"])
def test_an_infinite_pipeline_reports_its_steps_per_epoch_as_the_epoch(lib):
    """The progress bar's count: steps_per_epoch, not the pipeline's (infinite) length."""
    model = linear(lib)
    train, _ = pipelines()
    seen = []

    class Steps(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    model.fit(train, steps_per_epoch=3, epochs=2, verbose=0, callbacks=[Steps()])
    assert seen == [0, 1, 2, 0, 1, 2]


def test_fit_evaluate_predict_on_an_infinite_tf_data_pipeline_with_steps():
    results = {}
    for lib in (mk, tf.keras):
        model = linear(lib)
        train, validation = pipelines()
        history = model.fit(train, steps_per_epoch=3, epochs=3,
                            validation_data=validation.repeat(), validation_steps=2,
                            verbose=0).history
        evaluation = model.evaluate(train, steps=2, verbose=0)
        finite = model.evaluate(validation, steps=2, verbose=0)
        prediction = model.predict(train.map(lambda x, y: x), steps=3, verbose=0)
        results[lib] = history, evaluation, finite, prediction
    ours, theirs = results[mk], results[tf.keras]
    _assert_same_history(ours[0], theirs[0], "models.Model.fit (tf.data, steps)")
    for index, what in ((1, "evaluate (steps)"), (2, "evaluate (finite, steps)"),
                        (3, "predict (steps)")):
        assert_close(ours[index], theirs[index], "training", what=f"models.Model.{what}")
    assert ours[3].shape == (48, 1)


def test_fit_on_a_generator_that_never_ends_with_steps():
    """Validated on arrays: for a generator as validation data, tf.keras replays the two
    batches it peeked at to learn their structure at each validation, then goes on with
    the generator; minikeras goes on with the generator (a generator cannot start again)."""
    histories = {}
    for lib in (mk, tf.keras):
        model = linear(lib)
        histories[lib] = model.fit(endless_batches(), steps_per_epoch=5, epochs=2,
                                   validation_data=(X[:24], Y[:24]), validation_steps=2,
                                   verbose=0).history
    _assert_same_history(histories[mk], histories[tf.keras], "models.Model.fit (generator)")


def test_fit_refuses_an_infinite_pipeline_without_steps_where_keras_would_run_forever():
    train, validation = pipelines()
    model = linear(mk)
    with pytest.raises(ValueError, match=r"infinite dataset.*`steps_per_epoch=N`"):
        model.fit(train, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"infinite dataset.*`validation_steps=N`"):
        model.fit(validation, validation_data=train, verbose=0)
    with pytest.raises(ValueError, match=r"infinite dataset.*`steps=N`"):
        model.predict(train, verbose=0)


def test_a_diverging_fit_logs_nan_as_keras(capsys):
    """History and the progress bar: nan where tf.keras has nan."""
    histories, lines = {}, {}
    for lib in (mk, tf.keras):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((4,)),
                                lib.layers.Dense(8, kernel_initializer="ones"),
                                lib.layers.Dense(1, kernel_initializer="ones")])
        model.compile(lib.optimizers.SGD(1.0), "mse", metrics=["mae"])
        capsys.readouterr()
        histories[lib] = model.fit(X * 10, Y * 1000, epochs=2, batch_size=16, shuffle=False,
                                   verbose=2).history
        lines[lib] = re.findall(r"- loss: .*", capsys.readouterr().out)
    assert sorted(histories[mk]) == sorted(histories[tf.keras])
    for key, values in histories[tf.keras].items():
        assert np.isnan(values).all() and np.isnan(histories[mk][key]).all(), key
    assert lines[mk] == lines[tf.keras] == ["- loss: nan - mae: nan"] * 2


def tensorflow_squared_error(y_true, y_pred):
    """A custom loss as two seed tutorials write it, with TensorFlow's functions."""
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def ops_squared_error(y_true, y_pred):
    """The same loss with keras.ops: minikeras's tensors in, minikeras's tensors out."""
    return mk.ops.mean(mk.ops.square(y_true - y_pred), axis=-1)


def test_a_loss_written_with_tensorflow_functions_is_refused_and_keras_ops_train_as_keras():
    expected = linear(tf.keras)
    expected.compile(tf.keras.optimizers.SGD(0.05), loss=tensorflow_squared_error)
    theirs = expected.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    refused = linear(mk)
    refused.compile(mk.optimizers.SGD(0.05), loss=tensorflow_squared_error)
    with pytest.warns(UserWarning, match="converted into an array of another library"), \
            pytest.raises(ValueError, match=r"No gradients provided for any variable.*"
                          r"keras\.ops\.square, keras\.ops\.mean"):
        refused.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert int(refused.optimizer.iterations.numpy()) == 0
    model = linear(mk)
    model.compile(mk.optimizers.SGD(0.05), loss=ops_squared_error)
    ours = model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    _assert_same_history(ours, theirs, "models.Model.fit (custom loss)")


def test_an_unbatched_pipeline_is_refused_with_the_fix():
    unbatched = tf.data.Dataset.from_tensor_slices((X, Y))
    with pytest.raises(ValueError):
        linear(tf.keras).fit(unbatched, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"Is the tf.data pipeline batched\? .*`\.batch\("):
        linear(mk).fit(unbatched, epochs=1, verbose=0)
