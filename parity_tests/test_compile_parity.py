"""compile's loss, loss_weights and metrics structures against tf.keras: the same models,
the same weights and data, the same history (keys and values) after one epoch."""

import collections
import re

import numpy as np
import pytest
import tensorflow as tf

import minikeras as mk
from parity_tests.harness import assert_close

RNG = np.random.default_rng(0)
X = RNG.random((8, 3)).astype("float32")
Y_A = RNG.random((8, 2)).astype("float32")
Y_B = RNG.random((8, 1)).astype("float32")
Y_C = RNG.random((8, 4)).astype("float32")
LABELS = RNG.integers(0, 4, (8,))
Pair = collections.namedtuple("Pair", ["first", "second"])

# A subclassed model's third output goes unused by some of the losses: both sides say so.
pytestmark = pytest.mark.filterwarnings("ignore:Gradients do not exist:UserWarning")


def functional(lib, kind):
    """Outputs a (2 units), b (1) and c (4, softmax) of one input, as a list, dict or one."""
    inputs = lib.Input((3,))
    a = lib.layers.Dense(2, name="a")(inputs)
    b = lib.layers.Dense(1, name="b")(inputs)
    c = lib.layers.Dense(4, activation="softmax", name="c")(inputs)
    outputs = {"list": [a, b], "dict": {"out_a": a, "out_b": b}, "list3": [a, b, c],
               "single": a}[kind]
    return lib.Model(inputs, outputs)


