"""Every loss against tf.keras: values and gradients with respect to y_pred.

Hypothesis draws shapes, options (from_logits, label_smoothing, alpha,
gamma...), reductions, sample weights and values with extremes: probabilities
of exactly 0 and 1, logits of +-100, regression targets of +-100 and tiny
numbers. Each loss is compared in its function form (one loss per sample,
under each Keras alias) and its class form (reduced); wherever tf.keras is
finite, minikeras must be finite too (``assert_close`` checks it).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given
from hypothesis import strategies as st

import minikeras as mk
from minikeras.testing import strategies as mst
from parity_tests.harness import assert_close, compare_functions, covers

# Extreme inputs overflow to inf or make 0 * inf = NaN on both sides; NumPy warns, TF does not.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


REGRESSION_VALUES = st.one_of(mst.moderate(-3.0, 3.0), mst.extreme(100.0))
PROBABILITIES = st.one_of(st.sampled_from([0.0, 1.0]), mst.floats32(0.0, 1.0))
LOGITS = st.one_of(st.sampled_from([100.0, -100.0, 0.0]), mst.moderate(-5.0, 5.0),
                   mst.floats32(-100.0, 100.0))
RATES = st.one_of(PROBABILITIES, mst.moderate(0.0, 10.0))
LABEL_SMOOTHING = st.one_of(st.just(0.0), mst.floats32(0.0, 1.0))
UNIT = mst.floats32(0.0, 1.0)

# class name: (function name, kind of inputs, {option: strategy}).
LOSSES = {
    "MeanSquaredError": ("mean_squared_error", "regression", {}),
    "MeanAbsoluteError": ("mean_absolute_error", "regression", {}),
    "MeanAbsolutePercentageError": ("mean_absolute_percentage_error", "regression", {}),
    "MeanSquaredLogarithmicError": ("mean_squared_logarithmic_error", "regression", {}),
    "CosineSimilarity": ("cosine_similarity", "regression", {"axis": st.sampled_from([-1, 0])}),
    "Huber": ("huber", "regression", {"delta": st.sampled_from([1.0, 0.25, 3.0])}),
    "LogCosh": ("log_cosh", "regression", {}),
    "Hinge": ("hinge", "hinge", {}),
    "SquaredHinge": ("squared_hinge", "hinge", {}),
    "CategoricalHinge": ("categorical_hinge", "categorical_scores", {}),
    "KLDivergence": ("kl_divergence", "probabilities", {}),
    "Poisson": ("poisson", "rates", {}),
    "Dice": ("dice", "probabilities", {"axis": st.sampled_from([None, -1])}),
    "Tversky": ("tversky", "probabilities", {"alpha": UNIT, "beta": UNIT,
                                             "axis": st.sampled_from([None, -1])}),
    "BinaryCrossentropy": ("binary_crossentropy", "binary", {
        "from_logits": st.booleans(), "label_smoothing": LABEL_SMOOTHING}),
    "BinaryFocalCrossentropy": ("binary_focal_crossentropy", "binary", {
        "from_logits": st.booleans(), "label_smoothing": LABEL_SMOOTHING,
        "apply_class_balancing": st.booleans(), "alpha": UNIT,
        "gamma": st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(1.0, 4.0))}),
    "CategoricalCrossentropy": ("categorical_crossentropy", "categorical", {
        "from_logits": st.booleans(), "label_smoothing": LABEL_SMOOTHING}),
    "CategoricalFocalCrossentropy": ("categorical_focal_crossentropy", "categorical", {
        "from_logits": st.booleans(), "label_smoothing": LABEL_SMOOTHING, "alpha": UNIT,
        "gamma": st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.floats(1.0, 4.0))}),
    "SparseCategoricalCrossentropy": ("sparse_categorical_crossentropy", "sparse", {
        "from_logits": st.booleans(), "ignore_class": st.sampled_from([None, -1])}),
    # Unlike sparse_categorical_crossentropy it drops no trailing axis of size 1 from labels.
    "CategoricalGeneralizedCrossEntropy": ("categorical_generalized_cross_entropy",
                                           "sparse_exact", {"q": st.floats(0.1, 0.9)}),
}

# Function names under which each function is public, Keras's aliases included.
ALIASES = {
    "mean_squared_error": ["mse", "MSE"], "mean_absolute_error": ["mae", "MAE"],
    "mean_absolute_percentage_error": ["mape", "MAPE"],
    "mean_squared_logarithmic_error": ["msle", "MSLE"],
    "kl_divergence": ["kld", "KLD", "kullback_leibler_divergence"], "log_cosh": ["logcosh"],
    "binary_crossentropy": ["bce", "BCE"],
}
FUNCTION_NAMES = sorted({name for name, _, _ in LOSSES.values()}
                        | {alias for aliases in ALIASES.values() for alias in aliases})
CANONICAL = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


def _keras_function(name):
    return getattr(tf.keras.losses, name, None) or keras.losses.get(CANONICAL.get(name, name))


def _draw_options(data, class_name):
    _, _, strategies = LOSSES[class_name]
    return {key: data.draw(strategy, label=key) for key, strategy in strategies.items()}


def _draw_inputs(data, kind, options, same_rank):
    """(y_true, y_pred) for one kind of loss.

    same_rank: if False, labels of shape (batch, ...) may meet predictions of
    shape (batch, ..., 1), as the loss classes allow.
    """
    batch = data.draw(st.integers(1, 4), label="batch")
    if kind in ("sparse", "sparse_exact"):
        label_shape = data.draw(st.sampled_from([(batch,), (batch, 2)]), label="label shape")
        classes = data.draw(st.integers(2, 4), label="classes")
        low = -1 if options.get("ignore_class") == -1 else 0
        y_true = data.draw(mst.arrays(label_shape, st.integers(low, classes - 1), "int64"))
        values = LOGITS if options.get("from_logits") else PROBABILITIES
        y_pred = data.draw(mst.arrays((*label_shape, classes), values, "float32"))
        if not same_rank and kind == "sparse" and data.draw(st.booleans(), label="(.., 1)"):
            y_true = y_true[..., None]
        return y_true, y_pred
    inner = data.draw(st.sampled_from([(), (3,), (2, 3)] if kind == "regression" else
                                      [(2,), (3,), (2, 3)]), label="inner shape")
    shape = (batch, *inner)
    if kind in ("categorical", "categorical_scores"):
        y_true = data.draw(mst.one_hot(shape[:-1], shape[-1]), label="y_true")
    elif kind == "hinge":
        signs = data.draw(st.sampled_from([(0.0, 1.0), (-1.0, 1.0)]), label="label values")
        y_true = data.draw(mst.arrays(shape, st.sampled_from(signs), "float32"), label="y_true")
    elif kind == "regression":
        y_true = data.draw(mst.arrays(shape, REGRESSION_VALUES, "float32"), label="y_true")
    else:
        y_true = data.draw(mst.arrays(shape, PROBABILITIES, "float32"), label="y_true")
    values = {"regression": REGRESSION_VALUES, "hinge": REGRESSION_VALUES,
              "categorical_scores": REGRESSION_VALUES, "rates": RATES}.get(kind, PROBABILITIES)
    if options.get("from_logits"):
        values = LOGITS
    y_pred = data.draw(mst.arrays(shape, values, "float32"), label="y_pred")
    if not same_rank and kind != "categorical" and data.draw(st.booleans(), label="(.., 1)"):
        y_pred = y_pred[..., None]  # labels (batch, ...) against predictions (batch, ..., 1)
    return y_true, y_pred


def _assume_well_conditioned(class_name, y_true, y_pred, options):
    """Rejects draws where float32 rounding, amplified, is all a comparison would see.

    Cosine similarity: normalize(y) = y * min(1 / |y|, 1e7) has the gradient
    (I - n n^T) / |y|, so one rounding of the forward pass becomes eps / |y| of
    absolute error: an entry that cancels to zero (y_pred parallel to y_true)
    is 0 on one side and 0.06 on the other at |y| = 1e-7. Norms along ``axis``
    of at least 0.1, or clamped well under Keras's floor of 1e-7, are compared.

    Categorical cross-entropies of probabilities: the loss -log(p_label / sum p)
    has the gradient -1 / p_label + 1 / sum p, which cancels when the other
    classes hold almost nothing and leaves eps / p_label of absolute error
    (4e-6 for a row [0.002, 0]). Rows summing to at least 0.5, or to 0, are compared.
    """
    if class_name == "CosineSimilarity":
        if y_pred.ndim == y_true.ndim + 1:  # Keras squeezes the (..., 1) predictions first
            y_pred = y_pred[..., 0]
        norms = np.linalg.norm(y_pred.astype("float64"), axis=options["axis"])
        assume(np.all((norms < 5e-8) | (norms >= 0.1)))
    elif LOSSES[class_name][1] in ("categorical", "sparse") and not options.get("from_logits"):
        totals = y_pred.astype("float64").sum(axis=-1)
        assume(np.all((totals == 0) | (totals >= 0.5)))


def _draw_sample_weight(data, loss, y_true, y_pred):
    """None, a number, or one weight per loss value (per sample if the loss is one number)."""
    unreduced = type(loss).from_config({**loss.get_config(), "reduction": None})
    weight_shape = unreduced(y_true, y_pred).shape or (len(y_pred),)
    # Not tiny: a weight of 1e-38 makes subnormal products, which TF flushes to zero.
    weights = st.one_of(st.just(0.0), mst.floats32(0.01, 2.0))
    return data.draw(st.one_of(st.none(), st.just(np.float32(0.5)),
                               mst.arrays(weight_shape, weights, "float32")),
                     label="sample_weight")


@covers(*(f"losses.{name}" for name in FUNCTION_NAMES))
@pytest.mark.parametrize("name", FUNCTION_NAMES)
@given(data=st.data())
def test_loss_function_matches_keras(name, data):
    canonical = CANONICAL.get(name, name)
    class_name = next(c for c, (fn, _, _) in LOSSES.items() if fn == canonical)
    options = _draw_options(data, class_name)
    y_true, y_pred = _draw_inputs(data, LOSSES[class_name][1], options, same_rank=True)
    _assume_well_conditioned(class_name, y_true, y_pred, options)
    mk_fn, keras_fn = getattr(mk.losses, name), _keras_function(name)
    compare_functions(lambda p: mk_fn(y_true, p, **options),
                      lambda p: keras_fn(y_true, p, **options), [y_pred], "reduction",
                      f"losses.{name}({options})")


@covers(*(f"losses.{name}" for name in LOSSES), "losses.LossFunctionWrapper")
@pytest.mark.parametrize("name", sorted(LOSSES))
@given(data=st.data())
def test_loss_class_matches_keras(name, data):
    options = _draw_options(data, name)
    y_true, y_pred = _draw_inputs(data, LOSSES[name][1], options, same_rank=False)
    _assume_well_conditioned(name, y_true, y_pred, options)
    reduction = data.draw(st.sampled_from(REDUCTIONS), label="reduction")
    mk_loss = getattr(mk.losses, name)(reduction=reduction, **options)
    sample_weight = _draw_sample_weight(data, mk_loss, y_true, y_pred)
    keras_loss = getattr(tf.keras.losses, name)(reduction=reduction, **options)
    compare_functions(lambda p: mk_loss(y_true, p, sample_weight=sample_weight),
                      lambda p: keras_loss(y_true, p, sample_weight=sample_weight), [y_pred],
                      "reduction", f"losses.{name}({options}, reduction={reduction})")


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_reduction_with_and_without_sample_weight(name):
    """Each reduction, each kind of sample weight, on one fixed draw (hypothesis may skip some)."""
    rng = np.random.default_rng(7)
    y_true, y_pred = _fixed_inputs(LOSSES[name][1], rng)
    weight_shape = getattr(mk.losses, name)(reduction=None)(y_true, y_pred).shape or (4,)
    weights = [None, np.float32(0.5), rng.uniform(0, 2, weight_shape).astype("float32"),
               np.zeros(weight_shape, dtype="float32")]
    for reduction in REDUCTIONS:
        for sample_weight in weights:
            mk_loss = getattr(mk.losses, name)(reduction=reduction)
            keras_loss = getattr(tf.keras.losses, name)(reduction=reduction)
            compare_functions(lambda p, m=mk_loss, w=sample_weight: m(y_true, p, sample_weight=w),
                              lambda p, k=keras_loss, w=sample_weight: k(y_true, p,
                                                                          sample_weight=w),
                              [y_pred], "reduction", f"losses.{name}(reduction={reduction})")


def _fixed_inputs(kind, rng):
    shape = (4, 3)
    if kind in ("sparse", "sparse_exact"):
        return rng.integers(0, 3, 4), rng.dirichlet(np.ones(3), 4).astype("float32")
    if kind in ("categorical", "categorical_scores"):
        y_true = np.eye(3, dtype="float32")[rng.integers(0, 3, 4)]
    elif kind == "hinge":
        y_true = rng.choice([-1.0, 1.0], shape).astype("float32")
    else:
        y_true = rng.uniform(0, 1, shape).astype("float32")
    y_pred = rng.uniform(0.01, 0.99, shape) if kind != "regression" else rng.normal(size=shape)
    return y_true, y_pred.astype("float32")


@covers("losses.CategoricalCrossentropy", "losses.SparseCategoricalCrossentropy",
        "losses.BinaryCrossentropy", "losses.BinaryFocalCrossentropy")
@pytest.mark.parametrize("name, activation", [
    ("CategoricalCrossentropy", "softmax"), ("SparseCategoricalCrossentropy", "softmax"),
    ("BinaryCrossentropy", "sigmoid"), ("BinaryFocalCrossentropy", "sigmoid")])
@given(data=st.data())
def test_a_softmax_or_sigmoid_output_uses_the_logits_as_keras(name, activation, data):
    """y_pred = softmax(logits): both frameworks compute from the logits, even at +-1e4."""
    batch, classes = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 4))
    logits = data.draw(mst.arrays((batch, classes), st.one_of(mst.extreme(1e4), LOGITS),
                                  "float32"), label="logits")
    if name.startswith("Sparse"):
        y_true = data.draw(mst.labels((batch,), classes))
    elif name.startswith("Categorical"):
        y_true = data.draw(mst.one_hot((batch,), classes))
    else:
        y_true = data.draw(mst.arrays((batch, classes), PROBABILITIES, "float32"))
    mk_loss, keras_loss = getattr(mk.losses, name)(), getattr(tf.keras.losses, name)()
    mk_activation = getattr(mk.activations, activation)
    keras_activation = getattr(tf.keras.activations, activation)
    compare_functions(lambda x: mk_loss(y_true, mk_activation(x)),
                      lambda x: keras_loss(y_true, keras_activation(x)), [logits], "reduction",
                      f"losses.{name} of a {activation} output")


@covers("losses.Loss")
@given(data=st.data())
def test_a_subclassed_loss_reduces_as_keras(data):
    """The same user-defined Loss subclass on both sides: Keras's reductions and weights."""
    def make(base, namespace):
        class ScaledLogCosh(base):
            def call(self, y_true, y_pred):
                return 2.0 * namespace.losses.log_cosh(y_true, y_pred)
        return ScaledLogCosh

    y_true, y_pred = _draw_inputs(data, "regression", {}, same_rank=True)
    reduction = data.draw(st.sampled_from(REDUCTIONS), label="reduction")
    mk_loss = make(mk.losses.Loss, mk)(reduction=reduction)
    sample_weight = _draw_sample_weight(data, mk_loss, y_true, y_pred)
    keras_loss = make(keras.losses.Loss, keras)(reduction=reduction)
    compare_functions(lambda p: mk_loss(y_true, p, sample_weight=sample_weight),
                      lambda p: keras_loss(y_true, p, sample_weight=sample_weight), [y_pred],
                      "reduction", f"losses.Loss subclass (reduction={reduction})")


