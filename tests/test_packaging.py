"""What `pip install minikeras` promises: the license, the dependencies and extras, and an
`import minikeras` that loads nothing heavy it does not need."""

import pathlib
import subprocess
import sys
import textwrap

import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# Run in a fresh interpreter: the packages below cannot even be found there, and
# afterwards none of the modules imported only on demand may be loaded.
IMPORT_WITHOUT_EXTRAS = textwrap.dedent("""
    import sys

    class Missing:
        '''An import finder for which tensorflow, keras and matplotlib are not installed.'''
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "keras", "matplotlib", "cupy"):
                raise ModuleNotFoundError(f"No module named {name!r}")

    sys.meta_path.insert(0, Missing())
    import minikeras as keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    loaded = [m for m in ("h5py", "urllib.request", "http.client", "tarfile", "pickle",
                          "tensorflow", "matplotlib") if m in sys.modules]
    print(",".join(loaded))
""")


def test_import_minikeras_needs_no_extras_and_loads_h5py_and_urllib_on_demand():
    result = subprocess.run([sys.executable, "-c", IMPORT_WITHOUT_EXTRAS], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.strip().split(",") if result.stdout.strip() else []
    # pickle comes with NumPy itself; the others only with a model file or a download
    assert set(loaded) <= {"pickle"}, f"imported by `import minikeras`: {loaded}"


def test_license_file_matches_the_metadata():
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text


def test_dependencies_and_extras():
    names = {extra: [spec.split(">")[0].split("=")[0] for spec in specs]
             for extra, specs in PROJECT["optional-dependencies"].items()}
    assert {"numpy", "h5py", "threadpoolctl"} <= {spec.split(">")[0]
                                                  for spec in PROJECT["dependencies"]}
    assert names["plot"] == ["matplotlib"]
    assert names["keras"] == ["tensorflow"]  # the GPU/TPU-capable package, see README
    assert names["gpu"] == ["cupy-cuda12x"]
