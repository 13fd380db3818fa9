"""Training a small network on MNIST with nothing but layers, ops and autograd.

No model.fit here: every step is written out, so you can see what fit() does
for you. Forward pass, loss, backward pass, gradient step, repeat.

    python examples/train_loop_from_scratch.py --epochs 2
"""

import argparse

import numpy as np

import minikeras as keras
from minikeras import ops


def cross_entropy(logits, labels):
    """Mean of -log softmax(logits)[label] over the batch."""
    log_probabilities = ops.log_softmax(logits)  # (batch, 10)
    picked = log_probabilities[np.arange(len(labels)), labels]  # (batch,)
    return -ops.mean(picked)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255

    hidden = keras.layers.Dense(128, activation="relu")
    output = keras.layers.Dense(10)
    weights = None
    for epoch in range(args.epochs):
        order = np.random.permutation(len(x_train))
        for start in range(0, len(order), args.batch_size):
            batch = order[start:start + args.batch_size]
            loss = cross_entropy(output(hidden(x_train[batch])), y_train[batch])
            weights = weights or hidden.weights + output.weights
            loss.backward()  # fills w.grad for every weight
            for w in weights:
                w.assign_sub(args.learning_rate * w.grad)
                w.grad = None
        print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f}")

    with keras.no_grad():
        predictions = ops.argmax(output(hidden(x_test)), axis=-1).numpy()
    print(f"test_accuracy={np.mean(predictions == y_test):.4f}")


if __name__ == "__main__":
    main()
