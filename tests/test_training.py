"""compile / fit / evaluate / train_on_batch on small real data (MNIST) and synthetic data."""

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


@pytest.fixture(scope="module")
def mnist():
    """2,000 training and 500 test digits, flattened to [0, 1] floats."""
    (x, y), (x_test, y_test) = keras.datasets.mnist.load_data()
    x = x[:2000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:500].reshape(-1, 784).astype("float32") / 255
    return x, y[:2000].astype("int64"), x_test, y_test[:500].astype("int64")


def mlp(hidden=64, outputs=10, activation="softmax", **dense_kwargs):
    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hidden, activation="relu", **dense_kwargs),
        keras.layers.Dense(outputs, activation=activation),
    ])


def linear(inputs=3, outputs=1, **kwargs):
    """A zero-initialised linear model: its predictions are 0 until it learns."""
    return keras.Sequential([keras.Input(shape=(inputs,)), keras.layers.Dense(
        outputs, kernel_initializer="zeros", bias_initializer="zeros", **kwargs)])


def frozen_sgd():
    """SGD with learning rate 0: fit runs every step but the weights never change."""
    return keras.optimizers.SGD(learning_rate=0.0)


def regression_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
    return x, y


# -- learning on real data -----------------------------------------------------


def test_an_mlp_learns_mnist(mnist):
    x, y, x_test, y_test = mnist
    keras.utils.set_random_seed(0)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.evaluate(x_test, y_test, verbose=0)
    history = model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"] and history.epoch == [0, 1, 2]
    assert history.history["loss"][0] > history.history["loss"][-1]
    assert loss < before[0] and accuracy > 0.8 > 0.2 > before[1]
    predictions = model.predict(x_test, verbose=0)
    assert predictions.shape == (500, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(predictions.argmax(axis=1) == y_test) == pytest.approx(accuracy)


def test_one_hot_labels_with_categorical_crossentropy(mnist):
    x, y, _, _ = mnist
    model = mlp()
    model.compile("adam", "categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, keras.utils.to_categorical(y, 10), epochs=2, verbose=0)
    assert history.history["acc"][-1] > 0.8
    assert type(model.metrics[1]).__name__ == "CategoricalAccuracy"


@pytest.mark.parametrize(("labels", "units", "activation", "expected"), [
    ("sparse", 10, "softmax", "SparseCategoricalAccuracy"),
    ("sparse column", 10, "softmax", "SparseCategoricalAccuracy"),
    ("one-hot", 10, "softmax", "CategoricalAccuracy"),
    ("binary", 1, "sigmoid", "BinaryAccuracy"),
])
def test_accuracy_is_resolved_from_the_shapes_as_keras_does(labels, units, activation,
                                                            expected):
    rng = np.random.default_rng(0)
    x = rng.random((20, 784), dtype="float32")
    y = {"sparse": rng.integers(0, 10, 20), "sparse column": rng.integers(0, 10, (20, 1)),
         "one-hot": np.eye(10)[rng.integers(0, 10, 20)], "binary": rng.integers(0, 2, (20, 1))}
    model = mlp(outputs=units, activation=activation)
    model.compile("sgd", "crossentropy", metrics=["accuracy"])
    logs = model.evaluate(x, y[labels], verbose=0, return_dict=True)
    assert type(model.metrics[1]).__name__ == expected and model.metrics[1].name == "accuracy"
    assert sorted(logs) == ["accuracy", "loss"]


# -- what the loss is made of ----------------------------------------------------


def test_the_logged_loss_is_the_compiled_loss():
    x, y = regression_data()
    model = linear()
    model.compile(frozen_sgd(), "mse", metrics=["mae"])
    logs = model.fit(x, y, batch_size=7, epochs=1, verbose=0, shuffle=False).history
    assert logs["loss"][0] == pytest.approx(np.mean(y ** 2), rel=1e-6)
    assert logs["mae"][0] == pytest.approx(np.mean(np.abs(y)), rel=1e-6)


def test_regularization_losses_are_added_to_the_loss():
    x, y = regression_data()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(
        1, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.1))])
    model.compile(frozen_sgd(), "mse")
    loss = model.evaluate(x, y, verbose=0)
    expected = np.mean((x.sum(axis=1, keepdims=True) - y) ** 2) + 0.1 * 3
    assert loss == pytest.approx(expected, rel=1e-5)


