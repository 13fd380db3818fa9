"""A user's mistake costs one clear ValueError/TypeError, raised before anything changes.

Each test snapshots every weight (moving statistics included) and every
optimizer variable as bytes, makes a mistake, and checks that the error
names what is wrong and that the snapshot is byte-identical afterwards. The
model has BatchNormalization (whose statistics a training forward pass would
move) and Dropout, and has trained one step, so the optimizer has its slots.
"""

import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend

N, FEATURES, CLASSES = 100, 4, 3


@pytest.fixture(autouse=True)
def fresh_names():
    backend.clear_session()


def state(model):
    """Every weight and optimizer variable: (path, dtype, shape, bytes)."""
    variables = list(model.weights) + list(model.optimizer.variables)
    return [(v.path, v.numpy().dtype.str, tuple(v.shape), v.numpy().tobytes())
            for v in variables]


def classifier(loss="sparse_categorical_crossentropy", units=CLASSES, activation="softmax"):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(FEATURES,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(units, activation=activation),
    ])
    model.compile("adam", loss, metrics=["accuracy"])
    return model


def data(n=N, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, FEATURES)).astype("float32")
    return x, rng.integers(0, CLASSES, n)


@pytest.fixture
def trained():
    """A classifier that has taken one step (its optimizer has slots), and its data."""
    model = classifier()
    x, y = data()
    model.train_on_batch(x[:8], y[:8])
    return model, x, y


def assert_refused(model, call, error, message):
    before = state(model)
    with pytest.raises(error, match=message):
        call()
    assert state(model) == before, "the failed call changed a weight or the optimizer state"


def with_label(y, index, value):
    y = y.astype("float64") if isinstance(value, float) else y.copy()
    y[index] = value
    return y


# -- fit, evaluate, predict, train_on_batch: the data ------------------------------

