"""The device work of a training step of each MNIST model, counted without a GPU.

    python -m benchmarks.device_work [--models mlp,convnet,bn_convnet]

On a GPU a step of these small models costs what the host spends launching
kernels (tens of microseconds each, Python and CuPy included) and waiting
for the device, more than the arithmetic. The strict CuPy stand-in
(``minikeras.testing.strict_cupy``) counts each step's kernel launches,
allocations, reads on the host and copies to the device on any machine.
They do not depend on the batch size, so a small batch is trained.
``train_mnist`` prints them beside samples/s.
"""

import argparse

import numpy as np

import minikeras
from benchmarks.models import MODELS, build_model
from minikeras import backend
from minikeras.testing import strict_cupy
from minikeras.testing.device_work import StepCounter, most_per_step

STEPS = 4  # trained and counted; the first and last are left out (see StepCounter)


def count_per_step(model_name, batch_size=8):
    """{kind: count} of the busiest steady fit step of ``model_name`` on the stand-in, kinds
    as ``strict_cupy.KINDS`` (launches, allocations, host_reads, host_to_device, ...)."""
    previous = backend.backend(), backend.array_module()
    backend.set_backend("cupy", module=strict_cupy)
    try:
        minikeras.utils.set_random_seed(0)
        model = build_model(minikeras, model_name)
        rng = np.random.default_rng(0)
        shape = (784,) if model_name == "mlp" else (28, 28, 1)
        x = rng.random((STEPS * batch_size, *shape), dtype=np.float32)
        y = rng.integers(0, 10, STEPS * batch_size)
        model.fit(x[:batch_size], y[:batch_size], batch_size=batch_size, verbose=0)  # builds
        counter = StepCounter()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, callbacks=[counter])
        return most_per_step(counter.steady_steps())
    finally:
        backend.set_backend(previous[0], module=previous[1] if previous[0] == "cupy" else None)


def describe(counts):
    """One line: "35 launches, 33 allocations, 0 host reads, 2 copies to the device"."""
    return (f"{counts['launches']} launches, {counts['allocations']} allocations, "
            f"{counts['host_reads']} host reads, {counts['host_to_device']} copies to the "
            f"device ({counts['scalar_host_to_device']} scalar)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args(argv)
    for model_name in args.models.split(","):
        print(f"{model_name}: {describe(count_per_step(model_name))} per fit step")


if __name__ == "__main__":
    main()
