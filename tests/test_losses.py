"""Losses: gradients of every loss, Keras's reductions, subclassing, get/serialize, errors, device.

Values against tf.keras are checked in parity_tests/test_losses_parity.py;
here the expectations come from mathematics.
"""

import math
import warnings

import numpy as np
import pytest

import minikeras as mk
from minikeras import backend, losses, ops
from minikeras.autograd import Tensor, gradcheck

RNG = np.random.default_rng(0)
REGRESSION = (RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3)))
POSITIVE = (RNG.uniform(0.1, 0.9, (4, 3)), RNG.uniform(0.1, 0.9, (4, 3)))
ONE_HOT = np.eye(3)[[0, 2, 1, 1]]
DISTRIBUTIONS = RNG.dirichlet(np.ones(3), 4) * 0.9 + 0.03  # inside (epsilon, 1 - epsilon)
BINARY = RNG.integers(0, 2, (4, 3)).astype("float64")
LABELS = np.array([0, 2, 1, 1])
EMBEDDINGS = REGRESSION[0] / np.linalg.norm(REGRESSION[0], axis=1, keepdims=True)  # unit rows

# name: (function, y_true, y_pred, options) -- smooth points, away from kinks and clipping.
FUNCTIONS = {
    "mean_squared_error": (losses.mean_squared_error, *REGRESSION, {}),
    "mean_absolute_error": (losses.mean_absolute_error, *REGRESSION, {}),
    "mean_absolute_percentage_error": (losses.mean_absolute_percentage_error, *REGRESSION, {}),
    "mean_squared_logarithmic_error": (losses.mean_squared_logarithmic_error, *POSITIVE, {}),
    "cosine_similarity": (losses.cosine_similarity, *REGRESSION, {"axis": 0}),
    "huber": (losses.huber, *REGRESSION, {"delta": 0.7}),
    "log_cosh": (losses.log_cosh, *REGRESSION, {}),
    "kl_divergence": (losses.kl_divergence, DISTRIBUTIONS, POSITIVE[1], {}),
    "poisson": (losses.poisson, *POSITIVE, {}),
    "hinge": (losses.hinge, BINARY, REGRESSION[1] * 0.3, {}),
    "squared_hinge": (losses.squared_hinge, BINARY * 2 - 1, REGRESSION[1], {}),
    "categorical_hinge": (losses.categorical_hinge, ONE_HOT, REGRESSION[1], {}),
    "binary_crossentropy": (losses.binary_crossentropy, BINARY, POSITIVE[1],
                            {"label_smoothing": 0.1}),
    "binary_crossentropy (logits)": (losses.binary_crossentropy, POSITIVE[0], REGRESSION[1],
                                     {"from_logits": True, "axis": 0}),
    "binary_focal_crossentropy": (losses.binary_focal_crossentropy, BINARY, POSITIVE[1],
                                  {"apply_class_balancing": True, "gamma": 1.5}),
    "binary_focal_crossentropy (logits)": (losses.binary_focal_crossentropy, BINARY,
                                           REGRESSION[1], {"from_logits": True,
                                                           "label_smoothing": 0.2}),
    "categorical_crossentropy": (losses.categorical_crossentropy, ONE_HOT, POSITIVE[1],
                                 {"label_smoothing": 0.2}),
    "categorical_crossentropy (logits)": (losses.categorical_crossentropy, DISTRIBUTIONS,
                                          REGRESSION[1], {"from_logits": True, "axis": 0}),
    "categorical_focal_crossentropy": (losses.categorical_focal_crossentropy, ONE_HOT,
                                       POSITIVE[1], {"alpha": [0.2, 0.3, 0.5]}),
    "categorical_focal_crossentropy (logits)": (losses.categorical_focal_crossentropy, ONE_HOT,
                                                REGRESSION[1], {"from_logits": True}),
    "sparse_categorical_crossentropy": (losses.sparse_categorical_crossentropy, LABELS,
                                        DISTRIBUTIONS, {}),
    "sparse_categorical_crossentropy (logits)": (losses.sparse_categorical_crossentropy,
                                                 LABELS[:, None], REGRESSION[1],
                                                 {"from_logits": True, "ignore_class": 2}),
    "dice": (losses.dice, BINARY, POSITIVE[1], {}),
    "tversky": (losses.tversky, BINARY, POSITIVE[1], {"alpha": 0.3, "beta": 0.7, "axis": 1}),
    "categorical_generalized_cross_entropy": (losses.categorical_generalized_cross_entropy,
                                              LABELS, DISTRIBUTIONS, {"q": 0.7}),
    "circle": (losses.circle, np.array([0, 1, 0, 1]), EMBEDDINGS, {"gamma": 4.0, "margin": 0.3}),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_loss_function_has_correct_gradients(name):
    fn, y_true, y_pred, options = FUNCTIONS[name]
    gradcheck(lambda p: fn(y_true, p, **options), y_pred)


@pytest.mark.parametrize("name", ["mean_squared_error", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy", "binary_crossentropy",
                                  "huber", "kl_divergence", "categorical_hinge"])
def test_loss_functions_return_one_loss_per_sample(name):
    fn, y_true, y_pred, options = FUNCTIONS[name]
    assert fn(y_true, y_pred, **options).shape == (4,)


def test_known_values_from_the_keras_documentation():
    # The examples of Keras's docstrings.
    mse = losses.MeanSquaredError()(np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.1, 0.8]))
    np.testing.assert_allclose(mse.numpy(), 0.02, rtol=1e-5)
    cce = losses.CategoricalCrossentropy()
    y_true, y_pred = np.array([[0, 1, 0], [0, 0, 1]]), np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    np.testing.assert_allclose(cce(y_true, y_pred).numpy(), 1.177, rtol=1e-3)
    np.testing.assert_allclose(cce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])).numpy(),
                               0.814, rtol=1e-3)
    bce = losses.BinaryCrossentropy(from_logits=True, reduction=None)
    np.testing.assert_allclose(
        bce(np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])).numpy(),
        [0.235, 1.496], rtol=2e-3)


