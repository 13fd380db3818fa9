"""The parity report: every component once, on fixed seeds, against the installed tf.keras.

    python -m parity_tests.report [--output parity_report.md]

Runs the parity suite with the ``report`` hypothesis profile (a few
derandomized examples per test, so the numbers repeat), collects every
comparison the harness made, and writes one row per component: the largest
absolute and relative error of its forward values and of its gradients, the
tolerances, and whether every comparison passed.
"""

import argparse
import collections
import os
import platform
import sys

import pytest

from minikeras import __version__ as minikeras_version
from minikeras.utils.file_utils import atomic_write


class _Collector:
    """A pytest plugin that keeps the harness's records and each test's outcome."""

    def __init__(self):
        self.records = []
        self.failed_tests = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.failed:
            self.failed_tests.append(report.nodeid)

    def pytest_sessionfinish(self, session):
        from parity_tests import harness

        self.records = list(harness.RECORDS)


def component_rows(records):
    """One row per component and tolerance kind: worst errors per quantity, tolerances, pass/fail.

    A component compared under two kinds (a layer alone, and inside a trained
    model) gets a row for each, so that every row's errors meet its own tolerance.
    """
    rows = collections.OrderedDict()
    for record in records:
        key = (record["component"], record["kind"])
        row = rows.setdefault(key, {"passed": True, "checks": 0})
        quantity = record["quantity"]
        row["checks"] += 1
        row["passed"] &= record["passed"]
        for measure in ("abs_error", "rel_error"):
            field = f"{quantity}_{measure}"
            row[field] = max(row.get(field, 0.0), record[measure])
        row[f"{quantity}_tolerance"] = (record["rtol"], record["atol"])
    return rows


def _fmt(value):
    return "–" if value is None else f"{value:.1e}"


def _tolerance(pair):
    return "–" if pair is None else f"{pair[0]:g} / {pair[1]:g}"


def markdown(rows, versions, failed_tests):
    """The report as a markdown document."""
    lines = [
        "# Parity report",
        "",
        "minikeras against tf.keras, every component on fixed seeds "
        "(`python -m parity_tests.report`).",
        "",
        *(f"- {name}: {version}" for name, version in versions.items()),
        "",
        "Errors are the largest over all comparisons of the component: forward values, and "
        "gradients with respect to every input and weight. Tolerance is rtol / atol "
        "(float32, see `parity_tests/harness.py`).",
        "",
        "| component | kind | checks | forward abs | forward rel | gradient abs | gradient rel "
        "| tolerance (fwd) | tolerance (grad) | result |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for name, kind in sorted(rows):
        row = rows[(name, kind)]
        lines.append(
            f"| {name} | {kind} | {row['checks']} | {_fmt(row.get('forward_abs_error'))} "
            f"| {_fmt(row.get('forward_rel_error'))} | {_fmt(row.get('gradient_abs_error'))} "
            f"| {_fmt(row.get('gradient_rel_error'))} "
            f"| {_tolerance(row.get('forward_tolerance'))} "
            f"| {_tolerance(row.get('gradient_tolerance'))} "
            f"| {'pass' if row['passed'] else '**FAIL**'} |")
    passed = sum(row["passed"] for row in rows.values())
    lines += ["", f"{passed} of {len(rows)} rows pass."]
    if failed_tests:
        lines += ["", "Failed tests:", "", *(f"- `{test}`" for test in failed_tests)]
    return "\n".join(lines) + "\n"


def versions():
    """The versions the report was made with."""
    import numpy
    import tensorflow as tf

    return {"minikeras": minikeras_version, "TensorFlow": tf.__version__,
            "Keras": tf.keras.__version__, "NumPy": numpy.__version__,
            "Python": platform.python_version()}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Writes the parity report.")
    parser.add_argument("--output", default="parity_report.md")
    args = parser.parse_args(argv)
    os.environ["MINIKERAS_HYPOTHESIS_PROFILE"] = "report"
    collector = _Collector()
    here = os.path.dirname(os.path.abspath(__file__))
    code = pytest.main([here, "-q", "-p", "no:cacheprovider"], plugins=[collector])
    rows = component_rows(collector.records)
    report = markdown(rows, versions(), collector.failed_tests)
    atomic_write(args.output, lambda stream: stream.write(report.encode("utf-8")))
    print(f"wrote {args.output}: {len(rows)} components")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
