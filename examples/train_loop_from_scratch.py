"""Training a small network on MNIST with nothing but layers, ops and autograd.

No model.fit here: every step is written out, so you can see what fit() does
for you. Forward pass, loss, backward pass, gradient step, repeat. The
Sequential only holds the two layers (calling it calls them in turn); the
loss, the gradients and the updates are all below.

    python examples/train_loop_from_scratch.py --epochs 2
    python examples/train_loop_from_scratch.py --plot   # includes the graph backward() walks
"""

import os

import common
import numpy as np

import minikeras as keras
from minikeras import ops


def cross_entropy(logits, labels):
    """Mean over the batch of -log softmax(logits)[label]: (batch, 10), (batch,) -> scalar."""
    log_probabilities = ops.log_softmax(logits)  # (batch, 10)
    targets = ops.one_hot(labels, 10)  # (batch, 10): 1 at the label, 0 elsewhere
    return -ops.mean(ops.sum(targets * log_probabilities, axis=-1))


def main(argv=None):
    args = common.parse_args(__file__, __doc__, epochs=2, batch_size=128, argv=argv,
                             learning_rate=0.1, backends=("numpy", "cupy"))
    common.select_backend(args)
    (x_train, y_train), (x_test, y_test) = common.load_mnist(args, image_shape=(784,))

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10),  # logits: the softmax is inside the loss
    ], name="from_scratch")
    weights = model.trainable_weights  # kernel and bias of each layer
    history = {"loss": []}
    for epoch in range(args.epochs):
        order = np.random.permutation(len(x_train))
        losses = []
        for start in range(0, len(order), args.batch_size):
            batch = order[start:start + args.batch_size]
            x = keras.backend.to_device(x_train[batch])  # host -> device (a no-op on NumPy)
            labels = keras.backend.to_device(y_train[batch])
            loss = cross_entropy(model(x), labels)
            if args.plot and epoch == 0 and start == 0:  # before backward() frees the graph
                keras.autograd.plot_graph(loss, os.path.join(args.output_dir, "loss_graph.png"))
            loss.backward()  # fills w.grad for every weight
            for w in weights:
                w.assign_sub(args.learning_rate * w.grad)  # one step of gradient descent
                w.grad = None
            losses.append(loss.item())
        history["loss"].append(float(np.mean(losses)))
        print(f"epoch {epoch + 1}: mean loss {history['loss'][-1]:.4f}")

    with keras.no_grad():
        logits = model(keras.backend.to_device(x_test))
    predictions = keras.backend.to_numpy(ops.argmax(logits, axis=-1))
    if args.plot:
        folder = args.output_dir
        keras.utils.plot_history(history, os.path.join(folder, "history.png"))
        keras.utils.plot_model(model, os.path.join(folder, "model.png"), show_shapes=True,
                               show_layer_names=True)
        keras.utils.plot_predictions(model, x_test, y_test,
                                     os.path.join(folder, "predictions.png"))
        print(f"plots written to {folder}{os.sep}")
    print(f"test_accuracy={np.mean(predictions == y_test):.4f}")


if __name__ == "__main__":
    main()
