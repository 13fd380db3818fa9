"""BatchNormalization's moving statistics over a whole epoch of real training, against tf.keras.

The model is examples/mnist_batchnorm.py's recipe at a third of its width:
three convolutions without bias and a Dense layer, each followed by
BatchNormalization(scale=False) and ReLU, Dropout(0.3), softmax; Adam at
0.01, batches of 64, one epoch of real MNIST digits in file order.

tf.keras trains it with ``fit``, and its trainable weights are recorded
before each step. minikeras then runs its own ``fit`` over the same batches,
a callback setting its trainable weights to tf.keras's before each step,
while its moving statistics are left to its own updates for the whole epoch:
after every step the moving means and variances of each BatchNormalization
layer must agree with tf.keras's. (Dropout comes after the last
BatchNormalization, so its masks, drawn by two different generators, do not
reach the statistics.)

Why the trainable weights are imposed: two free runs of this recipe part
within twenty steps, whichever frameworks run them. MNIST's blank background
puts thousands of positions of a batch on the same value, next to ReLU's
kink after BatchNormalization, and Adam at 0.01 moves every weight by about
the learning rate whatever the size of its gradient, so rounding differences
of 1e-7 do not stay small: tf.keras's own float32 and float64 runs of the
example's model, from the same weights on the same 64-digit batches, hold
moving variances 2% apart after 5 steps, 17% after 20 and 25% after 79.
What the moving averages give at the end of such a short epoch (and so the
test accuracy of examples/mnist_batchnorm.py after one epoch of 5,000
digits) is therefore a matter of chance in both frameworks.
test_end_to_end_parity.py compares free runs on a recipe that does not
amplify rounding (tanh, average pooling, SGD).
"""


import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close, copy_weights, covers, real_mnist

BATCH_SIZE = 64
STEPS = 40


@pytest.fixture(scope="module")
def digits():
    """The first STEPS * BATCH_SIZE training digits as (n, 28, 28, 1) in [0, 1], and labels."""
    x, y = real_mnist(STEPS * BATCH_SIZE)
    return x[..., None], y


def build(lib):
    """examples/mnist_batchnorm.py's model with 8, 16, 24 filters and 64 units."""
    def conv_bn_relu(filters, kernel_size, strides=1):
        return [lib.layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                                  use_bias=False),
                lib.layers.BatchNormalization(scale=False),
                lib.layers.Activation("relu")]

    model = lib.Sequential([
        lib.Input(shape=(28, 28, 1)),
        *conv_bn_relu(8, 3),  # (28, 28, 8)
        *conv_bn_relu(16, 6, strides=2),  # (14, 14, 16)
        *conv_bn_relu(24, 6, strides=2),  # (7, 7, 24)
        lib.layers.Flatten(),
        lib.layers.Dense(64, use_bias=False),
        lib.layers.BatchNormalization(scale=False),
        lib.layers.Activation("relu"),
        lib.layers.Dropout(0.3),
        lib.layers.Dense(10, activation="softmax"),
    ])
    model.compile(lib.optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy")
    return model


def moving_statistics(model, lib):
    """[moving_mean, moving_variance] of every BatchNormalization layer, as arrays."""
    return [np.array(weight.numpy()) for layer in model.layers
            if isinstance(layer, lib.layers.BatchNormalization)
            for weight in (layer.moving_mean, layer.moving_variance)]


def tf_keras_epoch(model, x, y):
    """Trains ``model`` for one epoch; (its trainable weights before each step, its moving
    statistics after each step)."""
    before, after = [], []

    class Record(tf.keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            before.append([np.array(w.numpy()) for w in model.trainable_weights])

        def on_train_batch_end(self, batch, logs=None):
            after.append(moving_statistics(model, tf.keras))

    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0,
              callbacks=[Record()])
    return before, after


def minikeras_epoch(model, x, y, trainable_weights):
    """Trains ``model`` for one epoch, its trainable weights set to ``trainable_weights[step]``
    before each step; its moving statistics after each step."""
    after = []

    class Impose(mk.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            for variable, value in zip(model.trainable_weights, trainable_weights[batch],
                                       strict=True):
                variable.assign(value)

        def on_train_batch_end(self, batch, logs=None):
            after.append(moving_statistics(model, mk))

    model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0,
              callbacks=[Impose()])
    return after


@covers("layers.BatchNormalization", "models.Model.fit")
def test_moving_statistics_follow_tf_keras_through_an_epoch_of_mnist_batchnorm(digits):
    mk.utils.set_random_seed(0)
    ours, theirs = build(mk), build(tf.keras)
    copy_weights(ours, theirs)
    start = moving_statistics(theirs, tf.keras)
    their_weights, their_statistics = tf_keras_epoch(theirs, *digits)
    our_statistics = minikeras_epoch(ours, *digits, their_weights)
    assert len(our_statistics) == len(their_statistics) == STEPS
    for step, (mine, expected) in enumerate(zip(our_statistics, their_statistics, strict=True)):
        for index, (a, e) in enumerate(zip(mine, expected, strict=True)):
            layer, kind = divmod(index, 2)
            assert_close(a, e, "normalization", what=(
                f"layers.BatchNormalization (mnist_batchnorm, step {step}): "
                f"{('moving_mean', 'moving_variance')[kind]} of normalization layer {layer}"))
    # The statistics travelled: every layer's moving variances moved by more than 0.1.
    for initial, final in zip(start[1::2], their_statistics[-1][1::2], strict=True):
        assert np.abs(final - initial).max() > 0.1
