"""Keras 2's spellings: each is accepted with a DeprecationWarning naming the Keras 3
spelling, and gives exactly what that spelling gives."""

import os

import numpy as np
import pytest

import minikeras as keras
from minikeras.layers import keras2_arguments
from minikeras.utils import keras2


def keras2_warning(new):
    """Expects the DeprecationWarning that names the Keras 3 spelling ``new``."""
    return pytest.warns(DeprecationWarning, match=f"Keras 2's spelling.*spell it {new}")


def same_config(a, b):
    a, b = a.get_config(), b.get_config()
    a.pop("name"), b.pop("name")
    return a == b


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "Nadam"])
def test_every_optimizer_takes_lr(name):
    cls = getattr(keras.optimizers, name)
    with keras2_warning(rf"{name}\(learning_rate=...\)"):
        old = cls(lr=0.02)
    assert same_config(old, cls(learning_rate=0.02))


def test_optimizer_lr_is_the_learning_rate():
    optimizer = keras.optimizers.Adam(0.01)
    with keras2_warning("optimizer.learning_rate"):
        assert optimizer.lr is optimizer.learning_rate
    with keras2_warning("optimizer.learning_rate"):
        optimizer.lr = 0.5
    assert float(optimizer.learning_rate) == 0.5


def fitted_weights(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer, "mse")
    model.fit(X, Y[:, :2], batch_size=4, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), model.optimizer


def test_optimizer_decay_is_keras_2_s_inverse_time_decay():
    with keras2_warning(r"SGD\(learning_rate=keras.optimizers.schedules.InverseTimeDecay\("
                        r"learning_rate, decay_steps=1, decay_rate=d\)\)"):
        old = keras.optimizers.SGD(0.1, decay=0.5, momentum=0.9)
    new = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.InverseTimeDecay(
        0.1, decay_steps=1, decay_rate=0.5), momentum=0.9)
    (old_weights, old), (new_weights, _) = fitted_weights(old), fitted_weights(new)
    for a, b in zip(old_weights, new_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    # Keras 2's rate after n steps: lr / (1 + decay * n), n = 6 here.
    np.testing.assert_allclose(float(old.learning_rate), 0.1 / (1 + 0.5 * 6), rtol=1e-6)


def test_optimizer_decay_zero_leaves_the_rate_a_settable_number():
    with keras2_warning(r"Adam\(learning_rate=keras.optimizers.schedules.InverseTimeDecay"):
        optimizer = keras.optimizers.Adam(0.01, decay=0.0)
    optimizer.learning_rate = 0.5
    assert float(optimizer.learning_rate) == 0.5
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    with pytest.raises(ValueError, match="decay in the schedule"), pytest.warns(
            DeprecationWarning):
        keras.optimizers.Adam(schedule, decay=1e-3)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
                                  "Nadam"])
def test_epsilon_none_is_the_backend_s_epsilon(name):
    cls = getattr(keras.optimizers, name)
    with keras2_warning(rf"{name}\(epsilon=1e-07\) \(the backend's epsilon\)"):
        old = cls(epsilon=None)
    assert same_config(old, cls(epsilon=keras.backend.epsilon()))
    with pytest.raises(ValueError, match="`epsilon` must be a number >= 0"):
        cls(epsilon="1e-7")


