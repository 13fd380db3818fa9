"""The device work of a training step, held to a budget on the strict stand-in.

On a GPU a small model's step costs what the host spends launching kernels
(tens of microseconds each) and waiting for the device (a read on the host
waits for every kernel queued before it). The stand-in counts both (see
``strict_cupy.counting``), so these budgets catch a step that launches too
much, reads back, copies scalars to the device or allocates in the
optimizer, on a machine without a GPU. The models are the benchmark's.
"""

import numpy as np
import pytest

import minikeras as keras
from benchmarks.models import build_model
from minikeras import backend
from minikeras.testing import strict_cupy
from minikeras.testing.device_work import StepCounter, most_per_step

BATCH = 8


@pytest.fixture
def stand_in():
    backend.set_backend("cupy", module=strict_cupy)
    backend.set_seed(0)


def _mnist_like(model_name, batches, seed=0):
    rng = np.random.default_rng(seed)
    shape = (784,) if model_name == "mlp" else (28, 28, 1)
    x = rng.random((BATCH * batches, *shape), dtype=np.float32)
    return x, rng.integers(0, 10, BATCH * batches)


def _trained(model_name):
    """The model after one fit (which checks the data with a dry run and builds the optimizer)."""
    model = build_model(keras, model_name)
    model.fit(*_mnist_like(model_name, 1), batch_size=BATCH, epochs=1, verbose=0)
    return model


def test_a_fit_step_neither_reads_the_device_nor_copies_scalars_to_it(stand_in):
    model = _trained("mlp")
    counter = StepCounter(sites=True)
    model.fit(*_mnist_like("mlp", 5), batch_size=BATCH, epochs=1, verbose=0,
              callbacks=[counter])
    most = most_per_step(counter.steady_steps())
    step = counter.steady_steps()[0]
    assert most["host_reads"] == 0, step.report("host_reads")
    assert most["scalar_host_to_device"] == 0, step.report("scalar_host_to_device")
    assert most["host_to_device"] == 2, step.report("host_to_device")  # the batch's x and y


@pytest.mark.parametrize("epochs", [1, 3])
def test_fit_reads_the_device_once_per_epoch(stand_in, epochs):
    model = _trained("mlp")
    with strict_cupy.counting(sites=True) as counts:
        history = model.fit(*_mnist_like("mlp", 3), batch_size=BATCH, epochs=epochs,
                            verbose=0)
    assert counts.host_reads <= epochs, counts.report("host_reads")
    assert len(history.history["loss"]) == epochs
    assert np.isfinite(history.history["accuracy"]).all()


def test_train_on_batch_reads_the_device_once(stand_in):
    model = _trained("mlp")
    x, y = _mnist_like("mlp", 1)
    with strict_cupy.counting(sites=True) as counts:
        loss, accuracy = model.train_on_batch(x, y)
    assert counts.host_reads <= 1, counts.report("host_reads")
    assert np.isfinite(loss) and 0 <= accuracy <= 1


LAUNCH_BUDGETS = {"mlp": 40, "convnet": 60, "bn_convnet": 100}  # kernel launches per fit step


@pytest.mark.parametrize("model_name", sorted(LAUNCH_BUDGETS))
def test_a_fit_step_launches_at_most_its_budget_of_kernels(stand_in, model_name):
    model = _trained(model_name)
    counter = StepCounter(sites=True)
    model.fit(*_mnist_like(model_name, 3), batch_size=BATCH, epochs=1, verbose=0,
              callbacks=[counter])
    step = max(counter.steady_steps(), key=lambda counts: counts.launches)
    assert step.launches <= LAUNCH_BUDGETS[model_name], step.report("launches")
