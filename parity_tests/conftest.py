"""The parity suite needs TensorFlow: without it the run fails, it never skips.

Users run these tests against their own installed TensorFlow; in CI
`make test` installs the versions in constraints.txt.
"""

import importlib

import pytest

try:
    from parity_tests import harness  # noqa: F401  (imports TensorFlow once, quietly)
except ImportError as error:
    raise pytest.UsageError(
        f"The parity tests compare minikeras with tf.keras and need TensorFlow ({error}). "
        "Install it with `pip install -e '.[dev]'` (or run `make test`)."
    ) from error

from minikeras.testing import dataset_files  # noqa: E402  (after the TensorFlow check)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped parity test is a failed one: nothing here may pass unchecked."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and call.excinfo is not None:
        report.outcome = "failed"
        report.longrepr = f"parity tests must not skip: {call.excinfo.value}"


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """No test downloads anything, module fixtures included (tests of downloads serve bytes
    from memory or file://); Keras's get_file calls the urlretrieve it imported into its
    own module."""
    keras_file_utils = importlib.import_module("keras.src.utils.file_utils")
    with pytest.MonkeyPatch.context() as patch:
        dataset_files.refuse_downloads(patch, keras_file_utils)
        yield
