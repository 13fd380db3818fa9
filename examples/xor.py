"""XOR: the smallest problem a straight line cannot solve, and a hidden layer can.

Four points, (0, 0) and (1, 1) labelled 0, (0, 1) and (1, 0) labelled 1: no
single line separates the two classes, so a model without a hidden layer
cannot learn them. Eight tanh units bend the plane enough.

    python examples/xor.py
    python examples/xor.py --backend keras --plot
"""

import common
import numpy as np

import minikeras as keras
from minikeras import layers

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
Y = np.array([[0], [1], [1], [0]], dtype="float32")


def build_model():
    return keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(8, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),  # the probability of label 1
    ], name="xor")


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=300, batch_size=4, argv=argv,
                             mnist=False, verbose=0, learning_rate=0.05)
    common.select_backend(args)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = common.fit(model, X, Y, args)

    probabilities = model.predict(X, verbose=0)
    for point, label, probability in zip(X, Y[:, 0], probabilities[:, 0], strict=True):
        print(f"xor{tuple(int(v) for v in point)} = {int(label)}: "
              f"predicted probability of 1 is {probability:.3f}")
    if args.plot:
        common.save_plots(model, history, X, Y, args)
    accuracy = np.mean((probabilities > 0.5) == (Y > 0.5))
    print(f"accuracy={accuracy:.4f}")


if __name__ == "__main__":
    main()
