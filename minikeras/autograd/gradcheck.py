"""gradcheck: compares the gradients backward() computes with finite differences.

For f: R^n -> R, the central difference (f(x + eps d) - f(x - eps d)) / (2 eps)
approaches the directional derivative <grad f(x), d> with an error of order
eps**2. In float64 with eps = 1e-6 that leaves about eight correct digits,
enough to catch any mistake in a backward pass.
"""

import numpy as np

from .. import backend
from .function import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with its finite-difference estimate."""


def gradcheck(fn, *inputs, eps=1e-6, tolerance=1e-5, max_elements=64, directions=6, seed=0):
    """Checks the gradients of ``fn`` at ``inputs`` and returns the worst relative error.

    fn: takes one Tensor per input and returns a Tensor of any shape. Its
        output is reduced to a scalar with random weights, so every output
        element is checked.
    inputs: arrays (copied into float64 Tensors that require gradients) or
        Tensors, such as a layer's weights, which are checked in place and left
        in float64.
    max_elements: with at most this many input elements in all, each element
        is perturbed on its own; above it, all inputs are perturbed together
        along ``directions`` random directions (as Chainer's check_backward
        does), which costs two calls of ``fn`` per direction whatever the size.
    Raises GradcheckError, with a report of the worst mismatch, when the relative
    error |analytic - numeric| / max(1, |analytic|, |numeric|) exceeds ``tolerance``.
    Runs with ``floatx()`` set to float64, so layers built inside ``fn`` use it too.
    """
    rng = np.random.default_rng(seed)
    with backend.floatx_scope("float64"):
        tensors = [_as_float64_tensor(x) for x in inputs]
        analytic, weights = _analytic_gradients(fn, tensors, rng)

        def objective():
            with no_grad():
                return float((backend.to_numpy(fn(*tensors).data) * weights).sum())

        if sum(t.size for t in tensors) <= max_elements:
            checks = _elementwise_checks(objective, tensors, analytic, eps)
        else:
            checks = _directional_checks(objective, tensors, analytic, eps, directions, rng)
        worst_error, worst_where, worst_a, worst_n = max(checks, key=lambda check: check[0])
    if worst_error > tolerance:
        raise GradcheckError(
            f"gradient mismatch at {worst_where}: backward() gives {worst_a:.10g}, "
            f"finite differences give {worst_n:.10g} (relative error {worst_error:.3g} "
            f"> tolerance {tolerance:g})"
        )
    return worst_error


def _as_float64_tensor(x):
    if isinstance(x, Tensor):
        x.data = x.data.astype("float64")
        x.requires_grad = True
        return x
    return Tensor(backend.to_device(np.array(x, dtype="float64")), requires_grad=True)


def _analytic_gradients(fn, tensors, rng):
    """The gradients of sum(fn(*tensors) * weights) for random weights, and the weights."""
    for t in tensors:
        t.grad = None
    output = fn(*tensors)
    weights = rng.standard_normal(output.shape)
    if output.requires_grad:
        output.backward(backend.to_device(weights))
    analytic = [
        np.zeros(t.shape) if t.grad is None else backend.to_numpy(t.grad).astype("float64")
        for t in tensors
    ]
    return analytic, weights


def _relative_error(a, n):
    return abs(a - n) / max(1.0, abs(a), abs(n))


def _elementwise_checks(objective, tensors, analytic, eps):
    for i, t in enumerate(tensors):
        for index in np.ndindex(*t.shape):
            original = t.data[index].copy()
            t.data[index] = original + eps
            above = objective()
            t.data[index] = original - eps
            below = objective()
            t.data[index] = original
            numeric = (above - below) / (2 * eps)
            a = float(analytic[i][index])
            yield _relative_error(a, numeric), f"input {i}, element {index}", a, numeric


def _directional_checks(objective, tensors, analytic, eps, directions, rng):
    originals = [t.data.copy() for t in tensors]
    for k in range(directions):
        steps = [rng.standard_normal(t.shape) for t in tensors]
        values = []
        for sign in (1, -1):
            for t, original, step in zip(tensors, originals, steps, strict=True):
                t.data = original + backend.to_device(sign * eps * step)
            values.append(objective())
        for t, original in zip(tensors, originals, strict=True):
            t.data = original
        numeric = (values[0] - values[1]) / (2 * eps)
        a = sum(float((g * step).sum()) for g, step in zip(analytic, steps, strict=True))
        yield _relative_error(a, numeric), f"random direction {k}", a, numeric
