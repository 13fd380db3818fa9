"""Optimizers: they minimise, their state saves and restores exactly, and they run on the device.

The update formulas themselves are compared with tf.keras in
parity_tests/test_optimizers_parity.py; here are behaviours and errors.
"""

import math

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend, ops, optimizers
from minikeras.autograd import Tensor
from minikeras.optimizers import optimizer as optimizer_module

# An optimizer per rule and variant, with a learning rate that suits the small problems below.
CONFIGS = {
    "sgd": lambda: optimizers.SGD(0.05),
    "sgd_momentum": lambda: optimizers.SGD(0.02, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(0.02, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(0.05),
    "adam_amsgrad": lambda: optimizers.Adam(0.05, amsgrad=True),
    "adamw": lambda: optimizers.AdamW(0.05, weight_decay=0.001),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: optimizers.RMSprop(0.005, momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(0.3),
    "adamax": lambda: optimizers.Adamax(0.1),
    "nadam": lambda: optimizers.Nadam(0.05),
    "adadelta": lambda: optimizers.Adadelta(10.0),
}


def least_squares_problem(seed=0):
    """A (20, 5), b (20,): minimise mean((A w - b)**2); returns A, b and the minimum loss."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((20, 5)).astype("float32")
    b = rng.standard_normal(20).astype("float32")
    solution = np.linalg.lstsq(a.astype("float64"), b.astype("float64"), rcond=None)[0]
    return a, b, float(np.mean((a @ solution - b) ** 2))


def train(optimizer, loss_fn, variables, steps):
    """The hand-written loop: forward, backward, apply_gradients. Returns the final loss."""
    for _ in range(steps):
        for v in variables:
            v.grad = None
        loss_fn().backward()
        optimizer.apply_gradients([(v.grad, v) for v in variables])
    return float(loss_fn())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_each_optimizer_minimises_a_convex_problem(name):
    a, b, minimum = least_squares_problem()
    w = keras.Variable(np.zeros(5, dtype="float32"), name="w")

    def loss_fn():
        return ops.mean(ops.square(ops.matmul(a, w) - b))

    start = float(loss_fn())
    final = train(CONFIGS[name](), loss_fn, [w], steps=300)
    assert final - minimum < 0.05 * (start - minimum)


def two_layer_network(seed):
    """A Dense-tanh-Dense regression of y = sin(x0) * x1 on 64 fixed points, initial weights
    drawn from ``seed``; returns (weights, loss_fn)."""
    keras.utils.set_random_seed(seed)
    x = np.random.default_rng(0).uniform(-2, 2, (64, 2)).astype("float32")
    y = (np.sin(x[:, :1]) * x[:, 1:]).astype("float32")
    hidden = keras.layers.Dense(16, activation="tanh")
    output = keras.layers.Dense(1)
    output(hidden(x))

    def loss_fn():
        return ops.mean(ops.square(output(hidden(x)) - y))

    return hidden.weights + output.weights, loss_fn


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_each_optimizer_trains_a_small_network(name):
    weights, loss_fn = two_layer_network(seed=1)
    start = float(loss_fn())
    final = train(CONFIGS[name](), loss_fn, weights, steps=200)
    assert final < 0.3 * start


STATEFUL_CONFIGS = {
    **CONFIGS,
    "adam_ema_accumulation": lambda: optimizers.Adam(
        0.05, use_ema=True, ema_overwrite_frequency=4, gradient_accumulation_steps=2),
    "sgd_schedule_clipnorm": lambda: optimizers.SGD(
        optimizers.schedules.ExponentialDecay(0.1, 3, 0.5), momentum=0.5, clipnorm=0.5),
    "adamax_global_clipnorm": lambda: optimizers.Adamax(0.05, global_clipnorm=0.5),
    "adagrad_clipvalue_loss_scale": lambda: optimizers.Adagrad(
        0.1, clipvalue=0.05, loss_scale_factor=4.0),
}


def snapshot(variables):
    """Copies of the variables' values (``numpy()`` may share memory with a NumPy variable)."""
    return [np.array(v.numpy()) for v in variables]


@pytest.mark.parametrize("name", sorted(STATEFUL_CONFIGS))
def test_saved_state_resumes_exactly_like_an_uninterrupted_run(name):
    weights, loss_fn = two_layer_network(seed=2)
    optimizer = STATEFUL_CONFIGS[name]()
    train(optimizer, loss_fn, weights, steps=7)
    saved_weights = snapshot(weights)
    saved_state = snapshot(optimizer.variables)
    train(optimizer, loss_fn, weights, steps=6)
    uninterrupted = snapshot(weights)

    resumed_weights, resumed_loss_fn = two_layer_network(seed=3)  # other initial weights
    for w, value in zip(resumed_weights, saved_weights, strict=True):
        w.assign(value)
    resumed = optimizers.deserialize(optimizers.serialize(optimizer))
    resumed.build(resumed_weights)
    resumed.set_weights(saved_state)
    train(resumed, resumed_loss_fn, resumed_weights, steps=6)
    for a, b in zip(uninterrupted, resumed_weights, strict=True):
        np.testing.assert_array_equal(a, b.numpy())
    assert int(resumed.iterations) == int(optimizer.iterations)


def test_variables_are_listed_in_keras_order_with_keras_names():
    layer = keras.layers.Dense(2, name="dense")
    layer.build((None, 3))
    optimizer = optimizers.Adam(amsgrad=True, use_ema=True, name="adam")
    optimizer.build(layer.trainable_weights)
    # What tf.keras 3 lists for the same optimizer (printed from keras.optimizers.Adam).
    assert [v.path for v in optimizer.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/dense_kernel_average", "adam/dense_bias_average",
        "adam/dense_kernel_momentum", "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum", "adam/dense_bias_velocity",
        "adam/dense_kernel_velocity_hat", "adam/dense_bias_velocity_hat",
    ]
    assert optimizer.variables[0].dtype == np.int64
    assert all(not v.trainable for v in optimizer.variables)


def test_a_schedule_is_not_a_variable_and_reads_the_iterations():
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    optimizer = optimizers.SGD(schedule)
    w = keras.Variable(np.zeros(2, dtype="float32"))
    assert float(optimizer.learning_rate) == pytest.approx(0.1)
    optimizer.apply([np.ones(2, dtype="float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-0.1, -0.1], rtol=1e-6)
    assert float(optimizer.learning_rate) == pytest.approx(0.05)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    with pytest.raises(TypeError, match="learning rate is not settable.*create SGD with a "
                                        "float `learning_rate` .it has a ExponentialDecay"):
        optimizer.learning_rate = 0.01
    optimizer = optimizers.SGD(lambda: 0.1)
    with pytest.raises(TypeError, match="created with a callable as its `learning_rate`"):
        optimizer.learning_rate = 0.01


def test_the_learning_rate_can_be_set_between_steps_as_callbacks_do():
    optimizer = optimizers.SGD(0.01)
    w = keras.Variable(np.zeros(1, dtype="float32"))
    optimizer.apply([np.ones(1, dtype="float32")], [w])
    optimizer.learning_rate = 0.01 * 0.6 ** 3
    assert float(optimizer.learning_rate) == pytest.approx(0.00216)
    optimizer.apply([np.ones(1, dtype="float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-0.01216], rtol=1e-6)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.00216)


def test_the_learning_rate_is_a_variable_as_in_keras():
    optimizer = optimizers.Adam(0.01)
    rate = optimizer.learning_rate
    assert isinstance(rate, keras.Variable) and rate is optimizer.variables[1]
    assert rate.path == f"{optimizer.name}/learning_rate" and rate.dtype == np.float32
    assert float(rate) == pytest.approx(0.01) and rate.numpy() == np.float32(0.01)
    assert keras.ops.convert_to_numpy(rate) == np.float32(0.01)
    assert rate.value.numpy() == np.float32(0.01)
    rate.assign(0.5)  # as a user's callback does
    assert float(optimizer.learning_rate) == 0.5
    optimizer.learning_rate = rate * 0.1  # a scalar Tensor
    assert float(optimizer.learning_rate) == pytest.approx(0.05)
    assert optimizer.learning_rate is rate  # assigned in place: the same Variable
    with pytest.raises(ValueError, match="Received: learning_rate='fast'"):
        optimizer.learning_rate = "fast"
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    optimizer.learning_rate = schedule
    assert all(v is not rate for v in optimizer.variables)  # no longer the optimizer's
    assert float(optimizer.learning_rate) == pytest.approx(0.1)


def test_an_assignment_to_the_learning_rate_variable_reaches_the_next_step():
    optimizer = optimizers.SGD(1.0)
    w = keras.Variable(np.zeros(1, dtype="float32"))
    optimizer.apply([np.ones(1, dtype="float32")], [w])
    optimizer.learning_rate.assign(0.25)
    optimizer.apply([np.ones(1, dtype="float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-1.25])


def test_a_callable_learning_rate_is_called_at_each_step():
    rates = iter([0.5, 0.25])
    optimizer = optimizers.SGD(lambda: next(rates))
    w = keras.Variable(np.zeros(1, dtype="float32"))
    for _ in range(2):
        optimizer.apply([np.ones(1, dtype="float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-0.75])


def test_iterations_count_steps_and_updates_with_accumulation():
    optimizer = optimizers.SGD(1.0, gradient_accumulation_steps=2)
    w = keras.Variable(np.zeros(1, dtype="float32"))
    seen = []
    for g in (1.0, 3.0, 5.0, 7.0):
        optimizer.apply([np.array([g], dtype="float32")], [w])
        seen.append(float(w.numpy()[0]))
    assert seen == [0.0, -2.0, -2.0, -8.0]  # the mean of each pair of gradients
    assert int(optimizer.iterations) == 2
    assert int(optimizer.variables[0]) == 4


def test_moving_averages_follow_the_ema_formula_and_finalize_writes_them():
    optimizer = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    w = keras.Variable(np.zeros(1, dtype="float32"))
    for _ in range(3):
        optimizer.apply([np.ones(1, dtype="float32")], [w])
    # weights -1, -2, -3; the average starts at the first: -1, then -1.5, -2.25.
    assert float(w.numpy()[0]) == -3.0
    optimizer.finalize_variable_values([w])
    assert float(w.numpy()[0]) == -2.25


def test_weight_decay_shrinks_weights_unless_excluded():
    optimizer = optimizers.SGD(0.5, weight_decay=0.1)
    kernel = keras.Variable(np.ones(2, dtype="float32"), name="kernel")
    bias = keras.Variable(np.ones(2, dtype="float32"), name="bias")
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    zero = np.zeros(2, dtype="float32")
    optimizer.apply([zero, zero], [kernel, bias])
    np.testing.assert_allclose(kernel.numpy(), [0.95, 0.95])
    np.testing.assert_array_equal(bias.numpy(), [1.0, 1.0])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["kernel"])


def test_constraints_apply_after_the_update():
    w = keras.Variable(np.array([0.5, -0.5], dtype="float32"))
    w.constraint = lambda v: ops.maximum(v, 0.0)
    optimizers.SGD(1.0).apply([np.array([1.0, -1.0], dtype="float32")], [w])
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.5])


@pytest.mark.parametrize("clipping", [{}, {"clipnorm": 0.1}, {"global_clipnorm": 0.1},
                                      {"clipvalue": 0.1}, {"loss_scale_factor": 8.0}])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_gradients_are_never_modified(name, clipping):
    optimizer = CONFIGS[name]()
    for key, value in clipping.items():
        setattr(optimizer, key, value)
    shared = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    before = shared.copy()
    weights = [keras.Variable(np.ones((2, 3), dtype="float32")) for _ in range(2)]
    for _ in range(2):
        optimizer.apply([shared, shared], weights)  # one array, two weights
    np.testing.assert_array_equal(shared, before)


def test_clipping_rescales_as_documented():
    gradient = np.array([3.0, 4.0], dtype="float32")  # norm 5
    for kwargs, expected in [({"clipnorm": 1.0}, [-0.6, -0.8]),
                             ({"global_clipnorm": 1.0}, [-0.6, -0.8]),
                             ({"clipvalue": 3.5}, [-3.0, -3.5]),
                             ({"clipnorm": 10.0}, [-3.0, -4.0])]:
        w = keras.Variable(np.zeros(2, dtype="float32"))
        optimizers.SGD(1.0, **kwargs).apply([gradient], [w])
        np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6)


def test_global_clipnorm_uses_the_norm_of_all_gradients_together():
    weights = [keras.Variable(np.zeros(1, dtype="float32")) for _ in range(2)]
    grads = [np.array([3.0], dtype="float32"), np.array([4.0], dtype="float32")]
    optimizers.SGD(1.0, global_clipnorm=1.0).apply(grads, weights)
    np.testing.assert_allclose([w.numpy()[0] for w in weights], [-0.6, -0.8], rtol=1e-6)


def test_gradients_may_be_tensors_lists_or_none():
    a = keras.Variable(np.zeros(2, dtype="float32"), name="a")
    b = keras.Variable(np.zeros(2, dtype="float32"), name="b")
    optimizer = optimizers.SGD(1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        optimizer.apply_gradients([(Tensor(np.ones(2, dtype="float32")), a), (None, b)])
    optimizer.apply([[1.0, 2.0], np.ones(2, dtype="float32")])  # the built variables, in order
    np.testing.assert_array_equal(a.numpy(), [-2.0, -3.0])
    np.testing.assert_array_equal(b.numpy(), [-1.0, -1.0])


def test_float64_weights_keep_float64_slots_and_updates():
    w = keras.Variable(np.zeros(3), dtype="float64")
    optimizer = optimizers.Adam(0.5)
    optimizer.apply([np.full(3, 1e-3)], [w])
    assert w.dtype == np.float64
    assert all(v.dtype == np.float64 for v in optimizer.variables[2:])
    # Step 1: m = 0.1 g, v = 0.001 g**2, so w = -0.5 sqrt(0.001) g / (sqrt(0.001) g + epsilon).
    root = np.sqrt(0.001) * 1e-3
    np.testing.assert_allclose(w.numpy(), np.full(3, -0.5 * root / (root + 1e-7)), rtol=1e-12)


@pytest.mark.parametrize("name", ["adam_amsgrad", "rmsprop_centered_momentum", "nadam"])
def test_updates_in_blocks_equal_updates_of_whole_arrays(name, monkeypatch):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 70_001)).astype("float32")  # several blocks and a remainder
    grads = [rng.standard_normal(start.shape).astype("float32") for _ in range(3)]

    def run():
        w = keras.Variable(start)
        optimizer = CONFIGS[name]()
        for g in grads:
            optimizer.apply([g], [w])
        return w.numpy()

    blocked = run()
    monkeypatch.setattr(optimizer_module, "_BLOCK_SIZE", 10**9)
    np.testing.assert_array_equal(blocked, run())


def test_get_serialize_and_deserialize_use_keras_names_and_defaults():
    adam = optimizers.get("adam")
    assert isinstance(adam, optimizers.Adam) and float(adam.learning_rate) == pytest.approx(0.001)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert float(optimizers.get("sgd").learning_rate) == pytest.approx(0.01)
    assert optimizers.get(adam) is adam
    config = optimizers.serialize(optimizers.Nadam(0.02, beta_1=0.8, clipnorm=1.0))
    assert config["class_name"] == "Nadam" and config["module"] == "keras.optimizers"
    clone = optimizers.deserialize(config)
    assert isinstance(clone, optimizers.Nadam)
    assert clone.get_config() == {**config["config"], "name": clone.name}
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer"):
        optimizers.get(42)


def test_a_schedule_inside_an_optimizer_config_round_trips():
    schedule = optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10)
    config = optimizers.Adam(schedule).get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    rebuilt = optimizers.Adam.from_config(config)
    assert rebuilt.get_config()["learning_rate"] == config["learning_rate"]


def test_custom_optimizers_subclass_the_base_and_deserialize_by_name():
    class SignDescent(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            variable.assign_sub(learning_rate * backend.get_array_module(gradient).sign(gradient))

    w = keras.Variable(np.zeros(2, dtype="float32"))
    optimizer = SignDescent()
    optimizer.apply([np.array([2.0, -3.0], dtype="float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-0.1, 0.1])
    clone = optimizers.deserialize(optimizers.serialize(optimizer),
                                   custom_objects={"SignDescent": SignDescent})
    assert isinstance(clone, SignDescent)


@pytest.mark.parametrize("make, match", [
    (lambda: optimizers.SGD("fast"), "learning_rate"),
    (lambda: optimizers.SGD(momentum=1.5), "momentum"),
    (lambda: optimizers.Adam(clipnorm=1.0, clipvalue=1.0), "Only one of"),
    (lambda: optimizers.AdamW(weight_decay=None), "weight_decay"),
    (lambda: optimizers.Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: optimizers.Adam(use_ema=True, ema_momentum=2.0), "ema_momentum"),
    (lambda: optimizers.Adam(beta=0.9), "not recognized"),
])
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_gradients_raise_before_anything_changes():
    a = keras.Variable(np.zeros(2, dtype="float32"), name="a")
    b = keras.Variable(np.zeros(3, dtype="float32"), name="b")
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match="shape"):
        optimizer.apply([np.ones(2, dtype="float32"), np.ones(2, dtype="float32")], [a, b])
    np.testing.assert_array_equal(a.numpy(), [0.0, 0.0])
    assert int(optimizer.iterations) == 0
    with pytest.raises(ValueError, match="No gradients provided"):
        optimizer.apply([None, None], [a, b])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply([np.ones(1, dtype="float32")], [keras.Variable(np.zeros(1))])
    with pytest.raises(ValueError, match="before it was built"):
        optimizers.SGD().apply([np.ones(2, dtype="float32")])


@pytest.mark.parametrize("name", sorted(STATEFUL_CONFIGS))
def test_each_optimizer_runs_on_the_device_as_on_numpy(device, name):
    on_device, optimizer = _three_steps(name)
    assert all(isinstance(v.data, device.ndarray) for v in optimizer.variables)
    on_device += snapshot(optimizer.variables)
    backend.set_backend("numpy")
    on_host, optimizer = _three_steps(name)
    on_host += snapshot(optimizer.variables)
    for a, b in zip(on_device, on_host, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def _three_steps(name):
    """Three steps on a kernel and a bias; (their values as NumPy arrays, the optimizer)."""
    rng = np.random.default_rng(0)
    weights = [keras.Variable(rng.standard_normal((3, 4)).astype("float32"), name="kernel"),
               keras.Variable(rng.standard_normal(4).astype("float32"), name="bias")]
    optimizer = STATEFUL_CONFIGS[name]()
    optimizer.weight_decay = 0.01
    for _ in range(3):
        grads = [backend.to_device(rng.standard_normal(w.shape).astype("float32"))
                 for w in weights]
        optimizer.apply_gradients(zip(grads, weights, strict=True))
    return snapshot(weights), optimizer


def test_a_step_sees_iterations_and_learning_rate_assigned_between_steps():
    """The optimizer keeps both on the host between its own steps (reading them from a
    GPU would wait for it); an assignment from outside must still reach the next step."""
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7
    w = keras.Variable(np.zeros(1, dtype="float32"))
    optimizer = optimizers.Adam(0.1, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    optimizer.apply([np.ones(1, dtype="float32")], [w])  # step t = 1
    optimizer.iterations.assign(99)
    optimizer.learning_rate = 0.5
    optimizer.apply([np.ones(1, dtype="float32")], [w])  # step t = 100

    def alpha(rate, t):
        return rate * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)

    m1, v1 = 1 - beta_1, 1 - beta_2
    m2, v2 = m1 + (1 - m1) * (1 - beta_1), v1 + (1 - v1) * (1 - beta_2)
    expected = (-alpha(0.1, 1) * m1 / (math.sqrt(v1) + epsilon)
                - alpha(0.5, 100) * m2 / (math.sqrt(v2) + epsilon))
    np.testing.assert_allclose(w.numpy(), [expected], rtol=1e-5)
    assert int(optimizer.iterations) == 100