# Non-default options of each class, for the configs.
CONFIGS = {
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1, "axis": 0},
    "BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0},
    "CategoricalCrossentropy": {"label_smoothing": 0.2, "reduction": "sum"},
    "CategoricalFocalCrossentropy": {"alpha": 0.1, "gamma": 1.0, "from_logits": True},
    "SparseCategoricalCrossentropy": {"ignore_class": 0, "reduction": None},
    "Dice": {"axis": -1}, "Tversky": {"alpha": 0.2, "beta": 0.8},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.3}, "MeanSquaredError": {"name": "m"},
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_configs_match_keras_and_load_both_ways(name):
    ours = getattr(mk.losses, name)(**CONFIGS.get(name, {}))
    theirs = getattr(tf.keras.losses, name)(**CONFIGS.get(name, {}))
    actual, expected = mk.losses.serialize(ours), tf.keras.losses.serialize(theirs)
    # Keras drops Huber's delta and CosineSimilarity's axis from its configs; we keep them.
    assert {**actual, "config": expected["config"]} == expected
    assert expected["config"].items() <= actual["config"].items()
    assert mk.losses.deserialize(expected).get_config() == ours.get_config()
    if name != "CategoricalGeneralizedCrossEntropy":  # Keras cannot load its own config of it
        assert tf.keras.losses.deserialize(actual).get_config() == expected["config"]


