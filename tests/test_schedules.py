"""Learning-rate schedules: values from their formulas, configs, serialization and errors.

Keras's values at hypothesis-drawn steps are compared in
parity_tests/test_schedules_parity.py.
"""

import math

import numpy as np
import pytest

import minikeras as keras
from minikeras.optimizers import schedules


def rate(schedule, step):
    return float(schedule(step))


def test_exponential_decay_is_continuous_or_a_staircase():
    smooth = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert rate(smooth, 0) == pytest.approx(0.1)
    assert rate(smooth, 15) == pytest.approx(0.1 * 0.5 ** 1.5)
    assert rate(stairs, 15) == pytest.approx(0.05)
    assert rate(stairs, 20) == pytest.approx(0.025)


def test_piecewise_constant_decay_includes_each_boundary_in_the_interval_before_it():
    schedule = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    rates = [rate(schedule, s) for s in (0, 10, 11, 20, 21, 1000)]
    assert rates == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.1, 0.1])


def test_polynomial_decay_reaches_the_end_rate_or_cycles():
    schedule = schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.1, power=2.0)
    assert rate(schedule, 5) == pytest.approx(0.9 * 0.25 + 0.1)
    assert rate(schedule, 50) == pytest.approx(0.1)
    cycling = schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0, cycle=True)
    assert rate(cycling, 15) == pytest.approx(1 - 15 / 20)  # the second cycle lasts 20 steps
    assert rate(cycling, 0) == pytest.approx(1.0)


def test_inverse_time_decay():
    schedule = schedules.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5)
    assert rate(schedule, 7) == pytest.approx(0.1 / (1 + 0.5 * 7 / 5))
    stairs = schedules.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5, staircase=True)
    assert rate(stairs, 7) == pytest.approx(0.1 / 1.5)


def test_cosine_decay_with_and_without_warmup():
    schedule = schedules.CosineDecay(1.0, decay_steps=100, alpha=0.1)
    assert rate(schedule, 50) == pytest.approx(0.9 * 0.5 + 0.1)
    assert rate(schedule, 500) == pytest.approx(0.1)
    warm = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=1.0, warmup_steps=10)
    assert rate(warm, 5) == pytest.approx(0.5)
    assert rate(warm, 10) == pytest.approx(1.0)
    assert rate(warm, 60) == pytest.approx(0.5, abs=1e-6)


def test_cosine_decay_restarts_lengthens_and_lowers_each_period():
    schedule = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    assert rate(schedule, 5) == pytest.approx(0.5)
    assert rate(schedule, 10) == pytest.approx(0.5)  # the second period starts at 0.5
    assert rate(schedule, 20) == pytest.approx(0.5 * 0.5)  # halfway through 20 steps
    assert rate(schedule, 30) == pytest.approx(0.25)  # the third starts at 0.25
    constant = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=1.0)
    assert rate(constant, 25) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))


def test_an_array_of_steps_gives_an_array_of_rates():
    schedule = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    np.testing.assert_allclose(schedule(np.arange(4)).numpy(), [1.0, 0.5, 0.25, 0.125])
    warm = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=2)
    np.testing.assert_allclose(warm(np.array([0, 1, 2, 12])).numpy(), [0.0, 0.5, 1.0, 0.0],
                               atol=1e-7)


def test_the_step_may_be_a_variable_and_the_rate_is_floatx():
    step = keras.Variable(np.array(3), dtype="int64")
    value = schedules.InverseTimeDecay(0.3, 1, 1.0)(step)
    assert value.dtype == np.float32
    assert float(value) == pytest.approx(0.075)


ALL_SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.PiecewiseConstantDecay([5, 10], [0.3, 0.2, 0.1]),
    schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.01, power=0.5, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5),
    schedules.CosineDecayRestarts(0.1, 20, t_mul=1.5, m_mul=0.8, alpha=0.01),
]


@pytest.mark.parametrize("schedule", ALL_SCHEDULES, ids=lambda s: type(s).__name__)
def test_configs_and_serialization_round_trip(schedule):
    config = schedules.serialize(schedule)
    assert config["module"] == "keras.optimizers.schedules"
    assert config["class_name"] == type(schedule).__name__
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    for step in (0, 7, 33, 150):
        assert rate(clone, step) == rate(schedule, step)


def test_custom_schedules_subclass_the_base():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, start):
            self.start = start

        def __call__(self, step):
            return self.start / 2 ** int(step)

        def get_config(self):
            return {"start": self.start}

    config = schedules.serialize(Halving(1.0))
    clone = schedules.deserialize(config, custom_objects={"Halving": Halving})
    assert rate(clone, 3) == 0.125
    optimizer = keras.optimizers.SGD(Halving(1.0))
    w = keras.Variable(np.zeros(1, dtype="float32"))
    for _ in range(3):
        optimizer.apply([np.ones(1, dtype="float32")], [w])
    assert float(w.numpy()[0]) == -1.75
    with pytest.raises(NotImplementedError, match="must override"):
        schedules.LearningRateSchedule()(0)


@pytest.mark.parametrize("make, match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: schedules.PolynomialDecay(0.1, -1), "decay_steps"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), "1 less than"),
])
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_schedule_names_suggest_close_ones():
    with pytest.raises(ValueError, match="Did you mean 'CosineDecay'"):
        schedules.deserialize({"class_name": "CosineDecai", "config": {}})