def subclassed(lib, kind):
    """A subclassed model whose call returns its three outputs in a nest."""

    class Nest(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense_a, self.dense_b, self.dense_c = (
                lib.layers.Dense(units, kernel_initializer="ones") for units in (2, 1, 4))

        def call(self, x):
            a, b, c = self.dense_a(x), self.dense_b(x), self.dense_c(x)
            return {"nested_dict": lambda: {"a": a, "more": {"b": b, "c": c}},
                    "namedtuple": lambda: Pair(a, b), "tuple": lambda: (a, b),
                    "nested_list": lambda: [a, [b, c]],
                    "plain_dict": lambda: {"a": a, "b": b}}[kind]()

    return Nest()


TARGETS = {
    "list": [Y_A, Y_B], "dict": {"out_a": Y_A, "out_b": Y_B}, "list3": [Y_A, Y_B, LABELS],
    "single": Y_A, "nested_dict": {"a": Y_A, "more": {"b": Y_B, "c": Y_C}},
    "namedtuple": Pair(Y_A, Y_B), "tuple": (Y_A, Y_B), "nested_list": [Y_A, [Y_B, Y_C]],
    "plain_dict": {"a": Y_A, "b": Y_B},
}

# Each case mixes several of the forms Keras accepts (a model fits in about 3 s on tf.keras).
FUNCTIONAL_CASES = [
    ("list", {"loss": [["mse", "mae"], "mae"], "loss_weights": [[1.0, 0.5], 2.0],
              "metrics": [["mae"], ["mse", "mae"]], "weighted_metrics": ["mae", None]}),
    ("list", {"loss": {"a": "mse", "b": "mae"}, "loss_weights": {"a": 0.5, "b": 2.0},
              "metrics": {"a": "mae"}}),
    ("list", {"loss": ("mse", "mae"), "metrics": ("mae", "mse")}),
    ("dict", {"loss": {"out_b": "mae", "out_a": ["mse", "mae"]},
              "loss_weights": {"out_a": [1.0, 0.5], "out_b": 2.0},
              "metrics": {"out_a": ["mae"], "out_b": "mse"}}),
    ("list3", {"loss": ["mse", None, "crossentropy"], "metrics": [[], "mae", "acc"]}),
    ("single", {"loss": "MeanSquaredError", "loss_weights": [2.0],
                "metrics": ["mae", ["mse"]]}),
]

SUBCLASSED_CASES = [
    ("nested_dict", {"loss": {"a": "mse", "more": {"b": "mae", "c": "mse"}},
                     "loss_weights": [1.0, 2.0, 0.5],
                     "metrics": {"a": ["mae"], "more": {"b": "mse", "c": None}}}),
    ("nested_dict", {"loss": {"a": "mse", "more": {"c": "mse"}},
                     "loss_weights": {"a": 1.0, "more": {"c": 0.5}}}),
    ("namedtuple", {"loss": Pair("mse", "mae"), "metrics": Pair(["mae"], ["mse"])}),
    ("tuple", {"loss": (["mse", "mae"], "mae")}),
    ("nested_list", {"loss": ["mse", "mae", "mse"]}),
    ("plain_dict", {"loss": {"a": ["mse", "mae"], "b": "mae"},
                    "metrics": {"a": "mae", "b": ["mse"]}, "weighted_metrics": {"a": ["mae"]}}),
]


def _fitted_history(model, lib, kind, arguments, compiled_step=False):
    """One epoch: in batches of 4 (tf.keras runs its steps eagerly: three times faster to
    start, and the same history for batches of one size), or, with ``compiled_step``, in
    batches of 3, 3 and 2 with tf.keras's step compiled, as by default (its per-loss
    trackers then average the batches unweighted by their sizes)."""
    eager = {} if lib is mk or compiled_step else {"run_eagerly": True}
    model.compile(lib.optimizers.SGD(0.01), **arguments, **eager)
    return model.fit(X, TARGETS[kind], epochs=1, batch_size=3 if compiled_step else 4,
                     shuffle=False, verbose=0).history


def _histories(build, kind, arguments, compiled_step=False):
    """(minikeras's history, tf.keras's) of the same model from the same weights."""
    mk.backend.clear_session()
    tf.keras.backend.clear_session()
    ours, theirs = build(mk, kind), build(tf.keras, kind)
    if build is functional:  # subclassed models start from ones and zeros on both sides
        rng = np.random.default_rng(1)
        for mine, their in zip(ours.layers, theirs.layers, strict=True):
            weights = [rng.standard_normal(w.shape).astype("float32") * 0.3
                       for w in their.get_weights()]
            mine.set_weights(weights)
            their.set_weights(weights)
    return (_fitted_history(ours, mk, kind, arguments, compiled_step),
            _fitted_history(theirs, tf.keras, kind, arguments, compiled_step))


def _assert_same_history(ours, theirs, label):
    assert sorted(ours) == sorted(theirs), label
    for key in theirs:
        assert_close(ours[key], theirs[key], "training",
                     what=f"models.Model.compile ({label}): {key}")


@pytest.mark.parametrize(("kind", "arguments"), FUNCTIONAL_CASES,
                         ids=[f"{k}-{a}" for k, a in FUNCTIONAL_CASES])
def test_a_functional_model_compiles_every_structure_as_keras(kind, arguments):
    ours, theirs = _histories(functional, kind, arguments, compiled_step=kind == "dict")
    _assert_same_history(ours, theirs, f"{kind} {arguments}")


@pytest.mark.parametrize(("kind", "arguments"), SUBCLASSED_CASES,
                         ids=[f"{k}-{a}" for k, a in SUBCLASSED_CASES])
def test_nested_outputs_of_a_subclassed_model_compile_as_keras(kind, arguments):
    ours, theirs = _histories(subclassed, kind, arguments)
    _assert_same_history(ours, theirs, f"{kind} {arguments}")


@pytest.mark.parametrize(("kind", "arguments", "losses", "weights"), [
    ("list", {"loss": ["mse", "mae"], "loss_weights": [0.5]}, 2, 1),
    ("list", {"loss": ["mse", "mae"], "loss_weights": [0.5, 1.0, 2.0]}, 2, 3),
    ("single", {"loss": "mse", "loss_weights": [1.0, 2.0]}, 1, 2),
])
def test_a_wrong_number_of_loss_weights_says_how_many_losses_there_are(kind, arguments, losses,
                                                                        weights):
    message = (f"`loss_weights` must match the number of losses, got {losses} losses and "
               f"{weights} weights")
    for lib in (mk, tf.keras):
        model = functional(lib, kind)
        model.compile(lib.optimizers.SGD(0.01), **arguments)
        with pytest.raises(ValueError, match=message):
            model.fit(X, TARGETS[kind], epochs=1, verbose=0)


def _small(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    return model


def _compiled(lib, **arguments):
    model = _small(lib)
    model.compile(lib.optimizers.SGD(0.01), **{"loss": "mse", **arguments})
    return model


MISTAKES = {
    "fit before compile": (lambda lib: _small(lib).fit(X, Y_B, verbose=0),
                           "You must call `compile()` before using the model"),
    "unknown optimizer": (lambda lib: _small(lib).compile("adamm", "mse"),
                          "Could not interpret optimizer identifier"),
    "unknown loss": (lambda lib: _compiled(lib, loss="msee").fit(X, Y_B, verbose=0),
                     "Could not interpret loss identifier"),
    "not a metric": (lambda lib: _compiled(lib, metrics=[5]).fit(X, Y_B, verbose=0),
                     "Could not interpret metric identifier"),
    "metrics not a list": (lambda lib: _compiled(lib, metrics="mae"),
                           "Expected `metrics` argument to be a list, tuple, or dict"),
    "loss_weights of a string": (lambda lib: _compiled(lib, loss_weights="a"),
                                 "Expected `loss_weights` argument to be a float"),
    "more loss weights than losses": (
        lambda lib: _compiled(lib, loss_weights=[1.0, 2.0]).fit(X, Y_B, verbose=0),
        "`loss_weights` must match the number of losses"),
    "class and sample weights": (
        lambda lib: _compiled(lib).fit(X, Y_B, class_weight={0: 1.0},
                                       sample_weight=np.ones(8), verbose=0),
        "`sample_weight` at the same time"),
    "samples of different counts": (lambda lib: _compiled(lib).fit(X, Y_B[:5], verbose=0),
                                    "Data cardinality is ambiguous"),
    "validation_split of a generator": (
        lambda lib: _compiled(lib).fit(iter([(X, Y_B)]), validation_split=0.5, verbose=0),
        "`validation_split` is only supported for"),
    "input of another size": (lambda lib: _compiled(lib).predict(np.ones((2, 5)), verbose=0),
                              "is incompatible"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_mistake_raises_keras_s_exception_with_keras_s_words(mistake):
    """Where both raise the same exception type, minikeras's clearer message still holds the
    phrase a user would search for."""
    make, phrase = MISTAKES[mistake]
    phrase = re.compile(re.escape(phrase), re.IGNORECASE)  # as a search engine reads it
    with pytest.raises(ValueError, match=phrase):
        make(tf.keras)
    with pytest.raises(ValueError, match=phrase):
        make(mk)