def test_keras_2_s_documented_adam_trains_as_keras_3_s_default_adam():
    with pytest.warns(DeprecationWarning):  # lr, epsilon=None, decay=0.0
        old = keras.optimizers.Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None,
                                    decay=0.0, amsgrad=False)
    (old_weights, _), (new_weights, _) = fitted_weights(old), fitted_weights(
        keras.optimizers.Adam(learning_rate=0.001))
    for a, b in zip(old_weights, new_weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_metric_reset_states():
    metric = keras.metrics.Mean()
    metric.update_state([1.0, 3.0])
    with keras2_warning(r"metric.reset_state\(\)"):
        metric.reset_states()
    assert float(metric.result()) == 0.0 and all(float(v) == 0 for v in metric.variables)


class Keras2Counter(keras.metrics.Metric):
    """A metric written for Keras 2: its reset is named reset_states."""

    def __init__(self, start=10.0, **kwargs):
        super().__init__(**kwargs)
        self.start = start
        self.count = self.add_variable(name="count")
        self.count.assign(start)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.assign_add(1.0)

    def result(self):
        return self.count

    def reset_states(self):
        self.count.assign(self.start)


def test_a_metric_s_own_reset_states_is_its_reset_state():
    metric = Keras2Counter()
    metric.update_state(None, None)
    with keras2_warning(r"Keras2Counter.reset_state\(\) \(rename the method\)"):
        metric.reset_state()
    assert float(metric.result()) == 10.0
    model = small_model()
    model.compile("sgd", "categorical_crossentropy",
                  metrics=[Keras2Counter(start=5.0, name="counter")])
    with pytest.warns(DeprecationWarning, match="rename the method"):
        history = model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
    assert history.history["counter"] == [8.0, 8.0]  # reset to 5 each epoch, 3 steps

    class CallsSuper(keras.metrics.Mean):
        def reset_states(self):
            super().reset_states()

    metric = CallsSuper()
    metric.update_state([4.0])
    with pytest.warns(DeprecationWarning, match="rename the method"):
        metric.reset_state()
    assert float(metric.result()) == 0.0


@pytest.mark.parametrize("old, new", [("maxnorm", "max_norm"), ("nonneg", "non_neg"),
                                      ("unitnorm", "unit_norm")])
def test_constraint_names(old, new):
    with keras2_warning(f"keras.constraints.{new}"):
        assert getattr(keras.constraints, old) is getattr(keras.constraints, new)
    with keras2_warning(f"'{new}'"):
        layer = keras.layers.Dense(2, kernel_constraint=old)
    assert same_config(layer, keras.layers.Dense(2, kernel_constraint=new))


def test_constraint_import():
    with keras2_warning("keras.constraints.max_norm"):
        from minikeras.constraints import maxnorm
    assert maxnorm(3).get_config() == keras.constraints.MaxNorm(3).get_config()


@pytest.mark.parametrize("old, new", [("zero", "zeros"), ("one", "ones"),
                                      ("normal", "random_normal"), ("uniform", "random_uniform")])
def test_initializer_names(old, new):
    with keras2_warning(f"keras.initializers.{new}"):
        assert getattr(keras.initializers, old) is getattr(keras.initializers, new)


# (layer, Keras 2 arguments, the same in Keras 3)
LAYER_ARGUMENTS = [
    (keras.layers.Dense, {"output_dim": 6, "init": "uniform"},
     {"units": 6, "kernel_initializer": "uniform"}),
    (keras.layers.Dense, {"units": 3, "W_regularizer": "l2", "b_regularizer": "l1",
                          "W_constraint": "non_neg", "b_constraint": "max_norm"},
     {"units": 3, "kernel_regularizer": "l2", "bias_regularizer": "l1",
      "kernel_constraint": "non_neg", "bias_constraint": "max_norm"}),
    (keras.layers.Dense, {"units": 2, "bias": False}, {"units": 2, "use_bias": False}),
    (keras.layers.Conv2D, {"nb_filter": 4, "kernel_size": 3, "border_mode": "same",
                           "subsample": (2, 2), "dim_ordering": "th", "init": "he_normal"},
     {"filters": 4, "kernel_size": 3, "padding": "same", "strides": (2, 2),
      "data_format": "channels_first", "kernel_initializer": "he_normal"}),
    (keras.layers.Conv1D, {"filters": 2, "filter_length": 3, "subsample_length": 2,
                           "dim_ordering": "tf"},
     {"filters": 2, "kernel_size": 3, "strides": 2, "data_format": "channels_last"}),
    (keras.layers.MaxPooling1D, {"pool_length": 3, "stride": 1, "border_mode": "same"},
     {"pool_size": 3, "strides": 1, "padding": "same"}),
    (keras.layers.MaxPooling2D, {"pool_size": 2, "dim_ordering": "default"},
     {"pool_size": 2, "data_format": None}),
    (keras.layers.Dropout, {"p": 0.3}, {"rate": 0.3}),
    (keras.layers.BatchNormalization, {"beta_init": "ones", "gamma_init": "zeros"},
     {"beta_initializer": "ones", "gamma_initializer": "zeros"}),
]


@pytest.mark.parametrize("cls, old, new", LAYER_ARGUMENTS)
def test_layers_take_keras_2_argument_names(cls, old, new):
    renamed = [keras2_arguments.RENAMED[name] for name in old if name not in new]
    with pytest.warns(DeprecationWarning) as caught:
        layer = cls(**old)
    assert all(any(f"({name}=...)" in str(w.message) for w in caught) for name in renamed)
    assert same_config(layer, cls(**new))


def test_keras_2_initializer_names_give_the_same_weights():
    with keras2_warning(r"Dense\(kernel_initializer=...\)"):
        old = keras.layers.Dense(4, init=keras.initializers.RandomUniform(seed=3))
    new = keras.layers.Dense(4, kernel_initializer=keras.initializers.RandomUniform(seed=3))
    old.build((None, 5))
    new.build((None, 5))
    np.testing.assert_array_equal(old.kernel.numpy(), new.kernel.numpy())


def test_a_name_given_both_ways_or_a_layer_s_own_argument_is_left_alone():
    with pytest.raises(TypeError, match="both `init`.*and `kernel_initializer`"):
        keras.layers.Dense(2, init="zeros", kernel_initializer="ones")

    class Scaled(keras.layers.Layer):  # its own `init`, not Keras 2's
        def __init__(self, init=1.0, **kwargs):
            super().__init__(**kwargs)
            self.init = init

    assert Scaled(init=2.0).init == 2.0
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        keras.layers.Flatten(init="zeros")  # Flatten takes no initializer in any Keras


@pytest.mark.parametrize("module", sorted(keras.layers._KERAS2_MODULES))
def test_keras_2_module_paths_of_the_layers(module):
    alias = getattr(keras.layers, module)
    assert dir(alias)
    for name in dir(alias):
        with keras2_warning(f"keras.layers.{name}"):
            assert getattr(alias, name) is getattr(keras.layers, name)
    with pytest.raises(AttributeError, match="Keras 2's path holds"):
        getattr(alias, "NotALayer")  # noqa: B009  (an attribute read, as user code does)


def test_keras_2_imports_of_the_layers():
    with keras2_warning("keras.layers.Dense"):
        from minikeras.layers.core import Dense
    assert Dense is keras.layers.Dense


def test_np_utils_to_categorical():
    labels = np.array([0, 2, 1])
    with keras2_warning("keras.utils.to_categorical"):
        one_hot = keras.utils.np_utils.to_categorical(labels, 4)
    np.testing.assert_array_equal(one_hot, keras.utils.to_categorical(labels, 4))


def small_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    return model


X = np.random.default_rng(0).standard_normal((12, 3)).astype("float32")
Y = np.eye(3, dtype="float32")[np.arange(12) % 3]


def test_model_checkpoint_period_saves_every_n_epochs_as_save_freq_does(tmp_path):
    for folder, arguments in (("old", {"period": 2}), ("new", {"save_freq": 2 * 3})):
        path = tmp_path / folder
        path.mkdir()
        model = small_model()
        if folder == "old":
            with keras2_warning(r"ModelCheckpoint\(save_freq=N \* steps_per_epoch\)"):
                checkpoint = keras.callbacks.ModelCheckpoint(
                    str(path / "m-{epoch}.keras"), **arguments)
        else:
            checkpoint = keras.callbacks.ModelCheckpoint(str(path / "m-{epoch}.keras"),
                                                         **arguments)
        model.fit(X, Y, batch_size=4, epochs=5, shuffle=False, verbose=0,
                  callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path / "old")) == sorted(os.listdir(tmp_path / "new")) == [
        "m-2.keras", "m-4.keras"]
    for name in ("m-2.keras", "m-4.keras"):
        old = keras.models.load_model(tmp_path / "old" / name)
        new = keras.models.load_model(tmp_path / "new" / name)
        for a, b in zip(old.get_weights(), new.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="positive integer"), pytest.warns(DeprecationWarning):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), period=0)


