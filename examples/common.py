"""What the examples share: their command line, the backend, MNIST, training and pictures.

Every example reads the same options:

    --backend numpy|cupy|keras   minikeras on the CPU, minikeras on an NVIDIA GPU, or the
                                 same model trained by real tf.keras (minikeras.keras_bridge)
    --epochs N, --batch-size N   the training length (each example has its own defaults)
    --plot                       draw the pictures into --output-dir (runs/<example>/)
    --train-samples N, --test-samples N   train and test on the first N images only
                                 (a quick try, or the test suite's tiny runs)

and is written as: parse the options, select the backend, load data, build
and compile a model, ``fit``, then ``finish`` (evaluate, print, draw).
"""

import argparse
import os
import time

import minikeras as keras
from minikeras.utils import tree


def parse_args(script, description, epochs, batch_size, argv=None, mnist=True, verbose=1,
               learning_rate=None, backends=("numpy", "cupy", "keras"), options=()):
    """The example's options (see the module docstring), with the example's defaults.

    script: the example's ``__file__``; it names the output folder runs/<example>/.
    description: the example's docstring; its first line heads ``--help``.
    epochs, batch_size, verbose: the defaults of --epochs, --batch-size, --verbose.
    mnist: whether the example trains on MNIST (adds --train-samples/--test-samples).
    learning_rate: if given, adds --learning-rate with this default.
    backends: the --backend choices the example supports.
    options: the example's own options, as (flag, argparse keyword arguments) pairs.
    """
    name = os.path.splitext(os.path.basename(script))[0]
    parser = argparse.ArgumentParser(
        description=description.strip().splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--backend", choices=backends, default="numpy",
                        help="numpy or cupy: minikeras's own backends; keras: train the same "
                             "model on tf.keras through minikeras.keras_bridge")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    if learning_rate is not None:
        parser.add_argument("--learning-rate", type=float, default=learning_rate)
    parser.add_argument("--plot", action="store_true",
                        help="write the training curves, the model, the graph of a loss "
                             "(and predicted digits) as PNG files into --output-dir")
    parser.add_argument("--output-dir", default=os.path.join("runs", name))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=verbose,
                        help="fit's progress display: 0 silent, 1 a bar, 2 a line per epoch")
    for flag, settings in options:
        parser.add_argument(flag, **settings)
    if mnist:
        parser.add_argument("--train-samples", type=int, default=None,
                            help="train on the first N training images (default: all 60,000)")
        parser.add_argument("--test-samples", type=int, default=None,
                            help="evaluate on the first N test images (default: all 10,000)")
    return parser.parse_args(argv)


def select_backend(args):
    """Switches minikeras to ``args.backend`` and seeds every random generator.

    With ``--backend keras`` minikeras itself stays on NumPy: the model is
    built here and only its training runs on tf.keras (see ``fit``).
    Exits with the backend's own message if it cannot run here (no GPU, no
    CuPy, no TensorFlow).
    """
    try:
        if args.backend == "keras":
            import minikeras.keras_bridge  # noqa: F401  (fails early, before any training)
        keras.backend.set_backend("cupy" if args.backend == "cupy" else "numpy")
    except (ImportError, RuntimeError) as error:
        raise SystemExit(f"--backend {args.backend} cannot run here: {error}") from error
    keras.utils.set_random_seed(args.seed)


def load_mnist(args, image_shape, rescale=True):
    """``(x_train, y_train), (x_test, y_test)``: pixels as float32 in [0, 1], labels 0-9.

    image_shape: the shape of one image the model takes, e.g. (784,) for an
        MLP or (28, 28, 1) for a convnet (channels last, as in Keras).
    rescale: False keeps the stored pixel values 0-255 (as float32), for a
        model that rescales them itself (a Rescaling layer).
    args.train_samples, args.test_samples: keep only the first N of each.
    """
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:args.train_samples], y_train[:args.train_samples]
    x_test, y_test = x_test[:args.test_samples], y_test[:args.test_samples]
    scale = 255 if rescale else 1
    x_train = x_train.reshape(-1, *image_shape).astype("float32") / scale  # (n, *image_shape)
    x_test = x_test.reshape(-1, *image_shape).astype("float32") / scale
    return (x_train, y_train), (x_test, y_test)