# -- the Loss base: reductions, sample weights, masks ---------------------------------


class Identity(losses.Loss):
    """A loss equal to y_pred, so the reductions can be checked by hand."""

    def call(self, y_true, y_pred):
        return y_pred


VALUES = np.array([1.0, 2.0, 3.0, 4.0], dtype="float32")
WEIGHTS = np.array([1.0, 0.0, 0.5, 2.0], dtype="float32")


@pytest.mark.parametrize("reduction, weights, expected", [
    ("sum_over_batch_size", None, 10.0 / 4),
    ("mean", None, 10.0 / 4),
    ("sum", None, 10.0),
    ("mean_with_sample_weight", None, 10.0 / 4),
    ("none", None, VALUES),
    (None, None, VALUES),
    ("sum_over_batch_size", WEIGHTS, 10.5 / 4),
    ("sum", WEIGHTS, 10.5),
    ("mean_with_sample_weight", WEIGHTS, 10.5 / 3.5),
    ("none", WEIGHTS, VALUES * WEIGHTS),
    ("sum", 2.0, 20.0),
])
def test_reductions_and_sample_weights(reduction, weights, expected):
    result = Identity(reduction=reduction)(np.zeros(4), VALUES, sample_weight=weights)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    assert result.dtype == np.float32


def test_sample_weight_of_shape_batch_by_1_meets_losses_of_shape_batch():
    result = Identity(reduction="sum")(np.zeros(4), VALUES, sample_weight=WEIGHTS[:, None])
    np.testing.assert_allclose(result.numpy(), 10.5)


def test_all_zero_weights_give_zero_not_nan():
    result = Identity(reduction="mean_with_sample_weight")(np.zeros(4), VALUES,
                                                          sample_weight=np.zeros(4))
    assert result.item() == 0.0


def test_a_mask_on_y_pred_averages_over_the_kept_entries():
    y_pred = Tensor(VALUES)
    y_pred._keras_mask = Tensor(np.array([True, False, True, True]))
    np.testing.assert_allclose(Identity()(np.zeros(4), y_pred).numpy(), 8.0 / 3, rtol=1e-6)
    np.testing.assert_allclose(Identity(reduction="sum")(np.zeros(4), y_pred).numpy(), 8.0)


