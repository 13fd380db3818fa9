"""Your own loss and metric: a plain function, a Loss subclass and a Metric subclass.

As in the Keras guide "Training & evaluation with the built-in methods":

1. ``custom_mean_squared_error(y_true, y_pred)``, a plain function, is a loss:
   compile accepts any function of the true and predicted values that
   returns one value per sample.
2. ``CustomMSE``, a ``keras.losses.Loss`` subclass, adds a setting (how much
   to pull the predictions towards 0.5) and is configured like a built-in loss.
3. ``CategoricalTruePositives``, a ``keras.metrics.Metric`` subclass, counts
   the correctly classified samples: its state lives in a variable that
   ``update_state`` adds to batch after batch and ``reset_state`` zeroes.

The model trains first with the function, then recompiled with the subclass
and the metric (both for --epochs epochs). The ops are minikeras's, so
gradients flow through your own code with nothing else to write; for the
same reason this example runs on minikeras's backends only (numpy, cupy):
tf.keras cannot run minikeras ops.

    python examples/custom_loss_and_metric.py
"""

import common

import minikeras as keras
from minikeras import layers, ops


def custom_mean_squared_error(y_true, y_pred):
    """The mean of the squared errors of each sample: (batch, 10) -> (batch,)."""
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


class CustomMSE(keras.losses.Loss):
    """Mean squared error plus ``regularization_factor`` times the squared distance to 0.5."""

    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = custom_mean_squared_error(y_true, y_pred)
        regularization = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + regularization * self.regularization_factor

    def get_config(self):
        return {**super().get_config(), "regularization_factor": self.regularization_factor}


class CategoricalTruePositives(keras.metrics.Metric):
    """How many samples got the highest probability on their true class (one-hot labels)."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = ops.cast(ops.equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1)),
                        "float32")  # (batch,): 1.0 where right
        if sample_weight is not None:
            hits = hits * ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
        self.true_positives.assign_add(ops.sum(hits))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        self.true_positives.assign(0.0)


def build_model():
    """The guide's MLP: 784 -> 64 -> 64 -> 10."""
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="custom_loss_and_metric")


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=2, batch_size=64, argv=argv,
                             backends=("numpy", "cupy"))
    common.select_backend(args)
    (x_train, y_train), (x_test, y_test) = common.load_mnist(args, image_shape=(784,))
    y_train = keras.utils.to_categorical(y_train, 10)  # the losses compare one-hot targets
    y_test = keras.utils.to_categorical(y_test, 10)

    model = build_model()
    print("1. a plain function as the loss")
    model.compile(optimizer="adam", loss=custom_mean_squared_error, metrics=["accuracy"])
    common.fit(model, x_train, y_train, args)

    print("2. a Loss subclass as the loss, a Metric subclass as a metric")
    model.compile(optimizer="adam", loss=CustomMSE(regularization_factor=0.1),
                  metrics=["accuracy", CategoricalTruePositives()])
    history = common.fit(model, x_train, y_train, args)
    common.finish(model, history, x_test, y_test, args)


if __name__ == "__main__":
    main()
