"""One model, two outputs: an autoencoder that also classifies the digit it encodes.

A functional model (as in the Keras guides' multi-output examples): the
image is encoded into 32 numbers, from which one head rebuilds the 784
pixels ("reconstruction") and another tells the digit ("digit"). compile
takes a loss per output, in a dict keyed by output name, and loss_weights
saying how much each counts in the total that is minimized:

    loss = 1.0 * binary_crossentropy(image, reconstruction)
         + 0.5 * sparse_categorical_crossentropy(label, digit)

fit then takes the targets as a dict with the same keys.

    python examples/multi_output.py
    python examples/multi_output.py --plot   # the model's graph shows both heads
"""

import common

import minikeras as keras
from minikeras import layers


def build_model():
    """image (784,) -> code (32,) -> {"reconstruction": (784,), "digit": (10,)}."""
    image = keras.Input(shape=(784,), name="image")
    x = layers.Dense(256, activation="relu", name="encoder")(image)
    code = layers.Dense(32, activation="relu", name="code")(x)
    x = layers.Dense(256, activation="relu", name="decoder")(code)
    reconstruction = layers.Dense(784, activation="sigmoid", name="reconstruction")(x)
    digit = layers.Dense(10, activation="softmax", name="digit")(code)
    return keras.Model(image, {"reconstruction": reconstruction, "digit": digit},
                       name="autoencoder_classifier")


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=5, batch_size=128, argv=argv)
    common.select_backend(args)
    (x_train, y_train), (x_test, y_test) = common.load_mnist(args, image_shape=(784,))

    model = build_model()
    model.summary()
    model.compile(
        optimizer="adam",
        loss={"reconstruction": "binary_crossentropy",
              "digit": "sparse_categorical_crossentropy"},
        loss_weights={"reconstruction": 1.0, "digit": 0.5},
        metrics={"digit": ["accuracy"]},
    )
    history = common.fit(model, x_train, {"reconstruction": x_train, "digit": y_train}, args,
                         validation_split=0.1)
    # The classifier alone: the same layers, from the image to the "digit" head.
    classifier = keras.Model(model.input, model.output["digit"])
    common.finish(model, history, x_test, {"reconstruction": x_test, "digit": y_test}, args,
                  accuracy="digit_accuracy", classifier=classifier, labels=y_test)


if __name__ == "__main__":
    main()