def test_ignore_class_leaves_those_labels_out_of_the_average():
    probabilities = np.array([[0.5, 0.5], [0.25, 0.75], [0.9, 0.1]], dtype="float32")
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    result = loss(np.array([0, -1, 1]), probabilities)
    np.testing.assert_allclose(result.numpy(), (math.log(2) + math.log(10)) / 2, rtol=1e-5)


def test_gradients_flow_to_y_pred_through_a_loss_object():
    y_pred = Tensor(np.array([[0.2, 0.8], [0.6, 0.4]], dtype="float32"), requires_grad=True)
    loss = losses.MeanSquaredError(reduction="sum")(np.array([[0.0, 1.0], [1.0, 0.0]]), y_pred)
    loss.backward()
    np.testing.assert_allclose(y_pred.grad, [[0.2, -0.2], [-0.4, 0.4]], rtol=1e-6)


def test_a_loss_computes_in_its_dtype_and_passes_gradients_back_in_the_inputs():
    y_pred = Tensor(np.array([0.5, 1.5]), requires_grad=True)  # float64
    loss = losses.MeanAbsoluteError()(np.array([1.0, 1.0]), y_pred)
    loss.backward()
    assert loss.dtype == np.float32 and y_pred.grad.dtype == np.float64
    assert losses.MeanAbsoluteError(dtype="float64")(np.ones(2), y_pred).dtype == np.float64


def test_labels_of_shape_batch_meet_predictions_of_shape_batch_by_1():
    y_pred = np.array([[0.9], [0.2], [0.6]], dtype="float32")
    labels = np.array([1.0, 0.0, 1.0])
    loss = losses.BinaryCrossentropy(reduction=None)(labels, y_pred)
    expected = -np.log([0.9, 0.8, 0.6])
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6)


def test_a_softmax_output_meets_the_cross_entropy_through_its_logits():
    logits = Tensor(np.array([[300.0, -300.0, 0.0], [1.0, 2.0, 3.0]], dtype="float32"),
                    requires_grad=True)
    labels = np.array([1, 2])
    from_probabilities = losses.SparseCategoricalCrossentropy()(labels, ops.softmax(logits))
    from_probabilities.backward()
    from_logits = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    np.testing.assert_allclose(from_probabilities.numpy(), from_logits.numpy(), rtol=1e-6)
    assert from_probabilities.item() > 100 and np.isfinite(logits.grad).all()
    np.testing.assert_allclose(logits.grad[0], [0.5, -0.5, 0.0], atol=1e-6)


# -- subclassing, plain functions, get / serialize / deserialize ---------------------


class ScaledSquaredError(losses.Loss):
    """A user's loss, as in the Keras guide: scale * (y_true - y_pred)**2, averaged."""

    def __init__(self, scale=1.0, reduction="sum_over_batch_size", name="scaled_squared_error"):
        super().__init__(name=name, reduction=reduction)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * ops.mean(ops.square(y_true - y_pred), axis=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def my_absolute_error(y_true, y_pred):
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def test_a_subclassed_loss_reduces_weights_and_round_trips():
    loss = ScaledSquaredError(scale=3.0)
    y_true, y_pred = np.zeros((2, 2)), np.array([[1.0, 1.0], [2.0, 0.0]], dtype="float32")
    np.testing.assert_allclose(loss(y_true, y_pred).numpy(), 3.0 * (1.0 + 2.0) / 2)
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=[1.0, 0.0]).numpy(), 1.5)
    config = losses.serialize(loss)
    assert config["class_name"] == "ScaledSquaredError"
    assert config["registered_name"] == "ScaledSquaredError"
    with pytest.raises(ValueError, match="unknown loss 'ScaledSquaredError'"):
        losses.deserialize(config)
    restored = losses.deserialize(config, custom_objects={"ScaledSquaredError":
                                                          ScaledSquaredError})
    assert restored.scale == 3.0 and restored.get_config() == loss.get_config()