def test_sample_weight_weights_each_sample_loss():
    x, y = regression_data()
    weights = np.where(np.arange(40) < 10, 3.0, 0.0).astype("float32")
    model = linear()
    model.compile(frozen_sgd(), "mse")
    history = model.fit(x, y, sample_weight=weights, batch_size=40, verbose=0)
    expected = np.sum(weights * y[:, 0] ** 2) / 40  # Keras's sum_over_batch_size
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)


def test_class_weight_equals_the_matching_sample_weight():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 3)).astype("float32")
    y = rng.integers(0, 2, 30)
    class_weight = {0: 0.25, 1: 4.0}

    def train(**weighting):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input(shape=(3,)),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                            **weighting)
        return history.history["loss"], model.get_weights()

    by_class = train(class_weight=class_weight)
    by_sample = train(sample_weight=np.where(y == 1, 4.0, 0.25))
    unweighted = train()
    assert by_class[0] == pytest.approx(by_sample[0], rel=1e-6)
    for a, b in zip(by_class[1], by_sample[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert by_class[0] != pytest.approx(unweighted[0], rel=1e-3)


def test_class_weight_and_sample_weight_together_are_refused():
    x, y = regression_data()
    model = linear()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        model.fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(40), verbose=0)


# -- several outputs -------------------------------------------------------------


def two_outputs():
    inputs = keras.Input(shape=(3,), name="x")
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    value = keras.layers.Dense(1, name="value")(hidden)
    label = keras.layers.Dense(3, activation="softmax", name="label")(hidden)
    return keras.Model(inputs, [value, label])


def test_dict_losses_and_loss_weights_per_named_output():
    x, y = regression_data()
    labels = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)
    model = two_outputs()
    model.compile(frozen_sgd(), loss={"value": "mse", "label": "sparse_categorical_crossentropy"},
                  loss_weights={"value": 0.5, "label": 2.0},
                  metrics={"label": ["accuracy"], "value": "mae"})
    logs = model.evaluate(x, {"value": y, "label": labels}, batch_size=40, verbose=0,
                          return_dict=True)
    assert sorted(logs) == ["label_accuracy", "label_loss", "loss", "value_loss", "value_mae"]
    value, probabilities = model.predict(x, verbose=0)
    assert logs["value_loss"] == pytest.approx(np.mean((value - y) ** 2), rel=1e-5)
    picked = probabilities[np.arange(40), labels]
    assert logs["label_loss"] == pytest.approx(-np.mean(np.log(picked)), rel=1e-5)
    assert logs["loss"] == pytest.approx(0.5 * logs["value_loss"] + 2.0 * logs["label_loss"],
                                         rel=1e-5)
    as_list = model.evaluate(x, [y, labels], batch_size=40, verbose=0)
    assert as_list == pytest.approx([logs["loss"], logs["value_loss"], logs["label_loss"],
                                     logs["label_accuracy"], logs["value_mae"]], rel=1e-6)


