"""keras.io's simple MNIST convnet: two convolutions, two poolings, dropout, softmax.

Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) ->
MaxPooling2D(2) -> Flatten -> Dropout(0.5) -> Dense(10, softmax): 34,826
weights, with Adam at batch 128. keras.io trains it 15 epochs on 90% of the
training images; on all 60,000 it passes 99% test accuracy in 12 epochs.

    python examples/mnist_convnet.py                  # on NumPy
    python examples/mnist_convnet.py --backend keras  # the same model, trained by tf.keras
    python examples/mnist_convnet.py --epochs 3 --plot
"""

import common

import minikeras as keras
from minikeras import layers

NUM_CLASSES = 10


def build_model():
    """The convnet of keras.io's "Simple MNIST convnet" example."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),  # (26, 26, 32)
        layers.MaxPooling2D(pool_size=(2, 2)),  # (13, 13, 32)
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),  # (11, 11, 64)
        layers.MaxPooling2D(pool_size=(2, 2)),  # (5, 5, 64)
        layers.Flatten(),  # (1600,)
        layers.Dropout(0.5),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name="mnist_convnet")


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=12, batch_size=128, argv=argv)
    common.select_backend(args)
    (x_train, y_train), (x_test, y_test) = common.load_mnist(args, image_shape=(28, 28, 1))
    y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)  # one-hot, as on keras.io
    y_test = keras.utils.to_categorical(y_test, NUM_CLASSES)

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    # The test images validate only to draw their curve epoch by epoch: nothing is tuned on
    # them (no early stopping, no choice of epoch), so the final test accuracy stays honest.
    history = common.fit(model, x_train, y_train, args, validation_data=(x_test, y_test))
    common.finish(model, history, x_test, y_test, args)


if __name__ == "__main__":
    main()