@pytest.mark.parametrize("name", ["mean_squared_error", "categorical_crossentropy", "huber",
                                  "sparse_categorical_crossentropy", "kl_divergence"])
def test_functions_serialize_as_keras(name):
    expected = keras.losses.serialize(keras.losses.get(name))
    assert mk.losses.serialize(getattr(mk.losses, name)) == expected
    wrapper = mk.losses.deserialize({"class_name": "LossFunctionWrapper", "config": {
        "fn": expected, "name": "w", "reduction": "sum"}})
    assert wrapper.fn is getattr(mk.losses, name) and wrapper.reduction == "sum"


def test_unknown_names_fail_on_both_sides():
    with pytest.raises(ValueError):
        tf.keras.losses.get("not_a_loss")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: unknown loss "
                                         "'not_a_loss'"):
        mk.losses.get("not_a_loss")
    assert_close(mk.losses.get("mse")([1.0, 2.0], np.array([1.5, 2.0], dtype="float32")).numpy(),
                 tf.keras.losses.MeanSquaredError()([1.0, 2.0], [1.5, 2.0]).numpy(),
                 "reduction", what="losses.get('mse')")


KERAS_LOSS_NAMES = sorted(keras.src.losses.ALL_OBJECTS_DICT)
NOT_IN_MINIKERAS = {"CTC", "ctc", "Circle", "circle"}  # a sequence loss, and one to come


@pytest.mark.parametrize("name", [n for n in KERAS_LOSS_NAMES if n not in NOT_IN_MINIKERAS
                                  and n != "LossFunctionWrapper"])  # it needs a function
def test_get_returns_what_keras_returns(name):
    """A function's name gives the per-sample function, a class's name an instance of it."""
    ours, theirs = mk.losses.get(name), keras.losses.get(name)
    if isinstance(theirs, keras.losses.Loss):
        assert type(ours).__name__ == type(theirs).__name__
        return
    # The same per-sample function (its values: test_loss_function_matches_keras).
    assert ours is getattr(mk.losses, theirs.__name__)


def test_every_keras_loss_name_is_known():
    assert set(KERAS_LOSS_NAMES) - set(mk.losses._REGISTRY.names()) <= NOT_IN_MINIKERAS
