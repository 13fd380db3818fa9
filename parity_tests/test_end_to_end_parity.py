"""End to end: two MNIST models trained for 50 steps in both frameworks end in the same place.

The MNIST MLP (784-256-256-10, Adam) and a small convnet with
BatchNormalization (SGD with momentum) are built in minikeras and in tf.keras
with the same initial weights, then ``fit`` for one epoch of 50 batches of
real MNIST digits in file order (a fixed slice, no shuffling). The loss of
every step, and every weight at the end (BatchNormalization's moving
statistics included), must agree within the tolerance table's "training" row.

The MLP has no Dropout: in training the two frameworks draw their masks from
different generators, so no two runs could agree, and a rate-0 Dropout is the
identity on both sides (test_layers_parity checks it), which would add nothing.

The convnet is built so that its training is well conditioned, i.e. so that
50 steps in float32 land where 50 steps in float64 do. MNIST's blank
background makes most positions of a batch hold exactly the same value after
BatchNormalization, so a kink there is met by thousands of positions at once:
with ReLU or max pooling, or with a convolution bias before BatchNormalization
(its true gradient is 0, so Adam steps it by the sign of rounding noise),
tf.keras's own float32 and float64 runs end up to 100 times the tolerance
apart. tanh, average pooling and no bias keep both runs, and minikeras, within it.
"""


import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import (
    assert_close,
    compare_weights,
    copy_weights,
    covers,
    real_mnist,
)

STEPS = 50
BATCH_SIZE = 32
SEED = 0


@pytest.fixture(scope="module")
def mnist_batches():
    """The first STEPS * BATCH_SIZE training digits, pixels scaled to [0, 1], and their labels."""
    x, y = real_mnist(STEPS * BATCH_SIZE)
    return x, y.astype("int64")


def build_mlp(lib):
    return lib.Sequential([
        lib.Input(shape=(784,)),
        lib.layers.Dense(256, activation="relu", name="hidden_1"),
        lib.layers.Dense(256, activation="relu", name="hidden_2"),
        lib.layers.Dense(10, activation="softmax", name="digits"),
    ])


def build_convnet(lib):
    """Convolution, BatchNormalization and tanh twice: 28x28x1 -> 13x13x8 -> 7x7x16 -> 10."""
    return lib.Sequential([
        lib.Input(shape=(28, 28, 1)),
        lib.layers.Conv2D(8, 3, use_bias=False, name="conv_1"),
        lib.layers.BatchNormalization(name="norm_1"),
        lib.layers.Activation("tanh", name="tanh_1"),
        lib.layers.AveragePooling2D(2, name="pool_1"),
        lib.layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="conv_2"),
        lib.layers.BatchNormalization(name="norm_2"),
        lib.layers.Activation("tanh", name="tanh_2"),
        lib.layers.Flatten(name="flatten"),
        lib.layers.Dense(10, activation="softmax", name="digits"),
    ])


# name -> (builder, shape of one digit, optimizer class and arguments, framework that initializes)
MODELS = {
    "mlp": (build_mlp, (784,), ("Adam", {"learning_rate": 1e-3}), "minikeras"),
    "convnet": (build_convnet, (28, 28, 1), ("SGD", {"learning_rate": 0.02, "momentum": 0.9}),
                "tf.keras"),
}


class StepLosses:
    """Records the loss of each training step from ``fit``'s batch logs.

    Both frameworks log the running mean of the epoch's losses after each
    batch; with equal batches, step k's own loss is k * mean_k - (k - 1) * mean_(k-1).
    """

    def __init__(self):
        self.running_means = []

    def on_train_batch_end(self, batch, logs=None):
        self.running_means.append(float(logs["loss"]))

    def losses(self):
        means = np.array(self.running_means, dtype="float64")
        totals = means * np.arange(1, len(means) + 1)
        return np.diff(totals, prepend=0.0)


def callback(lib, recorder):
    """A callback of ``lib`` that hands each batch's logs to ``recorder``."""
    class Recorder(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            recorder.on_train_batch_end(batch, logs)

    return Recorder()


def twins(name):
    """The model in both frameworks, seeded, with the initializing framework's weights in both."""
    build, _, _, source = MODELS[name]
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    mk.utils.set_random_seed(SEED)
    tf.keras.utils.set_random_seed(SEED)
    ours, theirs = build(mk), build(tf.keras)
    if source == "minikeras":
        copy_weights(ours, theirs)
    else:
        copy_weights(theirs, ours)
    return ours, theirs


def train(lib, model, name, x, y):
    """One epoch of ``fit`` on (x, y) in order; the loss of each step."""
    _, shape, (optimizer, arguments), _ = MODELS[name]
    model.compile(getattr(lib.optimizers, optimizer)(**arguments),
                  loss="sparse_categorical_crossentropy")
    recorder = StepLosses()
    model.fit(x.reshape((-1, *shape)), y, batch_size=BATCH_SIZE, epochs=1, shuffle=False,
              verbose=0, callbacks=[callback(lib, recorder)])
    return recorder.losses()


@covers("models.Sequential", "models.Model.fit", "datasets.mnist.load_data", "layers.Dense",
        "layers.Conv2D", "layers.BatchNormalization", "layers.Activation",
        "layers.AveragePooling2D", "layers.Flatten", "optimizers.Adam", "optimizers.SGD",
        "losses.sparse_categorical_crossentropy")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_fifty_mnist_steps_end_with_the_same_weights_and_loss_curve(name, mnist_batches):
    ours, theirs = twins(name)
    our_losses = train(mk, ours, name, *mnist_batches)
    their_losses = train(tf.keras, theirs, name, *mnist_batches)
    assert len(our_losses) == len(their_losses) == STEPS
    what = f"models.Model.fit (MNIST {name}, {STEPS} steps)"
    assert_close(our_losses, their_losses, "training", what=f"{what}: loss per step")
    compare_weights(ours, theirs, "training", what=f"{what}: weights")
    # The models learned, so what agrees is training and not two idle runs.
    assert their_losses[-10:].mean() < 0.6 * their_losses[:10].mean()
