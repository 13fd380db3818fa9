"""The package's layers, from the bottom up, as DESIGN.md draws them: a module imports only
what sits below it (checked on the source, lazy imports inside functions included)."""

import ast
import pathlib

import pytest

import minikeras

PACKAGE = pathlib.Path(minikeras.__file__).parent


def imported_modules(path):
    """The absolute names of the minikeras modules ``path`` imports, anywhere in it."""
    package = path.relative_to(PACKAGE.parent).parts[:-1]  # ("minikeras", "layers")
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module or "").split("."))).strip(".")
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return {name for name in names if name.startswith("minikeras.")}


def sources(*packages):
    for name in packages:
        path = PACKAGE / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


@pytest.mark.parametrize("lower, higher", [
    ("serialization", ["layers", "models", "saving", "optimizers", "losses", "metrics"]),
    ("layers", ["saving", "models", "optimizers", "callbacks"]),
    ("optimizers", ["layers", "models", "saving", "losses", "metrics"]),
    ("ops", ["layers", "models", "saving", "serialization"]),
])
def test_a_level_imports_nothing_above_it(lower, higher):
    for path in sources(lower):
        upward = {name for name in imported_modules(path)
                  if name.split(".")[1] in higher}
        assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)}"
