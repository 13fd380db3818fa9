"""The learning rate against tf.keras: a Variable read and written as Keras's is, by the user
and by callbacks, with the same rates and weights along the way."""

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close, copy_weights, covers

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"]


@covers("optimizers.Optimizer")
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_learning_rate_is_a_variable_as_in_keras(name):
    mk.backend.clear_session()  # both number their optimizers' names from 0
    tf.keras.backend.clear_session()
    ours = getattr(mk.optimizers, name)(learning_rate=0.003)
    theirs = getattr(tf.keras.optimizers, name)(learning_rate=0.003)
    assert ours.learning_rate.path == theirs.learning_rate.path  # "adam/learning_rate"
    for lib, rate in ((mk, ours.learning_rate), (tf.keras, theirs.learning_rate)):
        assert rate.trainable is False and lib.ops.convert_to_numpy(rate).dtype == np.float32
    assert float(ours.learning_rate) == float(theirs.learning_rate)  # float32 0.003 both
    assert ours.learning_rate.numpy() == theirs.learning_rate.numpy()
    ours.learning_rate.assign(0.25)
    theirs.learning_rate.assign(0.25)
    ours.learning_rate = ours.learning_rate * 0.1
    theirs.learning_rate = theirs.learning_rate * 0.1
    assert mk.ops.convert_to_numpy(ours.learning_rate) == tf.keras.ops.convert_to_numpy(
        theirs.learning_rate)
    assert ours.get_config()["learning_rate"] == theirs.get_config()["learning_rate"]


def callbacks_for(lib):
    """The three ways a learning rate changes during fit: a scheduler, a plateau, the user."""

    class Decay(lib.callbacks.Callback):
        """A user's callback, written with Keras 3's API."""

        def on_epoch_end(self, epoch, logs=None):
            rate = self.model.optimizer.learning_rate
            rate.assign(float(lib.ops.convert_to_numpy(rate)) * 0.9)

    return [lib.callbacks.LearningRateScheduler(lambda epoch, rate: rate * 0.5 if epoch else rate),
            lib.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0,
                                            min_delta=10.0),
            Decay()]


def build(lib):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(8, activation="tanh"),
                           lib.layers.Dense(1)])


@covers("optimizers.Optimizer")
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_callbacks_change_the_rate_as_in_keras(name):
    ours, theirs = build(mk), build(tf.keras)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    histories = []
    for model, lib in ((ours, mk), (theirs, tf.keras)):
        model.compile(optimizer=getattr(lib.optimizers, name)(learning_rate=0.05), loss="mse")
        histories.append(model.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                                   callbacks=callbacks_for(lib)).history)
    actual, expected = histories
    assert sorted(actual) == sorted(expected) == ["learning_rate", "loss"]
    assert_close(actual["learning_rate"], expected["learning_rate"], "training",
                 what="optimizers.Optimizer.learning_rate through callbacks")
    assert_close(actual["loss"], expected["loss"], "training",
                 what="optimizers.Optimizer.learning_rate: the losses")
    assert float(ours.optimizer.learning_rate) == pytest.approx(
        float(theirs.optimizer.learning_rate), rel=1e-6)
    for a, e in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        assert_close(a, e, "training", what="optimizers.Optimizer.learning_rate: weights")


def test_setting_a_scheduled_rate_is_keras_s_type_error():
    """A callback (ReduceLROnPlateau, LearningRateScheduler) setting the rate of an optimizer
    that follows a schedule: the same exception, in Keras's words."""
    for lib in (mk, tf.keras):
        schedule = lib.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.compile(lib.optimizers.SGD(schedule), "mse")
        with pytest.raises(TypeError, match="created with a `LearningRateSchedule` object as "
                                            "its `learning_rate` constructor argument, hence "
                                            "its learning rate is not settable"):
            model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[
                lib.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 2)])