def test_a_plain_function_works_wherever_a_loss_does():
    assert losses.get(my_absolute_error) is my_absolute_error  # as Keras: returned as it is
    loss = losses.LossFunctionWrapper(my_absolute_error, name="my_absolute_error")
    result = loss(np.zeros((2, 2)), np.array([[1.0, 3.0], [2.0, 2.0]], dtype="float32"),
                  sample_weight=np.array([1.0, 3.0]))
    np.testing.assert_allclose(result.numpy(), (2.0 + 6.0) / 2)
    config = losses.serialize(loss)
    assert config["config"]["fn"]["config"] == "my_absolute_error"
    restored = losses.deserialize(config, custom_objects={"my_absolute_error":
                                                          my_absolute_error})
    assert restored.fn is my_absolute_error


def test_a_wrapped_builtin_function_keeps_its_options_through_a_round_trip():
    loss = losses.LossFunctionWrapper(losses.huber, name="h", reduction="sum", delta=0.5)
    config = losses.serialize(loss)
    assert config["config"] == {"name": "h", "reduction": "sum", "delta": 0.5,
                                "fn": {"module": "builtins", "class_name": "function",
                                       "config": "huber", "registered_name": "function"}}
    restored = losses.deserialize(config)
    assert restored.fn is losses.huber and restored._fn_kwargs == {"delta": 0.5}


CLASSES = {
    "MeanSquaredError": {}, "MeanAbsoluteError": {"reduction": "sum"},
    "MeanAbsolutePercentageError": {}, "MeanSquaredLogarithmicError": {"name": "m"},
    "CosineSimilarity": {"axis": 0}, "Huber": {"delta": 2.5}, "LogCosh": {},
    "Hinge": {}, "SquaredHinge": {}, "CategoricalHinge": {}, "KLDivergence": {},
    "Poisson": {"reduction": None},
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1, "axis": 0},
    "BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0},
    "CategoricalCrossentropy": {"label_smoothing": 0.2},
    "CategoricalFocalCrossentropy": {"alpha": [0.1, 0.9], "gamma": 1.0, "from_logits": True},
    "SparseCategoricalCrossentropy": {"ignore_class": 0, "reduction": "mean"},
    "Dice": {"axis": (1, 2)}, "Tversky": {"alpha": 0.2, "beta": 0.8},
    "CategoricalGeneralizedCrossEntropy": {"q": 0.3}, "Circle": {"gamma": 16.0, "margin": 0.2},
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_loss_class_round_trips_through_serialize(name):
    loss = getattr(losses, name)(**CLASSES[name])
    config = losses.serialize(loss)
    assert config["module"] == "keras.losses" and config["class_name"] == name
    restored = losses.deserialize(config)
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()
    assert losses.get(config).get_config() == loss.get_config()
    assert type(losses.get(name)) is type(loss)


ALIASES = {
    "mse": "mean_squared_error", "MSE": "mean_squared_error",
    "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
    "kld": "kl_divergence", "KLD": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence", "logcosh": "log_cosh",
    "bce": "binary_crossentropy", "BCE": "binary_crossentropy",
}


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_alias_names_the_same_function(alias):
    assert getattr(losses, alias) is getattr(losses, ALIASES[alias])
    assert losses.get(alias) is getattr(losses, ALIASES[alias])
    assert losses.serialize(getattr(losses, alias))["config"] == ALIASES[alias]
    assert losses.deserialize(alias) is getattr(losses, ALIASES[alias])


def test_get_accepts_none_instances_classes_and_dicts():
    assert losses.get(None) is None
    instance = losses.Huber()
    assert losses.get(instance) is instance
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)
    assert isinstance(losses.get({"class_name": "Poisson", "config": {}}), losses.Poisson)
    assert losses.get({"class_name": "function", "config": "poisson"}) is losses.poisson


# -- errors ---------------------------------------------------------------------------------


def test_unknown_names_list_close_matches():
    with pytest.raises(ValueError, match=r"Could not interpret loss identifier: unknown loss "
                                         r"'mean_squared_eror'.*Did you mean "
                                         r"'mean_squared_error'"):
        losses.get("mean_squared_eror")
    with pytest.raises(ValueError, match="Did you mean 'categorical_crossentropy'"):
        losses.deserialize("categorical_crossentropyy")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 42"):
        losses.get(42)


def test_bad_arguments_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*'sum'"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match=r"q must be in \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="`axis` must be an int"):
        losses.categorical_crossentropy(ONE_HOT, DISTRIBUTIONS, axis=True)