def test_reduce_lr_on_plateau_epsilon_is_min_delta():
    rates = []
    for arguments in ({"epsilon": 10.0}, {"min_delta": 10.0}):
        model = small_model()
        if "epsilon" in arguments:
            with keras2_warning(r"ReduceLROnPlateau\(min_delta=...\)"):
                callback = keras.callbacks.ReduceLROnPlateau("loss", patience=1, **arguments)
        else:
            callback = keras.callbacks.ReduceLROnPlateau("loss", patience=1, **arguments)
        history = model.fit(X, Y, epochs=4, verbose=0, callbacks=[callback])
        rates.append(history.history["learning_rate"])
    assert rates[0] == rates[1] and rates[0][-1] < rates[0][0]  # no change counts as progress


def test_history_answers_acc_for_accuracy():
    history = small_model().fit(X, Y, epochs=2, validation_split=0.25, verbose=0)
    with keras2_warning(r"history.history\['accuracy'\]"):
        assert history.history["acc"] == history.history["accuracy"]
    with keras2_warning(r"history.history\['val_accuracy'\]"):
        assert history.history.get("val_acc") == history.history["val_accuracy"]
    with pytest.raises(KeyError):
        history.history["val_mae"]


def test_a_metric_asked_for_as_acc_is_logged_as_acc_as_in_keras_3():
    model = small_model()
    model.compile("sgd", "categorical_crossentropy", metrics=["acc"])
    history = model.fit(X, Y, epochs=1, validation_split=0.25, verbose=0)
    assert {"acc", "val_acc"} <= set(history.history)