def fit(model, x, y, args, **fit_kwargs):
    """Trains ``model`` for ``args.epochs`` at ``args.batch_size``; returns the History.

    On ``--backend keras`` the bridge trains a tf.keras twin and copies the
    trained weights back into ``model``, so what follows runs on minikeras.
    Prints the seconds per epoch (validation included) when done: the epochs'
    own time, measured by a callback, without what comes before the first
    (with ``--backend keras``: importing TensorFlow, converting the model).
    """
    timer = epoch_timer(callbacks(args))
    fit_kwargs = {"epochs": args.epochs, "batch_size": args.batch_size,
                  "verbose": args.verbose, **fit_kwargs}
    fit_kwargs["callbacks"] = [*(fit_kwargs.get("callbacks") or []), timer]
    if args.backend == "keras":
        from minikeras.keras_bridge import fit_keras

        history = fit_keras(model, x, y, strategy="auto", **fit_kwargs)
    else:
        history = model.fit(x, y, **fit_kwargs)
    print(f"seconds_per_epoch={sum(timer.seconds) / max(1, len(timer.seconds)):.3g}")
    return history


def epoch_timer(callbacks_module):
    """A callback of ``callbacks_module`` (minikeras's or tf.keras's) whose ``seconds`` list
    the time each epoch took, from its first batch to the end of its validation."""

    class EpochTimer(callbacks_module.Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self._start = [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


def callbacks(args):
    """The callbacks module of whatever runs fit: ``keras.callbacks`` (minikeras's), or
    tf.keras's with ``--backend keras``, since tf.keras's loop calls them there."""
    if args.backend == "keras":
        import tensorflow as tf

        return tf.keras.callbacks
    return keras.callbacks


def finish(model, history, x_test, y_test, args, accuracy="accuracy", classifier=None,
           labels=None, images=True):
    """Evaluates on the test set, prints ``test_accuracy=<value>`` and, with --plot, draws.

    accuracy: the name of the accuracy in ``model.evaluate``'s results
        (e.g. "digit_accuracy" for a model with an output named "digit").
    classifier, labels: the model whose predicted digits ``plot_predictions``
        shows and the true digits, if not ``model`` and ``y_test``.
    images: whether x_test holds images, whose predictions are drawn too.
    """
    results = model.evaluate(x_test, y_test, batch_size=max(args.batch_size, 256), verbose=0,
                             return_dict=True)
    print(f"test_loss={results['loss']:.4f}")
    if args.plot:
        if images:
            keras.utils.plot_predictions(
                classifier or model, x_test, y_test if labels is None else labels,
                to_file=os.path.join(args.output_dir, "predictions.png"))
        first = tree.map_structure(lambda array: array[:8], (x_test, y_test))
        save_plots(model, history, *first, args)
    print(f"test_accuracy={results[accuracy]:.4f}")


def save_plots(model, history, x, y, args):
    """Draws the training curves, the layer graph of ``model`` and the graph of its loss.

    x, y: a small batch; the loss on it is the one drawn (its graph grows with
        the batch only in its shapes, not in its number of ops).
    """
    folder = args.output_dir
    keras.utils.plot_history(history, to_file=os.path.join(folder, "history.png"))
    keras.utils.plot_model(model, to_file=os.path.join(folder, "model.png"), show_shapes=True,
                           show_layer_names=True)
    # The loss as fit() computes it (training=True: dropout on, batch statistics),
    # drawn last because a training-mode call moves BatchNormalization's averages.
    loss = model.compute_loss(x, y, model(x, training=True))
    keras.autograd.plot_graph(loss, to_file=os.path.join(folder, "loss_graph.png"))
    print(f"plots written to {folder}{os.sep}")