def test_label_errors_name_the_loss_and_say_what_to_do():
    probabilities = np.full((3, 4), 0.25, dtype="float32")
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 4\).*from 0 to 4"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 4, 1]), probabilities)
    with pytest.raises(ValueError, match=r"one-hot target.*\(3, 3\).*\(3, 4\)"):
        losses.CategoricalCrossentropy()(np.eye(3), probabilities)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):  # labels, not one-hot
        losses.CategoricalCrossentropy()(np.array([0, 1, 3]), probabilities)
    with pytest.raises(ValueError, match="categorical_focal_crossentropy: the one-hot target"):
        losses.CategoricalFocalCrossentropy()(np.eye(3), probabilities)


def test_incompatible_shapes_are_refused_before_computing():
    with pytest.raises(ValueError, match=r"mean_squared_error: y_true of shape \(3, 2\) and "
                                         r"y_pred of shape \(3, 4\) cannot be compared"):
        losses.MeanSquaredError()(np.zeros((3, 2)), np.zeros((3, 4), dtype="float32"))
    with pytest.raises(ValueError, match="kl_divergence: y_true of shape"):
        losses.kl_divergence(np.zeros((2, 5)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2,\) does not match the "
                                         r"losses of shape \(3,\)"):
        losses.MeanSquaredError()(np.zeros((3, 2)), np.zeros((3, 2), dtype="float32"),
                                  sample_weight=np.ones(2))


def test_circle_leaves_samples_without_a_positive_out_of_the_mean():
    # Samples 1 and 3 have no other sample of their label: no positive pair, loss 0.
    labels = np.array([0, 1, 0, 2])
    per_sample = losses.circle(labels, EMBEDDINGS).numpy()
    assert per_sample[1] == per_sample[3] == 0.0 and (per_sample[[0, 2]] > 0).all()
    np.testing.assert_allclose(losses.Circle()(labels, EMBEDDINGS).numpy(),
                               per_sample[[0, 2]].mean(), rtol=1e-6)
    with_self = losses.circle(labels, EMBEDDINGS, remove_diagonal=False).numpy()
    assert (with_self > 0).all()  # each sample is its own positive


def test_a_circle_loss_is_its_formula():
    a, b, c = [1.0, 0.0], [0.6, 0.8], [0.0, 1.0]  # a's distances: 0.4 to b, 1.0 to c
    gamma, margin = 2.0, 0.25
    positive = -gamma * max(margin + 0.4, 0) * (margin - 0.4)  # b: a's only positive
    negative = gamma * max(1 + margin - 1.0, 0) * (1 - margin - 1.0)  # c: its only negative
    loss = losses.circle(np.array([3, 3, 4]), np.array([a, b, c]), gamma=gamma, margin=margin)
    np.testing.assert_allclose(loss.numpy()[0], np.log1p(np.exp(positive + negative)),
                               rtol=1e-12)
    assert loss.numpy()[2] == 0.0  # c has no positive


def test_categorical_crossentropy_of_one_class_warns_as_keras():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


# -- the device -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_loss_class_runs_forward_and_backward_on_the_device(device, name):
    loss = getattr(losses, name)()
    _, y_true, y_pred, _ = FUNCTIONS[loss.fn.__name__]
    y_pred = Tensor(backend.to_device(y_pred.astype("float32")), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = loss(y_true, y_pred, sample_weight=np.linspace(0.5, 2.0, 4))
        result.backward()
    assert isinstance(result.data, device.ndarray) and isinstance(y_pred.grad, device.ndarray)
    assert np.isfinite(result.item()) and y_pred.grad.dtype == np.float32


def test_a_loss_runs_inside_a_training_step_on_the_device(device):
    layer = mk.layers.Dense(3, activation="softmax")
    x = backend.to_device(np.random.default_rng(1).standard_normal((5, 4)).astype("float32"))
    loss = losses.get("SparseCategoricalCrossentropy")(np.array([0, 1, 2, 1, 0]), layer(x))
    loss.backward()
    assert all(isinstance(w.grad, device.ndarray) for w in layer.trainable_weights)
