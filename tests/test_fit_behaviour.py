"""fit, evaluate and predict as Keras runs them: endless data with steps, diverging fits."""

import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def linear():
    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(
        1, kernel_initializer="zeros")])


def batch(index, size=4):
    """Batch ``index`` of an endless stream: x of shape (size, 3), y = sum of x."""
    rng = np.random.default_rng(index)
    x = rng.standard_normal((size, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


class Endless:
    """A generator that never ends, recording which batches it gave."""

    def __init__(self):
        self.given = []

    def __iter__(self):
        return self

    def __next__(self):
        self.given.append(len(self.given))
        return batch(self.given[-1])


class Replayable:
    """An iterable of ``count`` batches that starts again at each ``iter()``, recording
    which batches each pass gave."""

    def __init__(self, count):
        self.count, self.passes = count, []

    def __iter__(self):
        self.passes.append([])
        for index in range(self.count):
            self.passes[-1].append(index)
            yield batch(100 + index)


# -- endless data --------------------------------------------------------------------


def test_fit_takes_steps_per_epoch_batches_from_an_endless_generator():
    model = linear()
    model.compile("sgd", "mse")
    data = Endless()
    history = model.fit(data, steps_per_epoch=3, epochs=2, verbose=0)
    assert data.given == list(range(6))  # each epoch continues where the last one stopped
    assert len(history.history["loss"]) == 2
    assert int(model.optimizer.iterations.numpy()) == 6


def test_evaluate_and_predict_take_steps_batches_from_an_endless_generator():
    model = linear()
    model.compile("sgd", "mse")
    data = Endless()
    loss = model.evaluate(data, steps=2, verbose=0)
    expected = np.mean([np.mean(batch(i)[1] ** 2) for i in range(2)])  # zero predictions
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    assert model.predict(data, steps=3, verbose=0).shape == (12, 1)
    assert data.given == list(range(5))


def test_validation_steps_starts_the_validation_data_again_at_each_epoch():
    """As Keras: the same validation batches every epoch, when the data can start again."""
    model = linear()
    model.compile("sgd", "mse")
    validation = Replayable(count=5)
    history = model.fit(Endless(), steps_per_epoch=2, epochs=3, validation_data=validation,
                        validation_steps=2, verbose=0)
    assert [pass_[:2] for pass_ in validation.passes] == [[0, 1]] * 3
    assert len(history.history["val_loss"]) == 3


def test_an_endless_generator_for_validation_continues_where_it_stopped():
    model = linear()
    model.compile("sgd", "mse")
    validation = Endless()
    model.fit(Endless(), steps_per_epoch=1, epochs=2, validation_data=validation,
              validation_steps=2, verbose=0)
    assert validation.given == [0, 1, 2, 3]


def test_data_that_runs_out_before_steps_per_epoch_warns_as_keras():
    model = linear()
    model.compile("sgd", "mse")
    with pytest.warns(UserWarning, match=r"Your input ran out of data.*`\.repeat\(\)`"):
        model.fit(iter([batch(0), batch(1)]), steps_per_epoch=3, epochs=1, verbose=0)


# -- diverging fits -------------------------------------------------------------------


def diverging_fit(verbose=0):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, kernel_initializer="ones"),
                              keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(1.0), "mse", metrics=["mae"])
    x, y = batch(0, size=64)
    return model, model.fit(x * 10, y * 1000, epochs=3, batch_size=16, verbose=verbose)


def test_a_diverging_fit_logs_nan_without_numpy_warnings(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's overflow warnings from inside the ops
        model, history = diverging_fit(verbose=2)
        loss = model.evaluate(*batch(0), verbose=0)
    assert set(history.history) == {"loss", "mae"}
    assert all(np.isnan(history.history["loss"])) and all(np.isnan(history.history["mae"]))
    assert np.isnan(loss[0])
    assert "loss: nan - mae: nan" in capsys.readouterr().out


def test_numpy_warnings_stay_as_they_were_after_fit():
    diverging_fit()
    assert np.geterr()["over"] == "warn"
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.float32(3e38) * np.float32(10)


# -- a loss that cannot train ------------------------------------------------------------


def numpy_squared_error(y_true, y_pred):
    """A loss as some tutorials write it, with NumPy: its values are right, its gradient lost."""
    return np.mean(np.square(y_true - y_pred), axis=-1)


def constant_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true), axis=-1)


def two_outputs():
    inputs = keras.Input((3,))
    return keras.Model(inputs, [keras.layers.Dense(1, name="good")(inputs),
                                keras.layers.Dense(1, name="bad")(inputs)])


@pytest.mark.parametrize("method", ["fit", "train_on_batch"])
def test_a_loss_that_loses_its_gradient_in_numpy_is_an_error_before_any_update(method):
    model = linear()
    model.compile("sgd", loss=numpy_squared_error)
    before = [w.numpy() for w in model.weights]
    x, y = batch(0, size=8)
    with pytest.warns(UserWarning, match="converted into an array of another library"), \
            pytest.raises(ValueError, match=r"No gradients provided for any variable through "
                          r"the loss 'numpy_squared_error': .*keras\.ops\.square, "
                          r"keras\.ops\.mean"):
        if method == "fit":
            model.fit(x, y, verbose=0)
        else:
            model.train_on_batch(x, y)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, model.weights, strict=True))
    assert int(model.optimizer.iterations.numpy()) == 0


def test_such_a_loss_still_evaluates_since_nothing_needs_its_gradient():
    model = linear()
    model.compile("sgd", loss=numpy_squared_error)
    x, y = batch(0, size=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(model.evaluate(x, y, verbose=0), np.mean(y ** 2), rtol=1e-6)


def test_one_output_whose_loss_loses_its_gradient_is_named():
    model = two_outputs()
    model.compile("sgd", loss=["mse", numpy_squared_error])
    x, y = batch(0, size=8)
    with pytest.warns(UserWarning), pytest.raises(
            ValueError, match="through the loss 'numpy_squared_error' of output 'bad'"):
        model.fit(x, [y, y], verbose=0)


def test_a_loss_that_reaches_no_weight_is_tf_keras_error_with_the_likely_cause():
    model = linear()
    model.compile("sgd", loss=constant_loss)
    x, y = batch(0, size=8)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: the loss "
                                         r"does not depend on any trainable weight.*tf\.square"):
        model.fit(x, y, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_converting_a_tensor_that_records_gradients_warns_and_only_then():
    model = linear()
    x, _ = batch(0)
    with pytest.warns(UserWarning, match=r"keras\.ops\.square.*tensor\.numpy\(\)"):
        np.asarray(model(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.asarray(model.predict(x, verbose=0))
        with keras.no_grad():
            np.asarray(model(x))
        np.asarray(keras.ops.convert_to_tensor(x))  # records nothing
        model(x).numpy()  # asked for on purpose
