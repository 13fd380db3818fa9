"""Learning-rate schedules against tf.keras: the same rate at hypothesis-drawn steps.

Steps are drawn both anywhere and exactly at the places where a schedule
changes course (staircase edges, boundaries, ends of decay and warmup,
restarts), where a rounding difference would show as a jump.
"""

import keras as tf_keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minikeras as mk
from parity_tests.harness import assert_close, covers

schedules = mk.optimizers.schedules


def unit(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


RATES = unit(1e-4, 1.0)
DECAY_STEPS = st.one_of(st.integers(1, 1000), unit(0.5, 1000.0))


def exponential_decay():
    return st.builds(schedules.ExponentialDecay, RATES, DECAY_STEPS, unit(0.01, 1.5),
                     st.booleans())


def piecewise_constant_decay():
    boundaries = st.lists(st.integers(0, 1000), min_size=1, max_size=4, unique=True).map(sorted)
    return boundaries.flatmap(lambda b: st.builds(
        schedules.PiecewiseConstantDecay, st.just(b),
        st.lists(RATES, min_size=len(b) + 1, max_size=len(b) + 1)))


def polynomial_decay():
    return st.builds(schedules.PolynomialDecay, RATES, DECAY_STEPS, unit(0.0, 1e-2),
                     unit(0.1, 3.0), st.booleans())


def inverse_time_decay():
    return st.builds(schedules.InverseTimeDecay, RATES, DECAY_STEPS, unit(0.0, 2.0),
                     st.booleans())


def cosine_decay():
    return st.builds(schedules.CosineDecay, RATES, DECAY_STEPS, alpha=unit(0.0, 1.0),
                     warmup_target=st.one_of(st.none(), RATES),
                     warmup_steps=st.integers(0, 200))


def cosine_decay_restarts():
    return st.builds(schedules.CosineDecayRestarts, RATES, st.integers(1, 200),
                     t_mul=st.one_of(st.just(1.0), st.just(2.0), unit(1.1, 3.0)),
                     m_mul=unit(0.3, 1.0), alpha=unit(0.0, 0.5))


STRATEGIES = {
    "ExponentialDecay": exponential_decay,
    "PiecewiseConstantDecay": piecewise_constant_decay,
    "PolynomialDecay": polynomial_decay,
    "InverseTimeDecay": inverse_time_decay,
    "CosineDecay": cosine_decay,
    "CosineDecayRestarts": cosine_decay_restarts,
}


def turning_points(schedule):
    """Steps where ``schedule`` changes course, and their neighbours."""
    config = schedule.get_config()
    if "boundaries" in config:
        points = config["boundaries"]
    elif "first_decay_steps" in config:
        period, t = config["first_decay_steps"], config["t_mul"]
        points = [round(period * sum(t ** k for k in range(i))) for i in range(1, 5)]
    else:
        decay = config["decay_steps"]
        warmup = config.get("warmup_steps", 0)
        points = [decay * k for k in (1, 2, 3)] + [warmup, warmup + decay]
    return sorted({max(0, int(p) + d) for p in points for d in (-1, 0, 1)})


@covers(*(f"optimizers.schedules.{name}" for name in STRATEGIES))
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # both give inf
@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(deadline=None)
@given(data=st.data())
def test_schedule_matches_keras(name, data):
    schedule = data.draw(STRATEGIES[name]())
    twin = tf_keras.optimizers.schedules.deserialize(schedules.serialize(schedule))
    steps = data.draw(st.lists(st.integers(0, 5000), min_size=1, max_size=4))
    steps += data.draw(st.lists(st.sampled_from(turning_points(schedule)), max_size=4))
    for step in steps:
        assert_close(float(schedule(step)), float(twin(step)), "elementwise",
                     what=f"schedules.{name} at step {step}")


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_the_optimizer_iterations_variable_is_a_valid_step(name):
    schedule = _example(name)
    twin = tf_keras.optimizers.schedules.deserialize(schedules.serialize(schedule))
    ours = mk.Variable(np.array(37), dtype="int64")
    theirs = tf_keras.Variable(37, dtype="int64")
    assert_close(float(schedule(ours)), float(twin(theirs)), "elementwise",
                 what=f"schedules.{name} at an int64 step")


def _example(name):
    return {
        "ExponentialDecay": schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
        "PiecewiseConstantDecay": schedules.PiecewiseConstantDecay([10.7, 37], [0.3, 0.2, 0.1]),
        "PolynomialDecay": schedules.PolynomialDecay(0.1, 20, cycle=True),
        "InverseTimeDecay": schedules.InverseTimeDecay(0.1, 7, 0.5, staircase=True),
        "CosineDecay": schedules.CosineDecay(0.1, 50, warmup_target=0.2, warmup_steps=20),
        "CosineDecayRestarts": schedules.CosineDecayRestarts(0.1, 12, t_mul=2.0, m_mul=0.5),
    }[name]
