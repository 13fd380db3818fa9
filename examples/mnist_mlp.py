"""A multi-layer perceptron on MNIST: 784-256-256-10 with Dropout 0.45 and Adam.

Each 28x28 image is flattened to 784 pixels; two hidden layers of 256 ReLU
units, each followed by Dropout(0.45), and a softmax over the 10 digits.
About 98.2% test accuracy after 20 epochs (a recipe from Rowel Atienza's
"Advanced Deep Learning with Keras").

    python examples/mnist_mlp.py                  # 20 epochs on NumPy
    python examples/mnist_mlp.py --backend keras  # the same model, trained by tf.keras
    python examples/mnist_mlp.py --epochs 2 --plot
"""

import common

import minikeras as keras
from minikeras import layers


def build_model():
    """784 -> 256 -> 256 -> 10, Dropout 0.45 after each hidden layer."""
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.45),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.45),
        layers.Dense(10, activation="softmax"),
    ], name="mnist_mlp")


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=20, batch_size=128, argv=argv)
    common.select_backend(args)
    (x_train, y_train), (x_test, y_test) = common.load_mnist(args, image_shape=(784,))

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    # The test images validate only to draw their curve epoch by epoch: nothing is tuned on
    # them (no early stopping, no choice of epoch), so the final test accuracy stays honest.
    history = common.fit(model, x_train, y_train, args, validation_data=(x_test, y_test))
    common.finish(model, history, x_test, y_test, args)


if __name__ == "__main__":
    main()
