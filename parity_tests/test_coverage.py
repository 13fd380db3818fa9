"""Every public component of minikeras has a parity test: new ones cannot slip in unchecked.

A parity test claims what it checks with ``@covers("layers.Dense", ...)``.
This test imports every parity test module (so every claim is made), lists
the public classes and functions of the component modules, and fails for
any that no test claims and that is not exempt below, with the reason.
"""

import importlib
import inspect
import pathlib

import pytest

from parity_tests import harness

COMPONENT_MODULES = ["activations", "constraints", "initializers", "random", "regularizers",
                     "layers", "losses", "metrics", "optimizers", "optimizers.schedules"]

# Public names that are not components to compare with tf.keras, and why.
EXEMPT = {
    "get": "a registry lookup, tested in tests/",
    "serialize": "a registry function, tested in tests/ and by the saving round trips",
    "deserialize": "a registry function, tested in tests/ and by the saving round trips",
    "register": "a registry decorator, tested in tests/",
    "compute_fans": "a helper of the variance-scaling initializers, which are compared",
}


def _import_parity_modules():
    for path in sorted(pathlib.Path(__file__).parent.glob("test_*.py")):
        importlib.import_module(f"parity_tests.{path.stem}")


def public_components(module_name):
    """'module.Name' for each public class or function defined in minikeras.<module_name>."""
    module = importlib.import_module(f"minikeras.{module_name}")
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    components = set()
    for name in names:
        obj = getattr(module, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith(
                "minikeras") and name not in EXEMPT:
            components.add(f"{module_name}.{name}")
    return components


def test_every_public_component_has_a_parity_test():
    _import_parity_modules()
    public = set().union(*(public_components(m) for m in COMPONENT_MODULES))
    unclaimed = sorted(public - harness.COVERED)
    assert not unclaimed, (
        "public components without a parity test (add one, marked with @covers, or add an "
        f"exemption with its reason to EXEMPT): {unclaimed}")


def test_claims_name_real_components():
    _import_parity_modules()
    public = set().union(*(public_components(m) for m in COMPONENT_MODULES))
    unknown = sorted(name for name in harness.COVERED
                     if name.split(".")[0] in {m.split(".")[0] for m in COMPONENT_MODULES}
                     and name not in public)
    assert not unknown, f"@covers names no public component: {unknown}"


def test_comparison_labels_become_component_names():
    assert harness.component_name("Dense: d/d(input)") == "layers.Dense"
    assert harness.component_name("BatchNormalization moving_mean after 6 steps") == (
        "layers.BatchNormalization")
    assert harness.component_name("losses.mse({'axis': 0}): d/d(input 0)") == "losses.mse"
    assert harness.component_name("activations.relu{'max_value': 6.0}") == "activations.relu"
    assert harness.component_name("schedules.CosineDecay at step 3") == (
        "optimizers.schedules.CosineDecay")
    assert harness.component_name("models.Model.fit (mlp): weights") == "models.Model.fit"
    with pytest.raises(ValueError, match="must start with the component"):
        harness.component_name("a Loss subclass (reduction=sum)")