MISTAKES = {
    "too few features": (lambda x, y: (x[:, :3], y), ValueError,
                         r"expected shape \(None, 4\), but received an input of shape \(100, 3\)"),
    "wrong rank": (lambda x, y: (x[:, None, :], y), ValueError,
                   r"expected shape \(None, 4\).*\(100, 1, 4\)"),
    "x and y of different lengths": (lambda x, y: (x, y[:90]), ValueError,
                                     r"'x' sizes: \[100\], 'y' sizes: \[90\]"),
    "two inputs for one": (lambda x, y: ([x, x], y), ValueError,
                           r"expects 1 input\(s\).*received 2"),
    "two targets for one output": (lambda x, y: (x, [y, y]), ValueError,
                                   r"1 output\(s\).*`y` holds 2 arrays"),
    "label out of range in the last, partial batch": (
        lambda x, y: (x, with_label(y, N - 1, CLASSES)), ValueError,
        r"`y` must hold integer class labels in \[0, 3\).*the label 3 at index \(99,\) is "
        r"outside \[0, 3\)"),
    "negative label": (lambda x, y: (x, with_label(y, 50, -1)), ValueError,
                       r"the label -1 at index \(50,\)"),
    "fractional label": (lambda x, y: (x, with_label(y, 70, 1.5)), ValueError,
                         r"the label 1.5 at index \(70,\) is not a whole number"),
    "one-hot targets for sparse labels": (lambda x, y: (x, np.eye(CLASSES)[y]), ValueError,
                                          r"labels of shape \(32,\).*got labels of shape "
                                          r"\(32, 3\)"),
    "object array": (lambda x, y: (x.astype(object), y), TypeError,
                     r"`x` must hold numbers, but it has dtype object"),
    "string labels": (lambda x, y: (x, y.astype(str)), TypeError,
                      r"`y` must hold numbers, but it has dtype <U"),
    "ragged lists": (lambda x, y: ([[1.0, 2.0, 3.0, 4.0], [1.0]], [0, 1]), ValueError,
                     r"`x` cannot be made into an array.*rectangular"),
    "no data": (lambda x, y: (x[:0], y[:0]), ValueError, r"the data is empty \(0 samples\)"),
    "x is None": (lambda x, y: (None, y), ValueError, r"no input data was given \(`x` is None\)"),
    "y is None": (lambda x, y: (x, None), ValueError, r"compiled with a loss, but no targets"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch"])
def test_bad_data_is_refused_before_any_change(trained, method, mistake):
    model, x, y = trained
    make, error, message = MISTAKES[mistake]
    bad_x, bad_y = make(x, y)
    if method == "train_on_batch" and mistake == "one-hot targets for sparse labels":
        message = message.replace("32", "100")
    call = {"fit": lambda: model.fit(bad_x, bad_y, batch_size=32, epochs=2, verbose=0),
            "evaluate": lambda: model.evaluate(bad_x, bad_y, batch_size=32, verbose=0),
            "train_on_batch": lambda: model.train_on_batch(bad_x, bad_y)}[method]
    assert_refused(model, call, error, message)


@pytest.mark.parametrize(("make", "message"), [
    (lambda x: x[:, :3], r"expected shape \(None, 4\), but received an input of shape \(100, 3\)"),
    (lambda x: x.astype(str), r"`x` must hold numbers"),
    (lambda x: [x, x], r"expects 1 input\(s\).*received 2"),
    (lambda x: x[:0], r"the data is empty"),
])
def test_predict_refuses_bad_inputs(trained, make, message):
    model, x, _ = trained
    assert_refused(model, lambda: model.predict(make(x), verbose=0), (ValueError, TypeError),
                   message)


@pytest.mark.parametrize(("arguments", "message"), [
    ({"batch_size": 0}, r"`batch_size` must be a positive integer, got 0"),
    ({"batch_size": -1}, r"`batch_size` must be a positive integer, got -1"),
    ({"batch_size": 2.5}, r"`batch_size` must be a positive integer, got 2.5"),
    ({"initial_epoch": "1"}, r"`initial_epoch` must be a non-negative integer"),
    ({"steps_per_epoch": -1}, r"`steps_per_epoch` must be a positive integer"),
    ({"shuffle": "yes"}, r"`shuffle` must be True, False or 'batch'"),
    ({"validation_freq": 0}, r"`validation_freq` must be a positive integer"),
    ({"validation_split": 1.5}, r"`validation_split` must be between 0 and 1"),
    ({"class_weight": {0: "heavy"}}, r"`class_weight` must map integer class labels to "
                                     r"numbers, got 0: 'heavy'"),
    ({"sample_weight": np.ones((N, 2))}, r"sample_weight of shape \(32, 2\) does not match"),
    ({"validation_data": (np.ones((10, 4)),)}, r"`validation_data` must be a tuple \(x_val, "
                                               r"y_val\)"),
    ({"validation_data": (np.ones((10, 3)), np.zeros(10))}, r"expected shape \(None, 4\)"),
    ({"validation_data": (np.ones((10, 4)), np.full(10, 5))},
     r"fit \(validation_data\): `y` must hold integer class labels in \[0, 3\)"),
])
def test_bad_fit_arguments_are_refused_before_any_change(trained, arguments, message):
    model, x, y = trained
    assert_refused(model, lambda: model.fit(x, y, epochs=2, verbose=0, **arguments), ValueError,
                   message)


def test_a_generator_batch_is_checked_before_its_step(trained):
    model, x, y = trained
    states = []
    recorder = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: states.append(state(model)))
    batches = [(x[:32], y[:32]), (x[32:64], with_label(y, 40, 7)[32:64])]
    with pytest.raises(ValueError, match=r"`y` \(batch 1 of the generator\) must hold integer "
                                         r"class labels in \[0, 3\).*the label 7 at index \(8,\)"):
        model.fit(iter(batches), epochs=1, verbose=0, callbacks=[recorder])
    assert len(states) == 1 and state(model) == states[0]  # the second step never ran


def test_targets_of_the_wrong_width_are_refused_where_keras_would_broadcast(trained):
    x, y = data()
    one_hot = classifier("categorical_crossentropy")
    assert_refused(one_hot, lambda: one_hot.fit(x, np.eye(4)[y], verbose=0), ValueError,
                   r"one-hot target must have the output's shape.*target.shape=\(32, 4\), "
                   r"output.shape=\(32, 3\)")
    regression = classifier("mse", units=1, activation=None)
    regression.compile("adam", "mse")
    assert_refused(regression, lambda: regression.fit(x, np.ones((N, 3)), verbose=0),
                   ValueError, r"`y` has samples of shape \(3,\), but the model predicts "
                               r"samples of shape \(1,\)")
    binary = classifier("binary_crossentropy", units=1, activation="sigmoid")
    assert_refused(binary, lambda: binary.fit(x, y, verbose=0), ValueError,
                   r"`y` must hold values in \[0, 1\].*binary_crossentropy.*2 at index")


def test_a_subclassed_model_checks_the_labels_before_its_first_step():
    class Classifier(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8)
            self.norm = keras.layers.BatchNormalization()
            self.out = keras.layers.Dense(CLASSES, activation="softmax")

        def call(self, inputs, training=False):
            return self.out(self.norm(self.hidden(inputs), training=training))

    x, y = data()
    model = Classifier()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"the label 9 at index \(99,\)"):
        model.fit(x, with_label(y, N - 1, 9), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0
    np.testing.assert_array_equal(model.norm.moving_mean.numpy(), np.zeros(8))


def test_nan_in_the_data_is_a_warning_naming_where_and_training_proceeds(trained):
    model, x, y = trained
    x = x.copy()
    x[3, 2], x[70, 1], x[70, 3] = np.nan, np.inf, np.nan
    # One warning, naming the data: the NaN and Inf that follow inside the ops (the Inf
    # sample's products add +Inf and -Inf) give none of NumPy's, as TensorFlow gives none.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "invalid value encountered", RuntimeWarning)
        with pytest.warns(RuntimeWarning, match=r"fit: `x` holds 3 non-finite value\(s\) \(NaN "
                                                r"or Inf\) in 2 sample\(s\): 3, 70 \(the first "
                                                r"at index \(3, 2\)\)"):
            history = model.fit(x, y, epochs=2, verbose=0)
        assert len(history.history["loss"]) == 2
        with pytest.warns(RuntimeWarning, match=r"predict: `x` holds 3 non-finite"):
            model.predict(x, verbose=0)


# -- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(("compile_arguments", "message"), [
    ({"optimizer": "adamm", "loss": "mse"},
     r"Could not interpret optimizer identifier: unknown optimizer 'adamm'. Did you mean 'adam'"),
    ({"optimizer": "adam", "loss": "categorical_crosentropy"},
     r"Could not interpret loss identifier: unknown loss 'categorical_crosentropy'. Did you "
     r"mean 'categorical_crossentropy'"),
    ({"optimizer": "adam", "loss": "mse", "metrics": ["acuracy"]},
     r"Could not interpret metric identifier: unknown metric 'acuracy'. Did you mean 'accuracy'"),
    ({"optimizer": "adam", "loss": 3}, r"Could not interpret loss identifier: 3"),
    ({"optimizer": "adam", "loss": "mse", "metrics": [3]},
     r"Could not interpret metric identifier: 3"),
])
def test_unknown_names_fail_at_compile_with_suggestions(trained, compile_arguments, message):
    """Keras's words (what a user searches for) and Keras's exception type, ValueError."""
    model, _, _ = trained
    with pytest.raises(ValueError, match=message):
        model.compile(**compile_arguments)