def test_predict_classes_and_predict_proba():
    model = small_model()
    with keras2_warning(r"np.argmax\(model.predict\(x\), axis=-1\)"):
        classes = model.predict_classes(X)
    np.testing.assert_array_equal(classes, np.argmax(model.predict(X, verbose=0), axis=-1))
    with keras2_warning(r"model.predict\(x\)"):
        np.testing.assert_array_equal(model.predict_proba(X), model.predict(X, verbose=0))
    binary = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    with keras2_warning(r".*astype\(.int32.\) for one sigmoid unit"):
        classes = binary.predict_classes(X)
    assert classes.dtype == np.int32
    np.testing.assert_array_equal(classes, (binary.predict(X, verbose=0) > 0.5).astype("int32"))


def test_fit_nb_epoch_and_the_generator_methods():
    histories = []
    for arguments in ({"nb_epoch": 3}, {"epochs": 3}):
        model = small_model()
        if "nb_epoch" in arguments:
            with keras2_warning(r"fit\(epochs=...\)"):
                histories.append(model.fit(X, Y, verbose=0, shuffle=False, **arguments))
        else:
            histories.append(model.fit(X, Y, verbose=0, shuffle=False, **arguments))
    assert histories[0].history == histories[1].history

    def batches():
        while True:
            yield X[:6], Y[:6]

    old, new = small_model(), small_model()
    with keras2_warning(r"model.fit\(generator, ...\)"):
        old_history = old.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)
    new_history = new.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
    assert old_history.history == new_history.history
    with keras2_warning(r"model.evaluate\(generator, ...\)"):
        assert old.evaluate_generator(batches(), steps=2) == new.evaluate(batches(), steps=2,
                                                                          verbose=0)
    with keras2_warning(r"model.predict\(generator, ...\)"):
        predicted = old.predict_generator((X[i:i + 4] for i in range(0, 12, 4)), steps=3)
    np.testing.assert_array_equal(predicted, new.predict(X, batch_size=4, verbose=0))


def test_the_warning_points_at_the_user_s_line():
    with pytest.warns(DeprecationWarning) as caught:
        keras.optimizers.AdamW(lr=0.1)
    assert caught[0].filename == __file__


def test_the_helper_names_both_spellings():
    with keras2_warning("new_way"):
        keras2.warn("old_way", "new_way")
