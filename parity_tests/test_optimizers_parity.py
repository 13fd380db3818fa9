"""Optimizers against tf.keras: 20 steps on the same weights and gradients give the same weights.

Each example draws an optimizer's own hyperparameters and the base class's
(learning rate or schedule, weight decay, one kind of clipping, EMA,
gradient accumulation, loss scaling, a constraint, a missing gradient), builds
the tf.keras twin from ``get_config()``, and compares the weights and every
optimizer variable (values, order and names) after each run.
"""

import keras as tf_keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minikeras as mk
from minikeras.runtime import denormals
from minikeras.testing import strategies as mst
from parity_tests.harness import apply_gradient_steps, compare_optimizer_states, covers

STEPS = 20


def unit(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


OWN_ARGUMENTS = {
    "SGD": st.fixed_dictionaries({"momentum": st.one_of(st.just(0.0), unit(0.0, 0.99)),
                                  "nesterov": st.booleans()}),
    "Adam": st.fixed_dictionaries({"beta_1": unit(0.5, 0.99), "beta_2": unit(0.9, 0.9999),
                                   "epsilon": unit(1e-8, 1e-3), "amsgrad": st.booleans()}),
    "AdamW": st.fixed_dictionaries({"weight_decay": unit(0.0, 0.1), "beta_1": unit(0.5, 0.99),
                                    "beta_2": unit(0.9, 0.9999), "epsilon": unit(1e-8, 1e-3),
                                    "amsgrad": st.booleans()}),
    "RMSprop": st.fixed_dictionaries({"rho": unit(0.5, 0.99),
                                      "momentum": st.one_of(st.just(0.0), unit(0.0, 0.9)),
                                      "epsilon": unit(1e-8, 1e-3), "centered": st.booleans()}),
    "Adagrad": st.fixed_dictionaries({"initial_accumulator_value": unit(0.0, 1.0),
                                      "epsilon": unit(1e-8, 1e-3)}),
    "Adamax": st.fixed_dictionaries({"beta_1": unit(0.5, 0.99), "beta_2": unit(0.9, 0.9999),
                                     "epsilon": unit(1e-8, 1e-3)}),
    "Nadam": st.fixed_dictionaries({"beta_1": unit(0.5, 0.99), "beta_2": unit(0.9, 0.9999),
                                    "epsilon": unit(1e-8, 1e-3)}),
    "Adadelta": st.fixed_dictionaries({"rho": unit(0.5, 0.99), "epsilon": unit(1e-8, 1e-3)}),
}

SCHEDULES = st.one_of(
    st.builds(mk.optimizers.schedules.ExponentialDecay, unit(1e-3, 0.3),
              st.integers(1, 10), unit(0.3, 1.0), st.booleans()),
    st.builds(mk.optimizers.schedules.CosineDecay, unit(1e-3, 0.3), st.integers(1, 30),
              alpha=unit(0.0, 0.5)),
)


@st.composite
def base_arguments(draw):
    """The Optimizer base class's arguments: learning rate, decay, clipping, EMA, ..."""
    clipping = draw(st.sampled_from([None, "clipnorm", "clipvalue", "global_clipnorm"]))
    arguments = {
        "learning_rate": draw(st.one_of(unit(1e-4, 0.3), SCHEDULES)),
        "weight_decay": draw(st.one_of(st.none(), unit(0.0, 0.1))),
        "use_ema": draw(st.booleans()),
        "ema_momentum": draw(unit(0.5, 0.999)),
        "ema_overwrite_frequency": draw(st.one_of(st.none(), st.integers(1, 5))),
        "gradient_accumulation_steps": draw(st.one_of(st.none(), st.integers(2, 3))),
        "loss_scale_factor": draw(st.one_of(st.none(), st.sampled_from([0.5, 128.0]))),
    }
    if clipping is not None:
        arguments[clipping] = draw(unit(0.01, 2.0))
    return arguments


@st.composite
def problems(draw):
    """Initial weights and a sequence of STEPS gradients for them (a None now and then)."""
    shapes = draw(st.lists(mst.shapes(min_dims=1, max_dims=2, max_side=4), min_size=1,
                           max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1e-3, 1.0, 30.0]))
    weights = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [[(scale * rng.standard_normal(s)).astype("float32") for s in shapes]
             for _ in range(STEPS)]
    if len(shapes) > 1 and draw(st.booleans()):
        grads[3][0] = None  # no gradient for the first weight at one step
    return weights, grads