def test_unknown_layer_and_activation_names_suggest_close_ones():
    with pytest.raises(ValueError, match=r"Could not interpret activation function identifier: "
                                         r"unknown activation function 'rellu'. Did you mean "
                                         r"'relu'"):
        keras.layers.Dense(3, activation="rellu")
    with pytest.raises(ValueError, match=r"Unknown class 'Dens'.*Did you mean 'Dense'"):
        keras.layers.deserialize({"class_name": "Dens", "config": {"units": 3}})


# -- weights --------------------------------------------------------------------------


def test_set_weights_names_the_layer_and_both_shapes(trained):
    model, _, _ = trained
    weights = model.get_weights()
    weights[0] = np.ones((5, 8), "float32")
    assert_refused(model, lambda: model.set_weights(weights), ValueError,
                   rf"weight '{model.name}/dense/kernel' \(layer \"dense\"\) has shape \(4, 8\), "
                   r"but set_weights\(\) received shape \(5, 8\)")
    assert_refused(model, lambda: model.set_weights(model.get_weights()[:-1]), ValueError,
                   r"expects 8 weights, but set_weights\(\) received 7")
    strings = model.get_weights()
    strings[1] = np.array(["a"] * 8)
    assert_refused(model, lambda: model.set_weights(strings), TypeError,
                   rf"weight '{model.name}/dense/bias' \(layer \"dense\"\) needs numbers, but "
                   r"set_weights\(\) received dtype <U1")


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_load_weights_names_the_layer_and_both_shapes(trained, tmp_path):
    model, _, _ = trained
    other = keras.Sequential([keras.Input(shape=(FEATURES,)), keras.layers.Dense(9),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.2),
                              keras.layers.Dense(CLASSES)])
    other.save_weights(tmp_path / "other.weights.h5")
    assert_refused(model, lambda: model.load_weights(tmp_path / "other.weights.h5"), ValueError,
                   r"'layers/dense' \(Dense 'dense'\): variable 'kernel' has shape \(4, 8\), "
                   r"but the file holds shape \(4, 9\)")


def test_labels_a_custom_loss_computes_are_still_checked_at_every_step():
    """fit checks the targets it is given; a loss that shifts them can still make a bad
    label in a later batch, and that must be an error, not a silently wrapped index."""
    def shifted_loss(y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true - 1, y_pred)

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", shifted_loss)
    labels = np.array([1, 1, 2, 3, 1, 1, 2, 0])  # the last one becomes -1
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\).*from -1"):
        model.fit(np.ones((8, 4), "float32"), labels, batch_size=2, verbose=0)