def test_several_outputs_train_together():
    x, y = regression_data(200)
    labels = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)
    keras.utils.set_random_seed(0)
    model = two_outputs()
    model.compile(keras.optimizers.Adam(0.02), ["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 1.0])
    history = model.fit(x, [y, labels], epochs=20, batch_size=16, verbose=0)
    assert history.history["value_loss"][-1] < history.history["value_loss"][0] / 2
    assert history.history["label_loss"][-1] < history.history["label_loss"][0]


def test_mismatched_targets_for_several_outputs_are_clear_errors():
    x, y = regression_data()
    model = two_outputs()
    model.compile("sgd", {"value": "mse", "label": "sparse_categorical_crossentropy"})
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"2 outputs.*single array"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=r"keys \['vaule'\] that are not model outputs"):
        model.fit(x, {"vaule": y, "label": y}, verbose=0)
    with pytest.raises(ValueError, match=r"`loss` names \['nope'\]"):
        model.compile("sgd", {"nope": "mse"})
        model.fit(x, [y, y], verbose=0)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# -- data in every form ----------------------------------------------------------


def test_validation_split_holds_out_the_last_samples():
    x = np.ones((40, 3), dtype="float32")
    y = np.where(np.arange(40) < 30, 0.0, 1.0).astype("float32")[:, None]
    model = linear()
    model.compile(frozen_sgd(), "mse")
    history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    assert history.history["loss"] == [0.0] and history.history["val_loss"] == [1.0]


def test_validation_data_and_validation_freq():
    x, y = regression_data()
    model = linear()
    model.compile(frozen_sgd(), "mse", metrics=["mae"])
    history = model.fit(x, y, validation_data=(x[:10], y[:10]), epochs=4, validation_freq=2,
                        verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    assert history.history["val_mae"][0] == pytest.approx(np.mean(np.abs(y[:10])), rel=1e-6)


def test_shuffling_follows_the_seed():
    x, y = regression_data(64)

    def weights_after_training(seed, shuffle):
        keras.utils.set_random_seed(seed)
        model = linear()
        model.compile(keras.optimizers.SGD(0.05), "mse")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=shuffle, verbose=0)
        return model.get_weights()[0]

    np.testing.assert_array_equal(weights_after_training(1, True), weights_after_training(1, True))
    np.testing.assert_array_equal(weights_after_training(1, False),
                                  weights_after_training(2, False))
    assert not np.array_equal(weights_after_training(1, True), weights_after_training(2, True))


def test_list_and_dict_inputs_for_several_inputs():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(1,), name="b")
    out = keras.layers.Dense(1)(keras.layers.Dense(3)(a))
    model = keras.Model([a, b], out)
    model.compile(frozen_sgd(), "mse")
    xa, xb = np.ones((6, 2), dtype="float32"), np.zeros((6, 1), dtype="float32")
    y = np.ones((6, 1), dtype="float32")
    by_list = model.evaluate([xa, xb], y, verbose=0)
    assert model.evaluate({"a": xa, "b": xb}, y, verbose=0) == pytest.approx(by_list)
    with pytest.raises(ValueError, match=r"expects 2 input\(s\)"):
        model.fit(xa, y, verbose=0)


def test_a_generator_of_batches_with_steps_per_epoch():
    x, y = regression_data(32)

    def batches():
        while True:
            for start in range(0, 32, 8):
                yield x[start:start + 8], y[start:start + 8]

    seen = []
    model = linear()
    model.compile(keras.optimizers.SGD(0.05), "mse")
    counter = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0,
                        callbacks=[counter], validation_data=batches(), validation_steps=2)
    assert seen == [0, 1, 2, 0, 1, 2] and len(history.history["val_loss"]) == 2
    assert history.history["loss"][1] < history.history["loss"][0]


def test_an_iterable_of_batches_is_iterated_again_each_epoch():
    x, y = regression_data(24)
    batches = [(x[i:i + 6], y[i:i + 6], np.ones(6, dtype="float32")) for i in range(0, 24, 6)]
    model = linear()
    model.compile(frozen_sgd(), "mse")
    history = model.fit(batches, epochs=3, verbose=0)
    assert history.history["loss"] == pytest.approx([np.mean(y ** 2)] * 3, rel=1e-6)
    assert model.evaluate(iter(batches), verbose=0) == pytest.approx(np.mean(y ** 2), rel=1e-6)


def test_steps_per_epoch_on_arrays_continues_through_the_data():
    x, y = regression_data(60)
    seen = []
    model = linear()
    model.compile(frozen_sgd(), "mse")
    record = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(batch))
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(x, y, batch_size=10, steps_per_epoch=4, epochs=3, verbose=0,
                  callbacks=[record])
    # Six batches: epoch 1 takes four, epoch 2 the last two, epoch 3 starts again (Keras).
    assert seen == [0, 1, 2, 3, 0, 1, 0, 1, 2, 3]


def test_initial_epoch_starts_the_count():
    x, y = regression_data()
    model = linear()
    model.compile(frozen_sgd(), "mse")
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


# -- one batch at a time ---------------------------------------------------------


def test_train_test_and_predict_on_batch():
    x, y = regression_data()
    model = linear()
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    loss, mae = model.test_on_batch(x, y)
    assert loss == pytest.approx(np.mean(y ** 2), rel=1e-6)
    assert mae == pytest.approx(np.mean(np.abs(y)), rel=1e-6)
    assert model.train_on_batch(x, y, return_dict=True)["loss"] == pytest.approx(loss)
    assert model.test_on_batch(x, y) [0] < loss
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_evaluate_returns_a_scalar_a_list_or_a_dict():
    x, y = regression_data()
    model = linear()
    model.compile("sgd", "mse")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("sgd", "mse", metrics=["mae", "mse"])
    assert len(model.evaluate(x, y, verbose=0)) == 3
    assert sorted(model.evaluate(x, y, verbose=0, return_dict=True)) == ["loss", "mae", "mse"]