def keras_twin(optimizer):
    """The tf.keras optimizer of the same class, built from our config (as saving does)."""
    return tf_keras.optimizers.deserialize(mk.optimizers.serialize(optimizer))


def constraints(constrain):
    """A non-negativity constraint for the first weight, in minikeras and in tf.keras (or None)."""
    if not constrain:
        return None, None
    return mk.constraints.NonNeg(), tf_keras.constraints.NonNeg()


@covers("optimizers.Optimizer", *(f"optimizers.{name}" for name in OWN_ARGUMENTS))
@pytest.mark.filterwarnings("ignore:Gradients do not exist for variables")
@pytest.mark.parametrize("name", sorted(OWN_ARGUMENTS))
@settings(deadline=None)
@given(data=st.data())
def test_twenty_steps_match_keras(name, data):
    arguments = {**data.draw(base_arguments()), **data.draw(OWN_ARGUMENTS[name])}
    weights, grads = data.draw(problems())
    constrain = data.draw(st.booleans())
    optimizer = getattr(mk.optimizers, name)(**arguments)
    twin = keras_twin(optimizer)
    our_constraint, their_constraint = constraints(constrain)
    mk_variables = apply_gradient_steps(optimizer, weights, grads, our_constraint)
    tf_variables = apply_gradient_steps(twin, weights, grads, their_constraint)
    compare_optimizer_states(f"optimizers.{name}", optimizer, mk_variables, twin, tf_variables)
    if optimizer.use_ema:
        optimizer.finalize_variable_values(mk_variables)
        twin.finalize_variable_values(tf_variables)
        compare_optimizer_states(f"optimizers.{name} (EMA)", optimizer, mk_variables, twin,
                                 tf_variables)


@covers("optimizers.schedules.LearningRateSchedule")
def test_a_custom_schedule_drives_the_optimizer_as_in_keras():
    def halving(base):
        class Halving(base):
            def __call__(self, step):
                return 0.1 * 0.5 ** (int(step) // 3)

            def get_config(self):
                return {}

        return Halving()

    weights, grads = _fixed_problem()
    optimizer = mk.optimizers.Adam(halving(mk.optimizers.schedules.LearningRateSchedule))
    twin = tf_keras.optimizers.Adam(halving(tf_keras.optimizers.schedules.LearningRateSchedule))
    mk_variables = apply_gradient_steps(optimizer, weights, grads)
    tf_variables = apply_gradient_steps(twin, weights, grads)
    compare_optimizer_states("optimizers.schedules.LearningRateSchedule (custom, in Adam)",
                             optimizer, mk_variables, twin, tf_variables)


@pytest.mark.skipif(denormals.MODE_FUNCTIONS is None,
                    reason="minikeras flushes denormals on Linux x86-64 only")
def test_a_moment_decaying_to_zero_stops_where_keras_stops():
    """TensorFlow computes with denormal numbers as zeros, so once Adam's decay step
    0.1 m of a weight without gradient is denormal, m stops at a small normal number.
    minikeras's update must stop at the same one, to the bit."""
    weights = [np.ones(4, np.float32)]
    grads = [[np.full(4, 1e-3, np.float32)]] + [[np.zeros(4, np.float32)]] * 800
    optimizer = mk.optimizers.Adam()
    twin = keras_twin(optimizer)
    apply_gradient_steps(optimizer, weights, grads)
    apply_gradient_steps(twin, weights, grads)
    for ours, theirs in zip(optimizer.variables, twin.variables, strict=True):
        if ours.name.endswith(("momentum", "velocity")):
            np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs), err_msg=ours.name)


def _fixed_problem():
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal((3, 2)).astype("float32")]
    return weights, [[rng.standard_normal((3, 2)).astype("float32")] for _ in range(STEPS)]


@pytest.mark.parametrize("name", sorted(OWN_ARGUMENTS))
def test_get_gives_keras_defaults(name):
    ours = mk.optimizers.get(name.lower()).get_config()
    theirs = tf_keras.optimizers.get(name.lower()).get_config()
    for config in (ours, theirs):
        del config["name"]
    assert ours == theirs
