"""Backpropagation by hand, next to what autograd computes: they agree.

A two-layer network on a small batch:

    z1 = x @ W1 + b1        (n, 4)
    h  = tanh(z1)           (n, 4)
    z2 = h @ W2 + b2        (n, 2)
    L  = mean((z2 - y)**2)  over all n * 2 numbers

The chain rule, applied from the loss backwards, gives each gradient in
terms of the one after it. This script computes every step with plain NumPy,
prints it beside the gradient minikeras's autograd found, and shows the
largest difference.

    python examples/backprop_by_hand.py
"""

import numpy as np

import minikeras as keras
from minikeras import ops


def by_hand(x, y, W1, b1, W2, b2):
    """Every gradient of L, derived step by step with the chain rule."""
    n = len(x)
    z1 = x @ W1 + b1
    h = np.tanh(z1)
    z2 = h @ W2 + b2
    steps = {}
    # L = (1 / 2n) * sum((z2 - y)**2)  ->  dL/dz2 = 2 (z2 - y) / (2n)
    steps["dL/dz2"] = 2 * (z2 - y) / (n * 2)
    # z2 = h @ W2 + b2  ->  dL/dW2 = h^T dL/dz2, dL/db2 = sum over the batch, dL/dh = dL/dz2 W2^T
    steps["dL/dW2"] = h.T @ steps["dL/dz2"]
    steps["dL/db2"] = steps["dL/dz2"].sum(axis=0)
    steps["dL/dh"] = steps["dL/dz2"] @ W2.T
    # h = tanh(z1)  ->  dh/dz1 = 1 - tanh(z1)**2 = 1 - h**2, elementwise
    steps["dL/dz1"] = steps["dL/dh"] * (1 - h**2)
    # z1 = x @ W1 + b1  ->  dL/dW1 = x^T dL/dz1, dL/db1 = sum over the batch
    steps["dL/dW1"] = x.T @ steps["dL/dz1"]
    steps["dL/db1"] = steps["dL/dz1"].sum(axis=0)
    return steps


def by_autograd(x, y, hidden, output):
    """The same gradients from ``loss.backward()``."""
    loss = ops.mean(ops.square(output(hidden(x)) - y))
    loss.backward()
    return {"dL/dW1": hidden.kernel.grad, "dL/db1": hidden.bias.grad,
            "dL/dW2": output.kernel.grad, "dL/db2": output.bias.grad}


def main():
    keras.utils.set_random_seed(0)
    keras.backend.set_floatx("float64")  # so hand and autograd agree to the last digits
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3))
    y = rng.standard_normal((5, 2))
    hidden = keras.layers.Dense(4, activation="tanh")
    output = keras.layers.Dense(2)
    output(hidden(x))  # builds the weights

    hand = by_hand(x, y, hidden.kernel.numpy(), hidden.bias.numpy(),
                   output.kernel.numpy(), output.bias.numpy())
    auto = by_autograd(x, y, hidden, output)
    np.set_printoptions(precision=5, suppress=True)
    for name, value in hand.items():
        print(f"{name} by hand, shape {value.shape}:\n{value}")
        if name in auto:
            difference = np.abs(value - auto[name]).max()
            print(f"{name} from autograd:\n{auto[name]}\nlargest difference: {difference:.2e}\n")
        else:
            print("(an intermediate gradient: autograd passes it on and does not keep it)\n")
    worst = max(np.abs(hand[name] - auto[name]).max() for name in auto)
    print(f"max_difference={worst:.2e}")


if __name__ == "__main__":
    main()
