"""keras.io's MNIST convnet with its preprocessing inside: raw pixels in, augmented in training.

The model takes the pixels as they are stored (0 to 255) and does its own
preprocessing, so whoever uses the saved model needs to know nothing of it:

- Rescaling(1/255) turns the pixels into [0, 1] in every call;
- a Sequential of random layers moves each training digit a little: turned
  by up to 18 degrees (RandomRotation(0.05)), shifted by up to 10% of the
  image (RandomTranslation), zoomed in or out by up to 10% (RandomZoom). The
  uncovered pixels are filled with 0, MNIST's background. No RandomFlip: a
  mirrored 2 or 7 is no digit.

The random layers move the images only while training (fit); in predict and
evaluate they pass them through unchanged, so the test images are judged as
they are. Then come the layers of examples/mnist_convnet.py, trained as
long and with the same batch size, so the two runs' curves compare. Each
epoch shows the convnet new variants of the training digits, which makes
them harder to learn by heart.

    python examples/mnist_augmentation.py                  # on NumPy
    python examples/mnist_augmentation.py --backend keras  # the same model, trained by tf.keras
    python examples/mnist_augmentation.py --epochs 3 --plot  # + augmented.png: what it trains on
"""

import os

import common
import mnist_convnet

import minikeras as keras
from minikeras import layers


def build_augmentation():
    """The random layers: a slightly turned, shifted and zoomed digit in training, the same
    digit in inference."""
    return keras.Sequential([
        layers.RandomRotation(0.05, fill_mode="constant"),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
        layers.RandomZoom(0.1, fill_mode="constant"),
    ], name="augmentation")


def build_model():
    """Raw pixels (28, 28, 1) in 0-255 -> rescaled -> augmented -> keras.io's convnet."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Rescaling(1 / 255),  # (28, 28, 1) in [0, 1]
        build_augmentation(),  # (28, 28, 1), moved in training only
        *mnist_convnet.build_model().layers,  # Conv2D ... Dense(10, softmax)
    ], name="mnist_augmentation")


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=12, batch_size=128, argv=argv)
    common.select_backend(args)
    (x_train, y_train), (x_test, y_test) = common.load_mnist(args, image_shape=(28, 28, 1),
                                                             rescale=False)

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    # The test images validate only to draw their curve epoch by epoch: nothing is tuned on
    # them (no early stopping, no choice of epoch), so the final test accuracy stays honest.
    history = common.fit(model, x_train, y_train, args, validation_data=(x_test, y_test))
    if args.plot:
        # The first training digits as one training step sees them (the augmentation layers
        # called with training=True), each titled with what the trained model predicts.
        augmented = model.get_layer("augmentation")(x_train[:25], training=True)
        keras.utils.plot_predictions(model, keras.backend.to_numpy(augmented),
                                     y_train[:25],
                                     to_file=os.path.join(args.output_dir, "augmented.png"))
    common.finish(model, history, x_test, y_test, args)


if __name__ == "__main__":
    main()
