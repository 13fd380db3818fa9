"""The three reference MNIST models of the benchmarks, written once for any ``keras`` module
(minikeras or tf.keras)."""

MODELS = ("mlp", "convnet", "bn_convnet")


def build_model(keras, name):
    """The reference model ``name``, built and compiled with ``keras`` (minikeras or tf.keras)."""
    layers = keras.layers
    if name == "mlp":  # the Keras examples' MNIST MLP
        model = keras.Sequential([
            keras.Input(shape=(784,)),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.45),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.45),
            layers.Dense(10, activation="softmax"),
        ])
    elif name == "convnet":  # keras.io's "Simple MNIST convnet"
        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ])
    elif name == "bn_convnet":  # "99% without a PhD": convolutions with batch norm

        def conv_bn_relu(filters, size, strides):
            return [layers.Conv2D(filters, size, strides=strides, padding="same",
                                  use_bias=False),
                    layers.BatchNormalization(scale=False),
                    layers.Activation("relu")]

        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            *conv_bn_relu(24, 3, 1),
            *conv_bn_relu(48, 6, 2),
            *conv_bn_relu(64, 6, 2),
            layers.Flatten(),
            layers.Dense(200, use_bias=False),
            layers.BatchNormalization(scale=False),
            layers.Activation("relu"),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ])
    else:
        raise ValueError(f"Unknown model {name!r}: expected one of {MODELS}.")
    model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