# -- compile arguments in every form ------------------------------------------------


def squared_error(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def test_losses_metrics_and_optimizers_as_objects_or_functions():
    x, y = regression_data()
    keras.utils.set_random_seed(0)
    by_name = linear()
    by_name.compile("sgd", "mse", metrics=["mae"])
    keras.utils.set_random_seed(0)
    by_object = linear()
    by_object.compile(keras.optimizers.SGD(), squared_error,
                      metrics=[keras.metrics.MeanAbsoluteError(name="mae")])
    a = by_name.fit(x, y, epochs=2, shuffle=False, verbose=0).history
    b = by_object.fit(x, y, epochs=2, shuffle=False, verbose=0).history
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
    assert a["mae"] == pytest.approx(b["mae"], rel=1e-6)


def test_frozen_layers_keep_their_weights():
    x, y = regression_data()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4),
                              keras.layers.Dense(1)])
    model.layers[0].trainable = False
    model.compile(keras.optimizers.SGD(0.1), "mse")
    frozen = model.layers[0].get_weights()
    last = model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(last[0], model.layers[1].get_weights()[0])


class SquaredErrorModel(keras.Model):
    """A subclassed model with its own train_step, as in the Keras guides."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.tracker = keras.metrics.Mean(name="loss")

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        x, y = data
        loss = keras.ops.mean(keras.ops.square(self(x, training=True) - y))
        loss.backward()
        self.optimizer.apply([w.grad for w in self.trainable_weights], self.trainable_weights)
        for w in self.trainable_weights:
            w.grad = None
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}


def test_a_custom_train_step_is_used_by_fit():
    x, y = regression_data(64)
    model = SquaredErrorModel()
    model.compile(keras.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2


# -- errors before anything changes --------------------------------------------------


@pytest.mark.parametrize(("arguments", "message"), [
    ({"x": np.ones((10, 3)), "y": np.ones((9, 1))}, "cardinality.*'x' sizes: \\[10\\].*"
                                                     "'y' sizes: \\[9\\]"),
    ({"batch_size": 0}, "batch_size.*positive integer"),
    ({"batch_size": -2}, "batch_size.*positive integer"),
    ({"x": np.ones((0, 3)), "y": np.ones((0, 1))}, "empty"),
    ({"x": np.ones((10, 4)), "y": np.ones((10, 1))}, r"expected shape \(None, 3\).*\(10, 4\)"),
    ({"epochs": -1}, "epochs"),
    ({"validation_split": 1.5}, "validation_split"),
    ({"verbose": 3}, "verbose"),
])
def test_bad_fit_arguments_fail_before_any_weight_changes(arguments, message):
    x, y = regression_data(10)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.fit(**{"x": x, "y": y, "verbose": 0, **arguments})
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_needs_compile_and_known_names():
    x, y = regression_data(10)
    model = linear()
    with pytest.raises(ValueError, match="compile"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError,
                       match="Could not interpret loss identifier: unknown loss 'msee'"):
        model.compile("sgd", "msee")
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError,
                       match="Could not interpret metric identifier: unknown metric 'maee'"):
        model.compile("sgd", "mse", metrics=["maee"])
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="adamm"):
        model.compile("adamm", "mse")


# -- progress output ------------------------------------------------------------


def test_verbose_modes_print_one_line_per_epoch_when_not_a_terminal(capsys):
    x, y = regression_data()
    model = linear()
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, verbose=2, batch_size=10)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[1].startswith("4/4 - ") and "step - loss: " in lines[1]
    model.fit(x, y, epochs=2, verbose=1, batch_size=10)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ")
    assert "\x1b" not in "".join(lines)  # no terminal codes when output is not a terminal
    model.evaluate(x, y, verbose="auto", batch_size=10)
    assert capsys.readouterr().out.startswith("4/4 ━")


# -- saving mid-training ------------------------------------------------------------


def test_a_saved_and_loaded_model_resumes_training_identically(mnist, tmp_path):
    x, y, _, _ = mnist
    x, y = x[:512], y[:512]
    keras.utils.set_random_seed(0)
    model = mlp(hidden=32)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    model.save(tmp_path / "midway.keras")

    keras.utils.set_random_seed(7)
    continued = model.fit(x, y, batch_size=64, epochs=2, verbose=0).history
    restored = keras.models.load_model(tmp_path / "midway.keras")
    assert int(restored.optimizer.iterations.numpy()) == 16
    keras.utils.set_random_seed(7)
    resumed = restored.fit(x, y, batch_size=64, epochs=2, verbose=0).history
    assert resumed == continued
    for a, b in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_weights_includes_the_optimizer_state(tmp_path):
    x, y = regression_data()
    model = linear()
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    other = linear()
    other.compile("adam", "mse")
    other.fit(x[:1], y[:1], verbose=0)  # builds the optimizer's slots
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.optimizer.variables, other.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# -- a convnet --------------------------------------------------------------------


def convnet():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])


def test_a_convnet_with_batch_norm_and_dropout_learns_mnist(mnist):
    x, y, x_test, y_test = mnist
    images, test_images = x[:1000].reshape(-1, 28, 28, 1), x_test.reshape(-1, 28, 28, 1)
    keras.utils.set_random_seed(0)
    model = convnet()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    norm = model.layers[1]
    history = model.fit(images, y[:1000], batch_size=32, epochs=3, verbose=0)
    assert history.history["accuracy"][-1] > 0.75
    assert not np.allclose(norm.moving_mean.numpy(), 0.0)  # updated in training mode only
    moving_mean = norm.moving_mean.numpy()
    _, accuracy = model.evaluate(test_images, y_test, verbose=0)
    np.testing.assert_array_equal(norm.moving_mean.numpy(), moving_mean)
    assert accuracy > 0.7


# -- on the device ------------------------------------------------------------------


def test_a_convnet_trains_evaluates_predicts_and_saves_on_the_device(device, mnist, tmp_path):
    x, y, _, _ = mnist
    images = x[:96].reshape(-1, 28, 28, 1)
    keras.utils.set_random_seed(0)
    model = convnet()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images, y[:96], batch_size=32, epochs=2, validation_split=0.25,
                        verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(isinstance(w.data, device.ndarray) for w in model.weights)
    loss, accuracy = model.evaluate(images, y[:96], verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0
    predictions = model.predict(images, batch_size=40, verbose=0)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (96, 10)
    model.save(tmp_path / "convnet.keras")
    restored = keras.models.load_model(tmp_path / "convnet.keras")
    np.testing.assert_allclose(restored.predict(images, verbose=0), predictions, rtol=1e-5,
                               atol=1e-6)



def test_fit_evaluate_and_predict_run_on_the_device(device, tmp_path):
    x, y = regression_data(48)
    labels = (x[:, 0] > 0).astype("int64")
    inputs = keras.Input(shape=(3,))
    hidden = keras.layers.Dense(8, activation="relu", kernel_regularizer="l2")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=16, epochs=3, validation_split=0.25, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(isinstance(w.data, device.ndarray) for w in model.weights)
    loss, accuracy = model.evaluate(x, labels, verbose=0)
    assert isinstance(loss, float) and 0.0 <= accuracy <= 1.0
    assert isinstance(model.predict(x, verbose=0), np.ndarray)
    model.save(tmp_path / "device.keras")
    restored = keras.models.load_model(tmp_path / "device.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def _host_reads_of_one_epoch(model, batches):
    from minikeras.testing import strict_cupy

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8 * batches, 6)).astype("float32")
    y = rng.integers(0, 3, 8 * batches)
    before = strict_cupy.host_reads
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.evaluate(x, y, batch_size=8, verbose=0)
    return strict_cupy.host_reads - before


def test_training_on_the_device_does_not_wait_for_it_at_every_step():
    """Each read of a device value on the host waits for the device's queue to drain,
    so the host could not prepare step n + 1 while the GPU computes step n."""
    from minikeras.testing import strict_cupy

    backend.set_backend("cupy", module=strict_cupy)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.3), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    _host_reads_of_one_epoch(model, 2)  # the first fit also checks the data with a dry run
    assert _host_reads_of_one_epoch(model, 2) == _host_reads_of_one_epoch(model, 7)
